"""ProcessListWidget (``jw.monitor()``): every process in the store, newest first, live for this kernel's processes.

Filter by state and label, select rows and pause / play / kill / resume them together, open a row as a
ProcessWidget. One subscription to all of this kernel's events feeds one throttled refresh (a page query of the
store), so a thousand running processes cost a few refreshes a second, not a message per event. Processes of other
kernels show up through a light timer on the loop that backs off while nothing changes.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import ipywidgets as w  # type: ignore[import-untyped]
from ipywidgets.widgets.widget_bool import CheckboxStyle  # type: ignore[import-untyped]  # not at the top level

from .._core import ACTIVE_STATES, ProcessEvent, ProcessState, UsageError, WorkflowsError
from .._format import format_age
from .._runtime import get_runtime
from ..control import ProcessRow, kill, pause, play, processes
from ..launch import resume
from ..nodes import ProcessNode, load_node
from ._controls import ConfirmKill, Kit, show
from ._process_widget import KILL_MESSAGE, ProcessWidget
from ._style import STYLESHEET, badge_html, badge_of, escape
from ._updates import BackoffTimer, LoopBridge, Throttle

__all__ = ["FILTERS", "ProcessListWidget", "monitor"]

ACTIVE = tuple(sorted(ACTIVE_STATES))
SCAN_LIMIT = 2000  # rows read when a filter needs more than the store query (paused, orphaned, label text)


@dataclass(frozen=True)
class _Filter:
    states: tuple[ProcessState, ...] | None
    keep: Callable[[ProcessRow], bool] | None = None


FILTERS: dict[str, _Filter] = {
    "all": _Filter(None),
    "active": _Filter(ACTIVE),
    "running": _Filter((ProcessState.RUNNING,)),
    "waiting": _Filter((ProcessState.WAITING,)),
    "created": _Filter((ProcessState.CREATED,)),
    "paused": _Filter(ACTIVE, lambda row: row.paused),
    "orphaned": _Filter(ACTIVE, lambda row: row.orphaned),
    "finished ok": _Filter((ProcessState.FINISHED,), lambda row: row.finished_ok),
    "failed": _Filter((ProcessState.FINISHED,), lambda row: not row.finished_ok),
    "excepted": _Filter((ProcessState.EXCEPTED,)),
    "killed": _Filter((ProcessState.KILLED,)),
}


def row_badge(row: ProcessRow) -> tuple[str, str]:
    return badge_of(row.state.value, paused=row.paused, exit_status=row.exit_status)


def row_html(row: ProcessRow) -> str:
    key, text = row_badge(row)
    orphan = (
        " " + badge_html("orphaned", "orphaned", title="The kernel or worker that ran it is gone: resume or kill it.")
        if row.orphaned
        else ""
    )
    label = f" <i>{escape(row.label)}</i>" if row.label else ""
    status = escape(row.status)
    shown = row.owner.describe()
    owner = "" if not shown or row.runs_here or row.orphaned else f" · {escape(shown)}"
    return (
        f'<span class="jw-cell" style="width:8em">{badge_html(key, text)}</span>'
        f'<span class="jw-cell" style="width:4.5em;text-align:right;padding-right:0.8em"><b>{row.pk}</b></span>'
        f'<span class="jw-cell" style="width:14em">{escape(row.process_label)}{label}</span>'
        f'<span class="jw-cell jw-dim" style="width:6em" title="age">{format_age(time.time() - row.ctime)}</span>'
        f'<span class="jw-cell" style="max-width:26em" title="{status}{owner}">{status}{owner}{orphan}</span>'
    )


class _Slot:
    """One visible row: a selection checkbox, the row's text, and Open. Slots are reused as pages change."""

    def __init__(self, table: ProcessListWidget, kit: Kit, checkbox: tuple[w.Layout, CheckboxStyle]) -> None:
        self.row: ProcessRow | None = None
        self.select = w.Checkbox(value=False, indent=False, layout=checkbox[0], style=checkbox[1])
        self.line = kit.html()
        self.open = kit.button("Open", icon="external-link", tooltip="Show it as a ProcessWidget below.")
        self.box = w.HBox([self.select, self.line, self.open], layout=w.Layout(align_items="center"))
        self.box.add_class("jw-process-row")
        self._assigning = False  # set while the table writes the checkbox: that change is not the user's
        self.select.observe(self._selected, names="value")
        self.open.on_click(table._bridge.handler(lambda _: table.open_process(self.row.pk) if self.row else None))
        self._table = table

    def _selected(self, change: dict[str, Any]) -> None:
        row = self.row  # read now, on the thread the change arrived on: the slot may show another row later
        if row is not None and not self._assigning:
            self._table._bridge.call(self._table._set_selected, row.pk, bool(change["new"]))

    def assign(self, row: ProcessRow | None, selected: bool, opened: bool) -> None:
        self.row = row
        show(self.box, row is not None)
        if row is None:
            return
        self.line.value = row_html(row)
        # A tick from the front end may still be on its way to the loop: echoing this write back as a "user change"
        # would undo it (seen: two quick ticks, one lost to a refresh in between).
        self._assigning = True
        try:
            self.select.value = selected
        finally:
            self._assigning = False
        self.open.description = "Close" if opened else "Open"

    def close(self) -> None:
        for widget in (self.select, self.line, self.open, self.box):
            widget.close()


class ProcessListWidget(w.VBox):  # type: ignore[misc]
    """Every process in the store with state, label, pk and age: ``ProcessListWidget()`` (or ``jw.monitor()``).

    ``state`` is one of ``FILTERS`` ("all", "active", "running", "paused", "orphaned", "failed", ...), ``label``
    keeps processes whose label contains this text. Select rows (or call ``select``) and use Pause / Play / Kill /
    Resume on all of them; Open shows a row as a ProcessWidget. ``selected`` is the set of selected pks, ``rows`` the
    rows shown, ``last_message`` what the last bulk action did.
    """

    def __init__(
        self, *, state: str = "all", label: str = "", page_size: int = 20, interval: float = 0.25, **kwargs: Any
    ) -> None:
        if state not in FILTERS:
            raise UsageError(f"Unknown state filter {state!r}; choose one of: {', '.join(FILTERS)}.")
        runner = get_runtime().runner
        self._runner = runner
        self._unsubscribe: Callable[[], None] | None = None
        self._bridge = LoopBridge(
            runner.loop, on_error=lambda error: self._say(f"{type(error).__name__}: {error}", True)
        )
        self._throttle = Throttle(runner.loop, self._render, interval)
        self._timer = BackoffTimer(runner.loop, self._poll, initial=2.0, maximum=10.0)
        self.page_size = page_size
        self.page = 0
        self.selected: set[int] = set()
        self.rows: list[ProcessRow] = []
        self.last_message = ""  # what the last bulk action did, as plain text
        self._has_more = False
        self._opened: ProcessWidget | None = None
        self._hidden = False
        self._ever_viewed = False
        kit = Kit(compact=True)
        toolbar = self._build_toolbar(kit, state, label)
        actions = self._build_actions(kit)
        checkbox = (w.Layout(width="28px"), CheckboxStyle())  # shared by every row
        self._slots = [_Slot(self, kit, checkbox) for _ in range(page_size)]
        self.detail = w.VBox()
        self._connect()
        kwargs.setdefault("_view_count", 0)
        self._styles = kit.html(STYLESHEET)
        rows = [slot.box for slot in self._slots]
        super().__init__(children=[self._styles, toolbar, actions, *rows, self.detail], **kwargs)
        self.add_class("jw-process-list")
        self.observe(self._bridge.handler(self._views_changed), names="_view_count")
        self._unsubscribe = runner.events.subscribe(self._on_event)
        self._render()
        self._timer.start()

    def _build_toolbar(self, kit: Kit, state: str, label: str) -> w.HBox:
        self.state_filter = w.Dropdown(options=list(FILTERS), value=state, description="State", layout=kit.field_layout)
        self.label_filter = w.Text(value=label, placeholder="label contains…", layout=kit.field_layout)
        self.previous_page = kit.button("◀", tooltip="Newer processes")
        self.next_page = kit.button("▶", tooltip="Older processes")
        self.position = kit.html()
        parts = [self.state_filter, self.label_filter, self.previous_page, self.next_page, self.position]
        return w.HBox(parts, layout=kit.wrap_layout)

    def _build_actions(self, kit: Kit) -> w.HBox:
        self.select_page = kit.button("Select shown", tooltip="Select every row shown.")
        self.clear_selection = kit.button("Clear", tooltip="Select nothing.")
        self.pause_button = kit.button("Pause", icon="pause", tooltip="Pause the selected processes.")
        self.play_button = kit.button("Play", icon="play", tooltip="Play the selected processes.")
        self.killer = ConfirmKill(self._bridge, kit, self._kill_selected, tooltip="Kill the selected processes (asks).")
        self.resume_button = kit.button(
            "Resume", icon="repeat", style="warning", hideable=True, tooltip="Resume the selected orphans here."
        )
        show(self.resume_button, False)
        self.message = kit.html()
        parts = [self.select_page, self.clear_selection, self.pause_button, self.play_button, *self.killer.widgets]
        return w.HBox([*parts, self.resume_button, self.message], layout=kit.wrap_layout)

    def _connect(self) -> None:
        on = self._bridge.handler
        self.state_filter.observe(on(lambda _: self._filters_changed()), names="value")
        self.label_filter.observe(on(lambda _: self._filters_changed()), names="value")
        self.previous_page.on_click(on(lambda _: self._turn(-1)))
        self.next_page.on_click(on(lambda _: self._turn(+1)))
        self.select_page.on_click(on(lambda _: self._select_shown()))
        self.clear_selection.on_click(on(lambda _: self._clear()))
        self.pause_button.on_click(on(lambda _: self._bulk("Paused", pause)))
        self.play_button.on_click(on(lambda _: self._bulk("Played", play)))
        self.resume_button.on_click(on(lambda _: self._resume_selected()))

    # -- public -----------------------------------------------------------------------------------------------------
    @property
    def kill_button(self) -> w.Button:
        """Kill the selected processes: it turns into ``confirm_kill_button`` and Cancel for a few seconds."""
        return self.killer.kill

    @property
    def confirm_kill_button(self) -> w.Button:
        return self.killer.confirm

    def select(self, *processes: ProcessNode | int) -> None:
        """Select processes (nodes or pks), as ticking their rows does; the bulk buttons act on the selection."""
        for item in processes:
            pk = item if isinstance(item, int) else item.pk
            if pk is not None:
                self.selected.add(pk)
        self._render()

    def refresh(self) -> None:
        """Re-read the store soon (coalesced with pending refreshes)."""
        self._throttle.poke()

    def open_process(self, pk: int) -> ProcessWidget | None:
        """Show process ``pk`` as a ProcessWidget below the list (again: close it)."""
        previous = self._opened
        if previous is not None:
            previous.close()
            self._opened = None
            self.detail.children = ()
        if previous is None or previous.node.pk != pk:
            self._opened = ProcessWidget(pk)
            self.detail.children = (self._opened,)
        self._render()
        return self._opened

    def close(self) -> None:
        if "_slots" not in self.__dict__:  # __init__ failed part way (ipywidgets closes from __del__ then)
            super().close()
            return
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        self._throttle.cancel()
        self._timer.stop()
        if self._opened is not None:
            self._opened.close()
        for slot in self._slots:
            slot.close()
        self._styles.close()
        super().close()

    def __repr__(self) -> str:
        state, rows, selected = self.state_filter.value, len(self.rows), len(self.selected)
        return f"ProcessListWidget(state={state!r}, rows={rows}, selected={selected})"

    # -- events and timers --------------------------------------------------------------------------------------------
    def _on_event(self, event: ProcessEvent) -> None:
        if event.kind in {"state", "paused", "status", "called"}:
            self._throttle.poke()

    def _poll(self) -> bool:
        before = self.rows
        self._render()
        return self.rows != before

    def _views_changed(self, change: dict[str, Any]) -> None:
        count = change["new"] or 0
        self._ever_viewed = self._ever_viewed or count > 0
        self._hidden = self._ever_viewed and count == 0
        if self._hidden:
            self._timer.stop()
        else:
            self._render()
            self._timer.start()

    # -- querying and rendering ---------------------------------------------------------------------------------------
    def _query(self) -> tuple[list[ProcessRow], bool]:
        chosen = FILTERS[self.state_filter.value]
        text = self.label_filter.value.strip().lower()
        start = self.page * self.page_size
        if chosen.keep is None and not text:
            found = list(processes(states=chosen.states, limit=start + self.page_size + 1))
        else:
            found = [
                row
                for row in processes(states=chosen.states, limit=SCAN_LIMIT)
                if (chosen.keep is None or chosen.keep(row))
                and (not text or text in row.process_label.lower() or text in row.label.lower())
            ]
        return found[start : start + self.page_size], len(found) > start + self.page_size

    def _render(self) -> None:
        if self._hidden:
            return
        self.rows, self._has_more = self._query()
        if not self.rows and self.page > 0:  # the page emptied (filters changed, processes gone): go back
            self.page = max(0, self.page - 1)
            self.rows, self._has_more = self._query()
        opened = self._opened.node.pk if self._opened is not None else None
        for index, slot in enumerate(self._slots):
            row = self.rows[index] if index < len(self.rows) else None
            slot.assign(row, row is not None and row.pk in self.selected, row is not None and row.pk == opened)
        first = self.page * self.page_size
        shown = f"{first + 1} to {first + len(self.rows)}" if self.rows else "none"
        more = "+" if self._has_more else ""
        self.position.value = (
            f'<span style="font-size:0.9em;opacity:0.8">rows {shown}{more} · {len(self.selected)} selected · '
            f"updated {time.strftime('%H:%M:%S')}</span>"
        )
        self.previous_page.disabled = self.page == 0
        self.next_page.disabled = not self._has_more
        nothing = not self.selected
        for widget in (self.pause_button, self.play_button, self.resume_button):
            widget.disabled = nothing
        self.killer.set_enabled(not nothing)
        show(self.resume_button, any(row.orphaned for row in self.rows))  # only where there is something to resume

    def _filters_changed(self) -> None:
        self.page = 0
        self._render()

    def _turn(self, step: int) -> None:
        self.page = max(0, self.page + step)
        self._render()

    # -- selection and bulk actions -----------------------------------------------------------------------------------
    def _set_selected(self, pk: int, selected: bool) -> None:
        if (pk in self.selected) == selected:
            return
        if selected:
            self.selected.add(pk)
        else:
            self.selected.discard(pk)
        self._throttle.poke()

    def _select_shown(self) -> None:
        self.selected.update(row.pk for row in self.rows)
        self._render()

    def _clear(self) -> None:
        self.selected.clear()
        self._render()

    def _bulk(self, verb: str, action: Callable[..., list[ProcessNode]], **options: Any) -> None:
        done, problems = 0, []
        for pk in sorted(self.selected):
            try:
                done += len(action(pk, **options))
            except WorkflowsError as error:
                problems.append(str(error))
        text = f"{verb} {done} of {len(self.selected)}."
        self._say(text + (" " + " ".join(problems[:3]) if problems else ""), bool(problems))
        self._throttle.flush()

    def _kill_selected(self) -> None:
        self._bulk("Killed", kill, message=KILL_MESSAGE)

    def _resume_selected(self) -> None:
        def resume_one(pk: int) -> list[ProcessNode]:
            node = load_node(pk)
            return [resume(node)] if isinstance(node, ProcessNode) else []

        self._bulk("Resumed", resume_one)

    def _say(self, text: str, error: bool = False) -> None:
        self.last_message = text
        colour = "#b71c1c" if error else "inherit"
        self.message.value = f'<span style="color:{colour};font-size:0.9em">{escape(text)}</span>'


def monitor(*, state: str = "all", label: str = "", page_size: int = 20) -> ProcessListWidget:
    """A live list of every process in the store: filter, select, pause / play / kill / resume, open one.

    Display it as the last expression of a cell: ``jw.monitor()`` or ``jw.monitor(state="active")``.
    """
    return ProcessListWidget(state=state, label=label, page_size=page_size)
