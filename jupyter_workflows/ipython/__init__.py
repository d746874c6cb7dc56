"""IPython integration: ``%load_ext jupyter_workflows`` (the ``%workflows`` magic) and the rich display of process
nodes. Importing this package imports nothing from IPython; the extension does when it is loaded."""

from ._display import enable_rich_display as enable_rich_display
from ._extension import (
    load_ipython_extension as load_ipython_extension,
    unload_ipython_extension as unload_ipython_extension,
)

__all__ = ["enable_rich_display", "load_ipython_extension", "unload_ipython_extension"]
