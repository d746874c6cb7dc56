"""An event loop on a thread of its own, and the two ways in: awaited from another loop, or waited for by a thread.

The RabbitMQ communicator keeps its connection here, so heartbeats, reconnects and incoming messages never wait
for the caller's loop (a notebook cell may block the kernel's loop for minutes).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

from .._core import CommunicatorError, UsageError

__all__ = ["LoopThread"]

T = TypeVar("T")


class LoopThread:
    """A daemon thread running an event loop until :meth:`stop`."""

    def __init__(self, name: str) -> None:
        self.loop = asyncio.new_event_loop()
        self._stopping = False
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        try:
            self.loop.run_forever()
        finally:  # as asyncio.run ends: cancel what is left, so that no task is destroyed while pending
            left = asyncio.all_tasks(self.loop)
            for task in left:
                task.cancel()
            self.loop.run_until_complete(asyncio.gather(*left, return_exceptions=True))
            self.loop.run_until_complete(self.loop.shutdown_asyncgens())
            self.loop.close()

    @property
    def is_current(self) -> bool:
        """Whether the calling code runs on this thread."""
        return threading.current_thread() is self._thread

    def submit(self, coroutine: Coroutine[Any, Any, T]) -> concurrent.futures.Future[T]:
        """Start ``coroutine`` on this thread's loop."""
        try:
            if self._stopping:
                raise RuntimeError("stopped")
            return asyncio.run_coroutine_threadsafe(coroutine, self.loop)
        except RuntimeError:  # the loop is closed
            coroutine.close()
            raise CommunicatorError(
                f"The thread {self._thread.name!r} has stopped (its communicator was closed); make a new communicator."
            ) from None

    async def run_async(self, coroutine: Coroutine[Any, Any, T]) -> T:
        """Run ``coroutine`` on this thread's loop and await its result from the calling loop (cancelling the await
        cancels it)."""
        if self.is_current:
            return await coroutine
        return await asyncio.wrap_future(self.submit(coroutine))

    def run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        """Run ``coroutine`` on this thread's loop and block the calling thread until it is done."""
        if self.is_current:
            coroutine.close()
            raise UsageError(
                "A blocking communicator call was made from the communicator's own thread (a message handler?); "
                "await the *_async method instead."
            )
        return self.submit(coroutine).result()

    def stop(self) -> None:
        """Stop the loop (tasks still on it are dropped) and wait for the thread to end."""
        if self._stopping:
            return
        self._stopping = True
        self.loop.call_soon_threadsafe(self.loop.stop)
        if not self.is_current:
            self._thread.join()
