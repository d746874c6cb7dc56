"""A wait for an event with a time limit never loses a cancellation (asyncio.wait_for did before Python 3.12)."""

from __future__ import annotations

import asyncio

import pytest

from jupyter_workflows._core import set_within


def test_a_cancellation_in_the_turn_the_event_is_set_is_not_lost():
    async def scenario() -> None:
        event = asyncio.Event()
        waiting = asyncio.ensure_future(set_within(event, 60))
        await asyncio.sleep(0)  # it waits
        event.set()
        waiting.cancel()  # in the same turn
        with pytest.raises(asyncio.CancelledError):
            await waiting
        assert not [task for task in asyncio.all_tasks() if task is not asyncio.current_task()]  # none left behind

    asyncio.run(scenario())


def test_it_says_whether_the_event_was_set_in_time():
    async def scenario() -> tuple[bool, bool, bool]:
        event = asyncio.Event()
        late = await set_within(event, 0.01)
        asyncio.get_running_loop().call_later(0.01, event.set)
        in_time = await set_within(event, 60)
        return late, in_time, await set_within(event, 0)

    assert asyncio.run(scenario()) == (False, True, True)
