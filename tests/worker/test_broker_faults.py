"""Daemon workers and a kernel when the broker fails them: a broker that crashes and comes back while hundreds of
processes run, a process that outlives RabbitMQ's ``consumer_timeout``, messages that are not ours, and a password
that never shows. All on a RabbitMQ node the tests start themselves (its own port, data and password, a
``consumer_timeout`` of 3 s), never the machine's."""

from __future__ import annotations

import json
import logging
import pickle
import random
import re
import signal
import subprocess
import sys
import threading
import time
import traceback
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import aio_pika
import pytest

import jupyter_workflows as jw
from jupyter_workflows import Float, Int, ProcessState
from jupyter_workflows._runtime import namespace_of
from jupyter_workflows._wire import MAX_BROKER_MESSAGE_BYTES
from jupyter_workflows.broker import Names
from jupyter_workflows.testing import DaemonWorkers, RabbitMQNode, Runtime, daemon_workers, isolated_runtime
from tests.broker.conftest import PRIVATE_PASSWORD, dead_letters, private_node  # noqa: F401 - the fixture
from tests.worker.conftest import ROOT, check, until
from tests.worker.workflows import Parent, add, counted, nap

pytestmark = pytest.mark.slow

CONSUMER_TIMEOUT = 3.0  # the private node's (tests/broker/conftest.py), in seconds
SEND_TIMEOUT = 30.0  # how long a send waits for the broker (RabbitMQCommunicator's default)
ON_WORKERS, TREES_ON_WORKERS, TREES_HERE = 150, 30, 20  # 200 submitted processes, 13 processes per tree


def tree() -> dict[str, jw.Data]:
    """A Parent that submits 2 Parents of 2 adds each; every Parent naps 1 s before it collects: 13 processes."""
    return {"n": Int(2), "depth": Int(1), "seconds": Float(1.0)}


@pytest.fixture
def private(
    private_node: RabbitMQNode,  # noqa: F811 - the fixture imported above
    store_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[tuple[Runtime, DaemonWorkers, RabbitMQNode]]:
    """This test process as a kernel of the store (SQLite, then PostgreSQL) and the private broker, with daemon
    workers (none started yet) that log every run of ``counted`` to ``tmp_path / "runs.txt"``."""
    private_node.start()
    monkeypatch.setenv("JW_TEST_RUN_LOG", str(tmp_path / "runs.txt"))
    with (
        isolated_runtime(store_url, broker=private_node.url) as runtime,
        daemon_workers(store_url, private_node.url, log_dir=tmp_path) as workers,
    ):
        try:
            yield runtime, workers, private_node
        finally:
            private_node.start()  # the workers stop cleanly, the namespace is deleted


def test_a_broker_crash_while_200_processes_run_loses_nothing_and_runs_nothing_twice(
    private: tuple[Runtime, DaemonWorkers, RabbitMQNode], store_url: str, tmp_path: Path
) -> None:
    """Workers running WorkChains with children and calcfunctions, and this kernel running WorkChains of its own:
    the broker is killed (SIGKILL, as a crash) and started again on the same port and data. The kernel's processes
    finish while it is down; workers and kernel reconnect with back-off; every process ends once, as a clean run."""
    kernel, workers, broker = private
    first, second = workers.start(wait=False), workers.start(wait=False)
    first.wait_ready(), second.wait_ready()
    clean = jw.submit(Parent, **tree(), daemon=True)
    clean_here = jw.submit(Parent, **tree(), daemon=False)
    jw.wait(clean, clean_here, timeout=300)

    rng = random.Random(10)
    # Every tenth nap is long enough to be in flight when the broker dies, however long the set-up takes.
    naps = [rng.uniform(0, 4) + (20 if i % 10 == 0 else 0) for i in range(ON_WORKERS)]
    sums = [jw.submit(counted, Int(i), Float(seconds), daemon=True) for i, seconds in enumerate(naps)]
    chains = [jw.submit(Parent, **tree(), daemon=True) for _ in range(TREES_ON_WORKERS)]
    here = [jw.submit(Parent, **tree(), daemon=False) for _ in range(TREES_HERE)]
    until(lambda: sum(node.process_state is ProcessState.WAITING for node in chains) >= 10, "WorkChains to wait")
    assert not all(node.is_terminated for node in sums)  # some are in flight when the broker dies

    broker.stop(kill=True)
    down_since = time.monotonic()
    jw.wait(*here, timeout=300)  # this kernel's processes go on without the broker...
    assert not broker.is_running  # ...and ended while it was down
    assert all(node.is_finished_ok for node in here)
    communicator = kernel.broker.communicator
    assert communicator is not None and not communicator.is_connected
    late = [jw.submit(add, Int(i), Int(1), daemon=True) for i in range(10)]  # sent once the broker is back
    # Down for longer than a send waits for the broker (30 s): the tasks of the children that the workers' WorkChains
    # submit meanwhile, and of the submits above, are sent again until it is back.
    time.sleep(max(0.0, SEND_TIMEOUT + 5 - (time.monotonic() - down_since)))
    broker.start()

    jw.wait(*sums, *chains, *late, timeout=600)
    assert communicator.connections_made >= 2  # type: ignore[attr-defined]
    for worker in workers.workers:
        assert "Reconnected to the message broker" in worker.log_text()
    napping = jw.submit(nap, Float(3600), daemon=True)  # control reaches the workers again
    until(lambda: napping.process_state is ProcessState.RUNNING, "a worker to run the nap")
    assert jw.kill(napping) == [napping]
    jw.wait(napping, timeout=60)

    assert [node.outputs.result.value for node in sums] == list(range(ON_WORKERS))
    assert [node.outputs.result.value for node in late] == [i + 1 for i in range(10)]
    runs = Counter(int(line) for line in (tmp_path / "runs.txt").read_text().split())
    assert runs == Counter(range(ON_WORKERS))  # each calcfunction's body ran exactly once
    found = check(store_url, clean.pk, clean_here.pk, *(node.pk for node in chains + here))
    assert found["problems"] == []
    reference, *trees = found["trees"]
    for each in trees:
        assert each == reference, why_not_finished()  # no child lost, killed or run twice
    processes = jw.processes(limit=None)
    assert len(processes) == 13 * (2 + TREES_ON_WORKERS + TREES_HERE) + ON_WORKERS + 10 + 1  # nothing more either


def why_not_finished() -> str:
    """What the processes that did not finish say (for a failing test's message)."""
    nodes = [jw.load_node(row.pk) for row in jw.processes(limit=None) if row.state is not ProcessState.FINISHED]
    return json.dumps([(node.pk, node.process_label, node.exit_message, node.exception) for node in nodes], indent=1)


def test_a_process_that_outlives_the_consumer_timeout_ends_once(
    private: tuple[Runtime, DaemonWorkers, RabbitMQNode], store_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    """The worker acks a task once it owns the process: a WorkChain whose children nap for four times the broker's
    ``consumer_timeout``, and a calcfunction that naps as long, are neither delivered again nor dropped."""
    _, workers, _ = private
    only = workers.start()
    seconds = Float(4 * CONSUMER_TIMEOUT)
    napping = jw.submit(nap, seconds, daemon=True)
    chain = jw.submit(Parent, n=Int(1), seconds=seconds, daemon=True)
    jw.wait(napping, chain, timeout=300)
    assert napping.is_finished_ok and chain.is_finished_ok and chain.outputs.total.value == 1
    assert [child.process_label for child in chain.called] == ["add", "nap", "add"]
    log = only.log_text()
    assert "consumer_timeout" not in log and "Lost the connection" not in log, log[-3000:]
    assert check(store_url)["problems"] == []


BAD_TASKS = {
    b"continue 42": "task message is not JSON",
    pickle.dumps({"kind": "continue", "pk": 1}): "task message is not UTF-8 text",
    b'{"version": 99, "kind": "continue", "pk": 1, "store": "s"}': "wire-format version 99",
    b'{"pad": "' + b"x" * MAX_BROKER_MESSAGE_BYTES + b'"}': "bytes is over the limit of 1,048,576",
    b'{"version": 4, "kind": "continue", "pk": "1", "store": "s"}': "field 'pk' must be int (got str '1')",
    b"[" * 100_000 + b"]" * 100_000: "task message is JSON nested too deeply to read",
    b"__import__('os').system('touch /tmp/jw-pwned')": "task message is not JSON",
}


def test_a_worker_dead_letters_what_is_not_a_task_and_goes_on(
    private: tuple[Runtime, DaemonWorkers, RabbitMQNode], store_url: str
) -> None:
    """Malformed, oversized and unknown-version messages on a worker's task queue and RPC queue are dead-lettered
    with a log line (never unpickled or evaluated); the worker keeps taking tasks and answering control."""
    kernel, workers, broker = private
    only = workers.start()
    names = Names(namespace_of(kernel.store))
    napping = jw.submit(nap, Float(3600), daemon=True)
    until(lambda: napping.process_state is ProcessState.RUNNING, "the worker to run the nap")
    bad_rpc = b'{"version": 4, "intent": "pause"}'
    marker = Path("/tmp/jw-pwned")
    marker.unlink(missing_ok=True)

    async def publish() -> None:
        connection = await aio_pika.connect(broker.url)
        async with connection:
            channel = await connection.channel()
            for body in BAD_TASKS:
                await channel.default_exchange.publish(aio_pika.Message(body), names.tasks)
            rpc = await channel.get_exchange(names.rpc_exchange)
            await rpc.publish(aio_pika.Message(bad_rpc, reply_to="nowhere"), napping.owner or "")

    kernel.runner.block(publish())
    node = jw.submit(add, Int(20), Int(22), daemon=True)
    jw.wait(node, timeout=120)
    assert node.is_finished_ok and node.outputs.result.value == 42  # it took the next task
    assert jw.pause(napping) == [napping] and napping.paused  # and answers control
    assert jw.kill(napping) == [napping]
    until(lambda: only.log_text().count("Rejected a message") >= len(BAD_TASKS) + 1, "a log line per message")
    log = only.log_text()
    for problem in BAD_TASKS.values():
        assert problem in log
    assert "field 'message' is missing" in log and f"It is kept in the queue {names.dead_letters}" in log
    dead = kernel.runner.block(dead_letters(broker.url, names.namespace))
    assert set(dead) == {*BAD_TASKS, bad_rpc}
    assert not marker.exists()
    assert only.popen.poll() is None  # still running


def test_the_brokers_password_never_shows(
    private: tuple[Runtime, DaemonWorkers, RabbitMQNode], caplog: pytest.LogCaptureFixture
) -> None:
    """Not in a worker's log (start, reconnects, stop), the node's owner description, the broker link's repr, nor
    in any error a user meets when the broker is away (every frame's locals included)."""
    kernel, workers, broker = private
    caplog.set_level(logging.DEBUG)
    worker = workers.start()
    napping = jw.submit(nap, Float(3600), daemon=True)
    until(lambda: napping.process_state is ProcessState.RUNNING, "the worker to run the nap")
    shown = [repr(kernel.broker), str(kernel.broker.url), repr(kernel.broker.url), napping.owner_status().describe()]
    broker.stop()
    with pytest.raises(jw.WorkflowsError) as unreachable:
        jw.pause(napping)
    errors: list[BaseException] = [unreachable.value]
    broker.start()
    until(lambda: "Reconnected to the message broker" in worker.log_text(), "the worker to reconnect")
    assert jw.kill(napping) == [napping]
    workers.stop(worker)
    for error in errors:
        formatted = traceback.TracebackException.from_exception(error, capture_locals=True).format()
        shown += [str(error), repr(error), "".join(formatted)]
    everything = "\n".join([*shown, worker.log_text(), caplog.text])
    assert "Cannot reach the message broker at amqp://jw:***@127.0.0.1" in everything
    assert "jw:***@127.0.0.1" in worker.log_text() and "Lost the connection" in worker.log_text()
    assert PRIVATE_PASSWORD not in everything


@pytest.mark.parametrize(
    "case",
    [
        ("guest:not-the-password@{host}/", "guest:***@{host}/ refused the login of user 'guest' (ACCESS_REFUSED)"),
        ("nobody:not-the-password@{host}/", "nobody:***@{host}/ refused the login of user 'nobody' (ACCESS_REFUSED)"),
        ("guest:guest@{host}/no-such-vhost", "guest:***@{host}/no-such-vhost refused the virtual host 'no-such-vhost'"),
    ],
)
def test_a_submit_to_a_broker_that_refuses_the_login_says_so_at_once_and_stores_nothing(
    kernel: Runtime, workers: DaemonWorkers, rabbitmq_url: str, case: tuple[str, str]
) -> None:
    """A wrong password (or user, or virtual host) in the broker URL is no outage that waiting cures: the submit
    raises, naming what was refused and how to fix it, before anything is stored; with the URL fixed, it runs."""
    worker = workers.start()
    host = rabbitmq_url.split("@", 1)[1].rstrip("/")
    wrong, said = (text.format(host=host) for text in case)
    jw.configure(broker=f"amqp://{wrong}")
    with pytest.raises(jw.BrokerLoginError) as error:
        jw.submit(add, Int(1), Int(2), daemon=True)
    message = str(error.value)
    assert f"The message broker at amqp://{said}" in message
    assert "Fix the broker URL" in message and "jw.configure(broker=...)" in message
    assert "not-the-password" not in message
    assert len(jw.processes(limit=None)) == 0  # nothing stored: it could never have been sent
    jw.configure(broker=rabbitmq_url)
    node = jw.submit(add, Int(1), Int(2), daemon=True)
    jw.wait(node, timeout=60)
    assert node.is_finished_ok and node.outputs.result.value == 3
    assert worker.popen.poll() is None


def test_a_password_changed_on_the_broker_is_said_at_once_and_the_link_comes_back_with_the_old_one(
    private: tuple[Runtime, DaemonWorkers, RabbitMQNode],
) -> None:
    """The broker's password changes while a kernel and a worker are connected: their reconnects are refused. A
    daemon submit says so at once, naming the fix, and stores nothing (no broker would take its task); once the
    broker takes the password again, both reconnect by themselves and the same submit runs."""
    kernel, workers, node = private
    worker = workers.start()
    first = jw.submit(add, Int(1), Int(2), daemon=True)
    jw.wait(first, timeout=60)
    communicator = kernel.broker.communicator
    assert communicator is not None

    def refused() -> bool:
        try:
            communicator.check_login()
        except jw.BrokerLoginError:
            return True
        return False

    old = node.password
    node.change_password("another-password")
    try:
        until(refused, "the kernel's reconnect to be refused")
        with pytest.raises(jw.BrokerLoginError) as error:
            jw.submit(add, Int(3), Int(4), daemon=True)
        message = str(error.value)
        assert f"refused the login of user '{node.user}' (ACCESS_REFUSED)" in message
        assert "Fix the broker URL" in message and old not in message and "another-password" not in message
        assert [stored.pk for stored in jw.processes(limit=None)] == [first.pk]  # nothing stored
        until(lambda: f"the broker refused the login of user '{node.user}'" in worker.log_text(), "the worker's log")
    finally:
        node.change_password(old)
    until(lambda: not refused() and communicator.is_connected, "the kernel to reconnect")
    second = jw.submit(add, Int(3), Int(4), daemon=True)
    jw.wait(second, timeout=60)
    assert second.is_finished_ok and second.outputs.result.value == 7
    assert worker.popen.poll() is None and old not in worker.log_text()


def test_a_full_worker_that_cannot_take_tasks_again_while_the_broker_is_away_takes_them_once_it_is_back(
    private: tuple[Runtime, DaemonWorkers, RabbitMQNode],
) -> None:
    """A worker stops taking tasks while all its slots are used. If the broker is away when a slot frees, its try to
    take tasks again fails (after waiting for the broker up to 30 s): it tries again until the broker is back, and
    then takes what was queued meanwhile, instead of leaving it to the look for lost tasks ten minutes later."""
    _, workers, broker = private
    worker = workers.start(slots=1)
    napping = jw.submit(nap, Float(2.0), daemon=True)
    until(lambda: napping.process_state is ProcessState.RUNNING, "the worker to run the nap")
    broker.stop()
    jw.wait(napping, timeout=60)  # its slot is free: the worker tries to take tasks again
    until(lambda: "Could not take tasks from the broker" in worker.log_text(), "a failed try", SEND_TIMEOUT + 30)
    broker.start()
    node = jw.submit(add, Int(1), Int(2), daemon=True)
    jw.wait(node, timeout=60)
    assert node.is_finished_ok and node.outputs.result.value == 3
    assert worker.popen.poll() is None


SUBMITS_AND_EXITS = """
import sys, warnings
import jupyter_workflows as jw
from jupyter_workflows import Int
from tests.worker.workflows import add
jw.configure(store=sys.argv[1], broker=sys.argv[2])
warnings.simplefilter("ignore", jw.NoWorkerWarning)  # the workers start later
print(jw.submit(add, Int(1), Int(2), daemon=True).pk, flush=True)
"""


class _Script:
    """A script that submits one process to the daemon and ends, its standard error read as it comes."""

    def __init__(self, store_url: str, broker_url: str) -> None:
        command = [sys.executable, "-c", SUBMITS_AND_EXITS, store_url, broker_url]
        self.popen = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        assert self.popen.stdout is not None and self.popen.stderr is not None
        self.pk = int(self.popen.stdout.readline())
        self.said: list[str] = []
        self._reader = threading.Thread(target=lambda: self.said.extend(self.popen.stderr or ()), daemon=True)
        self._reader.start()

    def saying(self, text: str) -> bool:
        return any(text in line for line in self.said)

    def end(self) -> str:
        self.popen.wait(timeout=120)
        self._reader.join(timeout=10)
        for pipe in (self.popen.stdout, self.popen.stderr):
            if pipe is not None:
                pipe.close()
        return "".join(self.said)


def test_a_script_that_submits_while_the_broker_is_away_says_that_its_exit_waits_for_it(
    private: tuple[Runtime, DaemonWorkers, RabbitMQNode], store_url: str
) -> None:
    """Its task waits for the broker, and so does its exit (up to a minute, to hand it over). It said nothing of
    that: it seemed to hang. Now it says so after a moment: the broker back, the task goes and a worker runs it;
    Ctrl-C stops the wait, and the process stays queued in the store."""
    _, workers, broker = private
    broker.stop()
    first = _Script(store_url, broker.url)
    until(lambda: first.saying("before exiting (Ctrl-C stops the wait;"), "the script to say that it waits")
    broker.start()
    said = first.end()
    assert first.popen.returncode == 0 and "Stopped waiting" not in said, said
    assert re.search(r"Waiting up to \d+ s more for the message broker at amqp://jw:\*\*\*@127\.0\.0\.1", said), said
    broker.stop()
    second = _Script(store_url, broker.url)
    until(lambda: second.saying("before exiting (Ctrl-C stops the wait;"), "the script to say that it waits")
    second.popen.send_signal(signal.SIGINT)
    said = second.end()
    assert "Stopped waiting for the message broker: the tasks it did not take stay queued" in said, said
    assert "Traceback" not in said and PRIVATE_PASSWORD not in said
    broker.start()
    workers.start()
    first_node, second_node = jw.load_node(first.pk), jw.load_node(second.pk)
    jw.wait(first_node, timeout=60)  # its task reached the broker
    assert first_node.is_finished_ok and second_node.process_state is ProcessState.CREATED
