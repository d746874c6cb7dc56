"""Waiting for an event for a while, without losing a cancellation.

``asyncio.wait_for`` before Python 3.12 returns the result when what it awaits completes in the loop turn in which
the waiting task is cancelled: the cancellation is lost, and the task waits on. A process waiting for its children
when a kill, or a daemon's stop, interrupts it must stop, whatever else happens in that turn.
"""

from __future__ import annotations

import asyncio

__all__ = ["set_within"]


async def set_within(event: asyncio.Event, seconds: float) -> bool:
    """Whether ``event`` is set within ``seconds`` (at once if it is set already). A cancellation always propagates."""
    if event.is_set():
        return True
    waiter = asyncio.ensure_future(event.wait())
    try:
        await asyncio.wait([waiter], timeout=max(0.0, seconds))
    finally:
        waiter.cancel()
    return event.is_set()
