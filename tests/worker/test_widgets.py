"""The widget of a process that a daemon worker runs, in a kernel with the broker configured (this test process):
it follows the process by its state_changed broadcasts, not by re-reading the store on a timer, and its buttons act
through the broker. (How soon a broadcast shows: benchmarks/widgets.py, broadcast_to_widget.)"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path

import pytest

import jupyter_workflows as jw
from jupyter_workflows import Float, Int, ProcessState, Str
from jupyter_workflows.testing import DaemonWorkers, Runtime
from jupyter_workflows.widgets import ProcessWidget
from tests.daemon.conftest import cli
from tests.worker.workflows import Parent, gated

pytestmark = pytest.mark.slow


def turning(runtime: Runtime, condition: Callable[[], bool], what: str, timeout: float = 60.0) -> None:
    """Run this kernel's loop (where broadcasts are handled) until ``condition()``."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"still waiting for {what} after {timeout} s")
        runtime.runner.block(asyncio.sleep(0.02))


def test_a_widget_of_a_daemon_process_follows_its_broadcasts_without_polling(
    kernel: Runtime, workers: DaemonWorkers
) -> None:
    workers.start()
    node = jw.submit(Parent, n=Int(1), seconds=Float(1.5), daemon=True)
    widget = ProcessWidget(node)
    turning(kernel, lambda: widget.state == "waiting", "the widget to show the Parent waiting for its nap")
    turning(kernel, lambda: widget.state == "finished", "the widget to show the Parent finished")
    assert node.is_finished_ok and "<code>total</code>" in widget.sections["outputs"].children[0].value
    assert widget.polls == 0  # every change came by broadcast: the store was never re-read on the timer
    assert not widget._timer.running  # terminated: nothing more to follow


def test_a_calcfunction_busy_in_its_body_on_a_worker_shows_running_while_it_runs(
    kernel: Runtime, workers: DaemonWorkers, tmp_path: Path
) -> None:
    """A worker records a queued process as running when it takes it, and says so at once: a calcfunction whose body
    holds the worker's loop (it never waits) is not shown as created until it ends."""
    workers.start()
    gate = tmp_path / "gate"
    node = jw.submit(gated, Str(str(gate)), daemon=True)
    widget = ProcessWidget(node)
    turning(kernel, lambda: widget.state == "running", "the widget to show the calcfunction running")
    assert jw.load_node(node.pk).process_state is ProcessState.RUNNING  # so the store says, for everyone
    assert widget.polls == 0  # the worker's broadcast said so
    gate.touch()
    turning(kernel, lambda: widget.state == "finished", "the widget to show the calcfunction finished")
    assert node.is_finished_ok and node.outputs.result.value == len(str(gate))


def test_the_buttons_of_a_daemon_process_act_through_the_broker(kernel: Runtime, workers: DaemonWorkers) -> None:
    workers.start()
    node = jw.submit(Parent, n=Int(1), seconds=Float(3600), daemon=True)
    widget = ProcessWidget(node)
    napping = lambda: len(node.called) == 2 and node.called[1].process_state is ProcessState.RUNNING  # noqa: E731
    turning(kernel, lambda: napping() and widget.state == "waiting", "the Parent to wait for its nap")
    assert not widget.pause_button.disabled and not widget.kill_button.disabled
    widget.pause_button.click()
    turning(kernel, lambda: widget.state == "paused", "the badge to show the pause")
    assert node.paused and node.process_state is ProcessState.WAITING
    widget.play_button.click()
    turning(kernel, lambda: widget.state == "waiting", "the badge to show it plays")
    widget.kill_button.click()
    widget.confirm_kill_button.click()
    turning(kernel, lambda: widget.state == "killed", "the badge to show the kill")
    assert node.is_killed and widget.polls == 0


@pytest.mark.filterwarnings("ignore::jupyter_workflows.NoWorkerWarning")  # none runs yet: it stays queued
def test_a_widget_shows_a_pause_and_a_play_made_elsewhere_from_broadcasts_queued_or_running(
    kernel: Runtime, workers: DaemonWorkers, store_url: str, rabbitmq_url: str
) -> None:
    """A pause or play made in a terminal (another OS process) reaches the widget by broadcast, whether the process
    is still queued (the terminal records it) or runs on a worker (which pauses it): the badge follows with no read
    of the store on the timer. Without the broadcast, only the widget's read once a minute would show it."""

    def terminal(action: str) -> None:
        cli("process", action, str(node.pk), "--store", store_url, "--broker", rabbitmq_url, check=True)

    node = jw.submit(Parent, n=Int(1), seconds=Float(3600), daemon=True)  # no worker yet: it stays queued
    widget = ProcessWidget(node)
    turning(kernel, lambda: widget.state == "created", "the widget to show the queued Parent")
    turning(kernel, lambda: widget.follows_broadcasts, "the widget's subscription to its broadcasts")
    terminal("pause")
    turning(kernel, lambda: widget.state == "paused", "the badge to show the pause of the queued process", 30)
    workers.start()  # a worker takes it, paused: it does not start
    turning(kernel, lambda: node.owner is not None, "a worker to take the paused Parent")
    assert widget.state == "paused" and node.process_state is ProcessState.CREATED and not node.called
    terminal("play")
    turning(kernel, lambda: widget.state == "waiting", "the badge to show the Parent playing, waiting for its nap", 30)
    terminal("pause")
    turning(kernel, lambda: widget.state == "paused", "the badge to show the pause on the worker", 30)
    terminal("kill")
    turning(kernel, lambda: widget.state == "killed", "the badge to show the kill")
    assert node.is_killed and widget.polls == 0
