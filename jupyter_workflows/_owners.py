"""Owners: the kernels, scripts and workers that run processes, and whether they are still alive.

A process whose owner died is *orphaned*: nothing will move it on until someone resumes it.
"""

from __future__ import annotations

import logging
import os
import socket
import time
from typing import TYPE_CHECKING, Any

from .store import OwnerRow

if TYPE_CHECKING:
    from ._core import Runner
    from .store import Store

__all__ = [
    "DONE",
    "ELSEWHERE",
    "HEARTBEAT_TIMEOUT",
    "HERE",
    "ORPHANED",
    "describe_owner",
    "owner_alive",
    "ownership",
    "process_start_time",
    "register_owner",
]

HERE = "here"  # this kernel runs it: pause, play and kill act at once
ELSEWHERE = "elsewhere"  # another live kernel or worker runs it: steer it from there
ORPHANED = "orphaned"  # the kernel that ran it died: kill records it as killed, resume continues it here
DONE = ""  # terminated: nothing to steer

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


def describe_owner(
    owner_id: str | None, owner: OwnerRow | None, *, terminated: bool, runner_id: str, runs_here: bool = False
) -> tuple[str, str]:
    """Who can steer a process: ``(HERE | ELSEWHERE | ORPHANED | DONE, what to show)``."""
    if terminated:
        return DONE, ""
    if runs_here or (owner_id is not None and owner_id == runner_id):
        return HERE, "this kernel"
    if owner is not None and owner_alive(owner):
        return ELSEWHERE, f"{owner.kind} pid {owner.pid} on {owner.hostname}"
    return ORPHANED, "gone (orphaned)"


def ownership(node: Any, runner_id: str | None = None) -> tuple[str, str]:
    """:func:`describe_owner` for a process node, reading its owner from the store only when needed."""
    from ._core import get_runner

    terminated = node.is_terminated
    if terminated or node.process is not None:
        return describe_owner(None, None, terminated=terminated, runner_id="", runs_here=True)
    owner_id = node.owner
    owner = node._the_store.get_owners([owner_id]).get(owner_id) if owner_id else None
    return describe_owner(owner_id, owner, terminated=False, runner_id=runner_id or get_runner().id)
