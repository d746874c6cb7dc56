"""A worker whose slots filled up consumes again as soon as one is free for a moment, even while most of them stay
held by WorkChains that wait for their children (which only a consuming worker can run)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

import jupyter_workflows as jw
from jupyter_workflows import Int
from jupyter_workflows.testing import DaemonWorkers, Runtime, daemon_workers, isolated_runtime
from tests.worker.workflows import Parent


@pytest.fixture
def kernel(sqlite_url: str, rabbitmq_url: str) -> Iterator[Runtime]:
    with isolated_runtime(sqlite_url, broker=rabbitmq_url) as runtime:
        yield runtime


@pytest.fixture
def workers(sqlite_url: str, rabbitmq_url: str, kernel: Runtime, tmp_path: Path) -> Iterator[DaemonWorkers]:
    with daemon_workers(sqlite_url, rabbitmq_url, log_dir=tmp_path) as made:
        yield made


def test_a_full_worker_takes_tasks_again_while_parents_hold_most_slots(kernel: Runtime, workers: DaemonWorkers) -> None:
    workers.start(slots=4)  # 3 Parents hold 3 slots while they wait; their 6 adds pass through the fourth
    parents = [jw.submit(Parent, n=Int(2), daemon=True) for _ in range(3)]
    jw.wait(*parents, timeout=120)
    assert [parent.outputs.total.value for parent in parents] == [3, 3, 3]
