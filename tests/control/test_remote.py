"""pause, play and kill of processes that daemon workers (OS processes) run, queued for them, or orphaned by them,
from this test process (a kernel of the same store and broker)."""

from __future__ import annotations

# ruff: noqa: F811 - tests take the fixtures imported from tests/worker/conftest.py as arguments
import time

import pytest

import jupyter_workflows as jw
from jupyter_workflows import Float, Int, ProcessState
from jupyter_workflows.testing import DaemonWorkers, Runtime
from tests.worker.conftest import kernel, until, workers  # noqa: F401 - fixtures
from tests.worker.workflows import Parent, nap


@pytest.fixture
def store_url(sqlite_url: str) -> str:
    """The worker fixtures ``kernel`` and ``workers`` (tests/worker/conftest.py) on SQLite only."""
    return sqlite_url


def test_pause_holds_a_workchain_on_a_worker_and_play_lets_it_go_on(kernel: Runtime, workers: DaemonWorkers) -> None:
    workers.start()
    node = jw.submit(Parent, n=Int(1), seconds=Float(1.0), daemon=True)
    until(lambda: node.process_state is ProcessState.WAITING and len(node.called) == 2, "the Parent to nap")
    assert jw.pause(node) == [node]
    assert node.paused  # in the store: the worker recorded it
    napping = node.called[1]
    jw.wait(napping, timeout=60)
    until(lambda: node.process_state is ProcessState.RUNNING, "the Parent to reach its next step")
    time.sleep(0.3)  # it holds there: no step runs while it is paused
    assert node.paused and not node.is_terminated and "total" not in node.outputs
    assert jw.play(node) == [node]
    jw.wait(node, timeout=60)
    assert node.is_finished_ok and node.outputs.total.value == 1 and not node.paused


def test_a_kill_reaches_the_children_on_either_worker(kernel: Runtime, workers: DaemonWorkers) -> None:
    """The nap runs on the Parent's worker or on the other one (a Parent that waits frees its slot, so either may
    take it): killed over RPC there, or by the Parent's worker itself, which took it from the queue."""
    workers.start(slots=1)
    node = jw.submit(Parent, n=Int(1), seconds=Float(3600), daemon=True)
    until(lambda: node.owner is not None, "the worker to take the Parent")
    workers.start()
    until(lambda: len(node.called) == 2 and node.called[1].process_state is ProcessState.RUNNING, "the nap to run")
    napping = node.called[1]
    assert jw.kill(node, message="enough") == [node]
    jw.wait(node, napping, timeout=60)  # the hour-long nap was interrupted, not waited out
    assert node.is_killed and node.exit_message == "enough"
    assert napping.is_killed and napping.exit_message == f"enough (killed with its caller Parent<{node.pk}>)"
    assert jw.kill(node) == []  # terminated: nothing to do


def test_a_queued_process_is_paused_and_killed_before_a_worker_takes_it(
    kernel: Runtime, workers: DaemonWorkers
) -> None:
    with pytest.warns(jw.NoWorkerWarning) as warned:  # no worker runs yet: said once (at most once a minute)
        held, dropped = jw.submit(nap, Float(0.1), daemon=True), jw.submit(nap, Float(0.1), daemon=True)
    assert len(warned) == 1
    assert f"No daemon worker of the store {kernel.store.url} runs: nap<{held.pk}> waits in the queue" in str(
        warned[0].message
    )
    assert held.owner_status().describe() == "queued for a daemon worker"
    assert jw.pause(held) == [held] and held.paused
    assert jw.kill(dropped, message="not needed") == [dropped] and dropped.exit_message == "not needed"
    workers.start()
    until(lambda: held.owner is not None, "a worker to take the paused nap")
    time.sleep(0.3)  # it holds before it starts
    assert held.process_state is ProcessState.CREATED and held.paused
    assert jw.play(held) == [held]
    jw.wait(held, timeout=60)
    assert held.is_finished_ok and dropped.is_killed  # the worker skipped the killed one


def test_the_process_of_a_dead_worker_cannot_be_paused_but_killed(kernel: Runtime, workers: DaemonWorkers) -> None:
    only = workers.start()
    node = jw.submit(nap, Float(3600), daemon=True)
    until(lambda: node.process_state is ProcessState.RUNNING, "the worker to run the nap")
    workers.kill(only)  # no other worker continues it
    with pytest.raises(jw.ProcessNotRunningHereError, match=r"nap<\d+>: the kernel or worker that ran it is gone"):
        jw.pause(node)
    assert jw.kill(node) == [node] and node.is_killed


def test_without_the_broker_a_kernel_says_where_the_process_runs(kernel: Runtime, workers: DaemonWorkers) -> None:
    worker = workers.start()
    node = jw.submit(nap, Float(3600), daemon=True)
    until(lambda: node.process_state is ProcessState.RUNNING, "the worker to run the nap")
    url = kernel.broker.url
    kernel.broker.configure(None)
    try:
        with pytest.raises(jw.ProcessNotRunningHereError, match=rf"runs in worker pid {worker.pid} .*configure the"):
            jw.kill(node)
    finally:
        kernel.broker.configure(url)
    assert jw.kill(node) == [node]
    jw.wait(node, timeout=60)
    assert node.is_killed


def test_a_control_asks_the_last_named_owner_and_then_the_store(kernel: Runtime, workers: DaemonWorkers) -> None:
    workers.start()
    node = jw.submit(nap, Float(0.2), daemon=True)
    until(lambda: node.process_state is ProcessState.RUNNING, "the worker to run the nap")
    assert node.owner_when_read is not None  # the worker, as last read; the node is not read again below
    until(lambda: kernel.store.get_node(node.pk).sealed, "the nap to end")
    assert node.owner_when_read is not None
    assert jw.kill(node) == [] and jw.pause(node) == []  # the worker no longer holds it: the store says it ended
    assert node.is_finished_ok
