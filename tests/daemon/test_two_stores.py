"""Two stores (SQLite and PostgreSQL) on one broker, each with its own daemon: every process runs on a worker of its
own store's daemon, and each store's provenance is complete (checked from a fresh process)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import pytest

import jupyter_workflows as jw
from jupyter_workflows import Int
from jupyter_workflows.testing import Runtime, isolated_runtime
from tests.daemon.conftest import stop_every_daemon
from tests.worker.conftest import check
from tests.worker.workflows import Parent, add

EACH = 20
pytestmark = pytest.mark.slow


@contextlib.contextmanager
def stopping_daemon(root: Path, runtime: Runtime) -> Iterator[None]:
    """Stop the daemon of the runtime's store at the end of the block (before its namespace is deleted)."""
    try:
        yield
    finally:
        stop_every_daemon(root, runtime.store.identity)


def test_two_stores_on_one_broker_never_see_each_others_tasks(
    sqlite_url: str, postgres_url: str, rabbitmq_url: str, daemon_root: Path
) -> None:
    with isolated_runtime(sqlite_url, broker=rabbitmq_url) as first, stopping_daemon(daemon_root, first):
        first_daemon = jw.daemon.start(workers=1)
        sums = [jw.submit(add, Int(i), Int(1), daemon=True) for i in range(EACH)]
        chains = [jw.submit(Parent, n=Int(2), daemon=True) for _ in range(EACH // 4)]
        with isolated_runtime(postgres_url, broker=rabbitmq_url) as second, stopping_daemon(daemon_root, second):
            second_daemon = jw.daemon.start(workers=1)
            assert first_daemon.folder != second_daemon.folder  # one folder per store identity
            others = [jw.submit(add, Int(i), Int(2), daemon=True) for i in range(EACH)]
            other_chains = [jw.submit(Parent, n=Int(2), daemon=True) for _ in range(EACH // 4)]
            jw.wait(*others, *other_chains, timeout=300)
            ran_second = {second.store.get_owners([n.owner or ""])[n.owner or ""].pid for n in others + other_chains}
            assert ran_second == set(second_daemon.pids)
            assert [n.outputs.result.value for n in others] == [i + 2 for i in range(EACH)]
            jw.daemon.stop()
        jw.wait(*sums, *chains, timeout=300)
        ran_first = {first.store.get_owners([n.owner or ""])[n.owner or ""].pid for n in sums + chains}
        assert ran_first == set(first_daemon.pids)
        assert [n.outputs.result.value for n in sums] == [i + 1 for i in range(EACH)]
        jw.daemon.stop()
    logs = "".join(path.read_text() for path in daemon_root.rglob("*.log"))
    assert "reached a worker of store" not in logs and "Traceback" not in logs
    assert check(sqlite_url)["problems"] == []
    assert check(postgres_url)["problems"] == []
