"""Sharing the loop: background processes take turns, so the kernel keeps answering while thousands run.

asyncio runs every ready callback of a loop iteration before it looks at new messages. A thousand freshly submitted
WorkChains would all run their first step in one iteration (seconds of work) while the kernel's own messages (a new
cell, a widget click) wait behind them. Processes running in the background therefore pass a *turn gate* at their
step boundaries: within a time slice (20 ms) they go straight on; past it, they queue, and each later loop
iteration lets through only as many as fit in a slice (by the measured average step time), leaving the rest of
the iteration to everything else. How many fit is learnt from how long the last iterations took.
"""

from __future__ import annotations

import asyncio
import collections
import time

__all__ = ["TimeSlices"]

SLICE_SECONDS = 0.02


class TimeSlices:
    def __init__(self, loop: asyncio.AbstractEventLoop, slice_seconds: float = SLICE_SECONDS) -> None:
        self._loop = loop
        self._slice = slice_seconds
        self._started: float | None = None  # when the current slice began (None: no slice running)
        self._queue: collections.deque[asyncio.Future[None]] = collections.deque()
        self._admitting = False
        self._batch = 4  # how many queued processes one iteration lets through; adapted to the iterations' length
        self._last_admit: float | None = None

    def turn(self) -> asyncio.Future[None] | None:
        """Pass the gate: None to go on now, or a future to wait for (the process's turn in a later iteration)."""
        now = time.perf_counter()
        if self._started is None:
            self._started = now
            self._loop.call_soon(self._end_slice)
        if not self._queue and now - self._started < self._slice:
            return None
        waiter = self._loop.create_future()
        self._queue.append(waiter)
        if not self._admitting:
            self._admitting = True
            self._loop.call_soon(self._admit)
        return waiter

    @property
    def queued(self) -> int:
        return len(self._queue)

    def _end_slice(self) -> None:
        self._started = None

    def _admit(self) -> None:
        """Runs once per loop iteration while processes queue: wake as many as one slice holds, in order."""
        now = time.perf_counter()
        if self._last_admit is not None:
            iteration = now - self._last_admit  # the last iteration: the processes it let through, and the rest
            if iteration > 1.5 * self._slice:
                self._batch = max(1, self._batch // 2)
            elif iteration < self._slice:
                self._batch = min(2 * self._batch, 4096)
        budget = self._batch
        while self._queue and budget:
            waiter = self._queue.popleft()
            if not waiter.done():  # a killed process cancelled its wait
                waiter.set_result(None)
                budget -= 1
        if self._queue:
            self._last_admit = now
            self._loop.call_soon(self._admit)
        else:
            self._admitting = False
            self._last_admit = None
