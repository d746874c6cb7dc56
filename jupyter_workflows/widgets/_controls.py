"""Pause / Play / Kill (with a confirmation) / Resume buttons, enabled only when the action is valid.

Kill asks first: the Kill button turns into "Confirm kill" and "Cancel" for a few seconds. A kill cannot be undone
(children die with it, the node is sealed), so a confirmation is safer than an undo window, and it costs no delay
once confirmed. Every click is handed to the kernel's loop by the ``LoopBridge`` before it touches the engine.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence

import ipywidgets as w  # type: ignore[import-untyped]
from ipywidgets.widgets.widget_string import HTMLStyle  # type: ignore[import-untyped]  # not at the top level

from ._style import HELP_BLOCKED, escape
from ._updates import LoopBridge

__all__ = ["CONFIRM_SECONDS", "ConfirmKill", "Kit", "ProcessControls", "show"]

CONFIRM_SECONDS = 6.0


class Kit:
    """Makes the widgets of one view, sharing Layout and Style models where nothing changes them.

    Every Layout and Style is a widget model of its own (a comm); sharing them roughly halves what a view costs to
    build and to send. A widget that gets hidden and shown needs a layout of its own (``hideable=True``).
    """

    def __init__(self, *, compact: bool = False) -> None:
        self.compact = compact
        self._html_layout = w.Layout(margin="0 6px 0 0")
        self._html_style = HTMLStyle()
        self._button_layout = self._new_button_layout()
        self._button_style = w.ButtonStyle()
        self.row_layout = w.Layout(align_items="center")  # for HBoxes that are never hidden
        self.column_layout = w.Layout()  # for VBoxes and accordions that are never hidden
        self.wrap_layout = w.Layout(align_items="center", flex_flow="row wrap")  # toolbars
        self.field_layout = w.Layout(width="14em")  # text fields and dropdowns

    def _new_button_layout(self) -> w.Layout:
        if self.compact:
            return w.Layout(width="auto", height="26px", padding="0 8px")
        return w.Layout(width="auto", padding="0 10px")

    def html(self, value: str = "", *, hideable: bool = False) -> w.HTML:
        layout = w.Layout(margin="0 6px 0 0") if hideable else self._html_layout
        return w.HTML(value, layout=layout, style=self._html_style)

    def button(
        self, description: str, *, icon: str = "", style: str = "", tooltip: str = "", hideable: bool = False
    ) -> w.Button:
        layout = self._new_button_layout() if hideable else self._button_layout
        return w.Button(
            description=description, icon=icon, button_style=style, tooltip=tooltip, layout=layout,
            style=self._button_style,
        )  # fmt: skip


def show(widget: w.DOMWidget, visible: bool) -> None:
    widget.layout.display = "" if visible else "none"


class ConfirmKill:
    """A Kill button that asks: "Confirm kill" / "Cancel" replace it for ``CONFIRM_SECONDS``."""

    def __init__(
        self,
        bridge: LoopBridge,
        kit: Kit,
        on_confirm: Callable[[], None],
        *,
        tooltip: str = "",
    ) -> None:
        self._bridge = bridge
        self._on_confirm = on_confirm
        self._timer: asyncio.TimerHandle | None = None
        self.kill = kit.button("Kill", icon="times", style="danger", tooltip=tooltip, hideable=True)
        self.confirm = kit.button("Confirm kill", icon="check", style="danger", tooltip="Kill it now.", hideable=True)
        self.cancel = kit.button("Cancel", tooltip="Do not kill.", hideable=True)
        show(self.confirm, False)
        show(self.cancel, False)
        self.kill.on_click(bridge.handler(lambda _: self.arm()))
        self.confirm.on_click(bridge.handler(lambda _: self._confirmed()))
        self.cancel.on_click(bridge.handler(lambda _: self.disarm()))

    @property
    def widgets(self) -> Sequence[w.Button]:
        return (self.kill, self.confirm, self.cancel)

    @property
    def armed(self) -> bool:
        return bool(self.confirm.layout.display != "none")

    def arm(self) -> None:
        if self.kill.disabled:
            return
        show(self.kill, False)
        show(self.confirm, True)
        show(self.cancel, True)
        self._stop_timer()
        self._timer = self._bridge.loop.call_later(CONFIRM_SECONDS, self.disarm)

    def disarm(self) -> None:
        self._stop_timer()
        show(self.confirm, False)
        show(self.cancel, False)
        show(self.kill, True)

    def set_enabled(self, enabled: bool) -> None:
        self.kill.disabled = not enabled
        self.confirm.disabled = not enabled
        if not enabled and self.armed:
            self.disarm()

    def _confirmed(self) -> None:
        if not self.armed:
            return  # the confirmation timed out in between: ask again
        self.disarm()
        self._on_confirm()

    def _stop_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None


class ProcessControls:
    """The buttons of one process, and a message line for what they did or why they could not."""

    def __init__(
        self,
        bridge: LoopBridge,
        kit: Kit,
        *,
        pause: Callable[[], None],
        play: Callable[[], None],
        kill: Callable[[], None],
        resume: Callable[[], None],
    ) -> None:
        self.pause = kit.button(
            "Pause", icon="pause", tooltip="Hold at the next step boundary. " + HELP_BLOCKED, hideable=True
        )
        self.play = kit.button("Play", icon="play", tooltip="Go on after a pause. " + HELP_BLOCKED, hideable=True)
        self.killer = ConfirmKill(bridge, kit, kill, tooltip="Kill it and its running children (asks first).")
        self.resume = kit.button(
            "Resume", icon="repeat", style="warning", hideable=True,
            tooltip="The kernel or worker that ran it is gone: continue it in this kernel from its last checkpoint "
            "(define its class first).",
        )  # fmt: skip
        self.message = kit.html()
        self.pause.on_click(bridge.handler(lambda _: pause()))
        self.play.on_click(bridge.handler(lambda _: play()))
        self.resume.on_click(bridge.handler(lambda _: resume()))
        show(self.resume, False)
        self._tips = {button: button.tooltip for button in (self.pause, self.play, self.killer.kill)}

    @property
    def widgets(self) -> list[w.DOMWidget]:
        return [self.pause, self.play, *self.killer.widgets, self.resume, self.message]

    def update(
        self, *, here: bool, paused: bool, killable: bool, resumable: bool, ended: bool = False, why: str = ""
    ) -> None:
        """Enable what is valid now: pause/play for a process this kernel runs, kill for it or an orphan. Once the
        process ``ended`` there is nothing to steer: the buttons go away."""
        self.pause.disabled = not (here and not paused)
        self.play.disabled = not (here and paused)
        self.killer.set_enabled(killable)  # first: disarming shows Kill again
        for button in (self.pause, self.play, self.killer.kill):
            show(button, not ended)
        self.resume.disabled = not resumable
        show(self.resume, resumable)
        for widget, tip in self._tips.items():
            widget.tooltip = why if widget.disabled and why else tip

    def say(self, text: str, *, error: bool = False) -> None:
        colour = "#b71c1c" if error else "inherit"
        self.message.value = f'<span style="color:{colour};font-size:0.9em">{escape(text)}</span>' if text else ""
