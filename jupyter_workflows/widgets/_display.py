"""The rich display of a process node: a fresh live ProcessWidget each time, with text and HTML fallbacks.

Each display builds its own widget, so a process shown again in a later cell gets a fresh, correct view while the
earlier output keeps following the same process (it never turns into something else). Where no widget front end
can exist (a terminal IPython) only text is produced, and no widget is made.
"""

from __future__ import annotations

from typing import Any

from ..nodes import ProcessNode
from ._process_widget import ProcessWidget
from ._repr import process_html, process_text

__all__ = ["process_mimebundle"]


def process_mimebundle(node: ProcessNode, *, widgets: bool = True) -> dict[str, Any]:
    """``text/plain`` (the node's repr), ``text/html`` (a static card) and, when ``widgets``, a live widget view."""
    if not widgets or node.pk is None:
        return {"text/plain": process_text(node) if node.pk is not None else repr(node)}
    bundle: dict[str, Any] = {"text/plain": repr(node), "text/html": process_html(node)}
    view = ProcessWidget(node)._repr_mimebundle_()
    if view:
        bundle.update({key: value for key, value in view.items() if key != "text/plain"})
    return bundle
