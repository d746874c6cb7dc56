"""Steering daemon processes from where users are: ``%workflows kill PK`` in a real kernel, and
``jupyter workflows process pause|play|kill|status PK`` (or ``--all``) in a terminal, through the same steering as
jw.pause/play/kill (an RPC to the worker that holds the process)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

import jupyter_workflows as jw
from jupyter_workflows import Float, Int, ProcessState
from jupyter_workflows.testing import DaemonWorkers, Runtime, daemon_workers, isolated_runtime
from tests._nbrun import cell_error, cell_text, execute_notebook, notebook_from_cells
from tests.daemon.conftest import ROOT, cli
from tests.worker.conftest import until
from tests.worker.workflows import Parent, nap


@pytest.fixture
def kernel(sqlite_url: str, rabbitmq_url: str) -> Iterator[Runtime]:
    with isolated_runtime(sqlite_url, broker=rabbitmq_url) as runtime:
        yield runtime


@pytest.fixture
def workers(sqlite_url: str, rabbitmq_url: str, kernel: Runtime, tmp_path: Path) -> Iterator[DaemonWorkers]:
    with daemon_workers(sqlite_url, rabbitmq_url, workers=1, log_dir=tmp_path) as made:
        yield made


@pytest.mark.kernel
def test_the_magic_kills_a_process_a_worker_runs(sqlite_url: str, rabbitmq_url: str, workers: DaemonWorkers) -> None:
    cells = [
        f"""import time
import jupyter_workflows as jw
from jupyter_workflows import Float
from tests.worker.workflows import nap
jw.configure(store={sqlite_url!r}, broker={rabbitmq_url!r})
%load_ext jupyter_workflows
node = jw.submit(nap, Float(3600), daemon=True)
deadline = time.monotonic() + 60
while node.process_state.value != "running" and time.monotonic() < deadline:
    time.sleep(0.05)
print(node.process_state.value, "on", node.owner_status().describe().split(" on ")[0])""",
        '%workflows kill {node.pk} -m "from the magic"',
        "jw.wait(node, timeout=60)\nprint(node.process_state.value, '|', node.exit_message)",
    ]
    executed = execute_notebook(notebook_from_cells(cells), cwd=ROOT, timeout=120)
    assert [cell_error(cell) for cell in executed.cells] == [None, None, None]
    texts = [cell_text(cell) for cell in executed.cells]
    assert texts[0] == f"running on worker pid {workers.workers[0].pid}\n"
    assert texts[1].startswith("Killed 1 process(es): nap<")
    assert texts[2] == "killed | from the magic\n"


def test_the_terminal_pauses_plays_and_shows_a_workchain_on_a_worker(
    sqlite_url: str, rabbitmq_url: str, kernel: Runtime, workers: DaemonWorkers
) -> None:
    connection = ["--store", sqlite_url, "--broker", rabbitmq_url]
    # Its nap outlasts the three CLI calls below it (2 s each; over 6 s each under a loaded `make test`).
    node = jw.submit(Parent, n=Int(1), seconds=Float(40.0), daemon=True)
    until(lambda: node.process_state is ProcessState.WAITING and len(node.called) == 2, "the Parent to nap")
    paused = cli("process", "pause", str(node.pk), *connection)
    assert paused.returncode == 0 and paused.stdout == f"Paused Parent<{node.pk}>\n", paused.stderr
    where = f"worker pid {workers.workers[0].pid} on {socket.gethostname()}"
    properties = cli("process", "show", str(node.pk), *connection, check=True).stdout.split("\n\n")[0].splitlines()
    assert "state        waiting (paused)" in properties and f"where        {where}, step nap" in properties
    shown = cli("process", "status", str(node.pk), str(node.called[1].pk), *connection, check=True).stdout
    added, napped = node.called
    parent, *tree, napping = shown.splitlines()  # the Parent with what it called, as a tree; then the nap alone
    assert parent.startswith(f"Parent<{node.pk}>  ") and parent.endswith(f" (paused)  {where}  step: nap")
    assert tree == [f"├── add<{added.pk}>  finished  exit status 0", f"└── nap<{napped.pk}>  running  {where}"]
    assert napping == f"nap<{napped.pk}>  running  {where}"
    shallow = cli("process", "status", str(node.pk), "--max-depth", "0", *connection, check=True).stdout
    assert shallow == parent + "\n"
    jw.wait(node.called[1], timeout=60)
    until(lambda: node.process_state is ProcessState.RUNNING, "the Parent to reach its next step")
    assert node.paused and not node.is_terminated  # held there while paused
    played = cli("process", "play", str(node.pk), *connection, check=True)
    assert played.stdout == f"Played Parent<{node.pk}>\n"
    jw.wait(node, timeout=60)
    done = cli("process", "status", str(node.pk), *connection, check=True).stdout.splitlines()
    assert done[0] == f"Parent<{node.pk}>  finished  exit status 0" and len(done) == 4  # add, nap, add
    assert done[3].startswith("└── add<") and done[3].endswith(">  finished  exit status 0")
    again = cli("process", "kill", str(node.pk), "999999", *connection)
    assert again.returncode == 1 and again.stdout == f"Parent<{node.pk}> is finished: nothing to kill.\n"
    assert "999999" in again.stderr and "guest:guest" not in again.stderr


def test_the_terminal_watches_processes_change_until_they_end(
    sqlite_url: str, rabbitmq_url: str, kernel: Runtime, workers: DaemonWorkers
) -> None:
    """``process watch`` (as verdi's): a line for each process as it is, then one for each change, a pause and a
    play included, until all have ended; then it exits 0."""
    connection = ["--store", sqlite_url, "--broker", rabbitmq_url]
    node = jw.submit(Parent, n=Int(1), seconds=Float(3600), daemon=True)
    until(lambda: len(node.called) == 2 and node.called[1].process_state is ProcessState.RUNNING, "the Parent to nap")
    napping = node.called[1]
    command = [sys.executable, "-m", "jupyter_workflows.cli", "process", "watch", str(node.pk), str(napping.pk)]
    watch = subprocess.Popen([*command, *connection], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             cwd=ROOT, stdin=subprocess.DEVNULL)  # fmt: skip
    lines: list[str] = []

    def line() -> str:
        assert watch.stdout is not None
        text = watch.stdout.readline()
        assert text, f"process watch ended early: {lines}, {watch.stderr.read() if watch.stderr else ''}"
        lines.append(text.rstrip("\n").split("  ", 1)[-1])  # without its time stamp
        return lines[-1]

    try:
        assert line().startswith("Watching 2 process(es), a line for each change, from their broadcasts;")
        where = f"worker pid {workers.workers[0].pid} on {socket.gethostname()}"
        assert {line(), line()} == {
            f"Parent<{node.pk}>  waiting  {where}  step: nap",
            f"nap<{napping.pk}>  running  {where}",
        }
        cli("process", "pause", str(node.pk), *connection, check=True)
        assert line() == f"Parent<{node.pk}>  waiting (paused)"
        cli("process", "play", str(node.pk), *connection, check=True)
        assert line() == f"Parent<{node.pk}>  waiting"
        cli("process", "kill", str(node.pk), "-m", "enough", *connection, check=True)
        assert {line(), line()} == {
            f"Parent<{node.pk}>  killed  enough",
            f"nap<{napping.pk}>  killed  enough (killed with its caller Parent<{node.pk}>)",
        }
        assert watch.wait(timeout=60) == 0, watch.stderr.read() if watch.stderr else ""
    finally:
        watch.kill()
        watch.communicate()


def test_the_terminal_steers_every_active_process_of_the_store_with_all(
    sqlite_url: str, rabbitmq_url: str, kernel: Runtime, workers: DaemonWorkers
) -> None:
    connection = ["--store", sqlite_url, "--broker", rabbitmq_url]
    naps = [jw.submit(nap, Float(3600), daemon=True) for _ in range(2)]
    chain = jw.submit(Parent, n=Int(1), seconds=Float(3600), daemon=True)
    until(lambda: all(node.process_state is ProcessState.RUNNING for node in naps)
          and chain.process_state is ProcessState.WAITING and len(chain.called) == 2, "everything to run")  # fmt: skip
    active = [*naps, chain, chain.called[1]]  # (the Parent's first add finished)
    unconfirmed = cli("process", "kill", "--all", *connection)
    assert unconfirmed.returncode == 1, unconfirmed.stdout
    assert unconfirmed.stderr.endswith("--all would kill 4 process(es): confirm with --force.\n")
    asked = answered("n", "process", "kill", "--all", *connection)
    assert asked == f"Kill all 4 active process(es) of {sqlite_url}? [y/N] Nothing done.\n"
    assert not any(node.is_terminated or node.paused for node in active)

    paused = cli("process", "pause", "-a", "-f", *connection, check=True).stdout
    assert paused.startswith("Paused 4 process(es): nap<") and all(node.paused for node in active)
    assert cli("process", "pause", "--all", "-f", *connection, check=True).stdout == "No active process to pause.\n"
    played = cli("process", "play", "--all", "-f", *connection, check=True).stdout
    assert played.startswith("Played 4 process(es): ") and not any(node.paused for node in active)
    killed = answered("y", "process", "kill", "--all", "-m", "campaign over", *connection)
    assert killed.startswith(f"Kill all 4 active process(es) of {sqlite_url}? [y/N] Killed ")
    jw.wait(*active, timeout=60)
    assert all(node.is_killed for node in active)
    assert [node.exit_message for node in (*naps, chain)] == ["campaign over"] * 3  # (the Parent's nap: with it)
    assert cli("process", "kill", "-a", *connection, check=True).stdout == "No active process to kill.\n"
    neither = cli("process", "play", *connection)
    assert neither.returncode == 1 and "which processes? Give their PKs, or --all" in neither.stderr
    both = cli("process", "play", str(chain.pk), "--all", *connection)
    assert both.returncode == 1 and "give PKs or --all, not both" in both.stderr


def answered(answer: str, *argv: str) -> str:
    """What ``jupyter-workflows ARGV`` prints when it asks on a terminal (its stdin a pseudo-terminal) and gets
    ``answer``."""
    controller, terminal = os.openpty()
    command = [sys.executable, "-m", "jupyter_workflows.cli", *argv]
    with subprocess.Popen(command, stdin=terminal, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                          cwd=ROOT) as run:  # fmt: skip
        os.close(terminal)
        os.write(controller, f"{answer}\n".encode())
        out, err = run.communicate(timeout=180)
    os.close(controller)
    assert run.returncode == 0, out + err
    return out
