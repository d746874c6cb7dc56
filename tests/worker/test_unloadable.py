"""Processes a daemon worker cannot load (their notebook code imports a module the worker lacks, their module does not
import there) end excepted at once, saying why and where; a process its worker holds without running it can still be
killed."""

from __future__ import annotations

import asyncio
import socket
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import jupyter_workflows as jw
from jupyter_workflows import Float, Int, ProcessNotRunningHereError, ProcessState
from jupyter_workflows._processes import _waiting, enqueue
from jupyter_workflows._runtime import live_workers
from jupyter_workflows.testing import DaemonWorkers, Runtime, WorkerProcess
from tests.worker.conftest import ROOT, check
from tests.worker.workflows import nap

NOTEBOOK = """
import sys
sys.path.insert(0, {extra!r})
import extramod
import jupyter_workflows as jw
from jupyter_workflows import Int, calcfunction

@calcfunction
def usesmod(x):
    return Int(extramod.g(x.value))

jw.configure(store=sys.argv[1], broker=sys.argv[2])
print(jw.submit(usesmod, x=Int(2), daemon=True).pk)
"""


def wait_while_a_worker_starts(kernel: Runtime, workers: DaemonWorkers, node: jw.ProcessNode) -> WorkerProcess:
    """Wait for ``node``, queued, from before a worker runs, with no look at the store while waiting: its end must
    come as a broadcast (a waiter polling the store saw it up to seconds late)."""

    async def waiting() -> WorkerProcess:
        waited = asyncio.ensure_future(jw.wait_async(node))  # (a timeout would look at the store as it ends)
        await asyncio.sleep(0.5)  # subscribed, and looked at the store once
        worker = workers.start(wait=False)
        await asyncio.wait_for(waited, 60)
        return worker

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(_waiting, "POLL_WITH_BROKER", (3600.0, 3600.0))
        worker: WorkerProcess = kernel.runner.block(waiting())
    return worker


def test_notebook_code_the_worker_cannot_load_ends_excepted_saying_why_and_where(
    store_url: str, rabbitmq_url: str, kernel: Runtime, workers: DaemonWorkers, tmp_path: Path
) -> None:
    extra = tmp_path / "extra"  # on the notebook's sys.path only
    extra.mkdir()
    (extra / "extramod.py").write_text("def g(x):\n    return 2 * x\n")
    script = tmp_path / "notebook.py"
    script.write_text(textwrap.dedent(NOTEBOOK.format(extra=str(extra))))
    command = [sys.executable, str(script), store_url, rabbitmq_url]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    node = jw.load_node(int(done.stdout.split()[-1]))
    worker = wait_while_a_worker_starts(kernel, workers, node)
    assert node.process_state is ProcessState.EXCEPTED and not node.owner_status().describe()  # held by nobody
    where = f"worker pid {worker.pid} on {socket.gethostname()}"
    assert node.exit_message.startswith(f"The {where} could not run it: The code of usesmod (sha256 ")
    assert node.exit_message.endswith(
        "failed to load in this process: ModuleNotFoundError: No module named 'extramod'. Install extramod in this "
        "process's environment."
    )
    assert node.exception.startswith("Traceback (most recent call last):")
    assert "import extramod" in node.exception  # the stored code's line
    assert "jupyter_workflows._core._errors.CodeTravelError: The code of usesmod" in node.exception
    assert jw.kill(node) == []  # nothing left to kill
    assert "goes back to the queue" not in worker.log_text()
    assert check(store_url)["problems"] == []
    after = jw.submit(nap, Float(0.0), daemon=True)  # the worker goes on, holding nothing else
    jw.wait(after, timeout=60)
    assert after.is_finished_ok and kernel.store.processes_held_by("worker") == []


def test_a_process_of_a_module_the_worker_cannot_import_ends_excepted_at_once_naming_the_fix(
    kernel: Runtime, workers: DaemonWorkers, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "extrawf.py").write_text(
        "from jupyter_workflows import calcfunction\n\n@calcfunction\ndef ext(x):\n    return x + 1\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))  # importable here, not on the worker
    monkeypatch.delitem(sys.modules, "extrawf", raising=False)
    from extrawf import ext  # type: ignore[import-not-found]

    with pytest.warns(jw.NoWorkerWarning):  # no worker yet: it waits in the queue
        node = jw.submit(ext, x=Int(1), daemon=True)
    worker = wait_while_a_worker_starts(kernel, workers, node)
    assert node.process_state is ProcessState.EXCEPTED
    assert node.exit_message == (
        f"The worker pid {worker.pid} on {socket.gethostname()} could not run it: Module extrawf, which "
        f"ext<{node.pk}> comes from, cannot be imported here (ModuleNotFoundError: No module named 'extrawf'). "
        "Install extrawf where the daemon workers run, or start the daemon with the directory that holds it on "
        "PYTHONPATH (PYTHONPATH=<directory> jupyter workflows daemon start)."
    )
    assert "goes back to the queue" not in worker.log_text()


def test_a_kill_of_a_process_its_live_worker_holds_but_does_not_run_ends_it(
    kernel: Runtime, workers: DaemonWorkers
) -> None:
    """As the claim of a process whose code then failed to load left it: recorded as running, held by a live worker
    that does not run it. Asking that worker again and again got the same answer; the kill ends it in the store."""
    workers.start()
    (holder,) = live_workers(kernel.store)
    node, _ = enqueue(nap.process_class, {"seconds": Float(0.0)})  # stored, no task sent
    assert node.pk in kernel.store.claim_to_run([node.pk or 0], holder.id)  # as the worker's claim records it
    with pytest.raises(ProcessNotRunningHereError) as paused:
        jw.pause(node)
    where = f"worker pid {holder.pid} on {holder.hostname}"
    assert str(paused.value) == (f"Cannot pause nap<{node.pk}>: {where} holds it but does not run it; kill it.")
    assert jw.kill(node) == [node]
    assert node.process_state is ProcessState.KILLED
    assert node.exit_message == f"Killed by the user. ({where} held it but did not run it)"
