"""Synchronous process code on an asyncio loop, without re-entering the loop and without a growing stack.

Process bodies and WorkChain steps are plain functions, and they call other processes synchronously. To let such
code wait for asynchronous work, every piece of engine code runs in a greenlet (a :class:`PortalGreenlet`) whose
parent is a *driver*. Synchronous code asks its driver for two things by switching to it:

* ``await_(awaitable)``: the driver awaits the awaitable (as a coroutine inside an asyncio task, or by blocking on
  the loop when the caller is a plain synchronous cell) and switches the result back.
* ``call_in_portal(fn)``: the driver runs ``fn`` in a *fresh* greenlet started from the driver's own shallow stack.

The second request is what keeps deep nesting cheap: a workfunction nested 300 deep is 300 suspended greenlets, each
with a short stack of its own, instead of one Python stack 300 levels deep (aiida-core hits RecursionError at 49
nested workfunctions because each level adds ~20 frames to the same stack). Python's recursion counter is per
greenlet, so no recursion limit needs raising.

Greenlets are only switched at these two requests, so the engine stays single-threaded and deterministic.
"""

from __future__ import annotations

import asyncio
import contextvars
import inspect
from collections.abc import Awaitable, Callable, Generator
from typing import Any, TypeVar

import greenlet

from ._interrupts import InterruptTarget, interrupts_go_to
from ._transactions import check_may_yield

T = TypeVar("T")

__all__ = [
    "PortalGreenlet",
    "await_",
    "call_in_portal",
    "discard",
    "drive",
    "drive_blocking",
    "in_background",
    "in_portal",
]


class PortalGreenlet(greenlet.greenlet):
    """A greenlet that runs engine code and may switch to its driver with a request.

    ``background`` is True when the driver is an asyncio task (a submitted process), False when it blocks a caller.
    """

    background = True


class _CallRequest:
    __slots__ = ("args", "context", "fn")

    def __init__(self, fn: Callable[..., Any], args: tuple[Any, ...], context: contextvars.Context | None) -> None:
        self.fn = fn
        self.args = args
        self.context = context


class _AwaitRequest:
    __slots__ = ("awaitable",)

    def __init__(self, awaitable: Awaitable[Any]) -> None:
        self.awaitable = awaitable


def in_portal() -> bool:
    """True when the caller runs in engine code that can wait through its driver."""
    return isinstance(greenlet.getcurrent(), PortalGreenlet)


def in_background() -> bool:
    """True when the caller runs in engine code driven by an asyncio task (not blocking anyone)."""
    current = greenlet.getcurrent()
    return isinstance(current, PortalGreenlet) and current.background


def await_(awaitable: Awaitable[T]) -> T:
    """Wait for ``awaitable`` from synchronous engine code; must run in a portal (see :func:`in_portal`)."""
    current = greenlet.getcurrent()
    assert isinstance(current, PortalGreenlet), "await_() called outside a portal"
    try:
        check_may_yield()
    except BaseException:
        discard(awaitable)
        raise
    return _driver(current).switch(_AwaitRequest(awaitable))  # type: ignore[no-any-return]


def discard(awaitable: Awaitable[Any]) -> None:
    """Close a coroutine that will never be awaited (no "never awaited" warning); cancel a future."""
    if inspect.iscoroutine(awaitable):
        awaitable.close()
    elif isinstance(awaitable, asyncio.Future):
        awaitable.cancel()


def call_in_portal(fn: Callable[..., T], *args: Any, context: contextvars.Context | None = None) -> T:
    """Call ``fn(*args)`` in a fresh greenlet on the driver's stack; must run in a portal.

    ``context`` is the contextvars.Context the call runs in (default: a copy of the caller's).
    """
    current = greenlet.getcurrent()
    assert isinstance(current, PortalGreenlet), "call_in_portal() called outside a portal"
    if context is None:
        context = contextvars.copy_context()
    return _driver(current).switch(_CallRequest(fn, args, context))  # type: ignore[no-any-return]


def _driver(current: PortalGreenlet) -> greenlet.greenlet:
    parent = current.parent
    assert parent is not None, "a portal greenlet always has its driver as parent"
    return parent


def _trampoline(
    fn: Callable[..., T], args: tuple[Any, ...], context: contextvars.Context | None, background: bool
) -> Generator[Awaitable[Any], Any, T]:
    """Run ``fn(*args)`` in greenlets; yield every awaitable they need and receive its result (or exception).

    Only the greenlet on top of ``stack`` ever runs; the ones below wait for the result of a call they requested.
    ``payload`` is what goes into the top greenlet next: arguments to switch with, or an exception to throw.
    """
    stack = [_start(_CallRequest(fn, args, context), background)]
    payload: Any = args
    throwing = False
    while True:
        glet = stack[-1]
        # The driver may resume on another greenlet than the one that started it (a loop run from elsewhere):
        # requests and results must always come back here.
        glet.parent = greenlet.getcurrent()
        try:
            request = glet.throw(payload) if throwing else glet.switch(*payload)
        except BaseException as error:  # the greenlet ended with an exception: hand it to the one below
            stack.pop()
            if not stack:
                raise
            throwing, payload = True, error
            continue
        throwing = False
        if glet.dead:
            stack.pop()
            if not stack:
                return request  # type: ignore[no-any-return]
            payload = (request,)
        elif type(request) is _CallRequest:
            stack.append(_start(request, background))
            payload = request.args
        else:
            try:
                payload = ((yield request.awaitable),)
            except BaseException as error:
                throwing, payload = True, error


def _start(request: _CallRequest, background: bool) -> PortalGreenlet:
    glet = PortalGreenlet(request.fn)
    glet.background = background
    glet.gr_context = request.context if request.context is not None else contextvars.copy_context()
    return glet


def _advance(steps: Generator[Awaitable[Any], Any, T], result: Any, error: BaseException | None) -> tuple[bool, Any]:
    """Resume the trampoline with a result (or an error); return ``(True, final value)`` or ``(False, awaitable)``."""
    try:
        awaitable = steps.send(result) if error is None else steps.throw(error)
    except StopIteration as done:
        return True, done.value
    return False, awaitable


async def drive(
    fn: Callable[..., T],
    *args: Any,
    context: contextvars.Context | None = None,
    interrupts: InterruptTarget | None = None,
) -> T:
    """Run synchronous engine code ``fn(*args)`` from a coroutine; its waits become awaits of this coroutine.

    While the code runs (between two waits it holds the loop), an interrupt goes to ``interrupts``, unless the main
    thread is blocked on something else that owns interrupts (see ``_interrupts``)."""
    steps = _trampoline(fn, args, context, background=True)
    result: Any = None
    error: BaseException | None = None
    while True:
        if interrupts is None:
            finished, value = _advance(steps, result, error)
        else:
            with interrupts_go_to(interrupts):
                finished, value = _advance(steps, result, error)
        if finished:
            return value  # type: ignore[no-any-return]
        try:
            result, error = await value, None
        except BaseException as exc:
            result, error = None, exc


def drive_blocking(
    fn: Callable[..., T],
    *args: Any,
    block: Callable[[Awaitable[Any]], Any],
    context: contextvars.Context | None = None,
) -> T:
    """Run ``fn(*args)`` from plain synchronous code; each wait calls ``block(awaitable)``, which runs the loop."""
    steps = _trampoline(fn, args, context, background=False)
    finished, value = _advance(steps, None, None)
    while not finished:
        try:
            result, error = block(value), None
        except BaseException as exc:
            result, error = None, exc
        finished, value = _advance(steps, result, error)
    return value  # type: ignore[no-any-return]
