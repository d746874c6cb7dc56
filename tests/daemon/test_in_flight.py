"""``daemon stop`` with WorkChains and their children in flight: they are handed over at their checkpoints (nothing
runs, nothing is lost or killed), continue after ``daemon start``, and end as a clean run does (checked from a
fresh process: provenance_problems and the process trees), on SQLite and on PostgreSQL; and a restart under load."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

import jupyter_workflows as jw
from jupyter_workflows import Float, Int, ProcessState
from jupyter_workflows._processes import _waiting
from jupyter_workflows.cli import main
from jupyter_workflows.testing import Runtime, isolated_runtime
from tests.daemon.conftest import stop_every_daemon
from tests.worker.conftest import check, until
from tests.worker.workflows import Parent, add

IN_FLIGHT = 3
pytestmark = pytest.mark.slow


@pytest.fixture
def kernel(store_url: str, rabbitmq_url: str, daemon_root: Path) -> Iterator[Runtime]:
    with isolated_runtime(store_url, broker=rabbitmq_url) as runtime:
        try:
            yield runtime
        finally:  # before the namespace goes
            stop_every_daemon(daemon_root)


def tree() -> dict[str, jw.Data]:
    """A Parent that submits 2 Parents of 2 adds each; every Parent naps 3 s before it collects."""
    return {"n": Int(2), "depth": Int(1), "seconds": Float(3.0)}


def descendants(node: jw.ProcessNode) -> list[jw.ProcessNode]:
    return [node, *(found for child in node.called for found in descendants(child))]


def napping(root: jw.ProcessNode) -> bool:
    """Both children of ``root`` wait for their naps, which run (each child checkpointed the step that submitted
    its nap; the root waits for them)."""
    children = root.called
    return len(children) == 2 and all(
        child.process_state is ProcessState.WAITING
        and any(grandchild.process_label == "nap" and not grandchild.is_terminated for grandchild in child.called)
        for child in children
    )


def test_a_stopped_daemon_hands_its_processes_over_and_they_finish_after_the_next_start(
    store_url: str, kernel: Runtime, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # No look at the store while waiting: the ends must come here, a handed-over process's new task names this
    # kernel as the first one did.
    monkeypatch.setattr(_waiting, "POLL_WITH_BROKER", (3600.0, 3600.0))
    jw.daemon.start(workers=2)
    clean = jw.submit(Parent, **tree(), daemon=True)
    jw.wait(clean, timeout=300)
    roots = [jw.submit(Parent, **tree(), daemon=True) for _ in range(IN_FLIGHT)]
    until(lambda: all(napping(root) for root in roots), "every Parent to nap", timeout=120)

    assert main(["daemon", "stop", "--store", store_url]) == 0  # as from a terminal
    assert not jw.daemon.status().running
    held = [node for root in roots for node in descendants(root)]
    assert not any(node.process_state is ProcessState.KILLED for node in held)
    waiting = [node for node in held if not node.is_terminated]
    assert waiting and all(node.owner is None for node in waiting)  # queued: nobody runs them, nothing is lost
    assert capsys.readouterr().out == (
        f"Daemon stopped: the {len(waiting)} process(es) it ran are queued, and continue after "
        "`jupyter workflows daemon start`.\n"
    )
    assert all(node.owner_status().describe() == "queued for a daemon worker" for node in roots)

    jw.daemon.start(workers=1)
    jw.wait(*roots, timeout=300)
    jw.daemon.stop()
    found = check(store_url, clean.pk, *(root.pk for root in roots))
    assert found["problems"] == []
    clean_tree, *trees = found["trees"]
    for handed_over in trees:
        assert handed_over == clean_tree, json.dumps(handed_over, indent=1)


def test_a_restart_in_the_middle_of_a_load_loses_and_repeats_nothing(store_url: str, kernel: Runtime) -> None:
    """Hundreds of processes in every state (queued, running, waiting for children, finished) when the daemon
    restarts; then all finish, each once."""
    jw.daemon.start(workers=2, slots=50)  # 40 Parents waiting for children hold 40 slots
    sums = [jw.submit(add, Int(i), Int(1000), daemon=True) for i in range(200)]
    chains = [jw.submit(Parent, n=Int(2), seconds=Float(0.5), daemon=True) for _ in range(40)]
    until(lambda: sum(node.is_terminated for node in sums + chains) >= 40, "some processes to finish")
    status = jw.daemon.restart()  # stop (every worker hands its processes over) and start 2 workers again
    assert len(status.workers) == 2 and all(worker.state == "ready" for worker in status.workers)
    jw.wait(*sums, *chains, timeout=300)
    jw.daemon.stop()
    assert [node.outputs.result.value for node in sums] == [i + 1000 for i in range(200)]
    assert {node.outputs.total.value for node in chains} == {3}
    assert all(len(chain.called) == 4 for chain in chains)  # 2 adds, a nap, the total's add: nothing twice
    assert check(store_url)["problems"] == []
