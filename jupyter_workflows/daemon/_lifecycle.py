"""Start, stop, restart and resize the daemon of a store, from a notebook or a terminal.

The store and the broker are the ones this OS process is configured with (``jw.configure`` or
``$JUPYTER_WORKFLOWS_STORE``/``$JUPYTER_WORKFLOWS_BROKER``), or given. ``start`` checks that the broker answers, then
starts the supervisor detached (its own session: it outlives the kernel or terminal that started it) in the current
directory and environment, with the URLs in its environment, and waits until every worker takes tasks.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from .._core import BrokerUnreachableError, DaemonError, UsageError
from .._core._secret_url import SecretURL
from .._runtime import BROKER_URL_ENV, get_runtime, live_workers, namespace_of, process_start_time
from ..store import Store
from ..store._config import STORE_URL_ENV
from ._files import DaemonFiles
from ._status import DaemonStatus, read_status
from ._supervisor import STOP_MARGIN

__all__ = ["DEFAULT_GRACE", "DEFAULT_SLOTS", "decr", "incr", "opened", "restart", "start", "status", "stop"]

DEFAULT_SLOTS = 200  # processes a worker runs at once, as AiiDA's daemon.worker_process_slots
DEFAULT_GRACE = 60.0  # seconds a stopping worker waits for its processes to reach a checkpoint
READY_TIMEOUT = 60.0
POLL = 0.05
StoreSpec = str | SecretURL | Store | None
_SPAWNED: list[subprocess.Popen[bytes]] = []
"""Supervisors this OS process started, held until they exit and are reaped (no zombie, no ResourceWarning)."""


@contextlib.contextmanager
def opened(store: StoreSpec, root: str | os.PathLike[str] | None = None) -> Iterator[tuple[Store, DaemonFiles]]:
    """The store (``None``: this runtime's current one) and the files of its daemon; a store opened here is closed
    after the block."""
    if store is None:
        current = get_runtime().store
        yield current, DaemonFiles(current.identity, root)
        return
    if isinstance(store, Store):
        yield store, DaemonFiles(store.identity, root)
        return
    made = Store(store)
    try:
        yield made, DaemonFiles(made.identity, root)
    finally:
        made.close()


def start(
    workers: int = 1,
    *,
    slots: int = DEFAULT_SLOTS,
    store: StoreSpec = None,
    broker: str | SecretURL | None = None,
    grace: float = DEFAULT_GRACE,
    timeout: float = READY_TIMEOUT,
    root: str | os.PathLike[str] | None = None,
) -> DaemonStatus:
    """Start ``workers`` daemon workers of ``slots`` slots each for the store, under a supervisor; return once all
    take tasks. DaemonError if it already runs; BrokerUnreachableError if the broker does not answer."""
    if workers < 1 or slots < 1:
        raise UsageError(
            f"A daemon needs at least one worker of at least one slot (got workers={workers}, slots={slots})."
        )
    broker_url = _broker(broker)
    with opened(store, root) as (found, files):
        running = files.supervisor_pid()
        if running is not None:
            raise DaemonError(
                f"The daemon of store {found.url} already runs (supervisor pid {running}): see jw.daemon.status() "
                "(`jupyter workflows daemon status`), add workers with jw.daemon.incr() (`daemon incr`), or restart "
                "it with jw.daemon.restart() (`daemon restart`)."
            )
        stopped = _stop_leftovers(files)
        others = [owner.pid for owner in live_workers(found, here_only=True) if owner.pid not in stopped]
        if others:
            raise DaemonError(
                f"Workers of store {found.url} already run on this machine (pid {', '.join(map(str, others))}), not "
                f"of the daemon whose files are in {files.folder}: one daemon per store and machine. Stop the other "
                "with `jupyter workflows daemon stop --daemon-dir DIR` (its folder), or end those workers."
            )
        _check_broker(broker_url, namespace_of(found))
        supervisor = _spawn(files, found.secret_url, broker_url, workers=workers, slots=slots, grace=grace)
        _wait(files, supervisor, lambda state: _ready(state) >= workers, f"{workers} worker(s) to be ready", timeout)
        return read_status(found, files)


def stop(*, store: StoreSpec = None, timeout: float | None = None, root: str | os.PathLike[str] | None = None) -> None:
    """Stop the daemon: every worker hands its processes over (they stay queued, and continue after the next
    ``start``), then the supervisor exits. DaemonError if it does not run."""
    with opened(store, root) as (found, files):
        pid = files.supervisor_pid()
        if pid is None:
            if _stop_leftovers(files):
                return
            raise DaemonError(f"The daemon of store {found.url} is not running: nothing to stop.")
        state = files.read_state() or {}
        os.kill(pid, signal.SIGTERM)
        limit = timeout if timeout is not None else state.get("grace", DEFAULT_GRACE) + STOP_MARGIN + 10.0
        deadline = time.monotonic() + limit
        while files.supervisor_pid() is not None:
            if time.monotonic() > deadline:
                raise DaemonError(
                    f"The daemon of store {found.url} did not stop in {limit:g} s (supervisor pid {pid}); see its "
                    f"log, {files.supervisor_log}."
                )
            time.sleep(POLL)
        _reap(wait_for=pid)


def _reap(wait_for: int | None = None) -> None:
    for spawned in list(_SPAWNED):
        if spawned.pid == wait_for:
            with contextlib.suppress(subprocess.TimeoutExpired):
                spawned.wait(10.0)  # it released its lock: it is exiting
        if spawned.poll() is not None:
            _SPAWNED.remove(spawned)


def restart(
    workers: int | None = None,
    *,
    slots: int | None = None,
    store: StoreSpec = None,
    broker: str | SecretURL | None = None,
    timeout: float = READY_TIMEOUT,
    root: str | os.PathLike[str] | None = None,
) -> DaemonStatus:
    """Stop the daemon (if it runs) and start it again, with as many workers as it had (or ``workers``)."""
    with opened(store, root) as (found, files):
        state = files.read_state() if files.supervisor_pid() is not None else None
        if state is not None:
            stop(store=found, root=root)
        had = len([w for w in state["workers"] if not w.get("stopping")]) if state else 1
        return start(
            workers or had or 1,
            slots=slots or (state["slots"] if state else DEFAULT_SLOTS),
            store=found,
            broker=broker,
            grace=state.get("grace", DEFAULT_GRACE) if state else DEFAULT_GRACE,
            timeout=timeout,
            root=root,
        )


def incr(
    count: int = 1, *, store: StoreSpec = None, timeout: float = READY_TIMEOUT, root: str | None = None
) -> DaemonStatus:
    """Add ``count`` workers; return once they take tasks."""
    return _resize(count, store, timeout, root)


def decr(
    count: int = 1, *, store: StoreSpec = None, timeout: float | None = None, root: str | None = None
) -> DaemonStatus:
    """Stop ``count`` workers (SIGTERM: each hands its processes over to the others); at least one stays."""
    return _resize(-count, store, timeout, root)


def status(*, store: StoreSpec = None, root: str | os.PathLike[str] | None = None) -> DaemonStatus:
    """The daemon of the store (``None``: the current one), its workers and what they hold."""
    with opened(store, root) as (found, files):
        return read_status(found, files)


# -- helpers ---------------------------------------------------------------------------------------------------------
def _broker(given: str | SecretURL | None) -> SecretURL:
    if given is not None:
        url = SecretURL(given)
    else:
        configured = get_runtime().broker.url
        url = configured if configured is not None else None  # type: ignore[assignment]
    if url is None:
        raise UsageError(
            "No broker is configured: the daemon's workers take processes from RabbitMQ. Configure it with "
            f"jw.configure(broker='amqp://user:password@host:5672/'), ${BROKER_URL_ENV}, or --broker."
        )
    if not url.reveal().startswith(("amqp://", "amqps://")):
        raise UsageError(f"The broker URL {url} is not an AMQP URL: write amqp://user:password@host:5672/vhost.")
    return url


def _check_broker(url: SecretURL, namespace: str) -> None:
    """BrokerUnreachableError (its URL masked, and why) unless the broker answers within a few seconds."""
    from ..broker import RabbitMQCommunicator

    def not_these_attempts(record: logging.LogRecord) -> bool:  # the error below says it once
        mine = isinstance(record.args, tuple) and bool(record.args) and record.args[0] == url
        return not (mine and "failed" in str(record.msg))

    logger = logging.getLogger("jupyter_workflows.broker")
    logger.addFilter(not_these_attempts)
    communicator = RabbitMQCommunicator(url, namespace)
    try:
        communicator.check_login(timeout=5.0)  # a refused login at once: waiting would not help
        communicator.wait_connected(timeout=5.0)
    except BrokerUnreachableError as error:  # or its BrokerLoginError
        reason = str(error).replace("; messages sent meanwhile were not delivered", "")
        raise type(error)(f"The daemon was not started. {reason}") from None
    finally:
        communicator.close()
        logger.removeFilter(not_these_attempts)


def _spawn(
    files: DaemonFiles, store: SecretURL, broker: SecretURL, *, workers: int, slots: int, grace: float
) -> subprocess.Popen[bytes]:
    files.make()
    command = [sys.executable, "-m", "jupyter_workflows.daemon", "--root", str(files.folder.parent)]
    command += ["--identity", files.identity, "--workers", str(workers), "--slots", str(slots), "--grace", str(grace)]
    environment = {**os.environ, STORE_URL_ENV: store.reveal(), BROKER_URL_ENV: broker.reveal()}
    _reap()
    with files.supervisor_log.open("ab") as log:
        spawned = subprocess.Popen(
            command,
            env=environment,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # not in the kernel's (or terminal's) session: a Ctrl-C there leaves it alone
            close_fds=True,
        )
    _SPAWNED.append(spawned)
    return spawned


def _wait(
    files: DaemonFiles,
    supervisor: subprocess.Popen[bytes] | None,
    done: Callable[[dict[str, Any]], bool],
    what: str,
    timeout: float,
) -> None:
    deadline = time.monotonic() + timeout
    while True:
        if supervisor is not None and supervisor.poll() is not None:
            raise DaemonError(
                f"The daemon's supervisor exited (code {supervisor.returncode}) before {what}:\n"
                f"{_tail(files.supervisor_log)}"
            )
        state = files.read_state() if files.supervisor_pid() is not None else None
        if state is not None and done(state):
            return
        if supervisor is None and files.supervisor_pid() is None:
            raise DaemonError(f"The daemon stopped before {what}:\n{_tail(files.supervisor_log)}")
        if time.monotonic() > deadline:
            logs = "\n".join(f"{path.name}:\n{_tail(path)}" for path in files.logs())
            raise DaemonError(
                f"The daemon runs, but {what} did not happen in {timeout:g} s; it goes on trying (stop it with "
                f"`jupyter workflows daemon stop`). Its logs ({files.folder}):\n{logs}"
            )
        time.sleep(POLL)


def _ready(state: dict[str, Any]) -> int:
    return len([worker for worker in _active(state) if worker["ready"]])


def _active(state: dict[str, Any]) -> list[dict[str, Any]]:
    return [worker for worker in state["workers"] if not worker["stopping"]]


def _resize(change: int, store: StoreSpec, timeout: float | None, root: str | None) -> DaemonStatus:
    if change == 0:
        raise UsageError("Give a number of workers to add or stop, 1 or more.")
    with opened(store, root) as (found, files):
        pid = files.supervisor_pid()
        state = files.read_state() if pid is not None else None
        if pid is None or state is None:
            raise DaemonError(f"The daemon of store {found.url} is not running: start it with `daemon start`.")
        active = len(_active(state))
        if active + change < 1:
            raise DaemonError(
                f"The daemon has {active} worker(s): it cannot stop {-change}, at least one stays (stop the daemon "
                "with `daemon stop`)."
            )
        limit = timeout if timeout is not None else state.get("grace", DEFAULT_GRACE) + STOP_MARGIN
        for _ in range(abs(change)):
            state = _resize_once(files, pid, state, change > 0, limit)
        return read_status(found, files)


def _resize_once(files: DaemonFiles, pid: int, state: dict[str, Any], more: bool, limit: float) -> dict[str, Any]:
    """One signal to the supervisor (signals of one kind do not queue: each waits for the last one's effect)."""
    os.kill(pid, signal.SIGTTIN if more else signal.SIGTTOU)
    if more:
        ready = _ready(state) + 1
        _wait(files, None, lambda now: _ready(now) >= ready, "the new worker to be ready", limit)
    else:
        count = len(state["workers"])
        _wait(files, None, lambda now: len(now["workers"]) < count, "a worker to stop", limit)
    return files.read_state() or state


def _stop_leftovers(files: DaemonFiles) -> list[int]:
    """Stop the workers a supervisor that was killed left running (its state names them); their pids."""
    state = files.read_state()
    if state is None or state.get("stopped"):
        return []
    left = [
        worker["pid"]
        for worker in state["workers"]
        if worker.get("pid")
        and worker.get("start_time")
        and abs(process_start_time(worker["pid"]) - worker["start_time"]) < 2.0
    ]
    stopped = list(left)
    for pid in left:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + state.get("grace", DEFAULT_GRACE) + STOP_MARGIN
    while left and time.monotonic() < deadline:
        left = [pid for pid in left if not _ended(pid)]
        time.sleep(POLL)
    files.write_state({**state, "stopped": True, "workers": []})
    return stopped


def _alive(worker: dict[str, Any]) -> bool:
    """Whether a worker the state names still runs (its pid, started when it did: not a reused pid)."""
    pid, started = worker.get("pid"), worker.get("start_time")
    if not isinstance(pid, int):
        return False
    if not started:  # no /proc (macOS): all we can tell is whether the pid runs
        return not _ended(pid)
    return bool(abs(process_start_time(pid) - float(started)) < 2.0)


def _ended(pid: int) -> bool:
    """Whether OS process ``pid`` ended (a zombie whose new parent has not reaped it yet counts as ended)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] in ("Z", "X")
    except (OSError, IndexError):
        pass
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def _tail(path: Path, lines: int = 30) -> str:
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return "(no log)"
    return "\n".join(text.splitlines()[-lines:])
