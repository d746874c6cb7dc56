"""The Provenance section of a ProcessWidget: the process's graph, coloured by the live state of every node in it.

Drawing costs a few queries and a Graphviz run, so the graph is drawn only while its section is open, and redrawn at
most once a second: when the process reports a change, and on a one-second tick while it runs (its children's states
colour the graph too, and their events go to their own widgets). An unchanged graph comes from ``graph_svg``'s cache.
"""

from __future__ import annotations

import asyncio
import html
from typing import Any

import ipywidgets as w  # type: ignore[import-untyped]

from .._core import WorkflowsError
from ..nodes import ProcessNode
from ._controls import Kit
from ._updates import LoopBridge

__all__ = ["GRAPH_MAX_NODES", "ProvenanceView"]

GRAPH_MAX_NODES = 400  # larger graphs are refused here: use jw.graph(...) with depth limits in a cell
REDRAW_SECONDS = 1.0


class ProvenanceView:
    def __init__(self, node: ProcessNode, kit: Kit, bridge: LoopBridge) -> None:
        self._node = node
        self._loop: asyncio.AbstractEventLoop = bridge.loop
        self.widget = kit.html()
        self.accordion = w.Accordion([self.widget], titles=("Provenance",), selected_index=None)
        self.accordion.observe(bridge.handler(self._opened_or_closed), names="selected_index")
        self._redraw: asyncio.TimerHandle | None = None
        self._finished = False
        self.draws = 0

    @property
    def is_open(self) -> bool:
        return bool(self.accordion.selected_index == 0)

    def changed(self, *, terminated: bool) -> None:
        """The process changed: redraw soon (if the section is open)."""
        self._finished = terminated
        if self.is_open:
            self._schedule(0.0 if terminated else REDRAW_SECONDS)

    def close(self) -> None:
        self._cancel()
        self.widget.close()
        self.accordion.close()

    def draw(self) -> None:
        self._redraw = None
        if not self.is_open:
            return
        from ..graph import graph_svg

        try:
            svg = graph_svg(self._node, ancestors=1, max_nodes=GRAPH_MAX_NODES)
            self.widget.value = f'<div style="overflow:auto; max-height:36em">{svg}</div>'
        except WorkflowsError as error:
            self.widget.value = f"<i>{html.escape(str(error))}</i>"
        self.draws += 1
        if not self._finished and not self._node.is_terminated:
            self._schedule(REDRAW_SECONDS)  # the children's states colour the graph: keep up while it runs

    def _opened_or_closed(self, _change: Any) -> None:
        if self.is_open:
            self._schedule(0.0)
        else:
            self._cancel()

    def _schedule(self, delay: float) -> None:
        if self._redraw is not None:
            if delay > 0:
                return  # a redraw is coming anyway
            self._redraw.cancel()
        self._redraw = self._loop.call_later(delay, self.draw)

    def _cancel(self) -> None:
        if self._redraw is not None:
            self._redraw.cancel()
            self._redraw = None
