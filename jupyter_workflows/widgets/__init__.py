"""Live widgets for processes: ``ProcessWidget(node)``, ``ProcessListWidget()`` and ``monitor()``.

Importing this package also makes process nodes display as live widgets in IPython kernels (the last expression
of a cell, ``display(node)``); elsewhere they show as text or static HTML.
"""

from ._process_list_widget import ProcessListWidget as ProcessListWidget, monitor as monitor
from ._process_widget import ProcessWidget as ProcessWidget

__all__ = ["ProcessListWidget", "ProcessWidget", "monitor"]


def _register_display() -> None:
    from ..ipython._display import enable_rich_display

    enable_rich_display()


_register_display()
