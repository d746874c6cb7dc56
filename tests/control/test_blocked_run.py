"""Control of a process that a synchronous ``jw.run`` holds the loop for: a pause or kill from another thread (a
widget click on a comm subshell thread, a control message on the broker's thread) takes effect at the process's
next step boundary, not when the run ends. In this process: the main thread is the blocked cell."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest

import jupyter_workflows as jw
from jupyter_workflows import Float, Int
from tests.worker.workflows import ON_STEP, STEPS_DONE, Steps

N = 15


def steering(actions: list[Any]) -> threading.Thread:
    """Another thread that waits for the second step, then pauses the Steps process (from its pk, as a click does),
    watches it hold for five steps' time, and plays it (or kills it)."""

    def steer() -> None:
        try:
            while len(STEPS_DONE) < 2:
                time.sleep(0.01)
            pk = jw.processes(label="Steps", limit=1)[0].pk  # a call from this thread, run on the loop too
            actions.append(("paused", [node.pk for node in jw.pause(pk)], len(STEPS_DONE)))
            time.sleep(1.0)
            actions.append(("held", len(STEPS_DONE)))
            actions.append(("killed", [node.pk for node in jw.kill(pk, message="enough")], len(STEPS_DONE)))
        except BaseException as error:  # shown by the test
            actions.append(("error", repr(error)))

    thread = threading.Thread(target=steer, name="click")
    thread.start()
    return thread


def test_a_pause_and_a_kill_from_another_thread_reach_a_synchronous_run_at_its_next_step(store) -> None:
    STEPS_DONE.clear()
    actions: list[Any] = []
    thread = steering(actions)
    with pytest.raises(jw.ProcessKilledError, match="enough"):
        jw.run(Steps, n=Int(N), seconds=Float(0.2))
    thread.join()
    (_, paused, at), (_, held), (_, killed, end) = actions
    assert paused == killed != [] and at == held == end and at < N, actions  # no step ran while paused
    (node,) = jw.processes(label="Steps")
    assert node.state.value == "killed"


def test_a_control_from_another_thread_waits_for_a_step_that_blocks_and_acts_after_it(store) -> None:
    """A step of plain code cannot be cut: a click during a step acts at its end (here the only step)."""
    STEPS_DONE.clear()
    done: list[Any] = []
    stepping: list[int] = []  # the pk of the Steps process, once its step began
    step_began = threading.Event()

    def click() -> None:
        step_began.wait(60)
        done.append(jw.pause(stepping[0]))
        done.append(len(STEPS_DONE))
        done.append(jw.play(stepping[0]))

    def began(node: Any) -> None:
        stepping.append(node.pk)
        step_began.set()

    thread = threading.Thread(target=click)
    thread.start()
    ON_STEP.append(began)
    try:
        jw.run(Steps, n=Int(1), seconds=Float(1.5))
    finally:
        ON_STEP.remove(began)
        step_began.set()
        thread.join()
    assert done[1] == 1 and len(done[0]) == len(done[2]) == 1
