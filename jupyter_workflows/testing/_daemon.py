"""Daemon workers as OS processes, for tests and benchmarks: start, stop (SIGTERM) and kill (SIGKILL) them.

Each worker is ``python -m jupyter_workflows.worker`` with its log in a file of its own; it runs in the calling
process's working directory and environment (so it imports what the tests import), with a short heartbeat so that
a killed worker's processes are taken over quickly.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from .._core import UsageError
from .._core._secret_url import SecretURL

__all__ = ["DaemonWorkers", "WorkerProcess", "daemon_workers"]


class WorkerProcess:
    """One worker OS process and its log."""

    def __init__(self, popen: subprocess.Popen[bytes], log: Path) -> None:
        self.popen = popen
        self.log = log

    def __repr__(self) -> str:
        state = "running" if self.popen.poll() is None else f"exited {self.popen.returncode}"
        return f"<WorkerProcess pid {self.pid} {state}>"

    @property
    def pid(self) -> int:
        return self.popen.pid

    def log_text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def wait_ready(self, timeout: float = 60.0) -> None:
        """Return once the worker takes tasks; UsageError (with its log) if it exits or takes too long."""
        deadline = time.monotonic() + timeout
        while " ready: " not in self.log_text():
            if self.popen.poll() is not None or time.monotonic() > deadline:
                why = f"exited with {self.popen.returncode}" if self.popen.poll() is not None else "is not ready"
                raise UsageError(f"The worker pid {self.pid} {why}:\n{self.log_text()[-4000:]}")
            time.sleep(0.02)


class DaemonWorkers:
    """Workers of one store and broker (see :func:`daemon_workers`)."""

    def __init__(self, store: str, broker: str, log_dir: Path, *, heartbeat: float) -> None:
        self._store, self._broker = SecretURL(store), SecretURL(broker)
        self.log_dir = log_dir
        self.heartbeat = heartbeat
        self.workers: list[WorkerProcess] = []

    def start(
        self,
        *,
        slots: int = 200,
        grace: float = 10.0,
        lost_after: float = 600.0,
        wait: bool = True,
        module: str = "jupyter_workflows.worker",
    ) -> WorkerProcess:
        """Start a worker (and by default wait until it takes tasks). ``grace``: how long a stop waits for its
        processes to reach a checkpoint; ``lost_after``: how long a process may wait in the queue; ``module``: the
        one run with ``python -m`` (a test's own, to bring about a fault, takes the same arguments)."""
        log = self.log_dir / f"worker-{len(self.workers) + 1}.log"
        env = dict(os.environ, JUPYTER_WORKFLOWS_HEARTBEAT_SECONDS=str(self.heartbeat))
        command = [sys.executable, "-m", module, "--store", self._store.reveal()]
        command += ["--broker", self._broker.reveal(), "--slots", str(slots), "--grace", str(grace)]
        command += ["--lost-after", str(lost_after)]
        with log.open("ab") as output:
            popen = subprocess.Popen(command, env=env, stdout=output, stderr=subprocess.STDOUT)
        worker = WorkerProcess(popen, log)
        self.workers.append(worker)
        if wait:
            worker.wait_ready()
        return worker

    def stop(self, worker: WorkerProcess, timeout: float = 120.0) -> int:
        """SIGTERM: the worker hands its processes over and exits; returns its exit code."""
        if worker.popen.poll() is None:
            worker.popen.send_signal(signal.SIGTERM)
        return worker.popen.wait(timeout)

    def kill(self, worker: WorkerProcess) -> None:
        """SIGKILL: the worker dies at once, holding what it ran (another worker takes that over)."""
        if worker.popen.poll() is None:
            worker.popen.kill()
        worker.popen.wait()

    def of_pid(self, pid: int) -> WorkerProcess:
        """The worker with this pid (the pid its owner row in the store names)."""
        found = [worker for worker in self.workers if worker.pid == pid]
        if not found:
            raise UsageError(f"No worker of these has pid {pid} (pids: {[w.pid for w in self.workers]}).")
        return found[0]

    def close(self) -> None:
        """Stop every worker still running (killed if it does not stop in time)."""
        for worker in self.workers:
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.stop(worker, timeout=60)
            self.kill(worker)


@contextlib.contextmanager
def daemon_workers(
    store: str, broker: str, *, workers: int = 0, slots: int = 200, heartbeat: float = 0.5, log_dir: Path | None = None
) -> Iterator[DaemonWorkers]:
    """``workers`` daemon workers of the store and broker at these URLs, started (and ready) for the ``with``
    block, stopped after it; more with ``.start()``. ``heartbeat``: their ``$JUPYTER_WORKFLOWS_HEARTBEAT_SECONDS``
    (how soon a killed worker's processes are looked for). Logs go to ``log_dir`` (a temporary directory)."""
    with contextlib.ExitStack() as stack:
        if log_dir is None:
            log_dir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="jw-workers-")))
        made = DaemonWorkers(store, broker, Path(log_dir), heartbeat=heartbeat)
        stack.callback(made.close)
        for _ in range(workers):
            made.start(slots=slots, wait=False)
        for worker in made.workers:
            worker.wait_ready()
        yield made
