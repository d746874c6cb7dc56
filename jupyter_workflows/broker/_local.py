"""The in-process communicator: the Communicator protocol on asyncio alone, for one OS process and for tests.

A :class:`LocalBroker` stands in for RabbitMQ: the LocalCommunicators made on it share its queues, as kernels and
workers share a broker. Messages go through the same encoding and checks as over RabbitMQ, so what works here is
valid on the wire. Nothing survives the OS process.
"""

from __future__ import annotations

import asyncio
import collections
import itertools
import logging
import threading
import uuid
from typing import Any, NamedTuple

from .._core import CommunicatorError, DuplicateSubscriberError, MessageError, RecipientNotFoundError, RpcTimeoutError
from .._wire import ControlRequest, ProcessTask, StateChanged
from . import _messages
from ._communicator import RPC_TIMEOUT, BroadcastHandler, ControlHandler, Subscription, TaskHandler
from ._delivery import Receiver
from ._names import Names, check_identifier, check_namespace
from ._replies import no_answer, nobody_holds, result_of
from ._subjects import check_pattern, subject_matches

__all__ = ["LocalBroker", "LocalCommunicator"]

_LOGGER = logging.getLogger("jupyter_workflows.broker")


class _BroadcastReceiver(NamedTuple):
    pattern: str
    receiver: Receiver[StateChanged]
    address: str  # its communicator's
    addressed: bool  # it gets only what reaches its communicator anyway (see Communicator)


class LocalBroker:
    """Queues and holders per namespace, shared by the LocalCommunicators made on it (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._tasks: dict[str, collections.deque[tuple[bytes, bool]]] = collections.defaultdict(collections.deque)
        self._task_receivers: dict[str, dict[str, Receiver[ProcessTask]]] = collections.defaultdict(dict)
        self._turn = itertools.count()
        self._rpc: dict[tuple[str, str], Receiver[ControlRequest]] = {}
        self._broadcasts: dict[str, dict[str, _BroadcastReceiver]] = collections.defaultdict(dict)  # by key
        self._running: set[asyncio.Future[Any]] = set()  # deliveries in flight (held so they are not collected)
        self.dead_letters: list[tuple[str, bytes, str]] = []
        """Rejected messages: (namespace, body, why), as RabbitMQ's dead-letter queue keeps them."""

    def communicator(self, namespace: str) -> LocalCommunicator:
        """A communicator of ``namespace`` on this broker."""
        return LocalCommunicator(namespace, broker=self)

    # Tasks

    def queue_task(self, namespace: str, body: bytes, redelivered: bool = False) -> None:
        with self._lock:
            queue = self._tasks[namespace]
            if redelivered:
                queue.appendleft((body, True))
            else:
                queue.append((body, False))
        self._dispatch(namespace)

    def waiting_tasks(self, namespace: str) -> int:
        with self._lock:
            return len(self._tasks[namespace])

    def add_task_receiver(self, namespace: str, receiver: Receiver[ProcessTask]) -> None:
        with self._lock:
            self._task_receivers[namespace][receiver.key] = receiver
        self._dispatch(namespace)

    def _dispatch(self, namespace: str) -> None:
        while True:
            with self._lock:
                receivers = list(self._task_receivers[namespace].values())
                if not receivers or not self._tasks[namespace]:
                    return
                body, redelivered = self._tasks[namespace].popleft()
                receiver = receivers[next(self._turn) % len(receivers)]
            self._spawn(self._deliver_task(namespace, receiver, body, redelivered))

    async def _deliver_task(self, namespace: str, receiver: Receiver[ProcessTask], body: bytes, again: bool) -> None:
        try:
            task: Any = _messages.decode("task", body)
            if await receiver.call(task) is False:  # declined: back to the front of the queue, as RabbitMQ does
                self.queue_task(namespace, body, redelivered=True)
        except MessageError as exc:
            self.dead_letter(namespace, body, str(exc))
        except Exception as exc:
            if again:
                self.dead_letter(namespace, body, f"its handler failed twice, last with {type(exc).__name__}: {exc}")
            else:
                what = f"{type(exc).__name__}: {exc}"
                _LOGGER.warning("A task handler failed (%s); the task goes back to the queue once", what)
                self.queue_task(namespace, body, redelivered=True)

    # RPC and broadcasts

    def holder(self, namespace: str, identifier: str) -> Receiver[ControlRequest] | None:
        return self._rpc.get((namespace, identifier))

    def hold(self, namespace: str, identifier: str, receiver: Receiver[ControlRequest]) -> None:
        with self._lock:
            if (namespace, identifier) in self._rpc:
                raise DuplicateSubscriberError(
                    f"RPC identifier {identifier!r} of namespace {namespace!r} is already served by another "
                    "subscriber; a process has one holder."
                )
            self._rpc[namespace, identifier] = receiver

    def add_broadcast_receiver(
        self, namespace: str, pattern: str, receiver: Receiver[StateChanged], address: str, addressed: bool
    ) -> None:
        with self._lock:
            self._broadcasts[namespace][receiver.key] = _BroadcastReceiver(pattern, receiver, address, addressed)

    def publish_broadcast(self, namespace: str, subject: str, body: bytes, to: str = "") -> None:
        """Deliver to the receivers whose pattern matches ``subject``: bound ones always, addressed ones if their
        communicator gets it anyway (it is sent ``to`` it, or a bound receiver of its own matches), as RabbitMQ
        routes to one queue per communicator."""
        with self._lock:
            subscribed = [r for r in self._broadcasts[namespace].values() if subject_matches(r.pattern, subject)]
        reached = {to} | {r.address for r in subscribed if not r.addressed}
        matching = [r.receiver for r in subscribed if not r.addressed or r.address in reached]
        message: Any = _messages.decode("broadcast", body)
        for receiver in matching:
            self._spawn(self._deliver_broadcast(receiver, message))

    @staticmethod
    async def _deliver_broadcast(receiver: Receiver[StateChanged], message: StateChanged) -> None:
        try:
            await receiver.call(message)
        except Exception:
            _LOGGER.exception("A broadcast handler failed (the broadcast still reached the others)")

    def remove(self, namespace: str, subscription: Subscription) -> None:
        with self._lock:
            if subscription.kind == "task":
                self._task_receivers[namespace].pop(subscription.key, None)
            elif subscription.kind == "rpc":
                self._rpc.pop((namespace, subscription.key), None)
            else:
                self._broadcasts[namespace].pop(subscription.key, None)

    def dead_letter(self, namespace: str, body: bytes, why: str) -> None:
        _LOGGER.warning("Dead-lettered a message of namespace %r: %s", namespace, why)
        with self._lock:
            self.dead_letters.append((namespace, body, why))

    def _spawn(self, coroutine: Any) -> None:
        future = asyncio.ensure_future(coroutine)
        self._running.add(future)
        future.add_done_callback(self._running.discard)


class LocalCommunicator:
    """The Communicator protocol in one OS process (see :mod:`._communicator` for what each method does)."""

    def __init__(self, namespace: str, *, broker: LocalBroker | None = None) -> None:
        self._namespace = check_namespace(namespace)
        self._broker = broker if broker is not None else LocalBroker()
        self._subscriptions: dict[Subscription, None] = {}
        self._address = Names.address(uuid.uuid4().hex[:12])
        self._closed = False

    def __repr__(self) -> str:
        return f"LocalCommunicator(namespace={self._namespace!r}{', closed' if self._closed else ''})"

    @property
    def namespace(self) -> str:
        return self._namespace

    @property
    def address(self) -> str:
        return self._address

    @property
    def broker(self) -> LocalBroker:
        return self._broker

    async def send_task_async(self, task: ProcessTask) -> None:
        self._check_open()
        self._broker.queue_task(self._namespace, _messages.encode("task", task))

    async def subscribe_tasks_async(self, handler: TaskHandler) -> Subscription:
        self._check_open()
        receiver = Receiver.here(handler, key=uuid.uuid4().hex)
        self._broker.add_task_receiver(self._namespace, receiver)
        return self._added(Subscription("task", receiver.key))

    async def waiting_tasks_async(self) -> int:
        self._check_open()
        return self._broker.waiting_tasks(self._namespace)

    async def rpc_async(self, identifier: str, request: ControlRequest, *, timeout: float = RPC_TIMEOUT) -> Any:
        self._check_open()
        body = _messages.encode("control request", request)
        holder = self._broker.holder(self._namespace, check_identifier(identifier))
        if holder is None:
            raise RecipientNotFoundError(nobody_holds(identifier, self._namespace))
        decoded: Any = _messages.decode("control request", body)
        try:
            result = await asyncio.wait_for(asyncio.shield(holder.call(decoded)), timeout)
            reply = _messages.control_reply(result)
            _messages.encode("control reply", reply)  # the answer must be valid on the wire too
        except (asyncio.TimeoutError, TimeoutError):
            raise RpcTimeoutError(no_answer(identifier, self._namespace, timeout)) from None
        except Exception as exc:
            reply = _messages.control_reply(error=exc)
        return result_of(reply, identifier)

    async def serve_rpc_async(self, identifier: str, handler: ControlHandler) -> Subscription:
        self._check_open()
        receiver = Receiver.here(handler, key=check_identifier(identifier))
        self._broker.hold(self._namespace, identifier, receiver)
        return self._added(Subscription("rpc", identifier))

    async def broadcast_async(self, message: StateChanged, *, to: str = "") -> None:
        self._check_open()
        body = _messages.encode("broadcast", message)
        self._broker.publish_broadcast(self._namespace, f"state_changed.{message['pk']}", body, to)

    async def subscribe_broadcasts_async(
        self, pattern: str, handler: BroadcastHandler, *, addressed: bool = False
    ) -> Subscription:
        self._check_open()
        receiver = Receiver.here(handler, key=uuid.uuid4().hex)
        self._broker.add_broadcast_receiver(self._namespace, check_pattern(pattern), receiver, self._address, addressed)
        return self._added(Subscription("broadcast", receiver.key))

    async def unsubscribe_async(self, subscription: Subscription) -> None:
        self._subscriptions.pop(subscription, None)
        self._broker.remove(self._namespace, subscription)

    async def close_async(self) -> None:
        for subscription in list(self._subscriptions):
            await self.unsubscribe_async(subscription)
        self._closed = True

    def _added(self, subscription: Subscription) -> Subscription:
        self._subscriptions[subscription] = None
        return subscription

    def _check_open(self) -> None:
        if self._closed:
            raise CommunicatorError(f"{self!r} is closed; make a new communicator to send or subscribe.")
