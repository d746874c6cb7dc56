"""Processes followed in a terminal, as ``verdi process watch``: a line for each as it is now, then one for each
change (a pause and a play too) as its owner's broadcasts tell it, until all have ended.

Broadcasts are fire and forget: while one cannot arrive (no broker, the broker away, the subscription not standing
yet) the store is read every second instead, and every few seconds all the same, so that a lost broadcast delays a
line, never loses it."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable, Sequence

from .._core import ProcessState
from .._processes import StateChangeFeed, follow_state_changes
from .._wire import StateChanged
from ..nodes import ProcessNode
from ._status import status_line

__all__ = ["watch_async"]

_LOOK_WITHOUT_BROADCASTS = 1.0  # seconds between looks at the store while broadcasts cannot arrive
_LOOK_ALL_THE_SAME = 5.0  # and while they can (a lost one)
_SUBSCRIBING = 5.0  # seconds to wait for the subscriptions before the first line


async def watch_async(nodes: Sequence[ProcessNode], write: Callable[[str], None]) -> None:
    """Write a line for each process of ``nodes`` as it is now, then one for each change, each stamped with the
    time, until every one has ended (cancel to stop sooner). The first line says how changes are learnt; it is
    written once the subscriptions to the broadcasts stand (or after a few seconds without them), so that no
    change after it goes unseen."""
    watch = _Watch([node for node in nodes if node.pk is not None], write)
    try:
        await watch.subscribe()
        await watch.follow()
    finally:
        watch.close()


class _Watch:
    def __init__(self, nodes: list[ProcessNode], write: Callable[[str], None]) -> None:
        self.watched = {node.pk or 0: node for node in nodes}
        self.write = write
        self.shown: dict[int, tuple[str, bool]] = {}  # the state and pause flag last written for each process
        self.wake = asyncio.Event()
        self.feeds: list[StateChangeFeed] = []

    async def subscribe(self) -> None:
        """Subscribe to the broadcasts of every process, wait (a few seconds at most) until that stands, then write
        how changes are learnt and each process's first line."""
        for pk in self.watched:
            feed = follow_state_changes(pk, self.heard, self.wake.set)
            if feed is not None:
                self.feeds.append(feed)
        loop = asyncio.get_running_loop()
        until = loop.time() + _SUBSCRIBING
        while self.feeds and not self.live and loop.time() < until:
            self.wake.clear()
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self.wake.wait(), until - loop.time())
        if self.live:
            how = "their broadcasts"
        elif self.feeds:
            how = "the store, read each second until the broker answers"
        else:
            how = "the store, read each second (no broker is configured)"
        self.write(f"Watching {len(self.watched)} process(es), a line for each change, from {how}; Ctrl-C to stop.")
        for node in self.watched.values():
            self.look(node)

    @property
    def live(self) -> bool:
        return len(self.feeds) == len(self.watched) and all(feed.live for feed in self.feeds)

    async def follow(self) -> None:
        """Until every process has ended: lines from broadcasts, and from looks at the store on a timer."""
        loop = asyncio.get_running_loop()
        looked_at = loop.time()
        while True:
            if all(self.ended(pk) for pk in self.watched):
                return
            every = _LOOK_ALL_THE_SAME if self.live else _LOOK_WITHOUT_BROADCASTS
            self.wake.clear()
            try:
                await asyncio.wait_for(self.wake.wait(), max(0.0, looked_at + every - loop.time()))
            except asyncio.TimeoutError:
                for pk, node in self.watched.items():
                    if not self.ended(pk):
                        self.look(node)
                looked_at = loop.time()

    def look(self, node: ProcessNode) -> None:
        """Read the process from the store; write its line if it changed since the last one."""
        self.show(node, node.process_state.value, node.paused and not node.is_terminated)

    def heard(self, message: StateChanged) -> None:
        pk = message["pk"]
        if pk in self.shown and not self.ended(pk):  # before its first line, the store is read after it
            self.show(self.watched[pk], message["to_state"], message["paused"])
        self.wake.set()

    def ended(self, pk: int) -> bool:
        """Whether the process's line says it ended."""
        return pk in self.shown and ProcessState(self.shown[pk][0]).is_terminal

    def show(self, node: ProcessNode, state: str, paused: bool) -> None:
        """Write the process's line if its state or pause changed: the first and the last as ``process status``
        gives them (where it runs; its exit status and message), the others its state alone."""
        pk = node.pk or 0
        first = pk not in self.shown
        if self.shown.get(pk) == (state, paused):
            return
        self.shown[pk] = (state, paused)
        if first or ProcessState(state).is_terminal:
            line = status_line(node)  # what the store holds now: an end is committed before it is broadcast
        else:
            line = f"{node.process_label}<{pk}>  {state}{' (paused)' if paused else ''}"
        self.write(f"{time.strftime('%H:%M:%S')}  {line}")

    def close(self) -> None:
        for feed in self.feeds:
            feed.close()
