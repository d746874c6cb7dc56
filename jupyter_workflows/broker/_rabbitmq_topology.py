"""The queues and exchanges of a namespace on RabbitMQ, declared the same way by every kernel and worker.

    <ns>.tasks          durable queue, persistent messages: one consumer takes each task
    <ns>.rpc            direct exchange -> <ns>.rpc.<identifier>, an exclusive queue: its one holder
    <ns>.reply.<id>     exclusive queue: one communicator's RPC answers
    <ns>.broadcast      topic exchange -> <ns>.broadcast.<id>, an exclusive queue per communicator
    <ns>.dead-letter    fanout exchange -> <ns>.dead-letters, a durable queue (bounded) of rejected messages

Every queue dead-letters to ``<ns>.dead-letter``. RabbitMQ refuses a declaration whose arguments differ from the
existing queue's, so these arguments are part of the wire format (change them with BROKER_MESSAGE_VERSION).
"""

from __future__ import annotations

from dataclasses import dataclass

import aiormq.exceptions
from aio_pika import ExchangeType
from aio_pika.abc import AbstractChannel, AbstractConnection, AbstractExchange, AbstractQueue
from pamqp.common import FieldTable

from .._core import DuplicateSubscriberError
from ._names import Names

__all__ = [
    "Exchanges",
    "declare_exclusive_queue",
    "declare_namespace",
    "declare_rpc_queue",
    "delete_namespace",
]

DEAD_LETTERS_KEPT = 10_000  # the oldest are dropped beyond this
DEAD_LETTER_TTL_MS = 7 * 24 * 3600 * 1000


@dataclass(frozen=True)
class Exchanges:
    rpc: AbstractExchange
    broadcast: AbstractExchange


def dead_lettering(names: Names) -> FieldTable:
    return {"x-dead-letter-exchange": names.dead_letter_exchange}


async def declare_namespace(channel: AbstractChannel, names: Names) -> Exchanges:
    """Declare what the namespace's communicators share (idempotent)."""
    dead_letter = await channel.declare_exchange(names.dead_letter_exchange, ExchangeType.FANOUT, durable=True)
    arguments: FieldTable = {"x-max-length": DEAD_LETTERS_KEPT, "x-message-ttl": DEAD_LETTER_TTL_MS}
    dead_letters = await channel.declare_queue(names.dead_letters, durable=True, arguments=arguments)
    await dead_letters.bind(dead_letter)
    await channel.declare_queue(names.tasks, durable=True, arguments=dead_lettering(names))
    rpc = await channel.declare_exchange(names.rpc_exchange, ExchangeType.DIRECT, durable=True)
    broadcast = await channel.declare_exchange(names.broadcast_exchange, ExchangeType.TOPIC, durable=True)
    return Exchanges(rpc=rpc, broadcast=broadcast)


async def declare_exclusive_queue(channel: AbstractChannel, name: str, names: Names) -> AbstractQueue:
    """A queue only this connection uses, deleted when it closes."""
    return await channel.declare_queue(name, exclusive=True, auto_delete=True, arguments=dead_lettering(names))


async def declare_rpc_queue(connection: AbstractConnection, names: Names, identifier: str) -> None:
    """Declare the queue of ``identifier``'s holder, bound to the RPC exchange; DuplicateSubscriberError if another
    connection holds it. A scratch channel takes the broker's refusal, which closes the channel it comes on."""
    channel = await connection.channel(publisher_confirms=False)
    try:
        queue = await declare_exclusive_queue(channel, names.rpc_queue(identifier), names)
        await queue.bind(names.rpc_exchange, routing_key=identifier)
    except aiormq.exceptions.ChannelLockedResource:
        held = True
    else:
        held = False
    finally:
        if not channel.is_closed:
            await channel.close()
    if held:
        raise DuplicateSubscriberError(
            f"RPC identifier {identifier!r} of namespace {names.namespace!r} is already served by another kernel or "
            "worker on this broker; a process has one holder."
        )


async def delete_namespace(connection: AbstractConnection, names: Names) -> None:
    """Delete the namespace's shared queues and exchanges, with the tasks and dead letters they hold (the exclusive
    queues go with their connections)."""
    channel = await connection.channel()
    for queue in (names.tasks, names.dead_letters):
        await channel.queue_delete(queue)
    for exchange in (names.rpc_exchange, names.broadcast_exchange, names.dead_letter_exchange):
        await channel.exchange_delete(exchange)
    await channel.close()
