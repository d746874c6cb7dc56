"""ProcessWidget: one process, live: state badge, step, elapsed time, Pause / Play / Kill, report log, called
processes, outputs and traceback.

Updates are pushed: the widget subscribes to the engine's events for its process, marks what changed, and a
``Throttle`` refreshes at most every ``interval`` seconds. A process another kernel or a daemon worker runs is
followed by its ``state_changed`` broadcasts when a broker is configured; it is re-read on a light timer (with
back-off) only while no broadcast can reach the widget (no broker, or the broker away), and once when they reach it
again. Every click is handed to the kernel's loop first.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import ipywidgets as w  # type: ignore[import-untyped]
import traitlets

from .._core import ProcessEvent, UsageError, WorkflowsError
from .._processes import StateChangeFeed, follow_state_changes
from .._runtime import Ownership, get_runtime
from ..control import kill, pause, play
from ..launch import resume
from ..nodes import ProcessNode, process_node_of
from ._called_tree import CalledTree
from ._controls import Kit, ProcessControls
from ._provenance import ProvenanceView
from ._repr import details_html, title_html
from ._sections import SECTIONS, ProcessSections
from ._snapshot import ProcessSnapshot
from ._style import HELP_BLOCKED, STYLESHEET, badge_html, escape
from ._updates import BackoffTimer, LoopBridge, Throttle

if TYPE_CHECKING:
    from .._wire import StateChanged

__all__ = ["KILL_MESSAGE", "ProcessWidget"]

KILL_MESSAGE = "Killed from its widget."
_HEAD = "head"
_TERMINAL = {"finished", "excepted", "killed"}
_STEERED_OVER_THE_BROKER = {Ownership.ELSEWHERE, Ownership.QUEUED}
SAFETY_READ_SECONDS = 60.0
"""While broadcasts reach the widget, it re-reads the store only if nothing was read for this long: broadcasts are
fire-and-forget, so one lost costs at most a minute of a stale view, never a frozen one."""
# which parts of the view an event makes stale
_STALE = {"state": (_HEAD, "provenance"), "paused": (_HEAD,), "status": (_HEAD,), "step": (_HEAD,),
          "report": ("reports",), "called": ("called", "provenance"), "output": ("outputs", "provenance")}  # fmt: skip


class ProcessWidget(w.VBox):  # type: ignore[misc]
    """A live view of one process with its controls: ``ProcessWidget(node)`` or ``ProcessWidget(pk)``.

    ``compact=True`` gives a one-line form for lists of many processes. ``interval`` bounds how often the view is
    refreshed (seconds; events in between are coalesced). ``state`` is the badge shown now (``"running"``,
    ``"paused"``, ``"failed"``, ...). The buttons are ``pause_button``, ``play_button``, ``kill_button`` (which asks
    for ``confirm_kill_button``) and ``resume_button`` (orphans).

    Clicks are handled while the kernel is idle or a cell awaits. While a cell runs a process synchronously
    (``jw.run()``), a click that arrives on a comm subshell thread (JupyterLab >= 4.4) acts at the process's next step
    boundary; one on the main shell waits for the cell to end: use ``jw.submit()`` or ``await`` to keep control.
    """

    state = traitlets.Unicode("", help="The badge shown now: created, running, waiting, paused, finished, ...")

    def __init__(self, node: ProcessNode | int, *, compact: bool = False, interval: float = 0.1, **kwargs: Any):
        node = _process_node(node)
        runner = node.process.runner if node.process is not None else get_runtime().runner
        self.node = node
        self.compact = compact
        self._runner = runner
        self._unsubscribe: Callable[[], None] | None = None
        self._bridge = LoopBridge(runner.loop, on_error=self._failed)
        self._throttle = Throttle(runner.loop, self._render, interval)
        self._timer = BackoffTimer(runner.loop, self._poll, initial=1.0, maximum=10.0)
        self._feed: StateChangeFeed | None = None  # the broadcasts of a process run elsewhere
        self._feed_was_live = True  # the feed refreshes the widget once it stands
        self._read_at = runner.loop.time()
        self.polls = 0
        """How many times the timer re-read the store (a process run elsewhere, while no broadcast reaches us)."""
        self._ticker: Any = None
        self._stale: set[str] = {_HEAD, *SECTIONS}
        self._snapshot: ProcessSnapshot | None = None
        self._steps = _outline_steps(node)
        self._hidden = False
        self._ever_viewed = False
        kit = Kit(compact=compact)
        self.head = kit.html()  # the state badge and the process's name
        self.elapsed = kit.html()
        self.details = kit.html()
        self.controls = ProcessControls(
            self._bridge, kit, pause=self._pause, play=self._play, kill=self._kill, resume=self._resume
        )
        self._sections: ProcessSections | None = None
        self._styles = kit.html(STYLESHEET)  # class styles for badges: sent once, not with every update
        if compact:
            self._boxes = [
                w.HBox([self.head, self.details, self.elapsed, *self.controls.widgets], layout=kit.row_layout)
            ]
            children: list[w.Widget] = [self._styles, *self._boxes]
        else:
            called = CalledTree(
                node, bus=runner.events, bridge=self._bridge, kit=kit, poke=self._throttle.poke,
                open_widget=lambda child: ProcessWidget(child, interval=interval),
            )  # fmt: skip
            self._sections = ProcessSections(node, kit, called, ProvenanceView(node, kit, self._bridge))
            self._boxes = [w.HBox([self.head, self.elapsed], layout=kit.row_layout),
                           w.HBox(self.controls.widgets, layout=kit.row_layout)]  # fmt: skip
            children = [self._styles, *self._boxes, self.details, self._sections.box]
        kwargs.setdefault("_view_count", 0)  # the front end counts views: refresh only while displayed
        super().__init__(children=children, **kwargs)
        self.add_class("jw-process-widget")
        if compact:
            self.add_class("jw-compact")
        self.observe(self._bridge.handler(self._views_changed), names="_view_count")
        self._render()
        if not self.node.is_terminated:
            self._follow()

    # -- what users and tests reach ---------------------------------------------------------------------------------
    @property
    def pause_button(self) -> w.Button:
        return self.controls.pause

    @property
    def play_button(self) -> w.Button:
        return self.controls.play

    @property
    def kill_button(self) -> w.Button:
        return self.controls.killer.kill

    @property
    def confirm_kill_button(self) -> w.Button:
        return self.controls.killer.confirm

    @property
    def cancel_kill_button(self) -> w.Button:
        return self.controls.killer.cancel

    @property
    def resume_button(self) -> w.Button:
        return self.controls.resume

    @property
    def sections(self) -> dict[str, w.Accordion]:
        """The Report, Called processes, Outputs (and Traceback) accordions; empty in the compact form."""
        return self._sections.accordions if self._sections is not None else {}

    @property
    def follows_broadcasts(self) -> bool:
        """Whether the broadcasts of a process run elsewhere reach this widget now (subscribed, the broker up): then
        it reads the store only when one arrives, not on its timer."""
        return self._feed is not None and self._feed.live

    @property
    def called(self) -> CalledTree | None:
        return self._sections.called if self._sections is not None else None

    def refresh(self) -> None:
        """Re-read everything soon (coalesced with pending updates)."""
        self._stale.update((_HEAD, *SECTIONS))
        self._throttle.poke()

    def close(self) -> None:
        if "_boxes" not in self.__dict__:  # __init__ failed part way (ipywidgets closes from __del__ then)
            super().close()
            return
        self._stop_following()
        self._throttle.cancel()
        if self._sections is not None:
            self._sections.close()
        for widget in (self._styles, self.head, self.elapsed, self.details, *self.controls.widgets, *self._boxes):
            widget.close()
        super().close()

    def __repr__(self) -> str:
        return f"ProcessWidget({self.node!r}, state={self.state!r})"

    # -- actions (on the loop's thread) -------------------------------------------------------------------------------
    def _pause(self) -> None:
        self._act(lambda: pause(self.node), "Pause requested: it holds at its next step boundary.")

    def _play(self) -> None:
        self._act(lambda: play(self.node), "")

    def _kill(self) -> None:
        self._act(lambda: kill(self.node, message=KILL_MESSAGE), "Killing it and its running children…")

    def _resume(self) -> None:
        def resumed() -> list[ProcessNode]:
            resume(self.node)
            self._timer.stop()  # events flow now that this kernel runs it
            self._start_ticker()
            return [self.node]

        self._act(resumed, "Resumed in this kernel.")

    def _act(self, action: Callable[[], list[ProcessNode]], done: str) -> None:
        try:
            acted = action()
        except WorkflowsError as error:
            self.controls.say(str(error), error=True)
        else:
            self.controls.say(done if acted else "It already ended: nothing to do.")
        self._stale.add(_HEAD)
        self._throttle.flush()

    def _failed(self, error: BaseException) -> None:
        self.controls.say(f"{type(error).__name__}: {error}", error=True)

    # -- following the process --------------------------------------------------------------------------------------
    def _follow(self) -> None:
        self._unsubscribe = self._runner.events.subscribe(self._on_event, pk=self.node.pk)
        if self.node.process is None:  # no events reach us for a process run elsewhere: its broadcasts may
            if self._feed is None and self.node.pk is not None:
                self._feed = follow_state_changes(self.node.pk, self._on_broadcast, self.refresh)
            self._timer.start()  # re-reads only while they cannot
        self._start_ticker()

    def _stop_following(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        if self._feed is not None:
            self._feed.close()
            self._feed = None
        self._timer.stop()
        if self._ticker is not None:
            self._ticker.cancel()
            self._ticker = None

    def _on_event(self, event: ProcessEvent) -> None:
        self._stale.update(_STALE.get(event.kind, (_HEAD,)))
        if event.kind == "state" and event.data.get("new") in _TERMINAL:
            self._stale.update(SECTIONS)
        self._throttle.poke()

    def _on_broadcast(self, message: StateChanged) -> None:
        """A state change of the process, broadcast by the kernel or worker that runs it."""
        self._on_event(ProcessEvent(message["pk"], "state", {"old": message["from_state"], "new": message["to_state"]}))

    def _poll(self) -> bool:
        """The timer's tick for a process no event tells us about: did anything change? Skipped while its
        broadcasts reach us (after one look when they start to: what changed before that was not broadcast to us)."""
        if self.node.process is not None:
            self._timer.stop()
            return False
        live = self._feed is not None and self._feed.live
        caught_up, self._feed_was_live = self._feed_was_live, live
        if live and caught_up and self._runner.loop.time() - self._read_at < SAFETY_READ_SECONDS:
            return False
        self.polls += 1
        before = self._snapshot
        self._stale.update((_HEAD, *SECTIONS))
        self._render()
        return self._snapshot != before

    def _start_ticker(self) -> None:
        """Advance the elapsed time once a second (full form only: a list of compact rows would be chatty)."""
        if self.compact or self._ticker is not None:
            return
        loop = self._runner.loop

        def tick() -> None:
            self._ticker = None
            snap = self._snapshot
            if snap is None or snap.terminated or self._hidden:
                return
            self.elapsed.value = _elapsed_html(snap, ticking=True)
            self._ticker = loop.call_later(1.0, tick)

        self._ticker = loop.call_later(1.0, tick)

    def _views_changed(self, change: dict[str, Any]) -> None:
        """The front end counts the views of this widget; with none left (output cleared), stop refreshing."""
        count = change["new"] or 0
        self._ever_viewed = self._ever_viewed or count > 0
        hidden = self._ever_viewed and count == 0
        if hidden == self._hidden:
            return
        self._hidden = hidden
        if hidden:
            self._timer.stop()
            return
        self._render()
        if self._snapshot is not None and not self._snapshot.terminated:
            if self.node.process is None:
                self._timer.start()
            self._start_ticker()

    # -- rendering --------------------------------------------------------------------------------------------------
    def _render(self) -> None:
        if self._hidden:
            return  # not displayed anywhere: catch up when a view appears
        stale, self._stale = self._stale, set()
        snap = ProcessSnapshot.of(self.node)
        self._read_at = self._runner.loop.time()
        if snap.terminated and not (self._snapshot is not None and self._snapshot.terminated):
            stale.update(SECTIONS)  # it ended before the event that asked for this render said so: show all of it
        self._snapshot = snap
        self.head.value = badge_html(snap.badge, snap.badge_text, title=HELP_BLOCKED) + " " + title_html(snap)
        self.elapsed.value = _elapsed_html(snap, ticking=not self.compact)
        self.details.value = details_html(snap, self._steps) if not self.compact else _one_line(snap)
        # Over the broker, a process another kernel or a worker runs (or one queued for a worker) is steered as ours.
        remote = snap.ownership in _STEERED_OVER_THE_BROKER and get_runtime().broker.url is not None
        here = snap.ownership is Ownership.HERE or remote
        self.controls.update(
            here=here,
            paused=snap.paused,
            killable=here or snap.ownership is Ownership.ORPHANED,
            resumable=snap.resumable,
            ended=snap.terminated,
            why=_why_disabled(snap),
        )
        if snap.terminated:
            self.controls.say("")
        self.state = snap.badge
        if self._sections is not None:
            self._sections.render(stale, snap)
        if snap.terminated:
            self._stop_following()


def _elapsed_html(snap: ProcessSnapshot, *, ticking: bool) -> str:
    return f'<span class="jw-elapsed jw-dim">{snap.duration_text(ticking=ticking)}</span>'


def _one_line(snap: ProcessSnapshot) -> str:
    bits = [f"step {snap.step}" if snap.step and not snap.terminated else "", snap.status or ""]
    if snap.terminated and snap.exit_message:
        bits.append(snap.exit_message)
    if snap.ownership is Ownership.ORPHANED:
        bits.append("orphaned")
    text = " · ".join(escape(bit) for bit in bits if bit)
    return f'<span style="font-size:0.9em">{text}</span>'


def _why_disabled(snap: ProcessSnapshot) -> str:
    if snap.terminated:
        return f"It {snap.state}: there is nothing to steer."
    if snap.ownership is Ownership.ELSEWHERE:
        return f"It runs in {snap.owner_text}: steer it from there, or configure its broker here."
    if snap.ownership is Ownership.ORPHANED:
        return "The kernel or worker that ran it is gone: it can only be killed" + (
            " or resumed." if snap.resumable else "."
        )
    return ""


def _process_node(item: ProcessNode | int) -> ProcessNode:
    node = process_node_of(item, purpose="ProcessWidget")
    if node.pk is None:
        raise UsageError("ProcessWidget needs a stored process node (one that ran or was submitted).")
    return node


def _outline_steps(node: ProcessNode) -> list[str]:
    """The step names of a WorkChain's outline in order (known while this kernel runs it), for the step line."""
    process = node.process
    program = getattr(type(process).spec(), "program", None) if process is not None else None
    if program is None:
        return []
    names: list[str] = []
    for instruction in program:
        name = getattr(getattr(instruction, "function", None), "__name__", None)
        if name and name not in names:
            names.append(name)
    return names
