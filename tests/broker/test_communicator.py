"""The Communicator protocol, run on both implementations: in-process and RabbitMQ (the machine's broker)."""

from __future__ import annotations

import asyncio
import collections
import threading
from typing import Any

import pytest

from jupyter_workflows.broker import (
    CommunicatorError,
    DuplicateSubscriberError,
    MessageError,
    RecipientNotFoundError,
    RemoteError,
    RpcTimeoutError,
    control_request,
    decode,
    process_task,
    state_changed,
)

from .conftest import Communicators, eventually, new_namespace


def test_each_task_goes_to_exactly_one_subscriber(communicators: Communicators):
    namespace = new_namespace()
    sender, first, second = (communicators.make(namespace) for _ in range(3))
    taken: dict[str, list[int]] = {"first": [], "second": []}

    async def scenario() -> None:
        for name, worker in (("first", first), ("second", second)):
            await worker.subscribe_tasks_async(lambda task, name=name: _append(taken[name], task["pk"]))
        await asyncio.gather(*(sender.send_task_async(process_task("launch", pk, "s")) for pk in range(1, 41)))
        await eventually(lambda: len(taken["first"]) + len(taken["second"]) >= 40, "40 tasks")

    asyncio.run(scenario())
    assert sorted(taken["first"] + taken["second"]) == list(range(1, 41))


def test_a_task_sent_before_anyone_subscribes_waits_for_a_subscriber(communicators: Communicators):
    namespace = new_namespace()
    sender, worker = communicators.make(namespace), communicators.make(namespace)
    taken: list[Any] = []

    async def scenario() -> None:
        await sender.send_task_async(process_task("continue", 7, "store-a"))
        await worker.subscribe_tasks_async(lambda task: _append(taken, task))
        await eventually(lambda: taken, "the waiting task")

    asyncio.run(scenario())
    assert taken == [{"version": 4, "kind": "continue", "pk": 7, "store": "store-a", "notify": ""}]


def test_the_tasks_waiting_in_the_queue_are_counted_until_a_subscriber_takes_them(communicators: Communicators):
    namespace = new_namespace()
    sender, worker = communicators.make(namespace), communicators.make(namespace)
    taken: list[int] = []

    async def scenario() -> tuple[int, int, int]:
        before = await sender.waiting_tasks_async()
        for pk in (1, 2, 3):
            await sender.send_task_async(process_task("continue", pk, "s"))
        waiting = await sender.waiting_tasks_async()
        await worker.subscribe_tasks_async(lambda task: _append(taken, task["pk"]))
        await eventually(lambda: len(taken) == 3, "the three tasks")
        return before, waiting, await sender.waiting_tasks_async()

    assert asyncio.run(scenario()) == (0, 3, 0)


def test_a_declined_task_goes_back_to_the_queue_for_another_subscriber(communicators: Communicators):
    namespace = new_namespace()
    sender, full, free = (communicators.make(namespace) for _ in range(3))
    declined: list[int] = []
    taken: list[int] = []

    async def decline(task: Any) -> bool:
        declined.append(task["pk"])
        return False

    async def scenario() -> list[bytes]:
        subscription = await full.subscribe_tasks_async(decline)
        await sender.send_task_async(process_task("continue", 5, "s"))
        await eventually(lambda: declined, "the declined task")
        await full.unsubscribe_async(subscription)  # as a full worker does
        await free.subscribe_tasks_async(lambda task: _append(taken, task["pk"]))
        await eventually(lambda: taken, "the task, taken by the other")
        return await communicators.dead_letters(namespace)

    dead = asyncio.run(scenario())
    assert taken == [5] and set(declined) == {5}
    assert dead == []  # declining is not failing


def test_a_failing_task_handler_gets_the_task_back_once_then_it_is_dead_lettered(communicators: Communicators):
    namespace = new_namespace()
    sender, worker = communicators.make(namespace), communicators.make(namespace)
    attempts: list[int] = []
    taken: list[int] = []

    async def handler(task: Any) -> None:
        if task["pk"] == 1:
            attempts.append(task["pk"])
            raise RuntimeError("the store is down")
        taken.append(task["pk"])

    async def scenario() -> list[bytes]:
        await worker.subscribe_tasks_async(handler)
        await sender.send_task_async(process_task("launch", 1, "s"))
        await eventually(lambda: len(attempts) == 2, "the second attempt")
        await sender.send_task_async(process_task("launch", 2, "s"))
        await eventually(lambda: taken == [2], "the next task")
        return await communicators.dead_letters(namespace)

    dead = asyncio.run(scenario())
    assert attempts == [1, 1]
    assert [decode("task", body)["pk"] for body in dead] == [1]


def test_rpc_reaches_the_holder_and_returns_its_answer(communicators: Communicators):
    namespace = new_namespace()
    caller, holder = communicators.make(namespace), communicators.make(namespace)

    async def status(request: Any) -> Any:
        return {"intent": request["intent"], "message": request["message"], "state": "running"}

    async def scenario() -> Any:
        await holder.serve_rpc_async("42", status)
        return await caller.rpc_async("42", control_request("status", 1, "from a test"))

    assert asyncio.run(scenario()) == {"intent": "status", "message": "from a test", "state": "running"}


def test_rpc_to_an_identifier_nobody_holds_fails_at_once_and_says_so(communicators: Communicators):
    namespace = new_namespace()
    caller = communicators.make(namespace)
    with pytest.raises(RecipientNotFoundError) as caught:
        asyncio.run(caller.rpc_async("404", control_request("pause", 1), timeout=60))
    assert f"Nobody holds '404' in namespace '{namespace}'" in str(caught.value)


def test_rpc_to_a_holder_that_does_not_answer_times_out(communicators: Communicators):
    namespace = new_namespace()
    caller, holder = communicators.make(namespace), communicators.make(namespace)

    async def stuck(request: Any) -> Any:
        await asyncio.sleep(3600)

    async def scenario() -> None:
        await holder.serve_rpc_async("42", stuck)
        await caller.rpc_async("42", control_request("pause", 1), timeout=0.5)

    with pytest.raises(RpcTimeoutError, match=r"did not answer within 0.5 s .* pass a longer timeout"):
        asyncio.run(scenario())


def test_an_rpc_handlers_error_comes_back_to_the_caller(communicators: Communicators):
    namespace = new_namespace()
    caller, holder = communicators.make(namespace), communicators.make(namespace)

    async def refuse(request: Any) -> Any:
        raise LookupError("process 42 is not running here")

    async def unsendable(request: Any) -> Any:
        return {1, 2}

    async def scenario() -> list[RemoteError]:
        await holder.serve_rpc_async("42", refuse)
        await holder.serve_rpc_async("43", unsendable)
        errors = []
        for identifier in ("42", "43"):
            with pytest.raises(RemoteError) as caught:
                await caller.rpc_async(identifier, control_request("kill", 1))
            errors.append(caught.value)
        return errors

    refused, unsent = asyncio.run(scenario())
    assert refused.error_type == "LookupError" and str(refused).endswith("error: process 42 is not running here")
    assert unsent.error_type == "MessageError" and "Send plain JSON values" in str(unsent)


def test_an_identifier_has_one_holder_until_it_lets_go(communicators: Communicators):
    namespace = new_namespace()
    first, second = communicators.make(namespace), communicators.make(namespace)

    async def answer(request: Any) -> Any:
        return "second"

    async def scenario() -> Any:
        held = await first.serve_rpc_async("42", answer)
        for communicator in (first, second):
            with pytest.raises(DuplicateSubscriberError, match=r"'42' .* already served"):
                await communicator.serve_rpc_async("42", answer)
        await first.unsubscribe_async(held)
        await second.serve_rpc_async("42", answer)
        return await first.rpc_async("42", control_request("status", 1))

    assert asyncio.run(scenario()) == "second"


def test_broadcasts_reach_every_subscriber_whose_pattern_matches(communicators: Communicators):
    namespace = new_namespace()
    sender, listener = communicators.make(namespace), communicators.make(namespace)
    got: dict[str, list[int]] = collections.defaultdict(list)

    async def scenario() -> None:
        for pattern in ("state_changed.*", "state_changed.42", "#"):
            await listener.subscribe_broadcasts_async(pattern, lambda m, p=pattern: _append(got[p], m["pk"]))
        await sender.broadcast_async(state_changed(7, "created", "running"))
        await sender.broadcast_async(state_changed(42, "running", "finished", 0))
        await eventually(lambda: len(got["#"]) == 2 and len(got["state_changed.*"]) == 2, "both broadcasts")

    asyncio.run(scenario())
    assert got == {"state_changed.*": [7, 42], "state_changed.42": [42], "#": [7, 42]}


def test_a_broadcast_sent_to_a_communicator_reaches_its_addressed_subscriptions_once(communicators: Communicators):
    """What a submitter waiting for its processes' ends relies on: an addressed subscription binds nothing, gets what
    is sent to its communicator (and what that communicator's bound subscriptions bring), and nobody gets a
    broadcast twice."""
    namespace = new_namespace()
    sender, waiter, other = (communicators.make(namespace) for _ in range(3))
    got: dict[str, list[tuple[int, str]]] = collections.defaultdict(list)

    def record(name: str) -> Any:
        return lambda m: _append(got[name], (m["pk"], m["to_state"]))

    async def scenario() -> None:
        assert waiter.address != other.address and waiter.address.startswith("to.")
        await waiter.subscribe_broadcasts_async("state_changed.7", record("waiter 7"), addressed=True)
        await waiter.subscribe_broadcasts_async("state_changed.*", record("waiter all"), addressed=True)
        await other.subscribe_broadcasts_async("state_changed.7", record("other 7"), addressed=True)
        await other.subscribe_broadcasts_async("#", record("other bound"))
        await sender.broadcast_async(state_changed(7, "created", "running"))  # to nobody
        await sender.broadcast_async(state_changed(7, "running", "finished", 0), to=waiter.address)
        await sender.broadcast_async(state_changed(8, "running", "killed"), to=waiter.address)
        await eventually(lambda: len(got["other bound"]) == 3 and len(got["waiter all"]) == 2, "the broadcasts")
        await asyncio.sleep(0.2)  # a duplicate or a stray one would arrive meanwhile

    asyncio.run(scenario())
    assert got["waiter 7"] == [(7, "finished")]
    assert got["waiter all"] == [(7, "finished"), (8, "killed")]
    # other's bound "#" brings every broadcast to its queue, so its addressed subscription sees pk 7's, once each
    assert got["other 7"] == [(7, "running"), (7, "finished")]
    assert got["other bound"] == [(7, "running"), (7, "finished"), (8, "killed")]


def test_namespaces_never_see_each_others_messages(communicators: Communicators):
    ours, theirs = new_namespace(), new_namespace()
    sender, ours_worker, their_worker = communicators.make(ours), communicators.make(ours), communicators.make(theirs)
    seen: dict[str, list[Any]] = collections.defaultdict(list)

    async def scenario() -> None:
        for name, worker in (("ours", ours_worker), ("theirs", their_worker)):
            await worker.subscribe_tasks_async(lambda task, name=name: _append(seen[f"{name} task"], task["pk"]))
            await worker.subscribe_broadcasts_async("#", lambda m, name=name: _append(seen[f"{name} news"], m["pk"]))
            await worker.serve_rpc_async("5", lambda request, name=name: _answer(name))  # the same pk in both
        for pk in (1, 2, 3):
            await sender.send_task_async(process_task("launch", pk, "store-ours"))
        await sender.broadcast_async(state_changed(5, None, "created"))
        assert await sender.rpc_async("5", control_request("status", 1)) == "ours"
        await eventually(lambda: len(seen["ours task"]) == 3 and seen["ours news"], "our messages")
        with pytest.raises(RecipientNotFoundError):
            await communicators.make(theirs).rpc_async("6", control_request("status", 1))

    asyncio.run(scenario())
    assert sorted(seen["ours task"]) == [1, 2, 3] and seen["ours news"] == [5]
    assert not seen["theirs task"] and not seen["theirs news"]


def test_handlers_run_on_the_loop_that_subscribed(communicators: Communicators):
    namespace = new_namespace()
    sender = communicators.make(namespace)
    worker = communicators.make(namespace)
    ran_on: list[str] = []
    subscribed = threading.Event()
    loop = asyncio.new_event_loop()

    async def handler(task: Any) -> None:
        ran_on.append(threading.current_thread().name)

    def subscriber_thread() -> None:
        loop.run_until_complete(worker.subscribe_tasks_async(handler))
        subscribed.set()
        loop.run_forever()

    thread = threading.Thread(target=subscriber_thread, name="subscriber-thread", daemon=True)
    thread.start()

    async def scenario() -> None:
        await asyncio.to_thread(subscribed.wait)
        await sender.send_task_async(process_task("launch", 1, "s"))
        await eventually(lambda: ran_on, "the task")

    try:
        asyncio.run(scenario())
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join()
        loop.close()
    assert ran_on == ["subscriber-thread"]


def test_unsubscribed_handlers_get_nothing_more(communicators: Communicators):
    namespace = new_namespace()
    sender, listener = communicators.make(namespace), communicators.make(namespace)
    got: list[int] = []
    stays: list[int] = []

    async def scenario() -> None:
        subscription = await listener.subscribe_broadcasts_async("state_changed.*", lambda m: _append(got, m["pk"]))
        await listener.subscribe_broadcasts_async("#", lambda m: _append(stays, m["pk"]))
        await sender.broadcast_async(state_changed(1, None, "created"))
        await eventually(lambda: got and stays, "the first broadcast")
        await listener.unsubscribe_async(subscription)
        await sender.broadcast_async(state_changed(2, None, "created"))
        await eventually(lambda: len(stays) == 2, "the second broadcast")

    asyncio.run(scenario())
    assert got == [1] and stays == [1, 2]


def test_messages_are_checked_before_they_are_sent(communicators: Communicators):
    sender = communicators.make(new_namespace())
    bad_task: Any = {"version": 4, "kind": "launch", "pk": "42", "store": "s", "notify": ""}
    with pytest.raises(MessageError, match="field 'pk' must be int"):
        asyncio.run(sender.send_task_async(bad_task))


def test_a_closed_communicator_refuses_to_send(communicators: Communicators):
    communicator = communicators.make(new_namespace())

    async def scenario() -> None:
        await communicator.close_async()
        await communicator.send_task_async(process_task("launch", 1, "s"))

    with pytest.raises(CommunicatorError, match="make a new communicator"):
        asyncio.run(scenario())


async def _append(values: list[Any], value: Any) -> None:
    values.append(value)


async def _answer(value: Any) -> Any:
    return value
