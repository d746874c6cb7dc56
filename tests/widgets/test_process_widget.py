"""ProcessWidget in-process: what it shows for each state, its buttons (from Python, as front-end messages and from
another thread, as with comms over subshells), the kill confirmation, the called tree, and pushed, coalesced updates."""

from __future__ import annotations

import threading

import pytest

import jupyter_workflows as jw
from jupyter_workflows import Float, Int, ProcessState
from jupyter_workflows.testing import get_runtime
from jupyter_workflows.widgets import ProcessWidget, _controls

from ._workflows import Broken, Failing, Nested, Slow, add
from .conftest import buttons, descendants, front_end_click, settle, turn, until


def waiting(node) -> bool:
    return node.process_state is ProcessState.WAITING


def shows(widget: ProcessWidget, text: str) -> bool:
    return f'data-state="{text}"' in widget.head.value


def test_a_running_workchain_shows_its_state_step_reports_and_children():
    node = jw.submit(Slow, seconds=Float(0.5), n=Int(3))
    widget = ProcessWidget(node)
    assert widget.state == "created" and f"<b>Slow</b>&lt;{node.pk}&gt;" in widget.head.value
    until(lambda: waiting(node))
    until(lambda: widget.state == "waiting")
    assert shows(widget, "waiting")
    assert "launch" in widget.details.value and "Waiting for 3 process(es)" in widget.details.value
    assert "<u>launch</u>" in widget.details.value  # the current step of the outline is marked
    until(lambda: "launching 3 children" in widget.sections["reports"].children[0].value)
    until(lambda: widget.sections["called"].get_title(0) == "Called processes (3: 3 running)")
    assert [b.disabled for b in (widget.pause_button, widget.play_button, widget.kill_button)] == [False, True, False]
    jw.wait(node)
    until(lambda: widget.state == "finished")
    assert "exit status 0" in widget.details.value
    assert (
        "<code>total</code>" in widget.sections["outputs"].children[0].value
        and "1.5" in widget.sections["outputs"].children[0].value
    )
    assert widget.sections["outputs"].selected_index == 0  # opened once there is something to see
    assert (
        widget.sections["called"].get_title(0) == "Called processes (4: 4 finished)"
    )  # three sleepy and the add in collect
    assert all(b.disabled for b in (widget.pause_button, widget.play_button, widget.kill_button))
    assert not buttons(widget, "Pause") and not buttons(widget, "Kill")  # nothing left to steer: the buttons go
    assert not get_runtime().runner.events.has_subscribers  # a terminated process is no longer followed


@pytest.mark.parametrize(
    ("process", "badge", "text"),
    [(Failing, "failed", "failed [401]"), (Broken, "excepted", "excepted")],
)
def test_failed_and_excepted_processes(process, badge, text):
    node = jw.submit(process)
    jw.wait(node)
    widget = ProcessWidget(node)
    assert widget.state == badge and f">{text}</span>" in widget.head.value
    if badge == "failed":
        assert "exit status 401: It failed on purpose." in widget.details.value
        assert "traceback" not in widget.sections
    else:
        traceback = widget.sections["traceback"]
        assert traceback.selected_index == 0
        assert "RuntimeError: boom on purpose" in traceback.children[0].value


def test_pause_play_and_kill_from_python_clicks():
    node = jw.submit(Slow, seconds=Float(30), n=Int(2))
    widget = ProcessWidget(node)
    until(lambda: waiting(node))
    widget.pause_button.click()
    until(lambda: widget.state == "paused")
    assert node.paused and widget.pause_button.disabled and not widget.play_button.disabled
    widget.play_button.click()
    until(lambda: widget.state == "waiting")
    assert not node.paused
    widget.kill_button.click()
    until(lambda: widget.controls.killer.armed)
    assert node.process_state is ProcessState.WAITING  # nothing happens before the confirmation
    assert buttons(widget, "Confirm kill") and buttons(widget, "Cancel") and not buttons(widget, "Kill")
    widget.confirm_kill_button.click()
    until(lambda: widget.state == "killed")
    assert node.is_killed and node.exit_message == "Killed from its widget."
    assert all(child.is_killed for child in node.called)
    until(lambda: widget.sections["called"].get_title(0) == "Called processes (2: 2 killed)")


def test_front_end_click_messages_and_clicks_from_another_thread():
    node = jw.submit(Slow, seconds=Float(30), n=Int(1))
    widget = ProcessWidget(node)
    until(lambda: waiting(node))
    front_end_click(widget.pause_button)  # the comm message a browser click sends
    until(lambda: node.paused and widget.state == "paused")
    # comms over subshells: the handler runs on another thread and must hand the work to the loop
    clicker = threading.Thread(target=front_end_click, args=(widget.play_button,))
    clicker.start()
    clicker.join()
    until(lambda: not node.paused and widget.state == "waiting")
    for button in (widget.kill_button, widget.confirm_kill_button):
        clicker = threading.Thread(target=front_end_click, args=(button,))
        clicker.start()
        clicker.join()
        settle(0.02)
    until(lambda: node.is_killed and widget.state == "killed")


def test_a_click_shows_in_the_loop_pass_that_handles_it_on_an_idle_loop():
    node = jw.submit(Slow, seconds=Float(30), n=Int(1))
    widget = ProcessWidget(node)
    until(lambda: waiting(node))
    settle(0.2)  # past the throttle interval: the loop is idle
    front_end_click(widget.pause_button)
    turn()  # one pass of the loop: the click handed to it runs, no timer is waited for
    assert node.paused and widget.state == "paused" and shows(widget, "paused")
    jw.kill(node)
    jw.wait(node)


def test_cancel_and_timeout_disarm_the_kill_confirmation(monkeypatch):
    monkeypatch.setattr(_controls, "CONFIRM_SECONDS", 0.1)
    node = jw.submit(Slow, seconds=Float(30), n=Int(1))
    widget = ProcessWidget(node)
    until(lambda: waiting(node))
    widget.kill_button.click()
    until(lambda: widget.controls.killer.armed)
    widget.cancel_kill_button.click()
    until(lambda: not widget.controls.killer.armed)
    widget.kill_button.click()
    until(lambda: widget.controls.killer.armed)
    settle(0.2)  # the confirmation expires
    assert not widget.controls.killer.armed and buttons(widget, "Kill")
    widget.confirm_kill_button.click()  # a stale confirmation (e.g. a late message) does nothing
    settle(0.05)
    assert not node.is_terminated
    widget.kill_button.click()
    until(lambda: widget.controls.killer.armed)
    jw.kill(node)  # it ends some other way while the widget asks
    jw.wait(node)
    until(lambda: widget.state == "killed")
    assert not widget.controls.killer.armed and not buttons(widget, "Kill") and not buttons(widget, "Confirm kill")


def test_many_events_make_few_refreshes():
    node = jw.submit(Slow, seconds=Float(30), n=Int(1))
    widget = ProcessWidget(node)
    until(lambda: waiting(node))
    settle(0.2)
    before = widget._throttle.refreshes
    process = node.process
    for i in range(500):
        process.report("line %d", i)
    settle(0.35)
    assert widget._throttle.refreshes - before <= 2
    assert "line 499" in widget.sections["reports"].children[0].value
    assert "earlier line(s) not shown" in widget.sections["reports"].children[0].value
    jw.kill(node)
    jw.wait(node)


def test_the_called_tree_opens_children_as_their_own_widgets():
    node = jw.submit(Nested, seconds=Float(30))
    widget = ProcessWidget(node)
    until(lambda: len(node.called) == 1 and len(node.called[0].called) == 2)
    until(lambda: widget.called is not None and len(widget.called) == 1)
    (opener,) = buttons(widget.called.widget, "Open")
    opener.click()
    until(lambda: buttons(widget.called.widget, "Close"))
    inner = next(item for item in descendants(widget.called.widget) if isinstance(item, ProcessWidget))
    assert inner.node is node.called[0]
    until(lambda: inner.called is not None and len(inner.called) == 2)
    inner.pause_button.click()  # the inner WorkChain has its own controls
    until(lambda: node.called[0].paused and inner.state == "paused")
    jw.kill(node)
    jw.wait(node)
    until(lambda: inner.state == "killed" and widget.state == "killed")
    assert "2 killed" in inner.sections["called"].get_title(0)


def test_a_long_list_of_children_is_paged():
    node = jw.submit(Slow, seconds=Float(0.01), n=Int(60))
    jw.wait(node)
    widget = ProcessWidget(node)
    tree = widget.called
    assert tree is not None and len(tree) == 61  # sixty sleepy and one add
    rows = [item for item in tree.widget.children if "jw-called-row" in item._dom_classes]
    assert len(rows) == 50
    (more,) = buttons(tree.widget, "Show more (11 not shown)")
    more.click()
    until(lambda: len([i for i in tree.widget.children if "jw-called-row" in i._dom_classes]) == 61)
    assert "61 finished" in widget.sections["called"].get_title(0)


def test_each_display_is_a_fresh_widget_and_earlier_ones_keep_following():
    from jupyter_workflows.widgets._display import process_mimebundle

    node = jw.submit(Slow, seconds=Float(30), n=Int(1))
    first = process_mimebundle(node)
    second = process_mimebundle(node)
    view = "application/vnd.jupyter.widget-view+json"
    assert first[view]["model_id"] != second[view]["model_id"]
    assert first["text/plain"] == repr(node) and "jw-process-card" in first["text/html"]
    widgets = list(descendants_of_models(first, second))
    until(lambda: waiting(node))
    jw.pause(node)
    until(lambda: all(w.state == "paused" for w in widgets))
    jw.kill(node)
    until(lambda: all(w.state == "killed" for w in widgets))


def descendants_of_models(*bundles):
    from ipywidgets.widgets.widget import _instances

    for bundle in bundles:
        yield _instances[bundle["application/vnd.jupyter.widget-view+json"]["model_id"]]


def test_an_undisplayed_widget_stops_refreshing_until_shown_again():
    node = jw.submit(Slow, seconds=Float(30), n=Int(1))
    widget = ProcessWidget(node)
    until(lambda: waiting(node))
    widget._view_count = 1  # the front end displayed it ...
    settle(0.02)
    widget._view_count = 0  # ... and the output was cleared
    settle(0.02)
    jw.pause(node)
    settle(0.2)
    assert widget.state == "waiting"  # nothing sent while no view exists
    widget._view_count = 1
    until(lambda: widget.state == "paused")  # caught up at once when shown again
    jw.kill(node)
    jw.wait(node)


def test_close_unsubscribes_and_accepts_pks():
    node = jw.submit(Slow, seconds=Float(30), n=Int(1))
    widget = ProcessWidget(node.pk)
    assert widget.node is node and get_runtime().runner.events.has_subscribers
    widget.close()
    assert not get_runtime().runner.events.has_subscribers
    jw.kill(node)
    jw.wait(node)
    data = add(1, 2)
    with pytest.raises(TypeError, match="is a data node"):
        ProcessWidget(data.pk)


def test_the_compact_form_is_one_line_with_the_same_controls():
    node = jw.submit(Slow, seconds=Float(30), n=Int(1))
    widget = ProcessWidget(node, compact=True)
    assert [type(child).__name__ for child in widget.children] == ["HTML", "HBox"]  # its styles, then one line
    assert widget.sections == {}
    until(lambda: waiting(node) and widget.state == "waiting")
    assert "step launch" in widget.details.value
    assert {b.description for b in buttons(widget, "Pause") + buttons(widget, "Play") + buttons(widget, "Kill")} == {
        "Pause",
        "Play",
        "Kill",
    }
    widget.kill_button.click()
    widget.confirm_kill_button.click()
    until(lambda: widget.state == "killed")
