"""Owners: the kernels, scripts and workers that run processes, and whether they are still alive.

A process whose owner died is *orphaned*: nothing will move it on until someone resumes it.
"""

from __future__ import annotations

import logging
import os
import socket
import time
from typing import TYPE_CHECKING

from .store import OwnerRow

if TYPE_CHECKING:
    from ._core import Runner
    from .store import Store

__all__ = ["HEARTBEAT_TIMEOUT", "owner_alive", "process_start_time", "register_owner"]

HEARTBEAT_SECONDS = 30.0  # how often a runner with live processes tells the store it is alive
HEARTBEAT_TIMEOUT = 3 * HEARTBEAT_SECONDS  # silence after which an owner on another host counts as dead
_registered: set[tuple[int, str]] = set()
_LOGGER = logging.getLogger("jupyter_workflows.owners")


def register_owner(store: Store, runner: Runner) -> None:
    """Record ``runner`` as an owner in ``store`` (once per store)."""
    key = (id(store), runner.id)
    if key in _registered:
        return
    kind = "script" if runner.private_loop else "kernel"
    pid = os.getpid()
    now = time.time()
    store.register_owner(
        OwnerRow(
            id=runner.id,
            hostname=socket.gethostname(),
            pid=pid,
            kind=kind,
            started=process_start_time(pid),
            heartbeat=now,
        )
    )
    _registered.add(key)


def process_start_time(pid: int) -> float:
    """When OS process ``pid`` started, so that a reused pid is not mistaken for a live owner (Linux /proc)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            ticks = int(stat.read().rsplit(")", 1)[1].split()[19])
        with open("/proc/stat") as system:
            boot = next(float(line.split()[1]) for line in system if line.startswith("btime"))
        return boot + ticks / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, StopIteration, IndexError):
        return 0.0


def owner_alive(owner: OwnerRow | None, *, now: float | None = None) -> bool:
    """Whether the owner still runs: on this host, its pid is alive and started when it did; elsewhere, it sent a
    heartbeat recently."""
    if owner is None:
        return False
    if owner.hostname == socket.gethostname():
        if owner.started == 0.0:  # no /proc: all we can tell is whether the pid exists
            return _pid_exists(owner.pid)
        return abs(process_start_time(owner.pid) - owner.started) < 2.0
    return ((now or time.time()) - owner.heartbeat) < HEARTBEAT_TIMEOUT


def _pid_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
