"""What ``daemon status`` shows: the supervisor, each worker's pid, load (slots used/total) and the processes it holds,
and the store and broker they use (passwords masked).

The supervisor writes who its workers are (``state.json``); what each one holds is read from the store (the held-
process index, and each process's state), so the load is the store's truth, not what a worker last said. A slot
counts a process able to run: the load is the processes a worker holds less those that wait for their children or
are paused (they give their slot back meanwhile; see ``_core._slots``), which are shown apart as waiting. A worker
may hold more processes than it has slots, never run more.
"""

from __future__ import annotations

import socket
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .._runtime import owner_alive, process_start_time
from ..store import Store
from ._files import DaemonFiles

__all__ = ["DaemonStatus", "WorkerStatus", "read_status"]

_SHOWN = 8  # processes listed per worker in the text form


@dataclass(frozen=True)
class WorkerStatus:
    """One worker of the daemon."""

    number: int
    pid: int | None  # None while it waits to be started again
    ready: bool  # it takes tasks
    slots: int
    processes: tuple[tuple[int, str], ...] = ()  # (pk, process label) of every process it holds
    waiting: int = 0  # of these, those that hold no slot: waiting for their children, or paused
    restarts: int = 0
    stopping: bool = False

    @property
    def running(self) -> int:
        """How many of its processes hold a slot (able to run: not waiting for children, not paused)."""
        return len(self.processes) - self.waiting

    @property
    def load(self) -> str:
        """Slots used / total, as ``"3/200"`` (the processes that wait hold none: see :attr:`waiting`)."""
        return f"{self.running}/{self.slots}"

    @property
    def state(self) -> str:
        if self.pid is None:
            return "restarting"
        return "stopping" if self.stopping else "ready" if self.ready else "starting"


@dataclass(frozen=True)
class DaemonStatus:
    """The daemon of one store on this machine (``jw.daemon.status()``; ``print()`` it for a table)."""

    running: bool
    store: str  # passwords masked
    identity: str
    folder: Path  # its pid, state and log files
    broker: str = ""
    pid: int | None = None  # the supervisor's
    started: float | None = None
    workers: tuple[WorkerStatus, ...] = ()
    elsewhere: tuple[tuple[str, int, int], ...] = field(default=())
    """(host, pid, processes held) of workers of this store that this daemon does not run (another machine's)."""

    @property
    def pids(self) -> list[int]:
        return [worker.pid for worker in self.workers if worker.pid is not None]

    def __str__(self) -> str:
        if not self.running:
            lines = [f"The daemon of store {self.store} is not running (start it: jupyter workflows daemon start)."]
        else:
            since = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(self.started or 0))
            lines = [
                f"Daemon of store {self.store}: running, supervisor pid {self.pid} since {since}",
                f"broker {self.broker}",
                f"files in {self.folder}",
                "",
                f"{'worker':<7} {'pid':<8} {'state':<11} {'load':<10} processes",
            ]
            for worker in self.workers:
                shown = ", ".join(f"{label}<{pk}>" for pk, label in worker.processes[:_SHOWN])
                if len(worker.processes) > _SHOWN:
                    shown += f", ... ({len(worker.processes) - _SHOWN} more)"
                restarted = f" (restarted {worker.restarts}x)" if worker.restarts else ""
                if worker.waiting:
                    shown += f"; {worker.waiting} waiting for children or play"
                lines.append(
                    f"{worker.number:<7} {worker.pid or '-'!s:<8} {worker.state:<11} {worker.load:<10} "
                    f"{shown or '-'}{restarted}"
                )
        for host, pid, held in self.elsewhere:
            lines.append(f"another worker of this store: pid {pid} on {host}, holding {held} process(es)")
        return "\n".join(lines)

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(str(self))


def read_status(store: Store, files: DaemonFiles) -> DaemonStatus:
    """The daemon of ``store`` whose files are ``files``, as it is now."""
    pid = files.supervisor_pid()
    state = files.read_state() if pid is not None else None
    held = _held_by_workers(store)
    here = socket.gethostname()
    if state is None:
        workers: tuple[WorkerStatus, ...] = ()
    else:
        workers = tuple(
            _worker(entry, state["slots"], held.get((here, entry.get("pid")), [])) for entry in state["workers"]
        )
    ours = {(here, worker.pid) for worker in workers}
    elsewhere = tuple((host, wpid, len(pks)) for (host, wpid), pks in sorted(held.items()) if (host, wpid) not in ours)
    labels, waiting = _labels(store, [pk for worker in workers for pk, _ in worker.processes])
    workers = tuple(
        WorkerStatus(
            **{
                **worker.__dict__,
                "processes": tuple((pk, labels.get(pk, "?")) for pk, _ in worker.processes),
                "waiting": sum(pk in waiting for pk, _ in worker.processes),
            }
        )
        for worker in workers
    )
    return DaemonStatus(
        running=pid is not None,
        store=store.url,
        identity=store.identity,
        folder=files.folder,
        broker=state["broker"] if state else "",
        pid=pid if pid is not None and pid > 0 else None,
        started=state["started"] if state else None,
        workers=workers,
        elsewhere=elsewhere,
    )


def _worker(entry: dict[str, Any], slots: int, held: list[int]) -> WorkerStatus:
    pid = entry.get("pid")
    if pid is not None and entry.get("start_time") and abs(process_start_time(pid) - entry["start_time"]) >= 2.0:
        pid = None  # it exited since the supervisor wrote the state
    return WorkerStatus(
        number=entry["number"],
        pid=pid,
        ready=bool(entry.get("ready")) and pid is not None,
        slots=slots,
        processes=tuple((pk, "") for pk in held),
        restarts=entry.get("restarts", 0),
        stopping=bool(entry.get("stopping")),
    )


def _held_by_workers(store: Store) -> dict[tuple[str, int], list[int]]:
    held: dict[tuple[str, int], list[int]] = {}
    alive: dict[str, bool] = {}
    for pk, owner in store.processes_held_by("worker"):
        if owner.id not in alive:  # one look per owner: a worker holds hundreds of processes
            alive[owner.id] = owner_alive(owner)
        if alive[owner.id]:  # a dead one's are taken over soon
            held.setdefault((owner.hostname, owner.pid), []).append(pk)
    return held


def _labels(store: Store, pks: list[int]) -> tuple[dict[int, str], set[int]]:
    """The process labels of ``pks``, and those of them that hold no slot (waiting for children, or paused)."""
    rows = store.get_nodes(pks) if pks else {}
    labels = {pk: row.process_label or row.node_type for pk, row in rows.items()}
    return labels, {pk for pk, row in rows.items() if row.process_state == "waiting" or row.paused}
