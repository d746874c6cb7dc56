"""Faults, on a RabbitMQ node the tests start themselves: crashes and restarts, consumer_timeout, an absent broker,
and passwords that never show."""

from __future__ import annotations

import asyncio
import logging
import traceback
from typing import Any

import pytest

from jupyter_workflows._core._secret_url import SecretURL
from jupyter_workflows.broker import (
    BrokerUnreachableError,
    RabbitMQCommunicator,
    RecipientNotFoundError,
    control_request,
    process_task,
    state_changed,
)
from jupyter_workflows.testing import RabbitMQNode

from .conftest import PRIVATE_PASSWORD, Communicators, eventually, new_namespace

pytestmark = pytest.mark.slow

CONSUMER_TIMEOUT = 3.0  # the private node's, in seconds


def test_the_private_node_is_not_the_machines(private_node: RabbitMQNode):
    assert private_node.port != 5672 and private_node.dist_port not in {5672, 25672}
    assert private_node.node_name.startswith("jw-test-") and private_node.is_running
    assert (private_node.data_dir / "mnesia").is_dir()


def test_nothing_is_lost_when_the_broker_crashes_while_messages_flow(
    on_private_node: Communicators, private_node: RabbitMQNode
):
    namespace = new_namespace()
    sender, worker = on_private_node.make(namespace, send_timeout=120), on_private_node.make(namespace)
    taken: list[int] = []
    news: list[int] = []

    async def take(task: Any) -> None:
        taken.append(task["pk"])

    async def hear(message: Any) -> None:
        news.append(message["pk"])

    async def status(request: Any) -> Any:
        return "here"

    async def send_all() -> None:
        for pk in range(1, 61):
            await sender.send_task_async(process_task("launch", pk, "s"))
            await asyncio.sleep(0.02)

    async def scenario() -> None:
        await worker.subscribe_tasks_async(take)
        await worker.subscribe_broadcasts_async("state_changed.*", hear)
        await worker.serve_rpc_async("1", status)
        sending = asyncio.create_task(send_all())
        await eventually(lambda: len(taken) >= 10, "the first tasks")
        await asyncio.to_thread(private_node.restart, kill=True)  # a crash, and the broker back on the same port
        await sending
        await eventually(lambda: set(taken) >= set(range(1, 61)), "every task", timeout=120)
        assert await _rpc_once_held_again(sender) == "here"  # the worker served "1" again after reconnecting
        while not news:  # broadcasts are fire-and-forget: those sent before the worker re-bound are dropped
            await sender.broadcast_async(state_changed(9, None, "created"))
            await asyncio.sleep(0.1)

    asyncio.run(scenario())
    assert set(taken) == set(range(1, 61))  # nothing lost (a task taken but not yet acked may come twice)
    assert sender.connections_made >= 2 and worker.connections_made >= 2  # type: ignore[attr-defined]


def test_tasks_taken_before_a_restart_are_not_delivered_again(
    on_private_node: Communicators, private_node: RabbitMQNode
):
    namespace = new_namespace()
    sender, first = on_private_node.make(namespace), on_private_node.make(namespace)
    before: list[int] = []
    after: list[int] = []

    async def take_before(task: Any) -> None:
        before.append(task["pk"])

    async def take_after(task: Any) -> None:
        after.append(task["pk"])

    async def scenario() -> None:
        await first.subscribe_tasks_async(take_before)
        for pk in range(1, 31):
            await sender.send_task_async(process_task("launch", pk, "s"))
        await eventually(lambda: len(before) == 30, "the first 30 tasks")
        await first.close_async()
        await asyncio.to_thread(private_node.restart)  # a clean restart: durable queues come back from disk
        second = on_private_node.make(namespace)
        await second.subscribe_tasks_async(take_after)
        await sender.send_task_async(process_task("launch", 1000, "s"))
        await eventually(lambda: 1000 in after, "the task sent after the restart")

    asyncio.run(scenario())
    assert sorted(before) == list(range(1, 31)) and after == [1000]


def test_a_handler_that_returned_keeps_its_task_past_the_consumer_timeout(on_private_node: Communicators):
    namespace = new_namespace()
    sender, first, second = (on_private_node.make(namespace) for _ in range(3))
    first_took: list[int] = []
    second_took: list[int] = []
    work: list[asyncio.Task[None]] = []

    async def take_then_work(task: Any) -> None:
        # Own the task (a worker claims the process in the store here), return, and work on for 3 timeouts.
        first_took.append(task["pk"])
        work.append(asyncio.create_task(asyncio.sleep(3 * CONSUMER_TIMEOUT)))

    async def take(task: Any) -> None:
        second_took.append(task["pk"])

    async def scenario() -> None:
        await first.subscribe_tasks_async(take_then_work)
        await sender.send_task_async(process_task("launch", 1, "s"))
        await eventually(lambda: first_took == [1], "the task")
        await second.subscribe_tasks_async(take)
        await asyncio.gather(*work)
        await sender.send_task_async(process_task("launch", 2, "s"))
        await eventually(lambda: 2 in first_took + second_took, "the next task")

    asyncio.run(scenario())
    assert first_took.count(1) == 1 and 1 not in second_took  # neither delivered again nor dropped
    assert first.connections_made == 1  # type: ignore[attr-defined]  # the broker never closed its channel


def test_a_handler_that_holds_its_task_past_the_consumer_timeout_loses_it_to_another(
    on_private_node: Communicators, caplog
):
    """Why handlers must return once they own a task: the broker takes back a task held too long."""
    namespace = new_namespace()
    sender, slow, other = (on_private_node.make(namespace) for _ in range(3))
    held: list[int] = []
    taken: list[str] = []

    async def hold_once(task: Any) -> None:
        if not held:
            held.append(task["pk"])
            await asyncio.sleep(3 * CONSUMER_TIMEOUT)  # still not returned when the broker's timeout strikes
        taken.append("slow")

    async def take(task: Any) -> None:
        taken.append("other")

    async def scenario() -> None:
        await slow.subscribe_tasks_async(hold_once)
        await sender.send_task_async(process_task("launch", 1, "s"))
        await eventually(lambda: held, "the slow handler to start")
        await other.subscribe_tasks_async(take)
        await eventually(lambda: taken, "the task, delivered again")
        await eventually(lambda: slow.connections_made >= 2, "the slow handler's communicator to reconnect")

    with caplog.at_level(logging.WARNING, logger="jupyter_workflows.broker"):
        asyncio.run(scenario())
    assert len(taken) == 1  # not dropped; the slow handler's late return acks nothing
    assert "did not return within the broker's consumer_timeout" in caplog.text


def test_sending_while_the_broker_is_down_waits_or_fails_clearly(
    on_private_node: Communicators, private_node: RabbitMQNode
):
    namespace = new_namespace()
    impatient = on_private_node.make(namespace, send_timeout=1.0)
    patient = on_private_node.make(namespace, send_timeout=120)
    taken: list[int] = []

    async def take(task: Any) -> None:
        taken.append(task["pk"])

    async def scenario() -> tuple[BrokerUnreachableError, BrokerUnreachableError]:
        await asyncio.to_thread(private_node.stop)
        with pytest.raises(BrokerUnreachableError) as task_failure:
            await impatient.send_task_async(process_task("launch", 1, "s"))
        with pytest.raises(BrokerUnreachableError) as rpc_failure:
            await impatient.rpc_async("1", control_request("status", 1), timeout=1.0)
        waiting = asyncio.create_task(patient.send_task_async(process_task("launch", 2, "s")))
        await asyncio.to_thread(private_node.start)
        await waiting
        await patient.subscribe_tasks_async(take)
        await eventually(lambda: taken == [2], "the task that waited for the broker")
        return task_failure.value, rpc_failure.value

    task_failure, rpc_failure = asyncio.run(scenario())
    for failure in (task_failure, rpc_failure):
        message = str(failure)
        assert message.startswith(f"Cannot reach the message broker at amqp://jw:***@127.0.0.1:{private_node.port}/")
        assert "Check that RabbitMQ is running" in message and PRIVATE_PASSWORD not in message


def test_the_password_never_shows(on_private_node: Communicators, private_node: RabbitMQNode, caplog):
    wrong_password = "n0t-the-Pa55w0rd"
    wrong_url = SecretURL(private_node.url.replace(PRIVATE_PASSWORD, wrong_password))  # no password in our locals
    namespace = new_namespace()
    shown: list[str] = []

    async def status(request: Any) -> Any:
        return "here"

    async def scenario() -> None:
        holder, caller = on_private_node.make(namespace), on_private_node.make(namespace)
        shown.append(repr(holder))
        await holder.serve_rpc_async("1", status)
        await caller.rpc_async("1", control_request("status", 1))
        await asyncio.to_thread(private_node.restart)  # reconnects, and their log lines
        await _rpc_once_held_again(caller)
        await asyncio.to_thread(private_node.stop)
        with pytest.raises(BrokerUnreachableError) as down:
            await caller.rpc_async("1", control_request("status", 1), timeout=1.0)
        shown.extend(_everything_about(down.value))
        await asyncio.to_thread(private_node.start)
        wrong = RabbitMQCommunicator(wrong_url, namespace)
        try:
            shown.append(repr(wrong))
            with pytest.raises(BrokerUnreachableError, match="ACCESS_REFUSED") as refused:
                await wrong.wait_connected_async(timeout=2.0)
            shown.extend(_everything_about(refused.value))
        finally:
            await wrong.close_async()

    with caplog.at_level(logging.DEBUG):
        asyncio.run(scenario())
    everything = "\n".join([*shown, caplog.text])
    assert "jw:***@127.0.0.1" in everything and "Reconnected to the message broker" in caplog.text
    assert PRIVATE_PASSWORD not in everything and wrong_password not in everything


async def _rpc_once_held_again(caller: Any) -> Any:
    """The answer of holder "1", once it serves again after a reconnect."""
    for _ in range(600):
        try:
            return await caller.rpc_async("1", control_request("status", 1), timeout=5)
        except RecipientNotFoundError:
            await asyncio.sleep(0.1)
    pytest.fail("the holder of '1' never served again")


def _everything_about(error: BaseException) -> list[str]:
    """What a user could see of an error: its message, repr, and traceback with every frame's locals."""
    formatted = traceback.TracebackException.from_exception(error, capture_locals=True).format()
    return [str(error), repr(error), "".join(formatted)]
