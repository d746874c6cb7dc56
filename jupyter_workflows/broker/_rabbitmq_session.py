"""What a RabbitMQ communicator does on its own loop: subscriptions, consuming, publishing, and surviving reconnects.

Everything here runs on the communicator's thread (only :mod:`._rabbitmq` calls it, through the thread's loop), so
its state needs no locks. After every (re)connection the namespace is declared again and every subscription is
started again; a task received on a channel that has since closed is neither handled nor acked (the broker
delivers it again).
"""

from __future__ import annotations

import asyncio
import functools
import logging
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import aiormq.exceptions
from aio_pika import DeliveryMode, Message
from aio_pika.abc import (
    AbstractChannel,
    AbstractConnection,
    AbstractExchange,
    AbstractIncomingMessage,
    AbstractQueue,
)
from aio_pika.exceptions import CONNECTION_EXCEPTIONS
from pamqp.commands import Basic

from .._core import CommunicatorError, DuplicateSubscriberError, MessageError, RecipientNotFoundError, RpcTimeoutError
from .._core._secret_url import SecretURL
from .._wire import ControlReply, ControlRequest, ProcessTask, StateChanged
from . import _messages
from ._communicator import Subscription
from ._connection import Backoff, Connector, describe_failure
from ._delivery import Receiver, StaleDeliveryError
from ._names import Names
from ._rabbitmq_topology import Exchanges, declare_exclusive_queue, declare_namespace, declare_rpc_queue
from ._replies import no_answer, nobody_holds, result_of
from ._subjects import subject_matches

__all__ = ["RabbitMQSession"]

_LOGGER = logging.getLogger("jupyter_workflows.broker")
_JSON = "application/json"
BROADCAST_WAIT = 5.0
"""Seconds a broadcast waits for a connection (for its turn, and for the broker); it is dropped after (by then the
store tells whoever looks what it said)."""
BROADCASTS_PER_MESSAGE = 200
"""State changes sent in one message at most (the subjects it is routed by go in one header)."""
T = TypeVar("T")


@dataclass
class _Consumer:
    """A subscription, and the connection generation it is started on (0: not started yet)."""

    subscription: Subscription
    receiver: Receiver[Any]
    pattern: str = ""  # broadcasts only
    addressed: bool = False  # broadcasts only: no binding of its own (it gets what reaches the queue anyway)
    generation: int = 0
    queue: AbstractQueue | None = None  # task and RPC subscriptions: the queue consumed
    consumer_tag: str = ""


@dataclass
class _Link:
    """The channels and shared queues of one connection."""

    generation: int
    connection: AbstractConnection
    channel: AbstractChannel  # publishing (with confirms) and the RPC, reply and broadcast consumers
    task_channel: AbstractChannel  # task consumers, with the prefetch limit
    exchanges: Exchanges
    unconfirmed: AbstractChannel  # broadcasts and RPC answers: fire and forget, no confirm to wait for
    broadcast_exchange: AbstractExchange  # the broadcast exchange on ``unconfirmed``
    broadcast_queue: AbstractQueue
    bound_patterns: set[str]


class RabbitMQSession:
    """Subscriptions and messages of one communicator, kept across reconnects."""

    def __init__(
        self,
        url: SecretURL,
        names: Names,
        *,
        task_prefetch: int,
        send_timeout: float,
        heartbeat: int,
        backoff: Backoff,
        owner: str = "",
    ) -> None:
        self.names = names
        self.send_timeout = send_timeout
        self._id = uuid.uuid4().hex[:12]
        self._owner = owner
        self._task_prefetch = task_prefetch
        self._connector = Connector(
            url, self._set_up, name=f"jupyter_workflows {names.namespace}", heartbeat=heartbeat, backoff=backoff
        )
        self._link: _Link | None = None
        self._consumers: dict[Subscription, _Consumer] = {}
        self._by_subject: dict[str, dict[Subscription, _Consumer]] = {}  # broadcast consumers of one subject
        self._by_pattern: dict[Subscription, _Consumer] = {}  # broadcast consumers of a pattern with * or #
        self._pending: dict[str, asyncio.Future[ControlReply]] = {}
        self._taking: set[asyncio.Task[Any]] = set()  # task deliveries whose handler has not returned yet
        self._broadcasting = asyncio.Lock()  # batches go out whole, in the order given: a process's states in order
        self._closed = False

    @property
    def connector(self) -> Connector:
        return self._connector

    @property
    def address(self) -> str:
        """The routing key that reaches this session's broadcast queue (see :meth:`Names.address`)."""
        return self.names.address(self._id)

    async def start(self) -> None:
        self._connector.start()

    async def close(self, grace: float = 5.0) -> None:
        """Close, after letting the task handlers that run finish (for ``grace`` seconds at most), so that what they
        took is acked instead of delivered again."""
        self._closed = True
        if self._taking:
            await asyncio.wait(set(self._taking), timeout=grace)
        for future in self._pending.values():
            if not future.done():
                future.set_exception(CommunicatorError("The communicator was closed before the answer came."))
        await self._connector.close()

    # Sending

    async def send_task(self, task: ProcessTask) -> None:
        body = _messages.encode("task", task)
        message = Message(body, content_type=_JSON, delivery_mode=DeliveryMode.PERSISTENT, message_id=uuid.uuid4().hex)
        await self._on_broker(lambda link: link.channel.default_exchange.publish(message, self.names.tasks))

    async def broadcast(self, message: StateChanged, to: str = "") -> None:
        await self.broadcast_all([message], [to])

    async def broadcast_all(self, messages: Sequence[StateChanged], to: Sequence[str] = ()) -> None:
        """Publish ``messages`` in their order, with one wait for the connection for all (:data:`BROADCAST_WAIT`
        at most); after a reconnect the ones not published yet go on the new connection (none is published twice).
        Batches given one after the other are published one after the other (a later one never overtakes one
        waiting for the connection). ``to``: for each message, the address of a communicator it also goes to (""
        for none), or empty for none.

        They go out together, up to :data:`BROADCASTS_PER_MESSAGE` in one message on the broker: routed to the
        subject of each (``CC``) and to the addresses (``BCC``), so that every queue one of them reaches gets the
        message once (a worker ends hundreds of processes a second: fewer messages for the broker to route)."""
        if to and len(to) != len(messages):
            raise ValueError(f"{len(to)} addresses for {len(messages)} broadcasts: give one per broadcast, or none")
        addresses = list(to) or [""] * len(messages)
        outgoing = []
        for start in range(0, len(messages), BROADCASTS_PER_MESSAGE):
            batch = messages[start : start + BROADCASTS_PER_MESSAGE]
            subjects = list(dict.fromkeys(f"state_changed.{message['pk']}" for message in batch))
            headers: dict[str, Any] = {"CC": subjects[1:]} if len(subjects) > 1 else {}
            bcc = list(dict.fromkeys(a for a in addresses[start : start + BROADCASTS_PER_MESSAGE] if a))
            if bcc:
                headers["BCC"] = bcc  # RabbitMQ removes it before delivery
            body = _messages.encode_broadcasts(batch)
            outgoing.append((Message(body, content_type=_JSON, headers=headers or None), subjects[0]))
        sent, deadline = 0, time.monotonic() + BROADCAST_WAIT

        async def publish(link: _Link) -> None:
            nonlocal sent
            for message, subject in outgoing[sent:]:
                await link.broadcast_exchange.publish(message, subject, mandatory=False)
                sent += 1

        async with self._broadcasting:
            await self._on_broker(publish, deadline)

    async def waiting_tasks(self) -> int:
        """The number of ready messages in the task queue (a passive declare: the broker's count, not including
        tasks delivered to a subscriber and not acknowledged yet)."""

        async def count(link: _Link) -> int:
            queue = await link.channel.declare_queue(self.names.tasks, passive=True)
            return int(queue.declaration_result.message_count or 0)

        return await self._on_broker(count)

    async def rpc(self, identifier: str, request: ControlRequest, timeout: float) -> Any:
        body = _messages.encode("control request", request)
        correlation_id = uuid.uuid4().hex
        outgoing = Message(
            body, content_type=_JSON, correlation_id=correlation_id, reply_to=self.names.reply_queue(self._id)
        )
        future = self._pending[correlation_id] = asyncio.get_running_loop().create_future()
        deadline = time.monotonic() + timeout
        routed: bool | None = None
        reply: ControlReply | None = None
        try:
            routed = await self._on_broker(lambda link: self._publish_routed(link, outgoing, identifier), deadline)
            if routed:
                reply = await asyncio.wait_for(future, max(0.0, deadline - time.monotonic()))
        except (asyncio.TimeoutError, TimeoutError):
            pass
        finally:
            self._pending.pop(correlation_id, None)
        if routed is False:
            raise RecipientNotFoundError(nobody_holds(identifier, self.names.namespace))
        if reply is None:
            raise RpcTimeoutError(no_answer(identifier, self.names.namespace, timeout))
        return result_of(reply, identifier)

    @staticmethod
    async def _publish_routed(link: _Link, message: Message, identifier: str) -> bool:
        """Publish an RPC request; False if the broker returned it because no queue is bound to ``identifier``."""
        try:
            await link.exchanges.rpc.publish(message, identifier, mandatory=True)
        except aiormq.exceptions.DeliveryError as exc:
            if not isinstance(exc.frame, Basic.Return):
                raise  # a nack: the broker failed, not the routing
            return False
        return True

    async def _on_broker(self, operation: Callable[[_Link], Awaitable[T]], deadline: float | None = None) -> T:
        """``operation`` on the current connection; after a connection failure, again on the next one, until
        ``deadline`` (default: ``send_timeout`` from now), then BrokerUnreachableError."""
        deadline = time.monotonic() + self.send_timeout if deadline is None else deadline
        while True:
            if self._closed:
                raise CommunicatorError("This communicator is closed; make a new one to send or subscribe.")
            await self._connector.connection(deadline)
            link = self._link
            assert link is not None
            failure = ""
            try:  # bounded: a connection that died silently fails its heartbeats only after a while
                return await asyncio.wait_for(operation(link), max(0.001, deadline - time.monotonic()))
            except (asyncio.TimeoutError, TimeoutError):
                failure = "the broker did not answer in time"
            except CONNECTION_EXCEPTIONS as exc:
                failure = describe_failure(exc, self._connector.url)
            # Outside the except block: nothing raised from here chains aio-pika's exception (and its URL).
            if link.generation == self._connector.generation:
                self._connector.lost(failure)
            if time.monotonic() >= deadline:
                raise self._connector.unreachable()

    # Subscribing

    async def subscribe(
        self, subscription: Subscription, receiver: Receiver[Any], pattern: str = "", *, addressed: bool = False
    ) -> None:
        if subscription in self._consumers:  # an RPC identifier this communicator serves already
            raise DuplicateSubscriberError(
                f"RPC identifier {subscription.key!r} of namespace {self.names.namespace!r} is already served by this "
                "communicator; a process has one holder."
            )
        consumer = self._consumers[subscription] = _Consumer(subscription, receiver, pattern, addressed)
        if subscription.kind == "broadcast":
            self._index(consumer)
        if addressed:
            return  # nothing to ask the broker: it sends what is addressed here once connected
        try:
            await self._on_broker(lambda link: self._start(consumer, link))
        except BaseException:
            self._forget(subscription)
            raise

    def _index(self, consumer: _Consumer) -> None:
        subscription, words = consumer.subscription, consumer.pattern.split(".")
        if "*" in words or "#" in words:
            self._by_pattern[subscription] = consumer
        else:
            self._by_subject.setdefault(consumer.pattern, {})[subscription] = consumer

    def _forget(self, subscription: Subscription) -> _Consumer | None:
        consumer = self._consumers.pop(subscription, None)
        if consumer is not None and subscription.kind == "broadcast":
            self._by_pattern.pop(subscription, None)
            same = self._by_subject.get(consumer.pattern, {})
            same.pop(subscription, None)
            if not same:
                self._by_subject.pop(consumer.pattern, None)
        return consumer

    async def unsubscribe(self, subscription: Subscription) -> None:
        consumer = self._forget(subscription)
        if consumer is not None and consumer.addressed:
            return  # never bound
        link = self._link
        if consumer is None or link is None or consumer.generation != link.generation:
            return  # never started on this connection: nothing to stop on the broker
        try:
            await self._stop(consumer, link)
        except CONNECTION_EXCEPTIONS as exc:  # the connection went: so did the consumer
            _LOGGER.debug("Stopping a subscription failed: %s", describe_failure(exc, self._connector.url))

    async def _start(self, consumer: _Consumer, link: _Link) -> None:
        if consumer.generation >= link.generation or consumer.addressed:
            return  # already started on this connection (by a reconnect that ran meanwhile), or nothing to start
        kind = consumer.subscription.kind
        if kind == "task":
            queue = await link.task_channel.get_queue(self.names.tasks, ensure=False)
            callback = functools.partial(self._on_task, consumer, link.task_channel)
            consumer.consumer_tag = await queue.consume(callback)
        elif kind == "rpc":
            identifier = consumer.subscription.key
            await declare_rpc_queue(link.connection, self.names, identifier)
            queue = await link.channel.get_queue(self.names.rpc_queue(identifier), ensure=False)
            consumer.consumer_tag = await queue.consume(functools.partial(self._on_rpc, consumer))
        else:
            queue = link.broadcast_queue
            if consumer.pattern not in link.bound_patterns:
                await queue.bind(link.exchanges.broadcast, routing_key=consumer.pattern)
                link.bound_patterns.add(consumer.pattern)
        consumer.queue = queue
        consumer.generation = max(consumer.generation, link.generation)

    async def _stop(self, consumer: _Consumer, link: _Link) -> None:
        kind = consumer.subscription.kind
        if kind in {"task", "rpc"} and consumer.queue is not None:
            await consumer.queue.cancel(consumer.consumer_tag)
        if kind == "rpc" and consumer.queue is not None:
            await consumer.queue.delete(if_unused=False, if_empty=False)  # frees the identifier for others
        in_use = {c.pattern for c in self._consumers.values() if c.subscription.kind == "broadcast" and not c.addressed}
        if kind == "broadcast" and consumer.pattern not in in_use:
            await link.broadcast_queue.unbind(link.exchanges.broadcast, routing_key=consumer.pattern)
            link.bound_patterns.discard(consumer.pattern)

    async def _set_up(self, connection: AbstractConnection) -> None:
        """Declare the namespace and start every subscription on a new connection (the Connector calls this)."""
        generation = self._connector.generation + 1
        channel = await connection.channel(publisher_confirms=True, on_return_raises=True)
        task_channel = await connection.channel()
        await task_channel.set_qos(prefetch_count=self._task_prefetch)
        exchanges = await declare_namespace(channel, self.names)
        # A broadcast or an answer that is lost is covered by the store (polled) or the caller's timeout: waiting for
        # the broker's confirm of each would only cost a frame and a future per message, on both sides.
        unconfirmed = await connection.channel(publisher_confirms=False)
        broadcast_exchange = await unconfirmed.get_exchange(self.names.broadcast_exchange, ensure=False)
        replies = await declare_exclusive_queue(channel, self.names.reply_queue(self._id), self.names)
        await replies.consume(self._on_reply)
        broadcasts = await declare_exclusive_queue(channel, self.names.broadcast_queue(self._id), self.names)
        await broadcasts.bind(exchanges.broadcast, routing_key=self.address)
        if self._owner:  # what is sent to its owner's address comes here too (see Names.address)
            await broadcasts.bind(exchanges.broadcast, routing_key=self.names.address(self._owner))
        await broadcasts.consume(self._on_broadcast)
        self._link = _Link(
            generation, connection, channel, task_channel, exchanges, unconfirmed, broadcast_exchange, broadcasts, set()
        )
        for watched in (channel, task_channel, unconfirmed):
            watched.close_callbacks.add(functools.partial(self._on_channel_closed, self._link))
        for consumer in list(self._consumers.values()):
            try:
                await self._start(consumer, self._link)
            except DuplicateSubscriberError as exc:
                self._consumers.pop(consumer.subscription, None)
                _LOGGER.warning("After reconnecting, this communicator no longer serves RPCs: %s", exc)

    def _on_channel_closed(self, link: _Link, _channel: Any, exc: BaseException | None) -> None:
        if self._closed or link is not self._link:
            return
        reason = f"a channel was closed: {describe_failure(exc, self._connector.url) if exc else 'by the client'}"
        if "acknowledgement" in reason and "timed out" in reason:
            reason += " (a task handler did not return within the broker's consumer_timeout: handlers must return"
            reason += " once they own the task, not when the work is done)"
        self._connector.lost(reason)

    # Receiving

    async def _on_task(self, consumer: _Consumer, channel: AbstractChannel, message: AbstractIncomingMessage) -> None:
        current = asyncio.current_task()
        assert current is not None
        self._taking.add(current)
        try:
            await self._take_task(consumer, channel, message)
        finally:
            self._taking.discard(current)

    async def _take_task(self, consumer: _Consumer, channel: AbstractChannel, message: AbstractIncomingMessage) -> None:
        try:
            task = _messages.decode("task", message.body)
        except MessageError as exc:
            await self._dead_letter(message, self.names.tasks, exc)
            return

        def still_valid() -> bool:  # on the subscriber's loop, just before the handler is called
            return not channel.is_closed  # else the broker gives the task to someone else: do not take it

        try:
            taken = await consumer.receiver.call(task, still_valid)
        except StaleDeliveryError:
            return
        except Exception as exc:
            await self._task_failed(message, exc)
            return
        if still_valid():
            await _settle(message.ack() if taken is not False else message.nack(requeue=True))

    async def _task_failed(self, message: AbstractIncomingMessage, exc: Exception) -> None:
        what = f"{type(exc).__name__}: {exc}"
        if message.redelivered:
            _LOGGER.error("A task handler failed again (%s); the task goes to %s", what, self.names.dead_letters)
            await _settle(message.reject(requeue=False))
        else:
            _LOGGER.warning("A task handler failed (%s); the task goes back to the queue once", what)
            await _settle(message.nack(requeue=True))

    async def _on_rpc(self, consumer: _Consumer, message: AbstractIncomingMessage) -> None:
        try:
            request = _messages.decode("control request", message.body)
        except MessageError as exc:
            await self._dead_letter(message, self.names.rpc_queue(consumer.subscription.key), exc)
            return
        try:
            answer = consumer.receiver.call(request)  # on its way to the handler's loop while the ack is written
        except RuntimeError as exc:  # the handler's loop is closed: that goes back as the answer
            answer = asyncio.get_running_loop().create_future()
            answer.set_exception(exc)
        await _settle(message.ack())
        try:
            result = await answer
            body = _messages.encode("control reply", _messages.control_reply(result))
        except Exception as exc:  # the handler's error, or a result that is not valid on the wire, goes back
            body = _messages.encode("control reply", _messages.control_reply(error=exc))
        link = self._link
        if message.reply_to and link is not None:
            reply = Message(body, content_type=_JSON, correlation_id=message.correlation_id)
            # Not mandatory: a caller that stopped waiting and exited took its reply queue with it, and the broker
            # would return the answer on a channel without confirms, which aiormq logs as an error.
            await _settle(link.unconfirmed.default_exchange.publish(reply, message.reply_to, mandatory=False))

    async def _on_reply(self, message: AbstractIncomingMessage) -> None:
        future = self._pending.get(message.correlation_id or "")
        try:
            reply: Any = _messages.decode("control reply", message.body)
        except MessageError as exc:
            if future is not None and not future.done():
                future.set_exception(MessageError(f"The answer to an RPC was malformed: {exc}"))
            await self._dead_letter(message, self.names.reply_queue(self._id), exc)
            return
        if future is not None and not future.done():
            future.set_result(reply)  # before the ack: the caller need not wait for its write
        await _settle(message.ack())

    async def _on_broadcast(self, message: AbstractIncomingMessage) -> None:
        try:
            broadcasts: list[Any] = _messages.decode_broadcasts(message.body)
            _check_routed(message, broadcasts)
        except MessageError as exc:
            await self._dead_letter(message, self.names.broadcast_queue(self._id), exc)
            return
        for broadcast in broadcasts:
            subject = f"state_changed.{broadcast['pk']}"
            matching = [c for c in self._by_pattern.values() if subject_matches(c.pattern, subject)]
            for consumer in [*self._by_subject.get(subject, {}).values(), *matching]:
                try:
                    consumer.receiver.call(broadcast).add_done_callback(_log_handler_failure)
                except RuntimeError:  # the subscriber's loop is closed
                    _LOGGER.debug("A broadcast was not delivered: its subscriber's event loop is closed")
        await _settle(message.ack())  # after handing it on: the subscribers need not wait for its write

    async def _dead_letter(self, message: AbstractIncomingMessage, queue: str, error: MessageError) -> None:
        _LOGGER.warning(
            "Rejected a message of %d bytes on queue %s: %s. It is kept in the queue %s.",
            len(message.body), queue, error, self.names.dead_letters,
        )  # fmt: skip
        await _settle(message.reject(requeue=False))


def _check_routed(message: AbstractIncomingMessage, broadcasts: list[Any]) -> None:
    """Raise MessageError unless the subjects the message was routed by (its routing key and ``CC``) are those of
    the broadcasts it carries: a subscriber to ``state_changed.<pk>`` is only ever handed state changes of ``pk``."""
    cc = (message.headers or {}).get("CC")
    routed = {message.routing_key or "", *(s for s in (cc if isinstance(cc, list) else []) if isinstance(s, str))}
    carried = {f"state_changed.{broadcast['pk']}" for broadcast in broadcasts}
    if routed != carried:
        pks = ", ".join(str(broadcast["pk"]) for broadcast in broadcasts)
        raise MessageError(f"broadcast subjects {sorted(routed)} do not match its messages (pks {pks})")


async def _settle(operation: Awaitable[Any]) -> None:
    """Ack, reject or reply; if the connection went meanwhile, the broker redelivers (or the caller times out)."""
    try:
        await operation
    except Exception as exc:
        _LOGGER.debug("A message could not be settled (%s: %s); the broker will redeliver it", type(exc).__name__, exc)


def _log_handler_failure(future: asyncio.Future[Any]) -> None:
    if not future.cancelled() and future.exception() is not None:
        error = future.exception()
        _LOGGER.error("A broadcast handler failed: %s: %s", type(error).__name__, error)
