"""Owners: the kernels, scripts and workers that run processes, and whether they are still alive.

Each runtime is an *owner*, recorded once in every store it writes to. A process whose owner died is *orphaned*:
nothing will move it on until someone resumes it. On the owner's own host, liveness is the OS process (its pid, and
the time it started, so that a reused pid does not count). Across hosts it is a lease: the owner writes a heartbeat
every :data:`HEARTBEAT_SECONDS` while it has live processes, stamped and judged by the store's clock (so that the
hosts' clocks do not matter). The heartbeat comes from a thread with a connection of its own, so a kernel busy in a
long cell keeps its lease.
"""

from __future__ import annotations

import enum
import logging
import os
import socket
import threading
import weakref
from collections.abc import Callable
from dataclasses import dataclass

from .._core import StoreError
from ..store import OwnerRow, Store

__all__ = [
    "HEARTBEAT_SECONDS",
    "Lease",
    "OwnerStatus",
    "Ownership",
    "live_workers",
    "owner_alive",
    "owner_text",
    "ownership_of",
    "process_start_time",
]

HEARTBEAT_ENV = "JUPYTER_WORKFLOWS_HEARTBEAT_SECONDS"
HEARTBEAT_SECONDS = float(os.environ.get(HEARTBEAT_ENV, "") or 30.0)
"""How often an owner with live processes tells its stores it is alive (``$JUPYTER_WORKFLOWS_HEARTBEAT_SECONDS``)."""
MISSED_HEARTBEATS = 3  # silence after which an owner on another host counts as dead: 3 heartbeats
_CENTURY = 100 * 365 * 24 * 3600.0  # seconds: every owner ever registered
_LOGGER = logging.getLogger("jupyter_workflows.owners")


class Ownership(enum.Enum):
    """Who can steer a process, as seen from this runtime."""

    HERE = "here"  # this runtime runs it: pause, play and kill act at once
    ELSEWHERE = "elsewhere"  # another live kernel or worker runs it: steer it from there (or over the broker)
    QUEUED = "queued"  # nobody holds it yet: it waits in the broker's queue for a daemon worker
    ORPHANED = "orphaned"  # the owner died: kill records it as killed, resume continues it here
    DONE = "done"  # terminated: nothing to steer


@dataclass(frozen=True)
class OwnerStatus:
    """Who can steer a process, and the owner's row when another live runtime runs it."""

    ownership: Ownership
    owner: OwnerRow | None = None

    def describe(self) -> str:
        """How it is shown: "this kernel", "kernel pid 12 on host", "gone (orphaned)", or "" when done."""
        return owner_text(self.ownership, self.owner)


def ownership_of(owner_id: str | None, owner: OwnerRow | None, *, terminated: bool, my_id: str) -> Ownership:
    """Who can steer a process whose node names ``owner_id`` (``owner``: that owner's row, if registered)."""
    if terminated:
        return Ownership.DONE
    if owner_id is not None and owner_id == my_id:
        return Ownership.HERE
    if owner_id is None:
        return Ownership.QUEUED
    if owner is not None and owner_alive(owner):
        return Ownership.ELSEWHERE
    return Ownership.ORPHANED


def owner_text(ownership: Ownership, owner: OwnerRow | None) -> str:
    """How an ownership is shown: "this kernel", "worker pid 12 on host", "gone (orphaned)", "queued for a daemon
    worker", or "" when done."""
    if ownership is Ownership.HERE:
        return "this kernel"
    if ownership is Ownership.ELSEWHERE and owner is not None:
        return f"{owner.kind} pid {owner.pid} on {owner.hostname}"
    if ownership is Ownership.ORPHANED:
        return "gone (orphaned)"
    if ownership is Ownership.QUEUED:
        return "queued for a daemon worker"
    return ""


def live_workers(store: Store, *, here_only: bool = False) -> list[OwnerRow]:
    """The daemon workers of ``store`` that run now, on this host and others (see :func:`owner_alive`); with
    ``here_only``, those on this host, told by their pid however long ago their last heartbeat was (a worker whose
    heartbeat is late, on a loaded machine, still runs)."""
    if here_only:
        host = socket.gethostname()
        ever = store.owners_heard_from("worker", within=_CENTURY)
        return [owner for owner in ever if owner.hostname == host and owner_alive(owner)]
    heard_from = store.owners_heard_from("worker", within=MISSED_HEARTBEATS * HEARTBEAT_SECONDS)
    return [owner for owner in heard_from if owner_alive(owner)]


def owner_alive(owner: OwnerRow) -> bool:
    """Whether the owner still runs: on this host, its pid is alive and started when it did; elsewhere, its last
    heartbeat is recent by the store's clock."""
    if owner.hostname == socket.gethostname():
        if owner.started == 0.0:  # no /proc: all we can tell is whether the pid exists
            return _pid_exists(owner.pid)
        return abs(process_start_time(owner.pid) - owner.started) < 2.0
    return owner.silence < MISSED_HEARTBEATS * HEARTBEAT_SECONDS


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


def _pid_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class Lease:
    """This runtime as an owner: registered once per store, and a heartbeat in every store where ``live_stores()``
    says it has live processes; a daemon worker's in every store it registered in, idle or not (its heartbeat is
    how kernels and ``daemon status`` on other hosts know it runs)."""

    def __init__(self, owner_id: str, kind: str, live_stores: Callable[[], set[Store]]) -> None:
        self.owner_id = owner_id
        self.kind = kind  # "kernel", "script" or "worker"
        self._live_stores = live_stores
        self._stores: weakref.WeakSet[Store] = weakref.WeakSet()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def register_in(self, store: Store) -> None:
        """Record this owner in ``store`` (once per store object) and make sure the heartbeat runs."""
        if store in self._stores:
            return
        pid = os.getpid()
        store.register_owner(
            OwnerRow(
                id=self.owner_id,
                hostname=socket.gethostname(),
                pid=pid,
                kind=self.kind,
                started=process_start_time(pid),
                heartbeat=0.0,  # the store stamps it with its own clock
            )
        )
        with self._lock:
            self._stores.add(store)
        if self._thread is None:
            self._thread = threading.Thread(target=self._beat, name="jupyter_workflows heartbeat", daemon=True)
            self._thread.start()

    def end(self) -> None:
        """Stop the heartbeat (the runtime is replaced or closed)."""
        self._stop.set()

    def _beat(self) -> None:
        # a store -> a connection of this thread's own to the same database. Held by a weak reference to the store,
        # so that the connection is closed here (not dropped open) once the store is closed or gone.
        connections: dict[weakref.ref[Store], Store] = {}
        try:
            while not self._stop.wait(HEARTBEAT_SECONDS):
                _close_abandoned(connections)
                live = self._live_stores()
                always = self.kind == "worker"
                with self._lock:
                    stores = [store for store in self._stores if (always or store in live) and not store.closed]
                for store in stores:
                    self._beat_once(store, connections)
        finally:
            for connection in connections.values():
                connection.close()

    def _beat_once(self, store: Store, connections: dict[weakref.ref[Store], Store]) -> None:
        key = weakref.ref(store)
        try:
            connection = connections.get(key)
            if connection is None:
                connection = connections[key] = store.open_another()
            connection.heartbeat(self.owner_id)
        except StoreError as error:  # the database is away for a moment: try again at the next beat
            _LOGGER.warning("Could not record a heartbeat in %s: %s", store.url, error)
            stale = connections.pop(key, None)
            if stale is not None:
                stale.close()


def _close_abandoned(connections: dict[weakref.ref[Store], Store]) -> None:
    """Close the heartbeat connections whose store was closed or garbage-collected."""
    for key in list(connections):
        store = key()
        if store is None or store.closed:
            connections.pop(key).close()
