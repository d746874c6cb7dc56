"""Communicators of both kinds for the same tests, and a private RabbitMQ node for the fault tests."""

from __future__ import annotations

import asyncio
import shutil
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import aio_pika
import pytest

from jupyter_workflows.broker import (
    Communicator,
    LocalBroker,
    LocalCommunicator,
    Names,
    RabbitMQCommunicator,
    delete_namespace_async,
)
from jupyter_workflows.testing import RabbitMQNode, rabbitmq_node
from tests.conftest import service_missing, thread_loop

PRIVATE_PASSWORD = "s3cr3t-Pa55w0rd"


def new_namespace() -> str:
    return f"jw-test-{uuid.uuid4().hex[:12]}"


@pytest.fixture(autouse=True)
def _loops_of_asyncio_run_closed() -> Iterator[None]:
    """These tests drive communicators with ``asyncio.run``. Once nest_asyncio2 has patched ``asyncio`` in this
    pytest worker (a blocking ``jw.run`` inside a running loop, in an earlier test, does), ``asyncio.run`` on Python
    < 3.12 runs on the thread's current loop, made on first use, and never closes it. Collected open in a later test,
    that loop and what was left on it (the self-pipe's sockets, a connection to a broker the test killed) raise
    ResourceWarnings there, failing an unrelated test. So the loop a test leaves current is ended here, as
    ``asyncio.run`` ends its own."""
    before = thread_loop()
    yield
    left = thread_loop()
    if left is None or left is before or left.is_running() or left.is_closed():
        return
    tasks = asyncio.all_tasks(left)
    for task in tasks:
        task.cancel()
    left.run_until_complete(asyncio.gather(*tasks, return_exceptions=True))
    left.run_until_complete(left.shutdown_asyncgens())
    left.close()
    asyncio.set_event_loop(None)


async def eventually(condition: Callable[[], bool], what: str, timeout: float = 20.0) -> None:
    """Wait until ``condition()`` holds; fail naming ``what`` if it never does (a bound, not a timing check)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"still waiting for {what} after {timeout} s")
        await asyncio.sleep(0.01)


class Communicators:
    """Makes communicators of one kind for a test, and removes what they left on the broker afterwards."""

    def __init__(self, kind: str, url: str = "") -> None:
        self.kind, self.url = kind, url
        self.local_broker = LocalBroker()
        self._made: list[Any] = []
        self._namespaces: set[str] = set()

    def make(self, namespace: str, **options: Any) -> Communicator:
        self._namespaces.add(namespace)
        made: Any
        if self.kind == "local":
            made = LocalCommunicator(namespace, broker=self.local_broker)
        else:
            made = RabbitMQCommunicator(self.url, namespace, **options)
            made.wait_connected(30)
        self._made.append(made)
        return made

    async def dead_letters(self, namespace: str) -> list[bytes]:
        """The bodies of the namespace's rejected messages."""
        if self.kind == "local":
            return [body for ns, body, _ in self.local_broker.dead_letters if ns == namespace]
        return await dead_letters(self.url, namespace)

    def clean_up(self) -> None:
        for made in self._made:
            if isinstance(made, RabbitMQCommunicator):
                made.close()
        if self.kind == "rabbitmq":
            for namespace in self._namespaces:
                asyncio.run(delete_namespace_async(self.url, namespace))


async def dead_letters(url: str, namespace: str) -> list[bytes]:
    connection = await aio_pika.connect(url)
    async with connection:
        queue = await (await connection.channel()).get_queue(Names(namespace).dead_letters)
        bodies = []
        while (message := await queue.get(fail=False)) is not None:
            bodies.append(message.body)
            await message.ack()
        return bodies


@pytest.fixture(params=["local", "rabbitmq"])
def communicators(request: pytest.FixtureRequest) -> Iterator[Communicators]:
    """Run a test on in-process communicators and on RabbitMQ ones (the machine's broker)."""
    url = request.getfixturevalue("rabbitmq_url") if request.param == "rabbitmq" else ""
    made = Communicators(request.param, url)
    try:
        yield made
    finally:
        made.clean_up()


@pytest.fixture
def rabbitmq(rabbitmq_url: str) -> Iterator[Communicators]:
    """RabbitMQ communicators on the machine's broker."""
    made = Communicators("rabbitmq", rabbitmq_url)
    try:
        yield made
    finally:
        made.clean_up()


@pytest.fixture(scope="session")
def private_node() -> Iterator[RabbitMQNode]:
    """A RabbitMQ node of the tests' own (consumer_timeout of 3 s, a password of its own), which tests may stop."""
    if not any(shutil.which(name) for name in ("/usr/lib/rabbitmq/bin/rabbitmq-server", "rabbitmq-server")):
        service_missing("RabbitMQ server", "rabbitmq-server is not installed (apt-get install rabbitmq-server)")
    with rabbitmq_node(consumer_timeout=3, user="jw", password=PRIVATE_PASSWORD) as node:
        yield node


@pytest.fixture
def on_private_node(private_node: RabbitMQNode) -> Iterator[Communicators]:
    """RabbitMQ communicators on the private node (started again if a test left it stopped)."""
    private_node.start()
    made = Communicators("rabbitmq", private_node.url)
    try:
        yield made
    finally:
        private_node.start()
        made.clean_up()
