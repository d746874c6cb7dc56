"""Run slots: a new process takes a free one; a waiting process sets its slot aside and takes one back before any
new process does; a process that gives up waiting for its slot is skipped."""

from __future__ import annotations

import asyncio

from jupyter_workflows._core import Slots


def test_new_processes_take_free_slots_until_all_are_used() -> None:
    changes: list[int] = []
    slots = Slots(2, on_change=lambda: changes.append(slots.used))
    assert slots.take(1) and slots.take(2)
    assert not slots.take(3) and slots.full
    assert not slots.take(1)  # one slot per process
    slots.give(1)
    slots.give(1)  # given back twice: once counts
    assert slots.used == 1 and 2 in slots and 1 not in slots
    slots.close()
    assert not slots.take(4)
    assert changes == [1, 2, 1, 1]


def test_a_waiting_process_frees_its_slot_and_takes_one_back_before_new_processes() -> None:
    async def scenario() -> None:
        slots = Slots(1)
        assert slots.take(1)
        assert slots.set_aside(1) and not slots.set_aside(1)  # a process with no slot has none to set aside
        assert slots.take(2)  # its child runs in the slot it freed
        back = slots.take_back(1)
        assert back is not None and not back.done()
        assert not slots.take(3)
        slots.give(2)  # the child ended: its slot goes to the parent, not to a new process
        assert back.done() and 1 in slots and not slots.take(3)
        slots.give(1)
        assert slots.take_back(4) is None  # free, nobody before it: at once

    asyncio.run(scenario())


def test_a_process_that_gives_up_waiting_for_its_slot_is_skipped() -> None:
    async def scenario() -> None:
        slots = Slots(1)
        assert slots.take(1) and slots.set_aside(1) and slots.take(2)
        killed, then = slots.take_back(1), slots.take_back(3)
        assert killed is not None and then is not None
        killed.cancel()  # killed (or handed over) while it waited
        slots.give(2)
        assert then.done() and 3 in slots and 1 not in slots

    asyncio.run(scenario())
