"""A worker whose slots filled up consumes again as soon as one is free for a moment, even while most of them stay
held by WorkChains that wait for their children (which only a consuming worker can run)."""

from __future__ import annotations

# ruff: noqa: F811 - tests take the fixtures imported from tests/worker/conftest.py as arguments
import pytest

import jupyter_workflows as jw
from jupyter_workflows import Int
from jupyter_workflows.testing import DaemonWorkers, Runtime
from tests.worker.conftest import kernel, workers  # noqa: F401 - fixtures
from tests.worker.workflows import Parent


@pytest.fixture
def store_url(sqlite_url: str) -> str:
    """The worker fixtures ``kernel`` and ``workers`` (tests/worker/conftest.py) on SQLite only."""
    return sqlite_url


def test_a_full_worker_takes_tasks_again_while_parents_hold_most_slots(kernel: Runtime, workers: DaemonWorkers) -> None:
    workers.start(slots=4)  # 3 Parents hold 3 slots while they wait; their 6 adds pass through the fourth
    parents = [jw.submit(Parent, n=Int(2), daemon=True) for _ in range(3)]
    jw.wait(*parents, timeout=120)
    assert [parent.outputs.total.value for parent in parents] == [3, 3, 3]
