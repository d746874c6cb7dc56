"""How many processes a worker runs at once: a slot is taken before a process is claimed, and given back when its
task ends (terminated, or handed over)."""

from __future__ import annotations

import asyncio

__all__ = ["Slots"]


class Slots:
    """``size`` slots; :meth:`take` waits for a free one, or returns False once the worker stops."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.used = 0
        self._free = asyncio.Semaphore(size)
        self._stopping = asyncio.Event()

    @property
    def full(self) -> bool:
        return self.used >= self.size

    async def take(self) -> bool:
        """Wait for a free slot and take it (True), or for the worker to stop (False, no slot taken)."""
        if self._stopping.is_set():
            return False
        taking = asyncio.ensure_future(self._free.acquire())
        stopping = asyncio.ensure_future(self._stopping.wait())
        await asyncio.wait({taking, stopping}, return_when=asyncio.FIRST_COMPLETED)
        stopping.cancel()
        if taking.done() and not taking.cancelled():
            if not self._stopping.is_set():
                self.used += 1
                return True
            self._free.release()
        taking.cancel()
        return False

    def give(self) -> None:
        self.used -= 1
        self._free.release()

    def stop(self) -> None:
        """Every :meth:`take` waiting now, and every later one, returns False."""
        self._stopping.set()
