"""Coalescing and thread marshalling: many events make few refreshes; callbacks from any thread run on the loop."""

from __future__ import annotations

import itertools
import threading

from jupyter_workflows._core import get_runner
from jupyter_workflows.widgets._updates import BackoffTimer, LoopBridge, Throttle

from .conftest import settle, until


def test_throttle_shows_a_short_burst_at_once_then_paces():
    loop = get_runner().loop
    calls: list[float] = []
    throttle = Throttle(loop, lambda: calls.append(loop.time()), interval=0.1, burst=3)
    started = loop.time()
    for _ in range(3):  # e.g. a click, the pause it causes, the next state change
        throttle.poke()
        settle(0.001)
    assert len(calls) == 3 and calls[-1] - started < 0.05
    for _ in range(1000):  # a thousand events in one go: they collapse into the pending refresh
        throttle.poke()
    settle(0.15)
    assert len(calls) == 4
    assert calls[3] - calls[2] >= 0.09  # the bucket was empty: paced


def test_throttle_bounds_the_refresh_rate_under_a_steady_stream():
    loop = get_runner().loop
    throttle = Throttle(loop, lambda: None, interval=0.1)
    started = loop.time()

    def stream() -> None:
        throttle.poke()
        if loop.time() - started < 1.0:
            loop.call_later(0.001, stream)

    stream()
    settle(1.2)
    assert 9 <= throttle.refreshes <= 14  # ~10 per second (plus the initial burst), however many events


def test_flush_refreshes_now_and_replaces_the_pending_refresh():
    loop = get_runner().loop
    calls: list[float] = []
    throttle = Throttle(loop, lambda: calls.append(loop.time()), interval=10, burst=1)
    throttle.poke()
    settle(0.001)
    throttle.poke()  # pending for ~10 s
    throttle.flush()
    assert len(calls) == 2 and not throttle.pending


def test_bridge_runs_callbacks_from_other_threads_on_the_loop_thread():
    runner = get_runner()
    bridge = LoopBridge(runner.loop)
    seen: list[int] = []
    thread = threading.Thread(target=bridge.call, args=(lambda: seen.append(threading.get_ident()),))
    thread.start()
    thread.join()
    until(lambda: seen)
    assert seen == [threading.get_ident()]  # the loop runs in this (the main) thread


def test_bridge_reports_failures_instead_of_raising_into_the_loop():
    errors: list[BaseException] = []
    bridge = LoopBridge(get_runner().loop, on_error=errors.append)
    bridge.call(lambda: 1 / 0)
    settle(0.01)
    assert isinstance(errors[0], ZeroDivisionError)


def test_backoff_timer_doubles_while_nothing_changes_and_resets_on_change():
    loop = get_runner().loop
    ticks: list[float] = []
    changes = iter([False, False, True, False])

    def tick() -> bool:
        ticks.append(loop.time())
        return next(changes, False)

    timer = BackoffTimer(loop, tick, initial=0.05, maximum=0.2)
    timer.start()
    until(lambda: len(ticks) >= 5, timeout=3)
    timer.stop()
    gaps = [round(b - a, 2) for a, b in itertools.pairwise(ticks)]
    # waits: 0.1 after the first unchanged tick, 0.2 (capped), then back to 0.05 after a change, then 0.1
    assert gaps[0] >= 0.09 and gaps[1] >= 0.19 and gaps[2] < 0.09, gaps
    count = len(ticks)
    settle(0.3)
    assert len(ticks) == count  # stopped
