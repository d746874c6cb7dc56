"""ProcessListWidget (jw.monitor()): rows, filters, pages, selection and bulk actions, live updates, opening a row."""

from __future__ import annotations

import pytest

import jupyter_workflows as jw
from jupyter_workflows import Float, Int, ProcessState
from jupyter_workflows.testing import get_runtime
from jupyter_workflows.widgets import ProcessListWidget, ProcessWidget, monitor

from ._workflows import Slow, add
from .conftest import buttons, front_end_click, settle, until


def shown(widget: ProcessListWidget) -> list[int]:
    return [slot.row.pk for slot in widget._slots if slot.row is not None and slot.box.layout.display != "none"]


def select(widget: ProcessListWidget, pks: set[int]) -> None:
    """Tick the rows' checkboxes, as a user does (a changed value arriving from the front end)."""
    for slot in widget._slots:
        if slot.row is not None and slot.row.pk in pks:
            slot.select.value = True
    until(lambda: widget.selected >= pks)


def slow_ones(n: int) -> list:
    nodes = [jw.submit(Slow, seconds=Float(30), n=Int(1)) for _ in range(n)]
    until(lambda: all(node.process_state is ProcessState.WAITING for node in nodes))
    return nodes


def test_rows_filters_and_pages():
    finished = [jw.run.get_node(add, i, 1)[1] for i in range(5)]
    running = slow_ones(2)
    widget = ProcessListWidget(page_size=4)
    assert len(shown(widget)) == 4 and shown(widget)[0] > shown(widget)[-1]  # newest first
    assert not widget.next_page.disabled and widget.previous_page.disabled
    widget.next_page.click()
    until(lambda: widget.page == 1)
    assert widget.previous_page.disabled is False
    widget.state_filter.value = "waiting"  # from the front end: a changed Dropdown value
    until(lambda: widget.page == 0 and set(shown(widget)) == {n.pk for n in running})
    widget.state_filter.value = "finished ok"
    until(lambda: set(shown(widget)) <= {n.pk for n in finished} and len(shown(widget)) == 4)
    widget.state_filter.value = "all"
    widget.label_filter.value = "SLO"  # label contains, case-insensitive
    until(lambda: set(shown(widget)) == {n.pk for n in running})
    assert "finished" in widget._slots[0].line.value or "waiting" in widget._slots[0].line.value
    jw.kill(*running)
    jw.wait(*running)
    with pytest.raises(ValueError, match="Unknown state filter"):
        ProcessListWidget(state="sleeping")


def test_bulk_pause_play_and_kill_of_selected_rows():
    nodes = slow_ones(3)
    widget = monitor(state="active", label="Slow")  # not their sleepy children
    pks = {node.pk for node in nodes[:2]}
    select(widget, pks)
    widget.pause_button.click()
    until(lambda: all(node.paused for node in nodes[:2]))
    assert not nodes[2].paused
    until(lambda: sum('data-state="paused"' in slot.line.value for slot in widget._slots) == 2)
    front_end_click(widget.play_button)
    until(lambda: not any(node.paused for node in nodes))
    widget.select_page.click()
    until(lambda: widget.selected == {node.pk for node in nodes})
    (kill,) = buttons(widget, "Kill")
    kill.click()
    until(lambda: buttons(widget, "Confirm kill"))
    assert not any(node.is_terminated for node in nodes)
    buttons(widget, "Confirm kill")[0].click()
    until(lambda: all(node.is_killed for node in nodes))
    assert all(child.is_killed for node in nodes for child in node.called)
    until(lambda: "Killed 3 of 3." in widget.message.value)
    widget.clear_selection.click()
    until(lambda: not widget.selected)
    assert widget.pause_button.disabled  # nothing selected: nothing to act on


def test_rows_follow_this_kernels_processes_live_and_cheaply():
    widget = ProcessListWidget(interval=0.25)
    assert shown(widget) == []
    node = jw.submit(Slow, seconds=Float(30), n=Int(3))
    until(lambda: node.pk in shown(widget))
    until(lambda: 'data-state="waiting"' in widget._slots[shown(widget).index(node.pk)].line.value)
    settle(0.3)
    before = widget._throttle.refreshes
    jw.pause(node)
    for _ in range(300):  # a burst of events
        jw.play(node)
        jw.pause(node)
    settle(0.6)
    assert widget._throttle.refreshes - before <= 4  # at most one refresh per 0.25 s
    jw.kill(node)
    jw.wait(node)
    until(lambda: 'data-state="killed"' in widget._slots[shown(widget).index(node.pk)].line.value)
    widget.close()
    assert not get_runtime().runner.events.has_subscribers


def test_open_a_row_as_a_process_widget():
    (node,) = slow_ones(1)
    widget = ProcessListWidget(state="waiting")
    slot = next(slot for slot in widget._slots if slot.row is not None and slot.row.pk == node.pk)
    slot.open.click()
    until(lambda: len(widget.detail.children) == 1)
    (opened,) = widget.detail.children
    assert isinstance(opened, ProcessWidget) and opened.node is node
    until(lambda: slot.open.description == "Close")
    opened.pause_button.click()
    until(lambda: node.paused)
    slot.open.click()
    until(lambda: widget.detail.children == ())
    jw.kill(node)
    jw.wait(node)
