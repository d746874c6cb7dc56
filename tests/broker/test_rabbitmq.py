"""What only the RabbitMQ communicator does: dead-lettering on the broker, a link that a blocked loop keeps, and
nothing left open by a failed connect."""

from __future__ import annotations

import asyncio
import gc
import logging
import pickle
import threading
import time
import urllib.parse
import warnings
from typing import Any

import aio_pika
import pytest

import jupyter_workflows as jw
from jupyter_workflows import BrokerLoginError, UsageError
from jupyter_workflows._wire import MAX_BROKER_MESSAGE_BYTES
from jupyter_workflows.broker import (
    Names,
    RabbitMQCommunicator,
    control_request,
    encode_broadcasts,
    process_task,
    state_changed,
)

from .conftest import Communicators, dead_letters, eventually, new_namespace

BAD_TASKS = {
    b"launch 42": "task message is not JSON",
    pickle.dumps({"task": "launch", "pk": 42}): "task message is not UTF-8 text",
    b'{"version": 99, "kind": "launch", "pk": 42, "store": "s"}': "wire-format version 99",
    b'{"pad": "' + b"x" * MAX_BROKER_MESSAGE_BYTES + b'"}': "bytes is over the limit of 1,048,576",
    b'{"version": 4, "kind": "launch", "pk": "42", "store": "s"}': "field 'pk' must be int (got str '42')",
    b"[" * 100_000 + b"]" * 100_000: "task message is JSON nested too deeply to read",
}


def test_malformed_messages_are_dead_lettered_and_consumers_go_on(rabbitmq: Communicators, caplog):
    namespace = new_namespace()
    names = Names(namespace)
    worker, caller = rabbitmq.make(namespace), rabbitmq.make(namespace)
    tasks: list[int] = []
    news: list[int] = []

    async def take(task: Any) -> None:
        tasks.append(task["pk"])

    async def hear(message: Any) -> None:
        news.append(message["pk"])

    async def answer(request: Any) -> Any:
        return "fine"

    async def scenario() -> tuple[Any, list[bytes]]:
        await worker.subscribe_tasks_async(take)
        await worker.subscribe_broadcasts_async("#", hear)
        await worker.serve_rpc_async("42", answer)
        connection = await aio_pika.connect(rabbitmq.url)
        async with connection:
            channel = await connection.channel()
            for body in BAD_TASKS:
                await channel.default_exchange.publish(aio_pika.Message(body), names.tasks)
            rpc = await channel.get_exchange(names.rpc_exchange)
            await rpc.publish(aio_pika.Message(b'{"version": 4, "intent": "pause"}', reply_to="nowhere"), "42")
            broadcast = await channel.get_exchange(names.broadcast_exchange)
            await broadcast.publish(aio_pika.Message(b"\x00garbage"), "state_changed.1")
            await broadcast.publish(aio_pika.Message(b"[" * 100_000 + b"]" * 100_000), "state_changed.1")
            wrong_subject = encode_broadcasts([state_changed(1, None, "created"), state_changed(2, None, "created")])
            await broadcast.publish(
                aio_pika.Message(wrong_subject, headers={"CC": ["state_changed.3"]}), "state_changed.2"
            )
        await caller.send_task_async(process_task("launch", 7, "s"))
        await caller.broadcast_async(state_changed(8, None, "created"))
        answered = await caller.rpc_async("42", control_request("status", 1))
        await eventually(lambda: tasks == [7] and news == [8], "the valid messages")
        await eventually(lambda: len(caplog.records) >= len(BAD_TASKS) + 4, "a log line per rejected message")
        return answered, await dead_letters(rabbitmq.url, namespace)

    with caplog.at_level(logging.WARNING, logger="jupyter_workflows.broker"):
        answered, dead = asyncio.run(scenario())
    assert answered == "fine" and tasks == [7] and news == [8]
    assert len(dead) == len(BAD_TASKS) + 4 and set(BAD_TASKS) <= set(dead)
    logged = caplog.text
    for problem in [*BAD_TASKS.values(), "field 'message' is missing", "do not match its messages (pks 1, 2)"]:
        assert problem in logged
    assert f"It is kept in the queue {names.dead_letters}" in logged


def test_broadcasts_sent_together_reach_each_subscriber_once_with_only_the_state_changes_it_asked_for(
    rabbitmq: Communicators,
):
    """A worker sends the state changes of one turn as one message, routed to each one's subject: a queue that
    several of them reach gets it once, and each subscription is handed only the changes its pattern matches, in
    the order they were sent (also those addressed to a communicator that binds nothing)."""
    namespace = new_namespace()
    sender, one, other, waiter = (rabbitmq.make(namespace) for _ in range(4))
    got: dict[str, list[tuple[int, str]]] = {"5": [], "5 and 6": [], "all": [], "addressed": []}

    def record(name: str) -> Any:
        async def hear(message: Any) -> None:
            got[name].append((message["pk"], message["to_state"]))

        return hear

    async def scenario() -> None:
        await one.subscribe_broadcasts_async("state_changed.5", record("5"))
        await other.subscribe_broadcasts_async("state_changed.5", record("5 and 6"))
        await other.subscribe_broadcasts_async("state_changed.6", record("5 and 6"))
        await other.subscribe_broadcasts_async("state_changed.*", record("all"))
        await waiter.subscribe_broadcasts_async("state_changed.7", record("addressed"), addressed=True)
        changes = [
            state_changed(5, "created", "running"),
            state_changed(6, "created", "running"),
            state_changed(7, "created", "running"),
            state_changed(5, "running", "finished", 0),
            state_changed(7, "running", "finished", 0),
        ]
        await asyncio.wrap_future(sender.broadcast_soon(changes, ["", "", "", "", waiter.address]))
        await eventually(lambda: len(got["all"]) == 5 and len(got["addressed"]) == 2, "the broadcasts")
        await asyncio.sleep(0.2)  # a duplicate would arrive meanwhile

    asyncio.run(scenario())
    assert got["5"] == [(5, "running"), (5, "finished")]
    assert got["5 and 6"] == [(5, "running"), (6, "running"), (5, "finished")]
    assert got["all"] == [(5, "running"), (6, "running"), (7, "running"), (5, "finished"), (7, "finished")]
    assert got["addressed"] == [(7, "running"), (7, "finished")]


def test_more_broadcasts_than_one_message_carries_arrive_all_in_their_order(rabbitmq: Communicators):
    namespace = new_namespace()
    sender, listener = rabbitmq.make(namespace), rabbitmq.make(namespace)
    heard: list[tuple[int, str]] = []

    async def hear(message: Any) -> None:
        heard.append((message["pk"], message["to_state"]))

    changes = [state_changed(pk, "created", "running") for pk in range(1, 451)]
    changes += [state_changed(pk, "running", "finished", 0) for pk in range(1, 451)]

    async def scenario() -> None:
        await listener.subscribe_broadcasts_async("state_changed.*", hear)
        await asyncio.wrap_future(sender.broadcast_soon(changes))
        await eventually(lambda: len(heard) >= len(changes), "every broadcast")
        await asyncio.sleep(0.2)  # a duplicate would arrive meanwhile

    asyncio.run(scenario())
    assert heard == [(change["pk"], change["to_state"]) for change in changes]


def test_a_blocked_subscriber_loop_keeps_the_broker_link(rabbitmq: Communicators):
    """Heartbeats come from the communicator's thread: a loop blocked for longer than the broker allows between
    heartbeats (a cell stuck in plain Python code) keeps its connection, and answers once it is free again."""
    namespace = new_namespace()
    holder = rabbitmq.make(namespace, heartbeat=1)  # the broker closes a link silent for about 2 heartbeats
    caller = rabbitmq.make(namespace)
    answers: list[Any] = []

    async def status(request: Any) -> Any:
        return "answered after the block"

    async def scenario() -> None:
        await holder.serve_rpc_async("42", status)
        request = control_request("status", 1)
        thread = threading.Thread(target=lambda: answers.append(caller.rpc("42", request, timeout=60)))
        thread.start()
        time.sleep(5)  # noqa: ASYNC251 - the point: block this loop, where the holder's handler runs, as a cell can
        await asyncio.to_thread(thread.join)

    asyncio.run(scenario())
    assert answers == ["answered after the block"]
    assert holder.connections_made == 1  # type: ignore[attr-defined]


def test_blocking_variants_work_from_a_plain_thread(rabbitmq: Communicators):
    namespace = new_namespace()
    sender, worker = rabbitmq.make(namespace), rabbitmq.make(namespace)
    got: list[Any] = []

    async def take(task: Any) -> None:
        got.append(task["pk"])

    async def scenario() -> None:
        await worker.subscribe_tasks_async(take)
        await asyncio.to_thread(sender.send_task, process_task("launch", 3, "s"))  # type: ignore[attr-defined]
        await asyncio.to_thread(sender.broadcast, state_changed(3, None, "created"))  # type: ignore[attr-defined]
        await eventually(lambda: got == [3], "the task")

    asyncio.run(scenario())


@pytest.mark.parametrize("url", ["postgresql://me:pw@host/db", "", None, "127.0.0.1:5672"])
def test_a_url_that_is_not_amqp_is_refused_with_an_example(url):
    with pytest.raises(UsageError, match="is not an AMQP URL: write amqp://") as caught:
        RabbitMQCommunicator(url, "jw-test")
    assert "pw" not in str(caught.value)


def test_a_password_with_a_slash_not_encoded_is_refused_at_configure_and_never_shown():
    """Before, the URL was taken, read by aio-pika as a host "guest" with the port "Zebra", and every attempt to
    connect printed the whole URL; a submit was stored and queued for a broker it could never reach."""
    url = "amqp://guest:Zebra/Pw9917@127.0.0.1:5672/"
    for attempt in (lambda: jw.configure(broker=url), lambda: RabbitMQCommunicator(url, "jw-test")):
        with pytest.raises(UsageError, match="percent-encode it") as caught:
            attempt()
        assert "Pw9917" not in str(caught.value) and "amqp://guest:***@127.0.0.1:5672/" in str(caught.value)


def test_failed_connects_leave_no_connection_for_the_collector_to_close(rabbitmq_url: str):
    """aio-pika leaves a connection whose connect failed open. Collected on a thread with no event loop (such as
    ``asyncio.to_thread``'s), its ``__del__`` made a ``close()`` coroutine that was never awaited: a RuntimeWarning,
    which failed a fault test in CI. Failed connects now close what they made."""
    parts = urllib.parse.urlsplit(rabbitmq_url)
    wrong_url = parts._replace(netloc=f"{parts.username}:not-the-password@{parts.hostname}:{parts.port}").geturl()
    gc.disable()  # the collection below, not one on the communicator's thread, meets what the attempts left
    try:
        wrong = RabbitMQCommunicator(wrong_url, new_namespace())
        try:
            for _ in range(3):  # attempts go on in the background after each refusal
                with pytest.raises(BrokerLoginError, match="ACCESS_REFUSED"):
                    wrong.wait_connected(timeout=2.0)
            with warnings.catch_warnings(record=True) as shown:
                warnings.simplefilter("always")
                collector = threading.Thread(target=gc.collect)  # a thread with no event loop
                collector.start()
                collector.join()
        finally:
            wrong.close()
    finally:
        gc.enable()
    assert [str(warning.message) for warning in shown if "never awaited" in str(warning.message)] == []
