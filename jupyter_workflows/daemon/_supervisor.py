"""The supervisor: a detached OS process that keeps a store's daemon workers running.

It starts ``N`` workers (``python -m jupyter_workflows.worker``, each an OS process with its own loop), each with a
number and a log file; a worker that dies is logged and started again (after a back-off when it keeps dying at
once, so a broken set-up does not spin). Signals steer it, as gunicorn's master: ``SIGTTIN`` adds a worker,
``SIGTTOU`` stops one (SIGTERM: it hands its processes over to the others), ``SIGTERM``/``SIGINT`` stop them all
(each hands its processes over: they stay queued for the next start) and then itself. After every change it
writes its state (``state.json``) for ``jupyter workflows daemon status``.

Store and broker URLs come from the environment (``$JUPYTER_WORKFLOWS_STORE``, ``$JUPYTER_WORKFLOWS_BROKER``), never
from the command line, which every user of the machine can read.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from types import FrameType
from typing import Any

from .._runtime import process_start_time
from ._files import DaemonFiles

__all__ = ["Supervisor"]

_LOGGER = logging.getLogger("jupyter_workflows.daemon")
TICK = 0.1  # seconds between looks at the workers
QUICK_DEATH = 10.0  # a worker that dies sooner after its start counts as failing to start
RESTART_DELAY = (0.5, 60.0)  # back-off between starts of a worker that keeps failing: first, at most
STOP_MARGIN = 30.0  # seconds a stop waits beyond the workers' grace before it kills them


@dataclass
class _Worker:
    """One numbered worker: the OS process that runs it now (None while it waits to be started again)."""

    number: int
    popen: subprocess.Popen[bytes] | None = None
    started: float = 0.0  # time.time() of its start
    start_time: float = 0.0  # the OS's start time of its pid (to tell a reused pid)
    ready: bool = False
    restarts: int = 0
    failures: int = 0  # deaths in a row soon after a start
    retiring: bool = False  # asked to stop: not started again
    start_at: float = 0.0  # when to start it again (time.monotonic())
    log_offset: int = 0
    seen: str = field(default="", repr=False)  # the end of its log read so far (a line may come in pieces)

    @property
    def pid(self) -> int | None:
        return self.popen.pid if self.popen is not None else None


class Supervisor:
    """Keeps ``workers`` workers of ``slots`` slots running for the daemon whose files are ``files``."""

    def __init__(self, files: DaemonFiles, *, workers: int, slots: int, grace: float, store: str, broker: str) -> None:
        self.files = files
        self.slots = slots
        self.grace = grace
        self.store, self.broker = store, broker  # as shown: passwords masked
        self._workers: list[_Worker] = []
        self._target = workers
        self._requests = 0  # workers to add (positive) or stop (negative), from signals
        self._stopping = False
        self._started = time.time()
        self._written: dict[str, Any] | None = None

    def run(self) -> int:
        """Supervise until stopped; 0, or 3 if another supervisor of this store runs."""
        with self.files.locked() as held:
            if not held:
                _LOGGER.error(
                    "Another supervisor of this store runs (pid %s): not starting.", self.files.lock.read_text()
                )
                return 3
            self._install_signals()
            _LOGGER.info(
                "Supervisor pid %d started: store %s, broker %s, %d worker(s) of %d slots; files in %s",
                os.getpid(), self.store, self.broker, self._target, self.slots, self.files.folder,
            )  # fmt: skip
            for number in range(1, self._target + 1):
                self._workers.append(_Worker(number))
            while not self._stopping:
                self._tick()
                time.sleep(TICK)
            self._stop_all()
        return 0

    def _install_signals(self) -> None:
        def stop(signum: int, _: FrameType | None) -> None:
            self._stopping = True

        def more(signum: int, _: FrameType | None) -> None:
            self._requests += 1 if signum == signal.SIGTTIN else -1

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTTIN, more)
        signal.signal(signal.SIGTTOU, more)
        signal.signal(signal.SIGHUP, signal.SIG_IGN)

    # -- one look at the workers -------------------------------------------------------------------------------------
    def _tick(self) -> None:
        self._resize()
        now = time.monotonic()
        for worker in list(self._workers):
            if worker.popen is None:
                if not worker.retiring and now >= worker.start_at:
                    self._start(worker)
                continue
            if worker.popen.poll() is not None:
                self._exited(worker)
            elif not worker.ready:
                self._look_for_ready(worker)
        self._write_state()

    def _resize(self) -> None:
        while self._requests > 0:
            self._requests -= 1
            number = max((worker.number for worker in self._workers), default=0) + 1
            self._workers.append(_Worker(number))
            _LOGGER.info("Adding worker %d", number)
        while self._requests < 0:
            self._requests += 1
            active = [worker for worker in self._workers if not worker.retiring]
            if len(active) <= 1:
                _LOGGER.warning("Not stopping the last worker: stop the daemon instead")
                continue
            self._retire(active[-1])

    def _retire(self, worker: _Worker) -> None:
        worker.retiring = True
        if worker.popen is None or worker.popen.poll() is not None:
            return
        _LOGGER.info("Stopping worker %d (pid %d): its processes are handed over", worker.number, worker.pid)
        worker.popen.send_signal(signal.SIGTERM)

    def _start(self, worker: _Worker) -> None:
        log = self.files.worker_log(worker.number)
        worker.log_offset = log.stat().st_size if log.exists() else 0
        worker.seen, worker.ready = "", False
        command = [sys.executable, "-m", "jupyter_workflows.worker", "--slots", str(self.slots)]
        command += ["--grace", str(self.grace)]
        with log.open("ab") as output:
            worker.popen = subprocess.Popen(
                command, stdin=subprocess.DEVNULL, stdout=output, stderr=subprocess.STDOUT, close_fds=True
            )
        worker.started = time.time()
        worker.start_time = process_start_time(worker.popen.pid)
        _LOGGER.info("Started worker %d: pid %d, log %s", worker.number, worker.popen.pid, log)

    def _look_for_ready(self, worker: _Worker) -> None:
        log = self.files.worker_log(worker.number)
        try:
            with log.open("rb") as handle:
                handle.seek(worker.log_offset)
                new = handle.read()
        except OSError:
            return
        worker.log_offset += len(new)
        worker.seen = (worker.seen + new.decode(errors="replace"))[-4000:]
        if f"Worker pid {worker.pid} on " in worker.seen and " ready: " in worker.seen:
            worker.ready, worker.failures = True, 0
            _LOGGER.info("Worker %d (pid %d) is ready", worker.number, worker.pid)

    def _exited(self, worker: _Worker) -> None:
        assert worker.popen is not None
        code, pid, lived = worker.popen.returncode, worker.popen.pid, time.time() - worker.started
        worker.popen, worker.ready = None, False
        how = f"was killed by {signal.Signals(-code).name}" if code < 0 else f"exited with code {code}"
        if worker.retiring:
            _LOGGER.info("Worker %d (pid %d) stopped", worker.number, pid)
            self._workers.remove(worker)
            return
        worker.failures = worker.failures + 1 if lived < QUICK_DEATH else 0
        delay = 0.0 if worker.failures == 0 else min(RESTART_DELAY[1], RESTART_DELAY[0] * 2 ** (worker.failures - 1))
        worker.start_at = time.monotonic() + delay
        worker.restarts += 1
        _LOGGER.warning(
            "Worker %d (pid %d) %s after %.1f s; starting it again%s (see %s)",
            worker.number, pid, how, lived, f" in {delay:g} s" if delay else "", self.files.worker_log(worker.number),
        )  # fmt: skip

    # -- stopping -----------------------------------------------------------------------------------------------------
    def _stop_all(self) -> None:
        _LOGGER.info("Stopping %d worker(s): their processes are handed over", len(self._workers))
        for worker in self._workers:
            self._retire(worker)
        self._write_state()
        deadline = time.monotonic() + self.grace + STOP_MARGIN
        while any(worker.popen is not None for worker in self._workers) and time.monotonic() < deadline:
            for worker in list(self._workers):
                if worker.popen is not None and worker.popen.poll() is not None:
                    self._exited(worker)
            time.sleep(TICK)
        for worker in self._workers:
            if worker.popen is not None:
                _LOGGER.warning(
                    "Worker %d (pid %d) did not stop in %g s: killed (another worker continues its processes)",
                    worker.number, worker.pid, self.grace + STOP_MARGIN,
                )  # fmt: skip
                worker.popen.kill()
                worker.popen.wait()
        self._workers = []
        self._write_state(stopped=True)
        _LOGGER.info("Supervisor pid %d stopped", os.getpid())

    # -- what status reads ------------------------------------------------------------------------------------------
    def _write_state(self, *, stopped: bool = False) -> None:
        state = {
            "pid": os.getpid(),
            "started": self._started,
            "store": self.store,
            "broker": self.broker,
            "identity": self.files.identity,
            "slots": self.slots,
            "grace": self.grace,
            "cwd": os.getcwd(),
            "stopping": self._stopping,
            "stopped": stopped,
            "workers": [
                {
                    "number": worker.number,
                    "pid": worker.pid,
                    "start_time": worker.start_time,
                    "started": worker.started,
                    "ready": worker.ready,
                    "restarts": worker.restarts,
                    "stopping": worker.retiring,
                }
                for worker in self._workers
            ],
        }
        if state != self._written:
            self.files.write_state(state)
            self._written = state
