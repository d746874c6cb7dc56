"""Coalescing and thread marshalling: many events make few refreshes; callbacks from any thread run on the loop.

The throttle and the back-off timer are driven by a ``ManualClock``: what they schedule is checked exactly, and no
assertion depends on how fast this machine is.
"""

from __future__ import annotations

import heapq
import itertools
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest

from jupyter_workflows.testing import get_runtime
from jupyter_workflows.widgets._updates import BackoffTimer, LoopBridge, Throttle

from .conftest import settle, until


@dataclass(order=True)
class _Call:
    when: float
    order: int
    callback: Callable[..., Any] = field(compare=False)
    args: tuple[Any, ...] = field(compare=False)
    cancelled: bool = field(default=False, compare=False)

    def cancel(self) -> None:
        self.cancelled = True


class ManualClock:
    """The part of an event loop that ``Throttle`` and ``BackoffTimer`` use, with a time that moves only in
    ``advance``: callbacks run in the order of their due time, each at its due time."""

    def __init__(self) -> None:
        self.now = 0.0
        self._calls: list[_Call] = []
        self._order = itertools.count()

    def time(self) -> float:
        return self.now

    def is_closed(self) -> bool:
        return False

    def call_soon(self, callback: Callable[..., Any], *args: Any) -> _Call:
        return self.call_later(0.0, callback, *args)

    def call_later(self, delay: float, callback: Callable[..., Any], *args: Any) -> _Call:
        call = _Call(self.now + delay, next(self._order), callback, args)
        heapq.heappush(self._calls, call)
        return call

    def advance(self, seconds: float) -> None:
        """Move the time on by ``seconds``, running every callback due meanwhile (``0``: only those due now)."""
        end = self.now + seconds
        while self._calls and self._calls[0].when <= end:
            call = heapq.heappop(self._calls)
            self.now = call.when
            if not call.cancelled:
                call.callback(*call.args)
        self.now = end


def test_throttle_shows_a_short_burst_at_once_then_paces():
    clock = ManualClock()
    calls: list[float] = []
    throttle = Throttle(clock, lambda: calls.append(clock.time()), interval=0.1, burst=3)
    for _ in range(3):  # e.g. a click, the pause it causes, the next state change
        throttle.poke()
        clock.advance(0)
    assert calls == [0.0, 0.0, 0.0]  # all three shown at once: none waited for the interval
    for _ in range(1000):  # a thousand events in one go: they collapse into the pending refresh
        throttle.poke()
    clock.advance(0.15)
    assert calls[3:] == [pytest.approx(0.1)]  # the bucket was empty: paced, one interval later


def test_throttle_bounds_the_refresh_rate_under_a_steady_stream():
    clock = ManualClock()
    refreshed: list[float] = []
    throttle = Throttle(clock, lambda: refreshed.append(clock.time()), interval=0.1)
    pokes = 0

    def stream() -> None:  # an event every millisecond for a second
        nonlocal pokes
        throttle.poke()
        pokes += 1
        if pokes < 1000:
            clock.call_later(0.001, stream)

    stream()
    clock.advance(1.2)
    assert refreshed[:3] == pytest.approx([0.0, 0.001, 0.002])  # the burst in hand shows at once
    gaps = [b - a for a, b in itertools.pairwise(refreshed[3:])]
    assert gaps == pytest.approx([0.1] * len(gaps))  # then one refresh per interval, however many events
    assert refreshed[-1] >= 0.999  # and on for as long as the stream lasts


def test_flush_refreshes_now_and_replaces_the_pending_refresh():
    loop = get_runtime().runner.loop
    calls: list[float] = []
    throttle = Throttle(loop, lambda: calls.append(loop.time()), interval=10, burst=1)
    throttle.poke()
    settle(0.001)
    throttle.poke()  # pending for ~10 s
    throttle.flush()
    assert len(calls) == 2 and not throttle.pending


def test_bridge_runs_callbacks_from_other_threads_on_the_loop_thread():
    runner = get_runtime().runner
    bridge = LoopBridge(runner.loop)
    seen: list[int] = []
    thread = threading.Thread(target=bridge.call, args=(lambda: seen.append(threading.get_ident()),))
    thread.start()
    thread.join()
    until(lambda: seen)
    assert seen == [threading.get_ident()]  # the loop runs in this (the main) thread


def test_bridge_reports_failures_instead_of_raising_into_the_loop():
    errors: list[BaseException] = []
    bridge = LoopBridge(get_runtime().runner.loop, on_error=errors.append)
    bridge.call(lambda: 1 / 0)
    settle(0.01)
    assert isinstance(errors[0], ZeroDivisionError)


def test_backoff_timer_doubles_while_nothing_changes_and_resets_on_change():
    clock = ManualClock()
    ticks: list[float] = []
    changes = iter([False, False, True, False])

    def tick() -> bool:
        ticks.append(clock.time())
        return next(changes, False)

    timer = BackoffTimer(clock, tick, initial=0.05, maximum=0.2)
    timer.start()
    clock.advance(1.0)
    timer.stop()
    gaps = [b - a for a, b in itertools.pairwise(ticks)]
    # waits: 0.05 at first, 0.1 after the first unchanged tick, 0.2, then back to 0.05 after a change, 0.1, 0.2 and
    # 0.2 again (capped)
    assert ticks[0] == pytest.approx(0.05)
    assert gaps == pytest.approx([0.1, 0.2, 0.05, 0.1, 0.2, 0.2]), gaps
    count = len(ticks)
    clock.advance(10.0)
    assert len(ticks) == count  # stopped
