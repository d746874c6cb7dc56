"""Processes this kernel does not run: another live kernel's (controls disabled, re-read on a timer) and orphans
(visibly orphaned, Kill records them as killed, Resume continues them here)."""

from __future__ import annotations

import jupyter_workflows as jw
from jupyter_workflows.widgets import ProcessListWidget, ProcessWidget

from ._other_kernel import other_kernel
from .conftest import buttons, until


def test_a_process_of_another_live_kernel_is_followed_on_a_timer(store):
    with other_kernel(store.url, seconds=1.5, stay=True) as pk:
        widget = ProcessWidget(pk)
        assert widget.state in {"running", "waiting"}
        assert all(b.disabled for b in (widget.pause_button, widget.play_button, widget.kill_button))
        assert "steer it from there" in widget.pause_button.tooltip and "pid" in widget.details.value
        assert widget._timer.running
        until(lambda: widget.state == "finished", timeout=20)  # no events from there: the timer saw it
        assert "<code>total</code>" in widget.sections["outputs"].children[0].value
        assert not widget._timer.running


def test_an_orphan_shows_it_and_can_be_resumed_here(store):
    with other_kernel(store.url, seconds=1.0, stay=False) as pk:
        widget = ProcessWidget(pk)
    assert "orphaned" in widget.details.value
    assert widget.pause_button.disabled and widget.play_button.disabled and not widget.kill_button.disabled
    (resume,) = buttons(widget, "Resume")
    resume.click()
    until(lambda: widget.node.process is not None or widget.node.is_terminated)
    jw.wait(widget.node, timeout=20)
    until(lambda: widget.state == "finished")
    assert not buttons(widget, "Resume")


def test_an_orphan_can_be_killed_from_the_widget_and_the_monitor_shows_orphans(store):
    with other_kernel(store.url, seconds=30, stay=False) as pk:
        pass
    monitor = ProcessListWidget(state="orphaned")
    assert [row.pk for row in monitor.rows][-1] == pk
    assert all("orphaned" in slot.line.value for slot in monitor._slots if slot.row is not None)
    widget = ProcessWidget(pk)
    widget.kill_button.click()
    until(lambda: widget.controls.killer.armed)
    widget.confirm_kill_button.click()
    until(lambda: widget.state == "killed")
    assert "its kernel or worker had died" in widget.node.exit_message
    monitor.refresh()
    until(lambda: pk not in [row.pk for row in monitor.rows])
