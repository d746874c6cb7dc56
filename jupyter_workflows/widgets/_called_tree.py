"""The tree of processes a process called: one line per child with its own live state, each openable as a full
ProcessWidget (whose own tree opens the grandchildren, and so on).

Rows are plain HTML plus one button, and only ``PAGE`` of them are built at a time, so a WorkChain with thousands of
children costs a few dozen widgets. Child events mark the child's row dirty and poke the owning widget's throttle:
one refresh serves any number of child events.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

import ipywidgets as w  # type: ignore[import-untyped]

from .._core import EventBus, ProcessEvent
from ..nodes import ProcessNode
from ._controls import Kit, show
from ._repr import title_html
from ._snapshot import ProcessSnapshot
from ._style import badge_html, badge_of, escape
from ._updates import LoopBridge

__all__ = ["CalledTree"]

PAGE = 50


class _Row:
    """One child: a line (badge, name, step or status, elapsed) and, once opened, its own ProcessWidget below."""

    def __init__(
        self, node: ProcessNode, bridge: LoopBridge, kit: Kit, open_widget: Callable[[ProcessNode], w.Widget]
    ) -> None:
        self.node = node
        self.snapshot: ProcessSnapshot | None = None
        self._open_widget = open_widget
        self.opened: w.Widget | None = None
        self.toggle = kit.button("Open", icon="caret-right", tooltip="Show this process as its own widget.")
        self.toggle.on_click(bridge.handler(lambda _: self.flip()))
        self.line = kit.html()
        self.detail = w.VBox(
            layout=w.Layout(margin="0 0 4px 24px", border_left="2px solid #b0bec5", padding="0 0 0 6px")
        )
        show(self.detail, False)
        self.header = w.HBox([self.toggle, self.line], layout=kit.row_layout)
        self.box = w.VBox([self.header, self.detail], layout=kit.column_layout)
        self.box.add_class("jw-called-row")
        self.unsubscribe: Callable[[], None] | None = None

    def render(self) -> ProcessSnapshot:
        snap = ProcessSnapshot.of(self.node)
        self.snapshot = snap
        where = f" · step {escape(snap.step)}" if snap.step and not snap.terminated else ""
        status = f" · {escape(snap.status)}" if snap.status and not snap.terminated else ""
        self.line.value = (
            f"{badge_html(snap.badge, snap.badge_text)} {title_html(snap)}{where}{status}"
            f' <span class="jw-dim">{snap.duration_text(ticking=False)}</span>'
        )
        return snap

    def flip(self) -> None:
        opening = self.detail.layout.display == "none"
        if opening and self.opened is None:
            self.opened = self._open_widget(self.node)
            self.detail.children = (self.opened,)
        show(self.detail, opening)
        with self.toggle.hold_sync():
            self.toggle.description = "Close" if opening else "Open"
            self.toggle.icon = "caret-down" if opening else "caret-right"

    def close(self) -> None:
        if self.unsubscribe is not None:
            self.unsubscribe()
            self.unsubscribe = None
        if self.opened is not None:
            self.opened.close()
        for widget in (self.toggle, self.line, self.detail, self.header, self.box):
            widget.close()


class CalledTree:
    """The called processes of ``node``, kept current from events; ``widget`` is what to display."""

    def __init__(
        self,
        node: ProcessNode,
        *,
        bus: EventBus,
        bridge: LoopBridge,
        kit: Kit,
        poke: Callable[[], None],
        open_widget: Callable[[ProcessNode], w.Widget],
    ) -> None:
        self._node = node
        self._bus = bus
        self._bridge = bridge
        self._poke = poke
        self._open_widget = open_widget
        self._rows: dict[int, _Row] = {}
        self._children: list[ProcessNode] = []
        self._dirty: set[int] = set()
        self._shown = PAGE
        self.counts: Counter[str] = Counter()
        self._kit = kit
        self.more = self._kit.button("Show more", icon="angle-double-down", hideable=True)
        self.more.on_click(bridge.handler(lambda _: self._show_more()))
        show(self.more, False)
        self.widget = w.VBox([self.more], layout=kit.column_layout)
        self.widget.add_class("jw-called")

    def __len__(self) -> int:
        return len(self._children)

    @property
    def pending(self) -> bool:
        """Whether a child changed since the last render."""
        return bool(self._dirty)

    def reload(self) -> None:
        """Re-read the list of children (after a "called" event, or from a timer)."""
        self._children = self._node.called
        self._dirty.update(self._rows)
        self.render()

    def render(self) -> None:
        visible = self._children[: self._shown]
        rows = []
        for child in visible:
            row = self._rows.get(child.pk)  # type: ignore[arg-type]
            if row is None:
                row = self._rows[child.pk] = _Row(child, self._bridge, self._kit, self._open_widget)  # type: ignore[index]
                self._follow(row)
                self._dirty.add(child.pk)  # type: ignore[arg-type]
            rows.append(row)
        for row in rows:
            if row.node.pk in self._dirty:
                snap = row.render()
                if snap.terminated and row.unsubscribe is not None:
                    row.unsubscribe()
                    row.unsubscribe = None
        self._dirty.clear()
        self._count(rows)
        left = len(self._children) - len(visible)
        self.more.description = f"Show more ({left} not shown)"
        show(self.more, left > 0)
        boxes = (*(row.box for row in rows), self.more)
        if boxes != self.widget.children:
            self.widget.children = boxes

    def title(self) -> str:
        if not self._children:
            return "Called processes (none)"
        summary = ", ".join(f"{n} {key}" for key, n in sorted(self.counts.items()))
        return f"Called processes ({len(self._children)}: {summary})"

    def close(self) -> None:
        for row in self._rows.values():
            row.close()
        self._rows.clear()
        self.more.close()
        self.widget.close()

    def _count(self, rows: list[_Row]) -> None:
        shown = {row.node.pk for row in rows}
        counts: Counter[str] = Counter(row.snapshot.badge for row in rows if row.snapshot is not None)
        for child in self._children:
            if child.pk not in shown:  # beyond the page: count without building a row (in memory when live here)
                counts[_badge_key(child)] += 1
        self.counts = counts

    def _follow(self, row: _Row) -> None:
        pk = row.node.pk
        assert pk is not None

        def on_event(event: ProcessEvent) -> None:
            self._dirty.add(pk)
            self._poke()

        row.unsubscribe = self._bus.subscribe(on_event, pk=pk)

    def _show_more(self) -> None:
        self._shown += PAGE
        self.render()


def _badge_key(node: ProcessNode) -> str:
    """The badge of a process, reading no more than its state, pause flag and exit status."""
    state = node.process_state
    return badge_of(state.value, paused=node.paused and not state.is_terminal, exit_status=node.exit_status)[0]
