"""Processes submitted to daemon workers (OS processes) run there, wherever their children go, and leave complete
provenance: on SQLite (several worker processes on one file) and on PostgreSQL."""

from __future__ import annotations

import asyncio
import socket
import subprocess
import sys
import time
import warnings
from pathlib import Path

import pytest

import jupyter_workflows as jw
from jupyter_workflows import Float, Int, ProcessState, Str
from jupyter_workflows._processes import _waiting, end_orphan_tree, queue_continue
from jupyter_workflows._runtime import _lease
from jupyter_workflows.launch import continue_process
from jupyter_workflows.testing import DaemonWorkers, Runtime
from tests.worker.conftest import ROOT, check, until
from tests.worker.workflows import Parent, SubmitsCallsStuck, WaitsForAnAdd, add, fails, nap, stuck

CALCFUNCTIONS, WORKCHAINS, CHILDREN = 200, 50, 2


def test_calcfunctions_and_workchains_with_children_on_two_workers(
    store_url: str, kernel: Runtime, workers: DaemonWorkers, monkeypatch: pytest.MonkeyPatch
) -> None:
    # No look at the store while waiting: every end must come here, sent to this kernel, which submitted them.
    monkeypatch.setattr(_waiting, "POLL_WITH_BROKER", (3600.0, 3600.0))
    first, second = workers.start(wait=False), workers.start(wait=False)
    first.wait_ready()
    second.wait_ready()
    sums = [jw.submit(add, Int(i), Int(1000), daemon=True) for i in range(CALCFUNCTIONS)]
    chains = [jw.submit(Parent, n=Int(CHILDREN), daemon=True) for _ in range(WORKCHAINS)]
    assert all(node.process is None for node in sums + chains)  # nothing of it runs here
    jw.wait(*sums, *chains, timeout=600)
    assert [node.outputs.result.value for node in sums] == [i + 1000 for i in range(CALCFUNCTIONS)]
    assert {node.outputs.total.value for node in chains} == {sum(range(1, CHILDREN + 1))}
    children = [child for chain in chains for child in chain.called]
    assert all(child.is_finished_ok for child in children) and len(children) == WORKCHAINS * (CHILDREN + 1)
    ran_on = {node.owner for node in sums + chains + children}
    assert len(ran_on) == 2 and kernel.owner_id not in ran_on  # both workers took work, this kernel none
    found = check(store_url)
    assert found["problems"] == []


def test_a_process_node_here_shows_the_state_the_worker_stores(kernel: Runtime, workers: DaemonWorkers) -> None:
    workers.start()
    node = jw.submit(Parent, n=Int(1), seconds=jw.Float(0.5), daemon=True)
    assert node.process is None and node.owner != kernel.owner_id
    until(lambda: node.process_state is ProcessState.WAITING, "the WorkChain to wait for its nap")
    assert node.owner_status().describe() == f"worker pid {workers.workers[0].pid} on {socket.gethostname()}"
    jw.wait(node, timeout=120)
    assert node.is_finished_ok and node.outputs.total.value == 1
    assert [child.process_label for child in node.called] == ["add", "nap", "add"]


def test_a_process_that_excepts_on_a_worker_is_in_its_log_with_where_to_find_the_traceback(
    kernel: Runtime, workers: DaemonWorkers
) -> None:
    worker = workers.start()
    node = jw.submit(fails, Str("no such file"), daemon=True)
    jw.wait(node, timeout=120)
    assert node.is_excepted and node.exit_message == "ValueError: no such file"
    assert "ValueError: no such file" in node.exception
    line = f"ERROR jupyter_workflows.worker: fails<{node.pk}> excepted: ValueError: no such file (its traceback: "
    until(lambda: line in worker.log_text(), "the worker's log line")
    assert f"{line}jupyter workflows process report {node.pk})" in worker.log_text()


def test_duplicate_tasks_race_on_two_workers_and_each_process_runs_once(
    store_url: str, kernel: Runtime, workers: DaemonWorkers
) -> None:
    """Three tasks for every process (as a send retried over a reconnect makes): the workers race to claim each, in
    one statement for a queued process; one wins, the others read the row and skip it."""
    first, second = workers.start(wait=False), workers.start(wait=False)
    first.wait_ready()
    second.wait_ready()
    sums = [jw.submit(add, Int(i), Int(1000), daemon=True) for i in range(CALCFUNCTIONS)]
    for node in sums:
        queue_continue(node)
        queue_continue(node)
    jw.wait(*sums, timeout=600)
    found = check(store_url, *(node.pk or 0 for node in sums), results=True)
    assert found["problems"] == []
    assert [tree["outputs"] for tree in found["trees"]] == [{"result": i + 1000} for i in range(CALCFUNCTIONS)]
    assert kernel.store.count_nodes() == CALCFUNCTIONS * 4  # each process, its two inputs and one result: no rerun


SUBMITS_AND_EXITS = """
import sys, warnings
import jupyter_workflows as jw
from jupyter_workflows import Float
from tests.worker.workflows import nap
jw.configure(store=sys.argv[1], broker=sys.argv[2])
warnings.simplefilter("ignore", jw.NoWorkerWarning)  # none runs: it stays queued
print(jw.submit(nap, Float(3600), daemon=True).pk, flush=True)
"""


@pytest.mark.filterwarnings("ignore::jupyter_workflows.NoWorkerWarning")  # none runs: it stays queued
@pytest.mark.parametrize("submitter", ["a script that ended", "this kernel"])
def test_a_kill_of_a_queued_process_from_the_command_line_reaches_a_kernel_waiting_for_it_at_once(
    store_url: str, rabbitmq_url: str, kernel: Runtime, monkeypatch: pytest.MonkeyPatch, submitter: str
) -> None:
    """``jupyter workflows process kill PK`` of a process that nobody runs announces its end before it exits (it
    exited before its connection to the broker was up, and a kernel waiting for the process heard of the kill only
    at its next look at the store). Submitted by this kernel, its task names this kernel, where a worker would send
    its end; the killer knows nothing of that address, and the wait heard of the kill only at its next look too."""
    monkeypatch.setattr(_waiting, "POLL_WITH_BROKER", (3600.0, 3600.0))  # no look at the store while waiting
    if submitter == "this kernel":
        node = jw.submit(nap, Float(3600), daemon=True)
    else:
        command = [sys.executable, "-c", SUBMITS_AND_EXITS, store_url, rabbitmq_url]
        submitted = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=True)
        node = jw.load_node(int(submitted.stdout))
    command = [sys.executable, "-m", "jupyter_workflows.cli", "process", "kill", str(node.pk)]
    command += ["--store", store_url, "--broker", rabbitmq_url]

    async def wait_while_the_command_kills_it() -> subprocess.CompletedProcess[str]:
        waited = asyncio.ensure_future(jw.wait_async([node]))
        await asyncio.sleep(0.5)  # subscribed to its broadcasts, and looked at the store once
        killed = await asyncio.to_thread(subprocess.run, command, cwd=ROOT, capture_output=True, text=True)
        await asyncio.wait_for(waited, 30)
        return killed

    killed = kernel.runner.block(wait_while_the_command_kills_it())
    assert killed.returncode == 0 and f"nap<{node.pk}>" in killed.stdout, killed.stderr
    assert node.process_state is ProcessState.KILLED


def test_a_kill_of_a_queued_child_from_the_command_line_reaches_the_worker_whose_workchain_waits_for_it(
    store_url: str, rabbitmq_url: str, kernel: Runtime, workers: DaemonWorkers
) -> None:
    """The killer does not know the worker's address, which the child's task names (no worker took that task): it
    sends the end to the address of the caller's owner, which reaches the same worker. That worker never looks at
    the store while its WorkChain waits: without this, the WorkChain would wait for an hour."""
    workers.start(module="tests.worker.patient_worker")  # what it submits stays queued
    chain = jw.submit(WaitsForAnAdd, daemon=True)
    until(lambda: chain.process_state is ProcessState.WAITING and len(chain.called) == 1, "the WorkChain to wait")
    (queued,) = chain.called
    assert queued.owner_status().describe() == "queued for a daemon worker"
    command = [sys.executable, "-m", "jupyter_workflows.cli", "process", "kill", str(queued.pk), "-m", "not needed"]
    subprocess.run([*command, "--store", store_url, "--broker", rabbitmq_url], cwd=ROOT, check=True, timeout=120)
    jw.wait(chain, timeout=30)
    assert chain.is_finished_ok and chain.report_messages[-1] == "its child ended killed"
    assert queued.is_killed and queued.exit_message == "not needed"


def test_a_kill_ends_at_once_a_calcfunction_whose_body_holds_the_workers_loop(
    store_url: str, kernel: Runtime, workers: DaemonWorkers, tmp_path: Path
) -> None:
    """The body sleeps for an hour and never waits, so the worker's loop cannot answer the kill until it ends: the
    kill is delivered into the body on arrival instead (a signal to the worker's main thread)."""
    workers.start()
    started = tmp_path / "started"
    node = jw.submit(stuck, Str(str(started)), daemon=True)
    until(started.exists, "the calcfunction's body to start on the worker")
    assert jw.kill(node) == [node]  # answered, not timed out
    jw.wait(node, timeout=60)
    assert node.process_state is ProcessState.KILLED and node.exit_message == "Killed by the user."
    assert "result" not in node.outputs
    after = jw.submit(add, Int(1), Int(2), daemon=True)  # the worker goes on
    jw.wait(after, timeout=60)
    assert after.outputs.result.value == 3 and after.owner == node.owner
    assert check(store_url)["problems"] == []


def test_an_idle_worker_counts_as_running(
    kernel: Runtime, workers: DaemonWorkers, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A worker with nothing to do keeps its heartbeat: a submit after a long quiet spell does not warn that no
    worker runs (an idle worker's heartbeat stopped, and after three periods it counted as gone)."""
    beat = workers.heartbeat
    monkeypatch.setattr(_lease, "HEARTBEAT_SECONDS", beat)  # this kernel judges by the workers' period
    only = workers.start()
    time.sleep(2 * _lease.MISSED_HEARTBEATS * beat)  # idle for twice as long as a worker's silence may last
    assert [owner.pid for owner in _lease.live_workers(kernel.store)] == [only.pid]
    with warnings.catch_warnings():
        warnings.simplefilter("error", jw.NoWorkerWarning)
        node = jw.submit(add, Int(1), Int(2), daemon=True)
    jw.wait(node, timeout=60)
    assert node.outputs.result.value == 3


@pytest.mark.filterwarnings("ignore::jupyter_workflows.NoWorkerWarning")  # none takes its children: as meant
def test_a_workchain_handed_over_as_the_end_of_a_child_is_heard_stops_waiting(
    kernel: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    """At a daemon's stop, a WorkChain waiting for children on other workers is handed over at once. One that heard
    a child end in the same loop turn waited on (Python 3.11's wait_for lost the cancellation): the stop waited out
    its grace, and the WorkChain stayed held by the stopped worker."""
    monkeypatch.setattr(kernel, "daemon", True)  # its children go to the daemon's queue, where no worker takes them
    parent = jw.submit(Parent, n=Int(2), daemon=False)
    process = parent.process
    assert process is not None and process.task is not None

    while len(parent.called) < 2 or parent.process_state is not ProcessState.WAITING:
        kernel.runner.block(asyncio.sleep(0.01))  # it runs on this loop
    kernel.runner.block(asyncio.sleep(0.2))  # it waits for both, subscribed to their broadcasts

    async def hand_over_as_a_child_ends() -> None:
        ended = parent.called[0]
        end_orphan_tree(ended, "Killed by the test.")
        kernel.runner.events.publish(ended.pk, "state", old="created", new="killed")  # as its broadcast is heard ...
        await asyncio.sleep(0)  # ... the wait wakes ...
        process.hand_over()  # ... in the turn the hand-over comes
        await asyncio.wait([process.task], timeout=30)

    kernel.runner.block(hand_over_as_a_child_ends())
    assert process.task.done() and process.handed_over
    assert parent.process_state is ProcessState.WAITING and parent.called[1].process_state is ProcessState.CREATED


ANOTHER_KERNEL = """
import sys, time, warnings
import jupyter_workflows as jw
from jupyter_workflows import Float
from tests.worker.workflows import nap
jw.configure(store=sys.argv[1], broker=sys.argv[2])
warnings.simplefilter("ignore", jw.NoWorkerWarning)  # none runs: it stays queued
node = jw.submit(nap, Float(3600), daemon=True)
print(node.pk, flush=True)
sys.stdin.readline()
print(jw.kill(node), flush=True)
time.sleep(1.0)  # a kernel lives on: its broadcasts go out
"""


def test_a_kill_of_a_queued_process_in_another_kernel_reaches_a_kernel_waiting_for_it_at_once(
    store_url: str, rabbitmq_url: str, kernel: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Nobody runs a queued process: a kill records its end in the store, and announces it as its process would
    have (before, a kernel waiting for it heard of it only at its next look at the store, seconds later)."""
    monkeypatch.setattr(_waiting, "POLL_WITH_BROKER", (3600.0, 3600.0))  # no look at the store while waiting
    command = [sys.executable, "-c", ANOTHER_KERNEL, store_url, rabbitmq_url]
    other = subprocess.Popen(command, cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert other.stdin is not None and other.stdout is not None
    try:
        node = jw.load_node(int(other.stdout.readline()))

        async def wait_while_the_other_kills_it() -> None:
            waited = asyncio.ensure_future(jw.wait_async(node))
            await asyncio.sleep(0.5)  # subscribed to its broadcasts, and looked at the store once
            other.stdin.write("kill\n")  # type: ignore[union-attr]
            other.stdin.flush()  # type: ignore[union-attr]
            await asyncio.wait_for(waited, 60)

        kernel.runner.block(wait_while_the_other_kills_it())
        assert f"nap<{node.pk}>" in other.stdout.readline()
    finally:
        other.kill()
        other.communicate()  # (closes its pipes)
    assert node.process_state is ProcessState.KILLED


def test_a_kill_ends_at_once_the_descendants_the_worker_took_from_the_queue_and_a_body_that_holds_its_loop(
    store_url: str, kernel: Runtime, workers: DaemonWorkers, tmp_path: Path
) -> None:
    """A WorkChain submits a child to the daemon; the same worker takes it, and the child's step calls a
    calcfunction whose body sleeps for an hour (it holds the loop). The child is not among its caller's processes in
    memory (it came from the queue): the kill still marks it on arrival, ends the body, and is answered."""
    workers.start()
    started = tmp_path / "started"
    node = jw.submit(SubmitsCallsStuck, started=Str(str(started)), daemon=True)
    until(started.exists, "the calcfunction's body to start on the worker")
    (child,) = node.called
    (body,) = child.called
    assert child.owner == node.owner  # taken from the queue by the same worker
    assert jw.kill(node) == [node]  # answered, not timed out
    jw.wait(node, child, body, timeout=60)
    assert node.is_killed and node.exit_message == "Killed by the user."
    assert (
        child.is_killed
        and child.exit_message == f"Killed by the user. (killed with its caller {node.process_label}<{node.pk}>)"
    )
    assert (
        body.is_killed and body.exit_message == f"Killed by the user. (killed with its caller CallsStuck<{child.pk}>)"
    )
    assert "result" not in body.outputs
    steps_after = [
        r.message for pk in (node.pk, child.pk) for r in kernel.store.get_reports(pk or 0) if "after" in r.message
    ]
    assert steps_after == []  # no step started after the kill
    assert check(store_url)["problems"] == []


def test_a_kill_ends_at_once_the_child_a_workchain_resumed_by_another_worker_waits_for(
    store_url: str, kernel: Runtime, workers: DaemonWorkers, tmp_path: Path
) -> None:
    """As above, but the worker dies (SIGKILL) first, and a new worker resumes the WorkChain and its child from their
    checkpoints; the child's step calls the stuck body again, once the WorkChain runs there too. The resumed
    WorkChain knows from its checkpoint the child it waits for, so the kill marks that child on arrival too (before,
    the kill waited for the body, an hour: it knew only the children called since it was resumed)."""
    go, started = tmp_path / "go", tmp_path / "started"
    go.touch()
    first = workers.start()
    node = jw.submit(SubmitsCallsStuck, started=Str(str(started)), go=Str(str(go)), daemon=True)
    until(started.exists, "the calcfunction's body to start on the first worker")
    (child,) = node.called
    held_by_first = node.owner
    go.unlink()
    workers.kill(first)
    started.unlink()
    workers.start()
    until(lambda: node.owner not in (None, held_by_first) and child.owner == node.owner, "both to be resumed")
    go.touch()
    until(started.exists, "the calcfunction's body to start again on the second worker")
    assert jw.kill(node) == [node]  # answered, not timed out
    jw.wait(node, child, timeout=60)
    assert node.is_killed and node.exit_message == "Killed by the user."
    assert (
        child.is_killed
        and child.exit_message == f"Killed by the user. (killed with its caller {node.process_label}<{node.pk}>)"
    )
    *_, body = child.called  # the body called again after the resume
    jw.wait(body, timeout=60)
    assert body.is_killed and "result" not in body.outputs
    assert [r.message for r in kernel.store.get_reports(child.pk or 0) if "after" in r.message] == []
    assert check(store_url)["problems"] == []


def test_a_wait_for_a_queued_process_that_starts_here_meanwhile_waits_for_its_end(kernel: Runtime) -> None:
    """What a worker's WorkChain sees after a restart: it waits for children, some running on the worker already and
    some still queued, and the worker takes a queued one while the wait awaits the others. The wait must still
    wait for it (it returned as soon as the first running child ended, and the next step found no outputs)."""
    running = jw.submit(nap, Float(0.3), daemon=False)
    with pytest.warns(jw.NoWorkerWarning):  # no worker: it stays queued, held by nobody
        queued = jw.submit(nap, Float(1.0), daemon=True)
    assert running.process is not None and queued.process is None

    async def wait_while_it_starts_here() -> None:
        waiting = asyncio.ensure_future(jw.wait_async(running, queued))
        await asyncio.sleep(0.05)  # the wait awaits the running one
        assert await continue_process(queued.pk or 0) is not None  # taken here, as a worker takes its task
        assert queued.process is not None
        await waiting

    kernel.runner.block(wait_while_it_starts_here())
    assert running.is_finished_ok and queued.is_finished_ok  # both ended when the wait returned
