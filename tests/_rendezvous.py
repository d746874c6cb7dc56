"""Showing that processes run at the same time without timing them: they meet at a rendezvous."""

from __future__ import annotations

import asyncio
import contextlib


class Rendezvous:
    """``n`` coroutines meet: each logs its start, waits until all ``n`` have started, then logs its end.

    Run concurrently, every start comes before every end, however loaded the machine. Run one after another, the first
    waits in vain until ``patience`` seconds after the first start (a guard against a hang, not a measurement), then
    goes on, and the log shows a start followed by its end.
    """

    def __init__(self, n: int, patience: float = 10.0) -> None:
        self.n = n
        self.patience = patience
        self.log: list[tuple[str, object]] = []
        self._everyone_started = asyncio.Event()
        self._deadline: float | None = None

    async def meet(self, who: object) -> None:
        loop = asyncio.get_running_loop()
        if self._deadline is None:
            self._deadline = loop.time() + self.patience
        self.log.append(("start", who))
        if sum(kind == "start" for kind, _ in self.log) == self.n:
            self._everyone_started.set()
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(self._everyone_started.wait(), max(0.0, self._deadline - loop.time()))
        self.log.append(("end", who))

    def all_started_before_any_ended(self) -> bool:
        return [kind for kind, _ in self.log] == ["start"] * self.n + ["end"] * self.n
