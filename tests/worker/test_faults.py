"""Workers that die or stop in the middle of WorkChains with children, and a broker that goes away: another worker
(or a new one) continues what they held, and the provenance ends as a clean run's does."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

import jupyter_workflows as jw
from jupyter_workflows import Float, Int, ProcessState
from jupyter_workflows._core import Process
from jupyter_workflows._processes import enqueue, queue_continue
from jupyter_workflows.launch._continue import continue_process
from jupyter_workflows.testing import DaemonWorkers, RabbitMQNode, Runtime, daemon_workers, isolated_runtime
from jupyter_workflows.testing.workflows import add_loop
from tests.broker.conftest import private_node  # noqa: F401 - the fixture
from tests.worker.conftest import ROOT, check, until
from tests.worker.workflows import Parent, StopsAfterItsLastStep, add, nap


def tree() -> dict[str, jw.Data]:
    """Inputs of a Parent that submits 2 Parents of 2 adds each; every Parent naps 1 s before it collects."""
    return {"n": Int(2), "depth": Int(1), "seconds": Float(1.0)}


def naps_running(root: jw.ProcessNode) -> bool:
    """Whether ``root`` waits for its two children and each child for its nap, which runs, as their checkpoints say:
    each has checkpointed the step that submitted what it waits for. (A crash before that checkpoint runs the step
    again: killed children and new ones, not what a clean run has. The state alone does not tell: a WorkChain shows
    the wait it left until its next state change is written.)"""
    children = root.called
    if len(children) != 2 or not awaits(root, children):
        return False
    for child in children:
        naps = [grandchild for grandchild in child.called if grandchild.process_label == "nap"]
        if not naps or any(nap.is_terminated for nap in naps) or not awaits(child, naps):
            return False
    return True


def awaits(node: jw.ProcessNode, called: list[jw.ProcessNode]) -> bool:
    """Whether the checkpoint of ``node`` awaits every one of ``called``."""
    checkpoint = node.load_checkpoint()
    return checkpoint is not None and {n.pk for n in called} <= {entry["pk"] for entry in checkpoint["awaiting"]}


def wait_or_show(workers: DaemonWorkers, root: jw.ProcessNode, timeout: float = 200) -> None:
    """Wait for ``root``; if it does not end, fail with the states of its tree and the workers' logs."""
    try:
        jw.wait(root, timeout=timeout)
    except TimeoutError:
        tree = [root, *root.called, *(grandchild for child in root.called for grandchild in child.called)]
        states = [f"{node.process_label}<{node.pk}> {node.process_state.value} owner={node.owner}" for node in tree]
        logs = "\n\n".join(f"--- worker {worker.pid}\n{worker.log_text()[-4000:]}" for worker in workers.workers)
        pytest.fail(f"{root.process_label}<{root.pk}> did not end:\n" + "\n".join(states) + "\n" + logs)


@pytest.mark.timeout(600)
def test_a_sigkilled_workers_workchains_are_continued_by_the_other(
    store_url: str, kernel: Runtime, workers: DaemonWorkers
) -> None:
    workers.start(wait=False), workers.start(wait=False)
    for worker in workers.workers:
        worker.wait_ready()
    clean = jw.submit(Parent, **tree(), daemon=True)
    jw.wait(clean, timeout=300)
    crashed = jw.submit(Parent, **tree(), daemon=True)
    until(lambda: naps_running(crashed), "the children's naps to run")
    owner = kernel.store.get_owners([crashed.owner or ""])[crashed.owner or ""]
    victim = workers.of_pid(owner.pid)
    workers.kill(victim)
    wait_or_show(workers, crashed)  # the other worker finds the dead one's processes and continues them
    assert crashed.is_finished_ok and crashed.outputs.total.value == 6
    survivor = next(worker for worker in workers.workers if worker is not victim)
    assert "which died" in survivor.log_text()
    found = check(store_url, clean.pk, crashed.pk)
    assert found["problems"] == []
    clean_tree, crashed_tree = found["trees"]
    assert crashed_tree == clean_tree, json.dumps(crashed_tree, indent=1)  # nothing lost, killed or duplicated


def test_a_child_whose_task_died_with_its_worker_is_queued_again_by_the_worker_that_continues_its_caller(
    store_url: str, kernel: Runtime, workers: DaemonWorkers
) -> None:
    losing = workers.start(module="tests.worker.losing_worker")  # the tasks of the children it submits are lost
    root = jw.submit(Parent, n=Int(2), daemon=True)  # sent from here: the losing worker takes it
    until(lambda: len(root.called) == 2 and awaits(root, root.called), "the Parent to wait for its two adds")
    assert all(child.owner is None and not child.is_terminated for child in root.called)  # queued, no task
    workers.kill(losing)  # its Parent is a dead worker's; its children's tasks are gone with it
    workers.start()  # looks for lost tasks only after 600 s: what it does sooner, the takeover does
    wait_or_show(workers, root, timeout=120)
    assert root.is_finished_ok and root.outputs.total.value == 3
    _, clean = jw.run_get_node(Parent, n=Int(2))  # here, for comparison
    found = check(store_url, clean.pk, root.pk)
    assert found["problems"] == []
    clean_tree, continued_tree = found["trees"]
    assert continued_tree == clean_tree, json.dumps(continued_tree, indent=1)  # nothing lost or duplicated


def test_a_resumed_workchain_sends_again_the_tasks_its_dead_kernel_lost(
    store_url: str, rabbitmq_url: str, kernel: Runtime, workers: DaemonWorkers
) -> None:
    command = [sys.executable, "-m", "tests.worker.losing_kernel", store_url, rabbitmq_url]
    died = subprocess.run(command, capture_output=True, text=True, timeout=300, cwd=ROOT, check=False)
    assert died.returncode == 9, died.stderr[-3000:]
    root = jw.load_node(int(died.stdout.split()[-1]))
    assert all(child.owner is None and not child.is_terminated for child in root.called)  # queued, no task
    workers.start()  # looks for lost tasks only after 600 s: what it does sooner, the resume does
    jw.resume(root)
    wait_or_show(workers, root, timeout=120)
    assert root.is_finished_ok and root.outputs.total.value == 3
    _, clean = jw.run_get_node(Parent, n=Int(2))
    found = check(store_url, clean.pk, root.pk)
    assert found["problems"] == []
    clean_tree, resumed_tree = found["trees"]
    assert resumed_tree == clean_tree, json.dumps(resumed_tree, indent=1)


def test_a_stopped_worker_hands_its_processes_over_and_a_new_one_continues_them(
    store_url: str, kernel: Runtime, workers: DaemonWorkers
) -> None:
    first = workers.start()
    clean = jw.submit(Parent, **tree(), daemon=True)
    jw.wait(clean, timeout=300)
    stopped = jw.submit(Parent, **tree(), daemon=True)
    until(lambda: naps_running(stopped), "the children's naps to run")
    assert workers.stop(first) == 0  # SIGTERM: the WorkChains are handed over at their checkpoint, the naps end
    assert "handed over" in first.log_text()
    held = [stopped, *stopped.called]
    assert all(node.process_state is not ProcessState.KILLED for node in held)
    assert stopped.owner is None and not stopped.is_terminated  # queued again, for any worker
    workers.start()
    jw.wait(stopped, timeout=300)
    found = check(store_url, clean.pk, stopped.pk)
    assert found["problems"] == []
    assert found["trees"][1] == found["trees"][0]


def test_a_process_whose_task_was_lost_is_taken_by_a_worker_after_a_while(
    kernel: Runtime, workers: DaemonWorkers
) -> None:
    node, here = enqueue(add.process_class, {"x": Int(1), "y": Int(2)})  # stored, but no task sent: as if this
    assert here is None and node.owner is None  # process had died between its commit and its send
    workers.start(lost_after=1.0)
    jw.wait(node, timeout=120)
    assert node.is_finished_ok and node.outputs.result.value == 3


def test_a_lost_task_is_found_after_a_few_sweeps_when_the_queue_is_empty(
    kernel: Runtime, workers: DaemonWorkers
) -> None:
    lost = [enqueue(add.process_class, {"x": Int(i), "y": Int(2)})[0] for i in range(3)]  # stored, no task sent
    workers.start()  # lost_after 600 s, sweeps every 0.5 s: with no task in the queue, three sweeps are enough
    sent = [jw.submit(add, Int(i), Int(3), daemon=True) for i in range(20)]  # these go the usual way meanwhile
    jw.wait(*lost, *sent, timeout=60)
    assert [node.outputs.result.value for node in lost] == [2, 3, 4]
    assert all(node.is_finished_ok for node in sent)
    assert "its task was lost" in workers.workers[0].log_text()


def test_a_queued_workfunction_handed_over_before_it_started_goes_back_as_created_and_runs_elsewhere(
    kernel: Runtime, workers: DaemonWorkers
) -> None:
    """A worker's claim records a queued process as running; a worker told to stop before the process's first step
    puts it back as created, so that the next one runs it (a workfunction that had started would be ended instead:
    it keeps no checkpoint)."""
    node, _ = enqueue(add_loop.process_class, {"n": Int(3)})

    async def take_and_hand_over() -> Process | None:
        process = await continue_process(node.pk or 0)  # as a worker takes it
        assert kernel.store.get_node(node.pk or 0).process_state == "running"
        assert process is not None and process.hand_over()  # the stop comes before its first step
        await asyncio.wait_for(asyncio.shield(process.task), 60)  # type: ignore[arg-type]
        return process

    process = kernel.runner.block(take_and_hand_over())
    assert process is not None and process.handed_over
    assert kernel.store.get_node(node.pk or 0).process_state == "created"
    node.process = None  # given back, as a stopping worker does, and queued again
    assert node.claim(None, expected=kernel.owner_id)
    queue_continue(node)
    workers.start()
    jw.wait(node, timeout=120)
    assert node.is_finished_ok and node.outputs.result.value == 3
    assert len(node.called) == 3 and node.owner != kernel.owner_id


@pytest.mark.parametrize("rest", ["handed over", "paused"])
def test_a_workchain_that_rests_after_its_last_step_continues_to_its_end_without_running_it_again(
    kernel: Runtime, rest: str
) -> None:
    """The last step of an outline writes no checkpoint (the end comes next and stores its outputs), unless the
    process stops there first: handed over, or paused (and its kernel may die meanwhile). Then the checkpoint is
    written, and the runtime that continues it ends it without calling the step's calcfunction again."""
    node = jw.submit(StopsAfterItsLastStep, pause=Int(1 if rest == "paused" else 0))
    process = node.process
    assert process is not None

    async def resting() -> None:  # the loop runs the process meanwhile; the store says when it rests
        for _ in range(6000):
            if (node.load_checkpoint() or {}).get("pc") == 2:
                break
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.2)  # it would end meanwhile if it did not rest

    kernel.runner.block(resting())
    if rest == "handed over":
        assert process.handed_over
    else:
        assert process.paused and not process.handed_over
    checkpoint = node.load_checkpoint()
    assert checkpoint is not None and checkpoint["pc"] == 2  # after both steps
    assert node.outputs.result.value == 2 and not node.is_terminated
    # The kernel stops running it (as if it died); this runtime continues it from the store, as a worker would.
    if rest == "paused":
        assert process.hand_over()
        kernel.runner.block(asyncio.wait_for(asyncio.shield(process.task), 60))  # type: ignore[arg-type]
    node.process = None
    assert node.claim(None, expected=kernel.owner_id)
    continued = kernel.runner.block(continue_process(node.pk or 0))
    assert continued is not None
    if rest == "paused":
        continued.play()
    jw.wait(node, timeout=60)
    assert node.is_finished_ok and node.outputs.result.value == 2
    assert [child.process_label for child in node.called] == ["add"]  # called once, by the first run


@pytest.fixture
def on_private_broker(
    private_node: RabbitMQNode,  # noqa: F811 - the fixture imported above
    sqlite_url: str,
    tmp_path: Path,
) -> Iterator[tuple[Runtime, DaemonWorkers, RabbitMQNode]]:
    private_node.start()
    with (
        isolated_runtime(sqlite_url, broker=private_node.url) as runtime,
        daemon_workers(sqlite_url, private_node.url, workers=1, log_dir=tmp_path) as workers,
    ):
        try:
            yield runtime, workers, private_node
        finally:
            private_node.start()  # the workers stop cleanly, the namespace is deleted


def test_a_wait_whose_broadcast_is_lost_ends_by_polling_the_store(
    on_private_broker: tuple[Runtime, DaemonWorkers, RabbitMQNode],
) -> None:
    _, _, broker = on_private_broker
    node = jw.submit(nap, Float(2.0), daemon=True)
    until(lambda: node.process_state is ProcessState.RUNNING, "the worker to run the nap")
    broker.stop()  # the nap ends while the broker is away: its state_changed broadcast goes nowhere
    assert jw.run(add, Int(1), Int(2)) == 3  # processes run here go on without the broker
    jw.wait(node, timeout=120)
    assert node.is_finished_ok and node.outputs.result.value == 2.0
