"""One AMQP connection kept open: connect, and after a loss reconnect with bounded exponential back-off.

Runs on the communicator's own loop. Each time a connection opens, ``on_connected`` declares the queues and starts
the consumers again; a lost connection (the broker restarted, a channel was closed, heartbeats stopped) is closed
and replaced. Passwords never reach a log line or an error: failures are described in words with the URL's
secrets masked, and raised outside the ``except`` block, so that no chained exception carries aio-pika's URL.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import urllib.parse
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import aio_pika
import aiormq
from aio_pika.abc import AbstractConnection

from .._core import BrokerLoginError, BrokerUnreachableError, set_within
from .._core._secret_url import SecretURL, scrub_secrets

__all__ = ["Backoff", "Connector", "describe_failure"]

_LOGGER = logging.getLogger("jupyter_workflows.broker")


def _not_a_failed_attempt(record: logging.LogRecord) -> bool:
    return not str(record.msg).startswith("error when creating transport")


# aiormq logs an ERROR for every failed connection attempt; while a broker is down that is one every few seconds
# in the notebook. The Connector reports the same failures itself, throttled: drop aiormq's line, and only that one.
logging.getLogger("aiormq.connection").addFilter(_not_a_failed_attempt)


@dataclass(frozen=True)
class Backoff:
    """Delays between connection attempts: ``first``, then times ``factor`` each attempt, never more than ``limit``."""

    first: float = 0.05
    factor: float = 2.0
    limit: float = 5.0

    def delay(self, attempt: int) -> float:
        return float(min(self.limit, self.first * self.factor ** min(attempt, 64)))


class Connector:
    """Keeps a connection to the broker at ``url`` open, reconnecting after a loss."""

    def __init__(
        self,
        url: SecretURL,
        on_connected: Callable[[AbstractConnection], Awaitable[None]],
        *,
        name: str,
        heartbeat: int,
        backoff: Backoff,
    ) -> None:
        self.url = url
        self.generation = 0
        """How many connections were opened so far; a message knows the generation it was received on."""
        self.last_failure = "no connection was attempted yet"
        self.refusal: str | None = None
        """What the broker refused on the last attempt (the login, the virtual host), None if it refused nothing."""
        self._attempted = asyncio.Event()  # the first attempt has ended, one way or the other
        self._failed = False  # an attempt failed (the broker was away, refused, or the set-up failed)
        self._refused = asyncio.Event()  # the last attempt was refused (set until one succeeds)
        self._on_connected = on_connected
        self._name = name
        self._heartbeat = heartbeat
        self._backoff = backoff
        self._connection: AbstractConnection | None = None
        self._connected = asyncio.Event()
        self._lost = asyncio.Event()
        self._closing = False
        self._task: asyncio.Task[None] | None = None

    @property
    def is_connected(self) -> bool:
        return self._connected.is_set()

    @property
    def connecting_first(self) -> bool:
        """Whether the first connection is being made: none was made yet, and no attempt failed."""
        return self.generation == 0 and not self._failed

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._keep_connected())

    async def connection(self, deadline: float) -> AbstractConnection:
        """The open connection, waiting for one until ``deadline`` (``time.monotonic()``); BrokerUnreachableError
        after that, and BrokerLoginError at once while the broker refuses the URL's login or virtual host (a password
        changed on the broker: waiting would not help; the connector keeps trying, and a later call succeeds once
        the broker takes the login again)."""
        while self._connection is None or not self._connected.is_set():
            if self._closing:
                raise BrokerUnreachableError(f"The connection to the message broker at {self.url} is closed.")
            self.check_refused()
            waits = [asyncio.ensure_future(event.wait()) for event in (self._connected, self._refused)]
            try:
                ended, _ = await asyncio.wait(
                    waits, timeout=max(0.0, deadline - time.monotonic()), return_when=asyncio.FIRST_COMPLETED
                )
            finally:
                for wait in waits:
                    wait.cancel()
            if not ended:
                raise self.unreachable()
        return self._connection

    async def first_attempt(self, deadline: float) -> None:
        """Return once the first connection attempt has ended, or at ``deadline`` (``time.monotonic()``);
        BrokerLoginError if the broker refused the URL's login or virtual host (a broker that is down is no error
        here: sends wait for it)."""
        await set_within(self._attempted, deadline - time.monotonic())
        self.check_refused()

    def check_refused(self) -> None:
        """BrokerLoginError while not connected and the last attempt was refused the URL's login or virtual host."""
        if self.refusal is not None and not self.is_connected:
            raise self.unreachable()

    def unreachable(self) -> BrokerUnreachableError:
        if self.refusal is not None:
            return BrokerLoginError(
                f"The message broker at {self.url} refused {self.refusal}. Fix the broker URL "
                "(amqp://user:password@host:5672/vhost) given to jw.configure(broker=...), $JUPYTER_WORKFLOWS_BROKER "
                "or --broker; messages sent meanwhile were not delivered."
            )
        return BrokerUnreachableError(
            f"Cannot reach the message broker at {self.url}: {self.last_failure.rstrip('.')}. Check that RabbitMQ is "
            "running (service rabbitmq-server start) and that the URL's host, port, virtual host and login are right; "
            "messages sent meanwhile were not delivered."
        )

    def lost(self, reason: str) -> None:
        """Give up the current connection (a channel closed under us, a publish failed); a new one is made."""
        if not self._closing and not self._lost.is_set():
            self.last_failure = reason
            self._connected.clear()
            self._lost.set()

    async def close(self) -> None:
        self._closing = True
        self._connected.clear()
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        await self._drop()

    async def _keep_connected(self) -> None:
        attempt, down_since = 0, time.monotonic()
        while True:
            if await self._connect_once():
                if self.generation > 1:
                    _LOGGER.info("Reconnected to the message broker at %s after %.1f s", self.url, _since(down_since))
                up_since = time.monotonic()
                await self._lost.wait()
                down_since = time.monotonic()
                _LOGGER.warning("Lost the connection to the message broker at %s: %s", self.url, self.last_failure)
                await self._drop()
                # A connection that keeps failing at once (a channel error on every publish) must not spin.
                if down_since - up_since >= self._backoff.limit:
                    attempt = 0
                await asyncio.sleep(self._backoff.delay(attempt))
                attempt += 1
                continue
            delay = self._backoff.delay(attempt)
            attempt += 1
            # Every attempt while the broker is down would flood the log: the first ones, then one in a hundred.
            log = _LOGGER.warning if attempt <= 3 or attempt % 100 == 0 else _LOGGER.debug
            log("Connecting to the message broker at %s failed (%s); attempt %d in %.2f s", self.url,
                self.last_failure, attempt + 1, delay)  # fmt: skip
            await asyncio.sleep(delay)

    async def _connect_once(self) -> bool:
        connection = await self._open()
        if connection is None:
            return False
        connection.close_callbacks.add(self._on_close)
        self._connection, self._lost = connection, asyncio.Event()
        try:
            await self._on_connected(connection)
        except Exception as exc:
            self.lost(f"setting up queues failed: {describe_failure(exc, self.url)}")
        if self._lost.is_set():  # the set-up failed, or the connection was lost meanwhile
            self._failed = True
            await self._drop()
            return False
        self.generation += 1
        self._connected.set()
        return True

    async def _open(self) -> AbstractConnection | None:
        try:
            connection = await connect(
                self.url, heartbeat=self._heartbeat, client_properties={"connection_name": self._name}
            )
        except Exception as exc:  # aio-pika raises many kinds (OSError, AMQP errors, RuntimeError, ...)
            self.refusal, self._failed = _refusal(exc, self.url), True
            refused = self.refusal is not None
            self.last_failure = f"the broker refused {self.refusal}" if refused else describe_failure(exc, self.url)
            return None
        else:
            self.refusal = None
            return connection
        finally:
            if self.refusal is None:
                self._refused.clear()
            else:
                self._refused.set()
            self._attempted.set()

    def _on_close(self, _sender: Any, exc: BaseException | None) -> None:
        self.lost(describe_failure(exc, self.url) if exc is not None else "the connection closed")

    async def _drop(self) -> None:
        self._connected.clear()
        connection, self._connection = self._connection, None
        if connection is not None:
            connection.close_callbacks.discard(self._on_close)
            with contextlib.suppress(Exception):  # a connection already lost fails to close; it is gone either way
                await asyncio.wait_for(connection.close(), 5)
            if not connection.is_closed:  # its transport is dropped all the same: a second close only marks it
                with contextlib.suppress(Exception):  # closed, or aio-pika closes it again when it is collected
                    await connection.close()


class _ClosedOnFailure(aio_pika.Connection):
    """aio-pika's connection, closed when connecting fails. aio-pika leaves a failed one open, and its ``__del__``
    then makes a ``close()`` coroutine for its loop: collected on a thread with no loop (``asyncio.to_thread``'s),
    that coroutine is never awaited, a RuntimeWarning; collected on the loop, a stray close task."""

    async def connect(self, timeout: Any = None) -> None:
        try:
            await super().connect(timeout)
        except BaseException:
            with contextlib.suppress(Exception):  # no transport was made, or it is gone: this only marks it closed
                await self.close()
            raise


async def connect(url: SecretURL, **options: Any) -> AbstractConnection:
    """A connection to the broker at ``url`` (aio-pika's ``connect``, 10 s to connect); nothing is left open when
    it fails."""
    connection: AbstractConnection = await aio_pika.connect(
        url.reveal(), timeout=10, connection_class=_ClosedOnFailure, **options
    )
    return connection


def describe_failure(exc: BaseException, url: SecretURL) -> str:
    """An exception in one line of words, with every secret of ``url`` masked."""
    text = " ".join(str(exc).split()) or type(exc).__name__
    if type(exc).__name__ not in text:
        text = f"{type(exc).__name__}: {text}"
    return scrub_secrets(text, url)


def _refusal(exc: BaseException, url: SecretURL) -> str | None:
    """What the broker refused, in words, if ``exc`` (of a connection attempt) says it refused the login or the
    virtual host; None for any other failure."""
    parts = urllib.parse.urlsplit(url.reveal())
    user = urllib.parse.unquote(parts.username or "guest")
    if isinstance(exc, aiormq.exceptions.ProbableAuthenticationError):
        return (
            f"the login of user {user!r} (ACCESS_REFUSED): its password is wrong, the user does not exist, or it "
            "may not log in from this host (RabbitMQ's guest logs in from localhost only)"
        )
    # aiormq reports a virtual host the broker refuses as an unexpected Connection.Close in place of OpenOk.
    if isinstance(exc, aiormq.exceptions.InvalidFrameError) and "Connection.Close" in str(exc):
        vhost = urllib.parse.unquote(parts.path[1:]) or "/"
        return (
            f"the virtual host {vhost!r} (NOT_ALLOWED): it does not exist, or user {user!r} may not use it "
            "(rabbitmqctl list_vhosts, rabbitmqctl set_permissions)"
        )
    return None


def _since(start: float) -> float:
    return time.monotonic() - start
