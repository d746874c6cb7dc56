"""Rich display of process nodes in IPython, registered with IPython's own formatter (no IPython import here).

``enable_rich_display()`` is cheap and safe anywhere: outside IPython it does nothing, and inside it registers a
function that imports the widgets only when a process node is first displayed.
"""

from __future__ import annotations

import sys
from typing import Any

__all__ = ["enable_rich_display", "process_node_mimebundle"]


def enable_rich_display(shell: Any = None) -> bool:
    """Show process nodes as live widgets in this IPython shell (the running one by default). Returns whether a
    shell was found. Safe to call more than once."""
    if shell is None:
        ipython = sys.modules.get("IPython")
        shell = ipython.get_ipython() if ipython is not None else None
    if shell is None or getattr(shell, "display_formatter", None) is None:
        return False
    from ..nodes import ProcessNode

    shell.display_formatter.mimebundle_formatter.for_type(ProcessNode, process_node_mimebundle)
    return True


def process_node_mimebundle(node: Any) -> dict[str, Any]:
    """The mime bundle IPython shows for a process node: a live widget in a kernel, text in a terminal."""
    from ..widgets._display import process_mimebundle

    return process_mimebundle(node, widgets=_has_widget_frontend())


def _has_widget_frontend() -> bool:
    """A kernel (something can render widgets) as opposed to a terminal IPython (nothing can)."""
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    return getattr(shell, "kernel", None) is not None
