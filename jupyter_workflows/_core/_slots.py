"""Run slots: how many processes of a runner may run at once (a daemon worker's ``slots``).

A slot counts a process that is able to run. A process holds one from the moment it is taken until it ends, except
while it waits for its children or for play: then it gives its slot back (:meth:`Slots.set_aside`), so that a worker
whose slots all went to WorkChains still takes their children (AiiDA's daemon deadlocks there, and only warns).
Once what it waited for came, it takes a slot again before it runs on (:meth:`Slots.take_back`), ahead of any new
process. So no more than ``size`` processes ever run steps at once, while any number may wait.

Slots are keyed by the pk of the process that holds them. A kernel's runner has none (no bound).
"""

from __future__ import annotations

import asyncio
import collections
from collections.abc import Callable

__all__ = ["Slots"]


class Slots:
    """``size`` slots. ``on_change()`` is called whenever one is taken, given back or set aside (and when they
    close)."""

    def __init__(self, size: int, on_change: Callable[[], None] = lambda: None) -> None:
        self.size = size
        self.holders: set[int] = set()  # pks of the processes that hold a slot
        self.closed = False  # the worker stops: no slot is given to a new process any more
        self._on_change = on_change
        self._returning: collections.deque[tuple[int, asyncio.Future[None]]] = collections.deque()

    def __repr__(self) -> str:
        waiting = f" +{len(self._returning)} returning" if self._returning else ""
        return f"<Slots {self.used}/{self.size}{waiting}{' closed' if self.closed else ''}>"

    def __contains__(self, pk: int) -> bool:
        return pk in self.holders

    @property
    def used(self) -> int:
        return len(self.holders)

    @property
    def full(self) -> bool:
        """No slot for a new process: all are used (a process that takes its slot back comes first)."""
        return self.used >= self.size

    def take(self, pk: int) -> bool:
        """Take a free slot for a new process ``pk`` (True); False when all are used or the worker stops."""
        if self.closed or self.full or pk in self.holders:
            return False
        self.holders.add(pk)
        self._on_change()
        return True

    def give(self, pk: int) -> None:
        """Process ``pk`` ended (or was skipped): its slot, if it held one, goes to the first process waiting to
        take its own back, else it is free."""
        if pk in self.holders:
            self.holders.discard(pk)
            self._hand_on()
            self._on_change()

    def set_aside(self, pk: int) -> bool:
        """Process ``pk`` waits (for children, for play): it gives its slot back until :meth:`take_back`. False if
        it held none (then it has none to take back)."""
        if pk not in self.holders:
            return False
        self.give(pk)
        return True

    def take_back(self, pk: int) -> asyncio.Future[None] | None:
        """Process ``pk`` that set its slot aside runs on: None if it holds a slot again now, else a future done once
        it does (processes taking their slot back come first, in order). Cancel the future to give up waiting."""
        self._prune()
        if not self._returning and not self.full:
            self.holders.add(pk)
            self._on_change()
            return None
        returned: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._returning.append((pk, returned))
        return returned

    def close(self) -> None:
        self.closed = True
        self._on_change()

    def _hand_on(self) -> None:
        self._prune()
        if self._returning and not self.full:
            pk, returned = self._returning.popleft()
            self.holders.add(pk)
            returned.set_result(None)

    def _prune(self) -> None:
        """Forget the processes that gave up waiting for their slot (killed, or handed over, meanwhile)."""
        while self._returning and self._returning[0][1].done():
            self._returning.popleft()
