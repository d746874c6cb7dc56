"""Daemon workers (OS processes) of a fresh store, and this test process as a kernel of the same store and broker."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from jupyter_workflows.testing import DaemonWorkers, Runtime, daemon_workers, isolated_runtime

ROOT = Path(__file__).resolve().parent.parent.parent


@pytest.fixture
def kernel(store_url: str, rabbitmq_url: str) -> Iterator[Runtime]:
    """This test process as a kernel with the store (SQLite, then PostgreSQL) and the machine's broker."""
    with isolated_runtime(store_url, broker=rabbitmq_url) as runtime:
        yield runtime


@pytest.fixture
def workers(store_url: str, rabbitmq_url: str, kernel: Runtime, tmp_path: Path) -> Iterator[DaemonWorkers]:
    """Workers of the kernel's store and broker (none started yet: ``workers.start()``), stopped after the test."""
    with daemon_workers(store_url, rabbitmq_url, log_dir=tmp_path) as made:
        yield made


def check(url: str, *pks: int, results: bool = False) -> dict[str, object]:
    """What a fresh process finds in the store: ``problems`` (provenance_problems; with ``results``, also of the
    outputs of ``pks``, each stored with a creator that finished) and ``trees`` (of ``pks``)."""
    flags = ["--results"] if results else []
    command = [sys.executable, str(ROOT / "tests" / "worker" / "check.py"), url, *flags, *map(str, pks)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300, cwd=ROOT, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout)


def until(condition: Callable[[], bool], what: str, timeout: float = 60.0) -> None:
    """Wait until ``condition()`` holds (a bound, not a timing check); fail naming ``what`` if it never does."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"still waiting for {what} after {timeout} s")
        time.sleep(0.02)
