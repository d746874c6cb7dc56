"""The RabbitMQ communicator (aio-pika), on a thread and event loop of its own.

Threading rule:

- The connection lives on the communicator's thread, with its own event loop: heartbeats, reconnects and incoming
  messages never wait for the caller's loop, so a notebook cell that blocks the kernel for ten minutes keeps its
  broker link.
- ``*_async`` methods are awaited from any event loop (each runs on the communicator's loop; the await is bridged
  with ``run_coroutine_threadsafe`` and ``wrap_future``). ``send_task``, ``rpc``, ``broadcast``,
  ``wait_connected`` and ``close`` are their blocking variants, for threads; never call them from a handler.
- A handler runs on the loop that subscribed it (scheduled there with ``call_soon_threadsafe``): a kernel's handlers
  run on the kernel's loop, between its cells, and wait while a cell blocks it.

Reconnects: after a lost connection the communicator reconnects with bounded exponential back-off, declares the
namespace again and restarts every subscription. A send while disconnected waits for the connection up to
``send_timeout`` seconds (an RPC: up to its timeout), then raises :class:`BrokerUnreachableError`. Tasks are
published with confirms and persisted, and delivered at least once (a send retried over a reconnect may queue a
task twice): task handlers claim their process in the store, where a second claim fails.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import time
import urllib.parse
import uuid
from collections.abc import Callable, Sequence
from typing import Any

from .._core import BrokerUnreachableError, UsageError
from .._core._secret_url import SecretURL, amqp_url
from .._wire import ControlRequest, ProcessTask, StateChanged
from ._communicator import RPC_TIMEOUT, BroadcastHandler, ControlHandler, Subscription, TaskHandler
from ._connection import Backoff, connect, describe_failure
from ._delivery import Receiver
from ._loop_thread import LoopThread
from ._names import Names, check_identifier, check_namespace
from ._rabbitmq_session import RabbitMQSession
from ._rabbitmq_topology import delete_namespace
from ._subjects import check_pattern

__all__ = ["RabbitMQCommunicator", "delete_namespace_async"]

_SERVE_BACKOFF = Backoff(first=0.1, limit=5.0)  # between attempts to serve RPCs while the broker is away
DEFAULT_HEARTBEAT = 30
"""Seconds between AMQP heartbeats, unless the URL says ``?heartbeat=N``."""


class RabbitMQCommunicator:
    """The Communicator protocol over RabbitMQ. It starts connecting at once; sends wait for the connection.

    ``url`` is an AMQP URL (``amqp://user:password@host:5672/vhost``); its password never appears in a repr, log line
    or error. ``namespace`` prefixes every queue and exchange. ``task_prefetch`` is how many tasks the broker hands
    this communicator before it has taken them; ``heartbeat`` the AMQP heartbeat in seconds (default: the URL's
    ``?heartbeat=`` query parameter, else 30). ``owner``: the id of the kernel or worker it serves, whose address
    (``Names.address(owner)``) reaches it too: whoever knows only the owner of a process can send to it."""

    def __init__(
        self,
        url: str | SecretURL,
        namespace: str,
        *,
        task_prefetch: int = 32,
        send_timeout: float = 30.0,
        heartbeat: int | None = None,
        backoff: Backoff = Backoff(),  # noqa: B008 - a frozen dataclass
        owner: str = "",
    ) -> None:
        names = Names(check_namespace(namespace))
        self._url = amqp_url(url)
        heartbeat = _heartbeat_of(self._url) if heartbeat is None else heartbeat
        self._session = RabbitMQSession(
            self._url, names, task_prefetch=task_prefetch, send_timeout=send_timeout, heartbeat=heartbeat,
            backoff=backoff, owner=owner,
        )  # fmt: skip
        self._thread = LoopThread(f"jupyter_workflows broker {namespace}")
        self._thread.submit(self._session.start()).result()
        self._closed = False

    def __repr__(self) -> str:
        state = "closed" if self._closed else "connected" if self.is_connected else "disconnected"
        return f"RabbitMQCommunicator({str(self._url)!r}, namespace={self.namespace!r}, {state})"

    @property
    def namespace(self) -> str:
        return self._session.names.namespace

    @property
    def address(self) -> str:
        return self._session.address

    @property
    def is_connected(self) -> bool:
        return self._session.connector.is_connected

    @property
    def connecting_first(self) -> bool:
        """Whether the first connection is being made (none was made yet, and no attempt failed): a send waits for
        it."""
        return self._session.connector.connecting_first

    @property
    def connections_made(self) -> int:
        """How many times a connection was opened (1 + the reconnects)."""
        return self._session.connector.generation

    # Sending (async and blocking)

    async def send_task_async(self, task: ProcessTask) -> None:
        await self._thread.run_async(self._session.send_task(task))

    def send_task(self, task: ProcessTask) -> None:
        self._thread.run(self._session.send_task(task))

    def send_task_soon(self, task: ProcessTask) -> concurrent.futures.Future[None]:
        """Queue ``task`` without waiting, from any thread: the future is done once the broker confirmed it, or
        failed (BrokerUnreachableError after ``send_timeout``, MessageError for a bad task)."""
        return self._thread.submit(self._session.send_task(task))

    async def waiting_tasks_async(self) -> int:
        return await self._thread.run_async(self._session.waiting_tasks())

    async def rpc_async(self, identifier: str, request: ControlRequest, *, timeout: float = RPC_TIMEOUT) -> Any:
        return await self._thread.run_async(self._session.rpc(check_identifier(identifier), request, timeout))

    def rpc(self, identifier: str, request: ControlRequest, *, timeout: float = RPC_TIMEOUT) -> Any:
        return self._thread.run(self._session.rpc(check_identifier(identifier), request, timeout))

    async def broadcast_async(self, message: StateChanged, *, to: str = "") -> None:
        await self._thread.run_async(self._session.broadcast(message, to))

    def broadcast(self, message: StateChanged, *, to: str = "") -> None:
        self._thread.run(self._session.broadcast(message, to))

    def broadcast_soon(
        self, messages: Sequence[StateChanged], to: Sequence[str] = ()
    ) -> concurrent.futures.Future[None]:
        """Broadcast ``messages``, in their order, without waiting, from any thread (it needs no event loop of the
        caller's: a script's loop may not run again for a while): one hand-off to the communicator's thread for all
        of them. ``to``: for each message, the :attr:`address` of a communicator it also goes to ("" for none), or
        empty for none. The future says how it went."""
        return self._thread.submit(self._session.broadcast_all(messages, to))

    async def wait_connected_async(self, timeout: float = 10.0) -> None:
        """Return once connected; BrokerUnreachableError (saying why) after ``timeout`` seconds."""
        await self._thread.run_async(self._wait_connected(timeout))

    def wait_connected(self, timeout: float = 10.0) -> None:
        self._thread.run(self._wait_connected(timeout))

    async def _wait_connected(self, timeout: float) -> None:
        await self._session.connector.connection(time.monotonic() + timeout)

    def check_login(self, timeout: float = 2.0) -> None:
        """Raise BrokerLoginError if the broker refuses the URL's login or virtual host: until a connection was made,
        once the first attempt ended (waiting at most ``timeout`` seconds for it); after that, while the attempts to
        connect again are refused (the password was changed on the broker). A broker that is down, or slow to
        answer, is no error here (sends wait for it)."""
        connector = self._session.connector
        if self.connections_made == 0:
            self._thread.run(connector.first_attempt(time.monotonic() + timeout))
        else:
            connector.check_refused()

    # Subscribing (from the loop the handler runs on)

    async def subscribe_tasks_async(self, handler: TaskHandler) -> Subscription:
        return await self._subscribe(Subscription("task", uuid.uuid4().hex), Receiver.here(handler))

    async def serve_rpc_async(self, identifier: str, handler: ControlHandler) -> Subscription:
        return await self._subscribe(Subscription("rpc", check_identifier(identifier)), Receiver.here(handler))

    def serve_rpc_soon(
        self,
        identifier: str,
        handler: ControlHandler,
        loop: asyncio.AbstractEventLoop,
        *,
        on_arrival: Callable[[ControlRequest], None] | None = None,
    ) -> concurrent.futures.Future[Subscription]:
        """Answer the RPCs to ``identifier`` with ``handler`` on ``loop``, without waiting for that loop (a kernel's
        loop may be held by a cell that runs a process synchronously): from any thread. Retried, with back-off,
        while the broker cannot be reached; the future is done once it serves. ``on_arrival``: called with each
        request on the communicator's thread as it arrives, before ``loop`` takes it up (see Receiver)."""
        subscription = Subscription("rpc", check_identifier(identifier))
        receiver: Receiver[Any] = Receiver(handler, loop, on_arrival=on_arrival)

        async def serve() -> Subscription:
            attempt = 0
            while True:
                try:
                    await self._session.subscribe(subscription, receiver)
                    return subscription
                except BrokerUnreachableError:
                    await asyncio.sleep(_SERVE_BACKOFF.delay(attempt))
                    attempt += 1

        return self._thread.submit(serve())

    async def subscribe_broadcasts_async(
        self, pattern: str, handler: BroadcastHandler, *, addressed: bool = False
    ) -> Subscription:
        subscription = Subscription("broadcast", uuid.uuid4().hex)
        return await self._subscribe(subscription, Receiver.here(handler), check_pattern(pattern), addressed=addressed)

    async def _subscribe(
        self, subscription: Subscription, receiver: Receiver[Any], pattern: str = "", *, addressed: bool = False
    ) -> Subscription:
        await self._thread.run_async(self._session.subscribe(subscription, receiver, pattern, addressed=addressed))
        return subscription

    async def unsubscribe_async(self, subscription: Subscription) -> None:
        await self._thread.run_async(self._session.unsubscribe(subscription))

    # Closing

    async def close_async(self) -> None:
        if not self._closed:
            self._closed = True
            await self._thread.run_async(self._session.close())
            self._thread.stop()

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self._thread.run(self._session.close())
            self._thread.stop()


async def delete_namespace_async(url: str | SecretURL, namespace: str) -> None:
    """Delete ``namespace``'s queues and exchanges from the broker at ``url``, with the tasks and dead letters they
    hold (for a store that is gone, and for tests). Communicators of the namespace must be closed first."""
    url, names = amqp_url(url), Names(check_namespace(namespace))
    failure = ""
    try:
        connection = await connect(url)
    except Exception as exc:
        failure = describe_failure(exc, url)
    if failure:  # raised outside the except block: no chained exception carries aio-pika's URL
        raise BrokerUnreachableError(f"Cannot reach the message broker at {url}: {failure}.")
    async with connection:
        await delete_namespace(connection, names)


def _heartbeat_of(url: SecretURL) -> int:
    """The URL's ``heartbeat`` query parameter (seconds; aio-pika's and pika's spelling), else 30."""
    given = urllib.parse.parse_qs(urllib.parse.urlsplit(url.reveal()).query).get("heartbeat", [])
    try:
        return int(given[-1]) if given else DEFAULT_HEARTBEAT
    except ValueError:
        raise UsageError(
            f"The broker URL {url} has heartbeat={given[-1]!r}: it must be a whole number of seconds (or 0 for none)."
        ) from None
