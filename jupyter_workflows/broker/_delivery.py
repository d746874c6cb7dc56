"""Running a handler on the event loop that subscribed it, from whichever loop or thread received the message."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from .._core import UsageError
from .._core._inbox import run_coroutine_threadsafe

__all__ = ["Receiver", "StaleDeliveryError"]

M = TypeVar("M")


class StaleDeliveryError(Exception):
    """The message was received on a connection that has since been lost: the broker delivers it again, so the
    handler must not see this copy."""


@dataclass(frozen=True)
class Receiver(Generic[M]):
    """A handler and the loop it runs on (the loop that subscribed it)."""

    handler: Callable[[M], Awaitable[Any]]
    loop: asyncio.AbstractEventLoop
    key: str = field(default="")
    on_arrival: Callable[[M], None] | None = None
    """Called with each message on the thread that received it, before the handler's turn on its loop comes (which
    may be held for long): quick, thread-safe work only; it does not stop the message."""

    @classmethod
    def here(cls, handler: Callable[[M], Awaitable[Any]], key: str = "") -> Receiver[M]:
        """A receiver for ``handler`` on the running loop (subscribing needs one: it is where handlers run)."""
        if not callable(handler):
            raise UsageError(f"A message handler must be a coroutine function (got {type(handler).__name__}).")
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            raise UsageError(
                "Subscribe from a running event loop (in a coroutine, or a notebook cell): handlers run on the loop "
                "that subscribed them."
            ) from None
        return cls(handler, loop, key)

    def call(self, message: M, still_valid: Callable[[], bool] | None = None) -> asyncio.Future[Any]:
        """Run the handler on its loop; the result is a future of the calling loop. If ``still_valid`` says no
        when the handler's turn comes, the handler is not called and the future raises StaleDeliveryError."""

        async def run() -> Any:
            if still_valid is not None and not still_valid():
                raise StaleDeliveryError
            return await self.handler(message)

        if self.on_arrival is not None:
            self.on_arrival(message)
        coroutine = run()
        if asyncio.get_running_loop() is self.loop:
            return asyncio.ensure_future(coroutine)
        # Counted: a cell that holds the loop in a synchronous run lets it in at the process's next step boundary.
        # RuntimeError if the subscriber's loop is closed (the coroutine is closed): a failed delivery for the caller.
        return asyncio.wrap_future(run_coroutine_threadsafe(coroutine, self.loop))
