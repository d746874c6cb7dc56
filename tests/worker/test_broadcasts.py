"""A state_changed broadcast goes out only once the store holds that state: whoever hears it (a widget, the panel,
a waiting parent) and reads the store then finds what it was told, not the state before."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

import jupyter_workflows as jw
from jupyter_workflows import Float, Int, ProcessState
from jupyter_workflows.testing import Runtime
from tests.worker.test_widgets import turning
from tests.worker.workflows import Parent

ROOT = Path(__file__).resolve().parent.parent.parent
pytestmark = pytest.mark.slow


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
