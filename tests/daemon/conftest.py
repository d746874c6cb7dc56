"""The daemon of a test's store: its files in the test's folder, its workers with a short heartbeat, and every
supervisor the test started stopped afterwards (even when the test failed)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from jupyter_workflows.daemon._files import DAEMON_DIR_ENV, DaemonFiles

ROOT = Path(__file__).resolve().parent.parent.parent


def stop_every_daemon(root: Path, identity: str | None = None, timeout: float = 90.0) -> list[int]:
    """SIGTERM every supervisor whose files are under ``root`` (only the one of the store ``identity``, if given)
    and wait for it (SIGKILL it and its workers after ``timeout``); the pids of those that ran."""
    stopped = []
    for folder in root.iterdir() if root.is_dir() else []:
        if identity is not None and folder.name != identity:
            continue
        files = DaemonFiles(folder.name, root)
        pid = files.supervisor_pid()
        if pid is None or pid <= 0:
            continue
        stopped.append(pid)
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while files.supervisor_pid() is not None and time.monotonic() < deadline:
            time.sleep(0.05)
        if files.supervisor_pid() is not None:
            for worker in (files.read_state() or {}).get("workers", []):
                if worker.get("pid"):
                    os.kill(worker["pid"], signal.SIGKILL)
            os.kill(pid, signal.SIGKILL)
    return stopped


@pytest.fixture
def daemon_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The folder of this test's daemons ($JUPYTER_WORKFLOWS_DAEMON_DIR), with workers that look for a dead
    worker's processes every half second; every daemon still running there is stopped after the test."""
    root = tmp_path / "daemons"
    monkeypatch.setenv(DAEMON_DIR_ENV, str(root))
    monkeypatch.setenv("JUPYTER_WORKFLOWS_HEARTBEAT_SECONDS", "0.5")
    try:
        yield root
    finally:
        stop_every_daemon(root)


def cli(*argv: str, check: bool = False, timeout: float = 180) -> subprocess.CompletedProcess[str]:
    """Run ``jupyter-workflows ARGV`` as a user would, in its own OS process (from the repository's root)."""
    command = [sys.executable, "-m", "jupyter_workflows.cli", *argv]
    done = subprocess.run(
        command, capture_output=True, text=True, timeout=timeout, cwd=ROOT, check=False, stdin=subprocess.DEVNULL
    )
    if check:
        assert done.returncode == 0, done.stdout + done.stderr
    return done
