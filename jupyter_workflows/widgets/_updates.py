"""Getting onto the kernel's loop, and not flooding the front end once there.

- ``LoopBridge.call``: every widget callback (a click, a changed filter) goes through here. With ipykernel 7 and
  JupyterLab >= 4.4, comm messages may be handled on a subshell thread (``commsOverSubshells``); the engine's
  objects belong to the loop's thread, so the callback is handed over with ``loop.call_soon_threadsafe``, which
  also wakes a sleeping selector (a plain ``call_soon`` from another thread would not: ipykernel#1510).
- ``Throttle``: many engine events become at most about one refresh per interval (a small burst shows at once,
  a stream is paced), scheduled with ``loop.call_soon``/``call_later`` — no threads, no polling.
- ``BackoffTimer``: the light timer for processes another kernel runs (no events reach us): 1 s, doubling up to
  a ceiling while nothing changes.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

from .._core._inbox import call_soon_threadsafe

__all__ = ["BackoffTimer", "LoopBridge", "Throttle"]

_LOGGER = logging.getLogger("jupyter_workflows.widgets")


class LoopBridge:
    """Runs callbacks on ``loop``'s thread, whatever thread they were triggered on."""

    def __init__(self, loop: asyncio.AbstractEventLoop, on_error: Callable[[BaseException], None] | None = None):
        self.loop = loop
        self._on_error = on_error

    def call(self, callback: Callable[..., Any], *args: Any) -> None:
        if self.loop.is_closed():
            return
        # counted: a cell blocked in a synchronous jw.run() lets the click in at the process's next step boundary
        call_soon_threadsafe(self.loop, self._guarded, callback, args)

    def handler(self, callback: Callable[..., Any]) -> Callable[..., None]:
        """``callback`` wrapped for ``Button.on_click`` / ``observe``: runs it on the loop, with the same arguments."""

        def marshalled(*args: Any) -> None:
            self.call(callback, *args)

        return marshalled

    def _guarded(self, callback: Callable[..., Any], args: tuple[Any, ...]) -> None:
        try:
            callback(*args)
        except Exception as error:  # a widget callback must never take the loop down
            if self._on_error is not None:
                self._on_error(error)
            else:
                _LOGGER.exception("A widget callback failed")


class Throttle:
    """Coalesce ``poke()`` calls into refreshes: on average at most one per ``interval`` seconds, on the loop.

    A token bucket: a quiet widget has ``burst`` refreshes in hand, so a click, the state change it causes and the
    next one all show at once; under a stream of events the refreshes settle at one per ``interval`` (pokes in
    between collapse into the pending refresh). Call ``poke`` on the loop's thread.
    """

    def __init__(
        self, loop: asyncio.AbstractEventLoop, refresh: Callable[[], None], interval: float = 0.1, burst: int = 3
    ) -> None:
        self.loop = loop
        self.interval = interval
        self.burst = burst
        self.refreshes = 0  # how many refreshes ran (for tests and benchmarks)
        self._refresh = refresh
        self._handle: asyncio.Handle | None = None
        self._tokens = float(burst)
        self._filled = loop.time()

    @property
    def pending(self) -> bool:
        return self._handle is not None

    def poke(self) -> None:
        if self._handle is not None or self.loop.is_closed():
            return
        self._fill()
        if self._tokens >= 1:
            self._handle = self.loop.call_soon(self._fire)
        else:
            self._handle = self.loop.call_later((1 - self._tokens) * self.interval, self._fire)

    def flush(self) -> None:
        """Refresh now (after a user's action: its result shows without waiting), replacing any pending refresh."""
        self.cancel()
        self._fire()

    def cancel(self) -> None:
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None

    def _fill(self) -> None:
        now = self.loop.time()
        self._tokens = min(float(self.burst), self._tokens + (now - self._filled) / self.interval)
        self._filled = now

    def _fire(self) -> None:
        self._handle = None
        self._fill()
        self._tokens = max(0.0, self._tokens - 1)
        self.refreshes += 1
        try:
            self._refresh()
        except Exception:
            _LOGGER.exception("A widget refresh failed")


class BackoffTimer:
    """Call ``tick()`` after ``initial`` seconds, then again and again; the wait doubles (up to ``maximum``) each time
    ``tick`` returns False (nothing changed) and goes back to ``initial`` when it returns True."""

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        tick: Callable[[], bool],
        *,
        initial: float = 1.0,
        maximum: float = 10.0,
    ) -> None:
        self.loop = loop
        self.initial = initial
        self.maximum = maximum
        self._tick = tick
        self._delay = initial
        self._running = False
        self._handle: asyncio.TimerHandle | None = None

    @property
    def running(self) -> bool:
        return self._running

    def start(self) -> None:
        if not self._running and not self.loop.is_closed():
            self._running = True
            self._delay = self.initial
            self._handle = self.loop.call_later(self._delay, self._fire)

    def stop(self) -> None:
        """Stop ticking (also from inside ``tick``)."""
        self._running = False
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None

    def _fire(self) -> None:
        self._handle = None
        try:
            changed = self._tick()
        except Exception:
            _LOGGER.exception("A widget timer failed")
            changed = False
        self._delay = self.initial if changed else min(self._delay * 2, self.maximum)
        if self._running and not self.loop.is_closed():
            self._handle = self.loop.call_later(self._delay, self._fire)
