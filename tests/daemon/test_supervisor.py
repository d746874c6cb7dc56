"""``jupyter workflows daemon ...`` as a user runs it in a terminal: start, status, a worker that dies and is started
again, incr/decr, logs, stop; and the errors for what cannot be done."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

import jupyter_workflows as jw
from jupyter_workflows import Float, Int, ProcessState
from jupyter_workflows.daemon import DaemonError
from jupyter_workflows.testing import Runtime, isolated_runtime
from tests.daemon.conftest import ROOT, cli, stop_every_daemon
from tests.worker.conftest import until
from tests.worker.workflows import Parent, nap

pytestmark = pytest.mark.slow


@pytest.fixture
def kernel(sqlite_url: str, rabbitmq_url: str, daemon_root: Path) -> Iterator[Runtime]:
    """This test process as a kernel of the store and broker (stop the daemon before the namespace goes)."""
    with isolated_runtime(sqlite_url, broker=rabbitmq_url) as runtime:
        try:
            yield runtime
        finally:  # before the namespace goes
            stop_every_daemon(daemon_root)


def ended(pid: int) -> bool:
    """Whether OS process ``pid`` is gone (or a zombie: its new parent may not reap it at once)."""
    status = Path(f"/proc/{pid}/status")
    return not status.exists() or "zombie" in status.read_text()


def worker_pids(url: str) -> dict[int, int]:
    """Worker number -> pid of the ready workers, as ``jw.daemon.status`` shows them."""
    return {worker.number: worker.pid for worker in jw.daemon.status(store=url).workers if worker.state == "ready"}


def follow_logs_during(connection: list[str], action: Callable[[], object]) -> list[str]:
    """What ``daemon logs -f`` shows while ``action()`` runs, up to the line about a third worker; then Ctrl-C."""
    follow = subprocess.Popen(
        [sys.executable, "-m", "jupyter_workflows.cli", "daemon", "logs", "-f", "-n", "0", *connection],
        stdout=subprocess.PIPE, text=True, cwd=ROOT,
    )  # fmt: skip
    try:
        assert follow.stdout is not None
        followed = [follow.stdout.readline()]  # the first log's header: it follows from now on
        action()
        while "Adding worker 3" not in followed[-1] and len(followed) < 50:  # the other headers, then what comes
            followed.append(follow.stdout.readline())
        follow.send_signal(signal.SIGINT)  # Ctrl-C ends a follow
        assert follow.wait(30) == 0
        return followed
    finally:
        follow.kill()
        follow.wait()
        if follow.stdout is not None:
            follow.stdout.close()


def test_a_second_daemon_of_the_store_is_refused_while_a_worker_of_the_first_misses_its_heartbeats(
    sqlite_url: str, rabbitmq_url: str, kernel: Runtime, daemon_root: Path
) -> None:
    """A worker whose heartbeats are late (frozen here with SIGSTOP; a loaded machine delays them too) still runs on
    this machine: a daemon of the same store from another folder is refused, naming it (it was started)."""
    connection = ["--store", sqlite_url, "--broker", rabbitmq_url]
    cli("daemon", "start", "1", *connection, check=True)
    (pid,) = worker_pids(sqlite_url).values()
    os.kill(pid, signal.SIGSTOP)
    try:
        missed = 3 * 0.5  # three heartbeats of the daemon tests' (see the daemon_root fixture)
        until(lambda: pid not in [o.pid for o in kernel.store.owners_heard_from("worker", missed)], "missed beats")
        elsewhere = cli("daemon", "start", "1", *connection, "--daemon-dir", str(daemon_root / "b"))
    finally:
        os.kill(pid, signal.SIGCONT)
    assert elsewhere.returncode == 1 and "one daemon per store and machine" in elsewhere.stderr, elsewhere.stderr
    assert f"(pid {pid})" in elsewhere.stderr


def test_a_daemon_from_the_terminal(sqlite_url: str, rabbitmq_url: str, kernel: Runtime, daemon_root: Path) -> None:
    connection = ["--store", sqlite_url]
    started = cli("daemon", "start", "2", *connection, "--broker", rabbitmq_url, check=True)
    assert "amqp://guest:***@127.0.0.1:5672/" in started.stdout and "guest:guest" not in started.stdout
    assert len(worker_pids(sqlite_url)) == 2

    again = cli("daemon", "start", *connection, "--broker", rabbitmq_url)
    assert again.returncode == 1 and "already runs (supervisor pid" in again.stderr
    elsewhere = cli("daemon", "start", *connection, "--broker", rabbitmq_url, "--daemon-dir", str(daemon_root / "b"))
    assert elsewhere.returncode == 1 and "one daemon per store and machine" in elsewhere.stderr, elsewhere.stderr
    running = worker_pids(sqlite_url)
    assert all(str(pid) in elsewhere.stderr for pid in running.values()), (running, elsewhere.stderr)  # it names them

    node = jw.submit(nap, Float(3600), daemon=True)  # an hour: it is there until killed
    until(lambda: node.process_state is ProcessState.RUNNING, "a worker to run the nap")
    status = cli("daemon", "status", *connection, check=True).stdout
    assert f"nap<{node.pk}>" in status and " 1/200 " in status and " 0/200 " in status, status
    assert f"store {sqlite_url}" in status and "broker amqp://guest:***@127.0.0.1:5672/" in status

    # A worker that dies is started again (and the supervisor says so); its nap goes on on a worker.
    holder = kernel.store.get_owners([node.owner or ""])[node.owner or ""].pid
    number = next(number for number, pid in worker_pids(sqlite_url).items() if pid == holder)
    os.kill(holder, signal.SIGKILL)
    until(lambda: worker_pids(sqlite_url).get(number) not in (None, holder), "the dead worker to be started again")
    restarted = next(w for w in jw.daemon.status(store=sqlite_url).workers if w.number == number)
    assert restarted.restarts == 1
    log = cli("daemon", "logs", *connection, check=True).stdout
    assert f"Worker {number} (pid {holder}) was killed by SIGKILL" in log and "starting it again" in log
    until(lambda: node.owner is not None and kernel.store.get_owners([node.owner])[node.owner].pid != holder,
          "a live worker to take the dead one's nap")  # fmt: skip

    killed = cli("process", "kill", str(node.pk), "-m", "from the terminal", *connection, "--broker", rabbitmq_url)
    assert killed.returncode == 0 and killed.stdout == f"Killed nap<{node.pk}>\n", killed.stderr
    jw.wait(node, timeout=60)
    assert node.is_killed and node.exit_message == "from the terminal"

    # A WorkChain waiting for its child holds no slot: the load counts the processes able to run.
    chain = jw.submit(Parent, n=Int(1), seconds=Float(3600), daemon=True)  # it waits for its hour-long nap
    until(lambda: chain.process_state is ProcessState.WAITING and len(chain.called) == 2
          and chain.called[1].process_state is ProcessState.RUNNING, "the Parent to wait for its nap")  # fmt: skip
    workers = jw.daemon.status(store=sqlite_url).workers
    assert [sum(w.running for w in workers), sum(w.waiting for w in workers)] == [1, 1]
    assert "; 1 waiting for children or play" in cli("daemon", "status", *connection, check=True).stdout
    jw.kill(chain)
    jw.wait(chain, *chain.called, timeout=60)

    followed = follow_logs_during(connection, lambda: cli("daemon", "incr", *connection, check=True).stdout)
    assert followed[0].startswith("==> ") and followed[-1].startswith("[supervisor] "), followed
    assert len(worker_pids(sqlite_url)) == 3
    fewer = cli("daemon", "decr", "2", *connection, check=True).stdout
    assert fewer.count(" ready ") == 1
    too_few = cli("daemon", "decr", *connection)
    assert too_few.returncode == 1 and "at least one stays" in too_few.stderr

    stopped = cli("daemon", "stop", *connection, check=True)
    assert stopped.stdout == "Daemon stopped (it ran no processes).\n"
    after = cli("daemon", "status", *connection)
    assert after.returncode == 3 and "is not running" in after.stdout
    twice = cli("daemon", "stop", *connection)
    assert twice.returncode == 1 and "is not running: nothing to stop" in twice.stderr
    logs = "".join(path.read_text() for path in daemon_root.rglob("*.log"))
    assert "guest:guest" not in logs and "Supervisor pid" in logs and " stopped" in logs


def test_errors_say_what_to_do(sqlite_url: str, daemon_root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("JUPYTER_WORKFLOWS_BROKER", raising=False)
    with isolated_runtime(sqlite_url):
        with pytest.raises(jw.UsageError, match=r"No broker is configured.*jw.configure\(broker="):
            jw.daemon.start()
        with pytest.raises(DaemonError, match="is not running: nothing to stop"):
            jw.daemon.stop()
        assert not jw.daemon.status().running
    unreachable = cli("daemon", "start", "--store", sqlite_url, "--broker", "amqp://guest:s3cret@127.0.0.1:1/")
    assert unreachable.returncode == 1 and "s3cret" not in unreachable.stdout + unreachable.stderr
    assert "The daemon was not started. Cannot reach the message broker at amqp://guest:***@127.0.0.1:1/" in (
        unreachable.stderr
    )
    refused = cli("daemon", "start", "--store", sqlite_url, "--broker", "amqp://guest:s3cret@127.0.0.1:5672/")
    assert refused.returncode == 1 and "s3cret" not in refused.stdout + refused.stderr
    assert (
        "The daemon was not started. The message broker at amqp://guest:***@127.0.0.1:5672/ refused the login of "
        "user 'guest' (ACCESS_REFUSED): its password is wrong"
    ) in refused.stderr
    not_running = cli("daemon", "incr", "--store", sqlite_url)
    assert not_running.returncode == 1 and "is not running: start it with `daemon start`" in not_running.stderr
    bad = cli("daemon", "start", "0", "--store", sqlite_url)
    assert bad.returncode == 2 and "is not a number of workers" in bad.stderr
    for arguments, said in (
        (["start", "1", "--grace", "-5"], "'-5' is not a number of seconds: give 0 or more"),
        (["start", "1", "--timeout", "-1"], "'-1' is not a number of seconds: give 0 or more"),
        (["stop", "--timeout", "soon"], "'soon' is not a number of seconds: give 0 or more"),
        (["logs", "-n", "-3"], "'-3' is not a whole number: give 0 or more"),
    ):
        bad = cli("daemon", *arguments, "--store", sqlite_url)
        assert bad.returncode == 2 and said in bad.stderr, bad.stderr
    assert not any(path.name == "supervisor.lock" and path.read_text() for path in daemon_root.rglob("*"))


def test_a_killed_supervisors_workers_are_stopped_by_the_next_start(sqlite_url: str, kernel: Runtime) -> None:
    first = jw.daemon.start(workers=1)
    os.kill(first.pid or 0, signal.SIGKILL)  # the workers live on, unsupervised
    until(lambda: not jw.daemon.status().running, "the supervisor to be gone")
    assert not ended(first.pids[0])
    second = jw.daemon.start(workers=1)  # stops the workers the killed supervisor left, then starts afresh
    assert second.running and second.pids != first.pids and ended(first.pids[0])
    jw.daemon.stop()
