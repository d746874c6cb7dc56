"""Live widgets for processes: ``ProcessWidget(node)``, ``ProcessListWidget()`` and ``monitor()``.

Process nodes display as these widgets in IPython kernels (the last expression of a cell, ``display(node)``): the
package registers that display when it is imported (see ``jupyter_workflows.ipython``).
"""

from ._process_list_widget import ProcessListWidget as ProcessListWidget, monitor as monitor
from ._process_widget import ProcessWidget as ProcessWidget

__all__ = ["ProcessListWidget", "ProcessWidget", "monitor"]
