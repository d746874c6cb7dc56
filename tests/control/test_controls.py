"""pause, play and kill of processes this kernel runs; interrupting a blocked run kills the process."""

from __future__ import annotations

import asyncio
import os
import signal
import threading
import time

import pytest

import jupyter_workflows as jw
import jupyter_workflows.testing.workflows
from jupyter_workflows import ProcessState, ToContext, WorkChain, append_, calcfunction
from jupyter_workflows.testing import get_runtime

pytestmark = pytest.mark.usefixtures("store")


@calcfunction
async def sleepy(seconds):
    await asyncio.sleep(seconds.value)
    return seconds + 0


class Steps(WorkChain):
    @classmethod
    def define(cls, spec):
        super().define(spec)
        spec.input("seconds", valid_type=jw.Float, default=lambda: jw.Float(0.05))
        spec.outline(cls.first, cls.second, cls.third)

    def first(self):
        self.report("first")

    def second(self):
        self.report("second")
        return ToContext(children=append_(self.submit(sleepy, self.inputs.seconds)))

    def third(self):
        self.report("third")


def settle(seconds: float = 0.05) -> None:
    get_runtime().runner.block(asyncio.sleep(seconds))


def until(condition, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not reached in time"
        settle(0.01)


def test_pause_holds_at_the_next_step_boundary_and_play_resumes():
    node = jw.submit(Steps, seconds=jw.Float(0.2))
    until(lambda: node.process_state is ProcessState.WAITING)  # in step two's wait for its child
    assert jw.pause(node) == [node]
    assert node.paused
    jw.wait(node.called[0])  # the child finishes; the WorkChain may not start step three
    settle(0.1)
    assert node.report_messages == ["first", "second"]
    assert node.paused and not node.is_terminated
    assert jw.play(node) == [node]
    jw.wait(node)
    assert node.is_finished_ok and not node.paused
    assert node.report_messages == ["first", "second", "third"]


def test_kill_ends_waiting_process_and_its_children():
    node = jw.submit(Steps, seconds=jw.Float(3600))
    until(lambda: node.process_state is ProcessState.WAITING)
    assert jw.kill(node, message="changed my mind") == [node]
    jw.wait(node, timeout=60)  # the child's hour-long sleep was interrupted, not waited out
    assert node.is_killed and node.exit_message == "changed my mind"
    (child,) = node.called
    assert child.is_killed and child.exit_message == f"changed my mind (killed with its caller Steps<{node.pk}>)"
    assert jw.kill(node) == []  # already terminated: nothing to do


def test_kill_before_start_and_of_a_paused_process():
    node = jw.submit(Steps)
    jw.kill(node)
    assert node.is_killed  # at once: it had not started
    paused = jw.submit(Steps)
    jw.pause(paused)
    settle()
    assert paused.paused and paused.process_state is ProcessState.CREATED
    jw.kill(paused)
    jw.wait(paused)
    assert paused.is_killed and not paused.paused


def test_a_list_of_processes_is_taken_as_its_items_as_aiida_takes_it():
    first, second = jw.submit(Steps), jw.submit(Steps)
    assert jw.pause([first.pk, second]) == [first, second]
    assert jw.kill([first, second.pk]) == [first, second]  # AiiDA's kill_processes([...]); it said load_node() ...
    assert first.is_killed and second.is_killed


def test_run_of_killed_process_raises():
    class KillsItself(WorkChain):
        @classmethod
        def define(cls, spec):
            super().define(spec)
            spec.outline(cls.step, cls.never)

        def step(self):
            jw.kill(self.node, message="enough")

        def never(self):
            raise AssertionError("killed processes stop at the next step boundary")

    with pytest.raises(jw.ProcessKilledError, match="enough"):
        jw.run(KillsItself)


def test_interrupt_during_blocking_run_kills_and_records(store):
    timer = threading.Timer(0.3, os.kill, (os.getpid(), signal.SIGINT))
    timer.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            jw.run(Steps, seconds=jw.Float(3600))
    finally:
        timer.cancel()
    (row,) = [r for r in jw.processes() if r.process_label == "Steps"]
    node = jw.load_node(row.pk)
    assert node.is_killed and node.exit_message == "Interrupted by the user (kernel interrupt)."
    assert all(child.is_killed for child in node.called)  # never left "running" in the store
    assert not jw.processes(active=True)


def test_controls_from_another_thread_are_marshalled_onto_the_loop():
    node = jw.submit(Steps, seconds=jw.Float(3600))
    until(lambda: node.process_state is ProcessState.WAITING)
    answers: list[object] = []
    worker = threading.Thread(target=lambda: answers.append(jw.kill(node, message="from a thread")))
    worker.start()
    until(lambda: not worker.is_alive())  # the loop runs meanwhile: the kill is carried out on its thread
    assert answers == [[node]]  # what the thread was told is what happened
    jw.wait(node, timeout=60)
    assert node.is_killed and node.exit_message == "from a thread"


def test_a_thread_gets_a_clear_error_while_the_loop_does_not_run():
    node = jw.submit(Steps, seconds=jw.Float(3600))
    until(lambda: node.process_state is ProcessState.WAITING)
    errors: list[BaseException] = []

    def kill_from_thread() -> None:
        try:
            jw.kill(node)
        except jw.WorkflowsError as error:
            errors.append(error)

    worker = threading.Thread(target=kill_from_thread, name="helper")
    worker.start()
    worker.join()  # the main thread does not run the loop now
    (error,) = errors
    assert "not running now" in str(error) and "'helper'" in str(error)
    assert not node.is_terminated  # nothing was done behind the error
    jw.kill(node)
    jw.wait(node, timeout=60)


def test_processes_list_shows_state_owner_and_orphans(store):
    done = jw.run.get_node(Steps)[1]
    running = jw.submit(Steps, seconds=jw.Float(30))
    until(lambda: running.process_state is ProcessState.WAITING)
    listing = jw.processes()
    rows = {row.pk: row for row in listing}
    assert rows[done.pk].state_text == "finished [0]" and rows[done.pk].owner.describe() == ""
    assert rows[running.pk].state is ProcessState.WAITING and rows[running.pk].runs_here
    text = str(listing)
    assert "Process label" in text and "this kernel" in text
    assert "<table" in listing._repr_html_()
    assert [row.pk for row in jw.processes(active=True)] == sorted([running.pk, running.called[0].pk], reverse=True)
    jw.kill(running)
    jw.wait(running)


def test_the_process_list_shows_a_label_only_where_it_is_not_the_process_label(store):
    """A process function's label is its name by default: ``add``, not ``add [add]``; a label given shows."""
    add = jw.testing.workflows.add
    default = add.run_get_node(1, 2)[1]
    labelled = add.run_get_node(1, 2, metadata={"label": "one more"})[1]
    assert default.label == "add"
    lines = {line.split()[0]: line for line in str(jw.processes()).splitlines()[1:] if line.strip()}
    assert " add " in lines[str(default.pk)] and "add [" not in lines[str(default.pk)]
    assert " add [one more] " in lines[str(labelled.pk)]


def test_the_process_list_says_when_it_shows_only_the_newest(store):
    add = jw.testing.workflows.add
    for i in range(60):
        add(i, 1)
    listing = jw.processes(limit=50)
    assert len(listing) == 50 and listing.total == 60
    assert str(listing).endswith("The newest 50 of 60 processes (pass limit=None for all)")
    assert "The newest 50 of 60 processes" in listing._repr_html_()
    everything = jw.processes(limit=None)
    assert len(everything) == 60 and str(everything).endswith("Total: 60 processes")
