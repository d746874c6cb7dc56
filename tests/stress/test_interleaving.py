"""Processes that hand the loop over at every step boundary, so that their writes interleave as much as they can.

The fair-share gate normally lets a background process go on for a 20 ms slice; here every boundary waits for the
next loop iteration, which is the schedule that lost provenance when a quick calcfunction kept its store
transaction open across that wait (other processes' writes joined it, and the store's transaction depth went wrong).
"""

from __future__ import annotations

import asyncio

import pytest

import jupyter_workflows as jw
import jupyter_workflows.testing
from jupyter_workflows import Int, calcfunction, workfunction
from jupyter_workflows._core._time_slices import TimeSlices


@pytest.fixture
def every_boundary_yields(monkeypatch: pytest.MonkeyPatch) -> None:
    def turn(self: TimeSlices) -> asyncio.Future[None]:
        waiter = self._loop.create_future()
        self._loop.call_soon(waiter.set_result, None)
        return waiter

    monkeypatch.setattr(TimeSlices, "turn", turn)


@calcfunction
def add(x, y):
    return x + y


@workfunction
def add_three_times(x):
    for _ in range(3):
        x = add(x, 1)
    return x


@pytest.mark.parametrize("count", [3, 40])
def test_quick_calcfunctions_waiting_for_their_turn_lose_nothing(any_store, every_boundary_yields, count: int):
    add(Int(1), Int(2))  # a first, quick run: from now on add is written in one transaction when it ends

    async def gathered() -> list[object]:
        return await asyncio.gather(*(add_three_times.run_async(Int(i)) for i in range(count)), return_exceptions=True)

    results = asyncio.run(gathered())
    assert [getattr(r, "value", r) for r in results] == [i + 3 for i in range(count)]
    assert (
        jw.testing.provenance_problems(
            any_store,
            expected_calls={"add_three_times": 3},
            results=[
                r.uuid
                for r in results  # type: ignore[attr-defined]
            ],
        )
        == []
    )


def test_yielding_with_a_transaction_open_is_an_engine_error(store):
    from jupyter_workflows._core import InternalError
    from jupyter_workflows._core._portal import await_, drive

    def engine_code() -> None:
        with store.transaction():
            await_(asyncio.sleep(0))

    with pytest.raises(InternalError, match="store transaction open"):
        asyncio.run(drive(engine_code))
    assert store.count_nodes() == 0  # and the store is usable: nothing half-done stays behind
    jw.Int(1).store()
    assert store.count_nodes() == 1
