"""The portal: synchronous engine code waits through its driver and nests without growing the stack."""

from __future__ import annotations

import asyncio
import sys

import pytest

from jupyter_workflows._core._portal import await_, call_in_portal, drive, drive_blocking, in_portal


def stack_depth() -> int:
    frame, depth = sys._getframe(), 0
    while frame is not None:
        frame, depth = frame.f_back, depth + 1
    return depth


def nested(levels: int) -> int:
    if levels == 0:
        await_(asyncio.sleep(0))
        return stack_depth()
    return call_in_portal(nested, levels - 1)


def test_nesting_keeps_the_stack_flat():
    shallow = asyncio.run(drive(nested, 1))
    deep = asyncio.run(drive(nested, 5 * sys.getrecursionlimit()))
    assert deep == shallow


def test_blocking_driver_runs_the_loop_only_when_waiting():
    loop = asyncio.new_event_loop()
    blocked: list[object] = []

    def block(awaitable):
        blocked.append(awaitable)
        return loop.run_until_complete(asyncio.ensure_future(awaitable, loop=loop))

    try:
        assert drive_blocking(lambda: 42, block=block) == 42 and not blocked
        assert drive_blocking(nested, 3, block=block) > 0 and len(blocked) == 1
    finally:
        loop.close()


def test_errors_travel_through_the_greenlets():
    def failing(levels: int) -> None:
        if levels == 0:
            await_(asyncio.sleep(0))
            raise KeyError("deep")
        call_in_portal(failing, levels - 1)

    with pytest.raises(KeyError, match="deep"):
        asyncio.run(drive(failing, 50))


def test_cancellation_reaches_the_waiting_code():
    seen: list[str] = []

    def waits_forever() -> None:
        try:
            await_(asyncio.sleep(3600))
        except asyncio.CancelledError:
            seen.append("cancelled")
            raise

    async def main() -> None:
        task = asyncio.ensure_future(drive(waits_forever))
        await asyncio.sleep(0.01)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(main())
    assert seen == ["cancelled"]


def test_in_portal():
    assert not in_portal()
    assert asyncio.run(drive(in_portal))
