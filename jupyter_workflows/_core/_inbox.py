"""Calls from other threads to a loop that synchronous code holds: they take effect at the next step boundary.

A control message reaches a kernel on the broker's thread, a widget click on a comm subshell thread (JupyterLab >= 4.4
with ipykernel 7); both must act on the loop's thread, so they are scheduled there with ``call_soon_threadsafe``.
A cell blocked in a synchronous ``jw.run(SomeWorkChain)`` holds that loop: the loop only turns when the process
waits for something (a child, an await), so a WorkChain whose steps are plain code would see a pause only when it
ended. Calls made through this module are counted per loop until they ran; a process run synchronously looks at the
count at each step boundary and, when something waits, lets the loop turn until it ran (:func:`let_in`).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
import weakref
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

__all__ = ["call_soon_threadsafe", "let_in", "run_coroutine_threadsafe", "waiting"]

T = TypeVar("T")
_TURNS = 10  # loop iterations a step boundary gives at most: a call that never runs (its loop closed) holds nothing
_lock = threading.Lock()
_waiting: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, int] = weakref.WeakKeyDictionary()


def waiting(loop: asyncio.AbstractEventLoop) -> int:
    """How many calls from other threads wait for ``loop`` to run them."""
    return _waiting.get(loop, 0)


def call_soon_threadsafe(loop: asyncio.AbstractEventLoop, callback: Callable[..., Any], *args: Any) -> None:
    """``loop.call_soon_threadsafe(callback, *args)``, counted until it ran (RuntimeError if the loop is closed)."""
    _arrived(loop)

    def run() -> None:
        _ran(loop)
        callback(*args)

    try:
        loop.call_soon_threadsafe(run)
    except RuntimeError:
        _ran(loop)
        raise


def run_coroutine_threadsafe(
    coroutine: Coroutine[Any, Any, T], loop: asyncio.AbstractEventLoop
) -> concurrent.futures.Future[T]:
    """``asyncio.run_coroutine_threadsafe``, counted until the coroutine's first step ran (RuntimeError if the loop
    is closed; the coroutine is then closed too)."""
    _arrived(loop)
    started = [False]

    async def counted() -> T:
        started[0] = True
        _ran(loop)
        return await coroutine

    wrapper = counted()
    try:
        future = asyncio.run_coroutine_threadsafe(wrapper, loop)
    except RuntimeError:
        wrapper.close()
        coroutine.close()
        _ran(loop)
        raise

    def never_started(done: concurrent.futures.Future[T]) -> None:
        if not started[0]:  # cancelled before its turn: it no longer waits
            _ran(loop)
            coroutine.close()

    future.add_done_callback(never_started)
    return future


async def let_in() -> None:
    """Let the loop turn until the calls waiting for it ran (at most a few iterations)."""
    loop = asyncio.get_running_loop()
    for _ in range(_TURNS):
        if not waiting(loop):
            return
        await asyncio.sleep(0)


def _arrived(loop: asyncio.AbstractEventLoop) -> None:
    with _lock:
        _waiting[loop] = _waiting.get(loop, 0) + 1


def _ran(loop: asyncio.AbstractEventLoop) -> None:
    with _lock:
        left = _waiting.get(loop, 0) - 1
        if left > 0:
            _waiting[loop] = left
        else:
            _waiting.pop(loop, None)
