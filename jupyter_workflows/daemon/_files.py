"""Where a daemon keeps its files: one folder per store identity (so the same database has one daemon per machine,
under any URL), under ``$JUPYTER_WORKFLOWS_DAEMON_DIR`` or ``<Jupyter runtime dir>/workflows/daemon``.

- ``supervisor.lock``: locked (``flock``) by the supervisor for its whole life and holding its pid; a lock nobody
  holds means no daemon runs, whatever a stale file says.
- ``state.json``: what the supervisor last wrote about itself and its workers (replaced whole, never half-written).
- ``supervisor.log``: starts, exits and restarts of workers; ``worker-<n>.log``: what worker number ``n`` logged
  (a restarted worker appends to the log of the one it replaces).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

__all__ = ["DAEMON_DIR_ENV", "STATE_VERSION", "DaemonFiles", "daemon_root"]

DAEMON_DIR_ENV = "JUPYTER_WORKFLOWS_DAEMON_DIR"
STATE_VERSION = 1


def daemon_root(configured: str | os.PathLike[str] | None = None) -> Path:
    """The folder that holds one folder per store's daemon: ``configured``, else ``$JUPYTER_WORKFLOWS_DAEMON_DIR``,
    else ``<Jupyter runtime dir>/workflows/daemon``."""
    chosen = configured or os.environ.get(DAEMON_DIR_ENV, "").strip()
    if chosen:
        return Path(chosen).expanduser()
    try:
        from jupyter_core.paths import jupyter_runtime_dir
    except ImportError:
        return Path("~/.local/share/jupyter/runtime/workflows/daemon").expanduser()
    return Path(jupyter_runtime_dir()) / "workflows" / "daemon"


class DaemonFiles:
    """The files of the daemon of the store with ``identity``."""

    def __init__(self, identity: str, root: str | os.PathLike[str] | None = None) -> None:
        self.identity = identity
        self.folder = daemon_root(root) / identity
        self.lock = self.folder / "supervisor.lock"
        self.state = self.folder / "state.json"
        self.supervisor_log = self.folder / "supervisor.log"

    def __repr__(self) -> str:
        return f"<DaemonFiles {self.folder}>"

    def worker_log(self, number: int) -> Path:
        return self.folder / f"worker-{number}.log"

    def logs(self) -> list[Path]:
        """The supervisor's log, then the workers' logs by number."""
        workers = sorted(self.folder.glob("worker-*.log"), key=lambda path: int(path.stem.split("-")[1]))
        return [path for path in (self.supervisor_log, *workers) if path.exists()]

    def make(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)  # its logs name the store and the broker

    # -- who runs ------------------------------------------------------------------------------------------------------
    def supervisor_pid(self) -> int | None:
        """The pid of the supervisor that holds the lock now; None when no supervisor runs."""
        if not self.lock.exists():
            return None
        with self.lock.open("a+") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:  # held: a supervisor runs
                handle.seek(0)
                text = handle.read().strip()
                return int(text) if text.isdigit() else -1
            fcntl.flock(handle, fcntl.LOCK_UN)
            return None

    @contextlib.contextmanager
    def locked(self) -> Iterator[bool]:
        """Hold the lock for the block (the supervisor's life); yields False if another process holds it."""
        self.make()
        handle = self.lock.open("a+")
        try:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                yield False
                return
            handle.seek(0)
            handle.truncate()
            handle.write(str(os.getpid()))
            handle.flush()
            try:
                yield True
            finally:
                handle.seek(0)
                handle.truncate()
                handle.flush()
        finally:
            handle.close()  # closing releases the lock

    # -- the state ---------------------------------------------------------------------------------------------------
    def read_state(self) -> dict[str, Any] | None:
        """What the supervisor last wrote; None if nothing (or something unreadable) is there."""
        try:
            state = json.loads(self.state.read_text())
        except (OSError, ValueError):
            return None
        return state if isinstance(state, dict) and state.get("version") == STATE_VERSION else None

    def write_state(self, state: dict[str, Any]) -> None:
        temporary = self.state.with_suffix(".tmp")
        temporary.write_text(json.dumps({"version": STATE_VERSION, **state}, indent=1))
        os.replace(temporary, self.state)
