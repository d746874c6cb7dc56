"""A state_changed broadcast goes out only once the store holds that state: whoever hears it (a widget, the panel,
a waiting parent) and reads the store then finds what it was told, not the state before."""

from __future__ import annotations

import itertools
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

import jupyter_workflows as jw
from jupyter_workflows import Float, Int, ProcessState
from jupyter_workflows.testing import DaemonWorkers, Runtime
from tests.worker.conftest import check
from tests.worker.test_widgets import turning
from tests.worker.workflows import Parent, add

ROOT = Path(__file__).resolve().parent.parent.parent
pytestmark = pytest.mark.slow
STRESS_CALCFUNCTIONS, STRESS_WORKCHAINS = 300, 20


def test_a_waiting_state_is_broadcast_only_once_the_store_holds_it(
    kernel: Runtime, store_url: str, rabbitmq_url: str, tmp_path: Path
) -> None:
    heard = tmp_path / "heard.jsonl"
    heard.touch()

    def waiting_heard() -> list[dict[str, str]]:
        return [json.loads(line) for line in heard.read_text().splitlines() if '"broadcast": "waiting"' in line]

    node = jw.submit(Parent, n=Int(0), seconds=Float(3600))  # no children: it waits once, for its nap
    listener = subprocess.Popen(
        [sys.executable, str(ROOT / "tests" / "worker" / "listener.py"), store_url, rabbitmq_url, str(node.pk), heard],
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    try:
        assert listener.stdout is not None and listener.stdout.readline().strip() == "subscribed"

        def hold_the_loop(event: Any) -> None:
            """Right after the move to waiting, before the process's next write: give a broadcast sent now the time
            to be heard (a busy machine can delay the write as long)."""
            if event.pk == node.pk and event.kind == "state" and event.data["new"] == "waiting":
                deadline = time.monotonic() + 3.0
                while time.monotonic() < deadline and not waiting_heard():
                    time.sleep(0.01)

        unsubscribe = kernel.runner.events.subscribe(hold_the_loop)
        try:
            turning(kernel, lambda: node.process_state is ProcessState.WAITING, "the Parent to wait for its nap")
            turning(kernel, lambda: bool(waiting_heard()), "the waiting broadcast")
        finally:
            unsubscribe()
        assert waiting_heard() == [{"broadcast": "waiting", "stored": "waiting"}]
    finally:
        listener.kill()
        listener.communicate()
        jw.kill(node.pk)


def test_every_process_on_two_workers_is_heard_in_order_ending_once_after_the_store_holds_it(
    store_url: str, rabbitmq_url: str, kernel: Runtime, workers: DaemonWorkers, tmp_path: Path
) -> None:
    """Workers send the state changes of a loop turn in one batch: many processes at once on two workers, and a
    listener in another process hears each one's changes in order, none lost between them, its terminal state last
    and once, and finds in the store at least the state it heard."""
    heard = tmp_path / "heard.jsonl"
    heard.touch()
    listener = subprocess.Popen(
        [sys.executable, str(ROOT / "tests" / "worker" / "listener.py"), store_url, rabbitmq_url, "all", heard],
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    try:
        assert listener.stdout is not None and listener.stdout.readline().strip() == "subscribed"
        first, second = workers.start(wait=False), workers.start(wait=False)
        first.wait_ready()
        second.wait_ready()
        sums = [jw.submit(add, Int(i), Int(1), daemon=True) for i in range(STRESS_CALCFUNCTIONS)]
        chains = [jw.submit(Parent, n=Int(2), daemon=True) for _ in range(STRESS_WORKCHAINS)]
        jw.wait(*sums, *chains, timeout=600)
        pks = {node.pk for node in sums + chains} | {child.pk for chain in chains for child in chain.called}

        def changes() -> dict[int, list[dict[str, Any]]]:
            found: dict[int, list[dict[str, Any]]] = {}
            for line in heard.read_text().splitlines():
                change = json.loads(line)
                found.setdefault(change["pk"], []).append(change)
            return found

        def not_ended() -> dict[int, list[dict[str, Any]] | None]:
            found = changes()
            return {pk: found.get(pk) for pk in pks if pk not in found or found[pk][-1]["broadcast"] != "finished"}

        deadline = time.monotonic() + 60
        while not_ended() and time.monotonic() < deadline:
            time.sleep(0.05)
        missing = not_ended()
        assert not missing, f"{len(missing)} processes not heard to finish, e.g. {dict(list(missing.items())[:3])}"
    finally:
        listener.kill()
        listener.communicate()
    for pk, heard_of_pk in changes().items():
        assert [c["broadcast"] for c in heard_of_pk].count("finished") == 1, (pk, heard_of_pk)
        for before, after in itertools.pairwise(heard_of_pk):
            assert after["from"] == before["broadcast"], (pk, heard_of_pk)  # in order, none lost between
        assert heard_of_pk[-1]["stored"] == "finished", (pk, heard_of_pk)
        assert all(c["stored"] != "created" for c in heard_of_pk), (pk, heard_of_pk)
    assert check(store_url)["problems"] == []
