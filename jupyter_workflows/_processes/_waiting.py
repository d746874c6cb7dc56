"""Waiting for processes to terminate, whether this runtime runs them or another kernel or daemon worker does.

Processes of this runtime are awaited through their futures (no polling). The others wake the waiter with their
``state_changed`` broadcast when a broker is configured; the store is polled as well, with a bounded back-off, so a
broadcast that is lost (the broker was away, the waiter subscribed late) never hangs a waiter.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable, Iterator, Sequence
from typing import TYPE_CHECKING

from .._core import ProcessEvent, ProcessState, set_within
from .._runtime import get_runtime
from ..nodes import ProcessNode

if TYPE_CHECKING:
    from .._wire import StateChanged
    from ..broker import RabbitMQCommunicator, Subscription

__all__ = ["StateChangeFeed", "follow_state_changes", "wait_terminated"]

POLL_WITHOUT_BROKER = (0.02, 1.0)  # seconds between looks at the store: first, at most (x1.5 each time)
POLL_WITH_BROKER = (1.0, 5.0)  # the broadcasts wake the waiter; the poll only catches a lost one (x2 each time)
_ONE_PATTERN_FROM = 16  # waiting for more processes than this, one subscription to every state change is cheaper
_TERMINAL = frozenset(state.value for state in ProcessState if state.is_terminal)


async def wait_terminated(nodes: Sequence[ProcessNode], timeout: float | None = None) -> None:
    """Return once every process of ``nodes`` has terminated; TimeoutError after ``timeout`` seconds."""
    deadline = None if timeout is None else time.monotonic() + timeout
    # Both taken now: a process queued for a worker may start here while the local ones are awaited (a worker takes
    # its task), and must still be waited for. Awaited elsewhere, its end is heard from this runtime's events.
    local = [node.process.terminated for node in nodes if node.process is not None]
    pending = {node.pk: node for node in nodes if node.pk is not None and node.process is None}
    if local:
        await asyncio.wait(local, timeout=_left(deadline))
    link = get_runtime().broker
    if not all(map(link.addressed_here, pending)):  # else one look at the store, once the subscription stands
        _drop_terminated(pending)
    if pending:
        await _wait_elsewhere(pending, deadline)
    if pending or not all(future.done() for future in local):
        running = [node for node in nodes if not node.is_terminated]
        names = ", ".join(f"{n.process_label}<{n.pk}>" for n in running[:10])
        raise TimeoutError(f"Still running after {timeout} s: {names}{' ...' if len(running) > 10 else ''}.")


async def _wait_elsewhere(pending: dict[int, ProcessNode], deadline: float | None) -> None:
    """Until ``pending`` (processes this runtime does not run) is empty, or the deadline: it shrinks as their
    broadcasts come, and when the store says they terminated."""
    changed = asyncio.Event()
    look = [False]  # whether the store should be asked before waiting again

    def ended(pk: int) -> None:
        if pending.pop(pk, None) is not None:
            changed.set()

    def recheck() -> None:  # subscribed: what ended before that sent its broadcast to nobody
        look[0] = True
        changed.set()

    with _watching(set(pending), ended, recheck) as watched:
        delay, limit = POLL_WITH_BROKER if watched else POLL_WITHOUT_BROKER
        while pending:
            left = _left(deadline)
            if left is not None and left <= 0:
                return
            if not await set_within(changed, delay if left is None else min(delay, left)):
                look[0] = True  # no news: look at the store, and wait longer next time
                delay = min(delay * (2 if watched else 1.5), limit)
            if look[0]:
                look[0] = False
                _drop_terminated(pending)
            changed.clear()


def _left(deadline: float | None) -> float | None:
    return None if deadline is None else max(0.0, deadline - time.monotonic())


def _drop_terminated(pending: dict[int, ProcessNode]) -> None:
    """Look up the pending processes in the store (one query per store) and drop those that terminated."""
    by_store: dict[int, list[ProcessNode]] = {}
    for node in pending.values():
        by_store.setdefault(id(node.provenance_store), []).append(node)
    for group in by_store.values():
        rows = group[0].provenance_store.get_nodes(node.pk for node in group if node.pk is not None)
        for pk, row in rows.items():
            if row.process_state in _TERMINAL:
                pending.pop(pk, None)


@contextlib.contextmanager
def _watching(pks: set[int], ended: Callable[[int], None], subscribed: Callable[[], None]) -> Iterator[bool]:
    """Call ``ended(pk)`` when one of ``pks`` terminates: at once for processes that end in this runtime (its
    events), from their broadcast for the others (``subscribed()`` once their subscription stands). Yields whether
    broadcasts are watched (a broker is configured)."""
    runtime = get_runtime()

    def on_event(event: ProcessEvent) -> None:
        if event.kind == "state" and event.data.get("new") in _TERMINAL and event.pk in pks:
            ended(event.pk)

    events = runtime.runner.events  # a worker holds hundreds of waiters: each hears only its own processes
    by_pk = len(pks) <= _ONE_PATTERN_FROM
    unsubscribers = [events.subscribe(on_event, pk=pk) for pk in pks] if by_pk else [events.subscribe(on_event)]
    communicator = None
    if runtime.broker.url is not None:
        from ._daemon import communicator as connect

        communicator = connect()
    done = asyncio.Event()  # never cancel a subscription in flight: the broker would close its channel
    if communicator is not None:
        runtime.broker.spawn(_subscribe(communicator, pks, ended, subscribed, done))
    try:
        yield communicator is not None
    finally:
        for unsubscribe in unsubscribers:
            unsubscribe()
        done.set()


async def _subscribe(
    communicator: RabbitMQCommunicator,
    pks: set[int],
    ended: Callable[[int], None],
    subscribed: Callable[[], None],
    done: asyncio.Event,
) -> None:
    """Subscribe to the broadcasts of ``pks`` until ``done`` (while the broker is away, that waits for it)."""

    async def on_broadcast(message: StateChanged) -> None:
        if message["to_state"] in _TERMINAL and message["pk"] in pks:
            ended(message["pk"])

    # Those whose task names this runtime send their end here: they need no subscription on the broker, unless a
    # kernel or script waits for a few. A kill of one still queued is recorded and announced by the killer, which
    # does not know this address: subscribed, the wait hears it at once, not at its next look at the store. (A
    # worker waits for hundreds of children at a time: a subscription for each would cost it more than it saves.)
    runtime = get_runtime()
    few = len(pks) <= _ONE_PATTERN_FROM and runtime.kind != "worker"
    addressed = set() if few else {pk for pk in pks if runtime.broker.addressed_here(pk)}
    patterns = _patterns(pks - addressed, addressed=False) + _patterns(addressed, addressed=True)
    await _subscribed_until(communicator, patterns, on_broadcast, subscribed, done)


def _patterns(pks: set[int], *, addressed: bool) -> list[tuple[str, bool]]:
    if len(pks) > _ONE_PATTERN_FROM:
        return [("state_changed.*", addressed)]
    return [(f"state_changed.{pk}", addressed) for pk in sorted(pks)]


class StateChangeFeed:
    """The ``state_changed`` broadcasts of one process, passed to a callback on this runtime's loop until
    :meth:`close` (see :func:`follow_state_changes`)."""

    def __init__(
        self,
        communicator: RabbitMQCommunicator,
        pk: int,
        on_change: Callable[[StateChanged], None],
        on_subscribed: Callable[[], None],
    ) -> None:
        self._communicator = communicator
        self._done = asyncio.Event()
        self._subscribed = False

        async def on_broadcast(message: StateChanged) -> None:
            on_change(message)

        def subscribed() -> None:
            self._subscribed = True
            on_subscribed()

        get_runtime().broker.spawn(
            _subscribed_until(communicator, [(f"state_changed.{pk}", False)], on_broadcast, subscribed, self._done)
        )

    @property
    def live(self) -> bool:
        """Whether broadcasts reach the callback now: subscribed, and the broker connected (while it is away, or
        before the subscription stands, changes go unannounced)."""
        return self._subscribed and not self._done.is_set() and self._communicator.is_connected

    def close(self) -> None:
        self._done.set()


def follow_state_changes(
    pk: int, on_change: Callable[[StateChanged], None], on_subscribed: Callable[[], None]
) -> StateChangeFeed | None:
    """Pass each ``state_changed`` broadcast of process ``pk`` to ``on_change`` (on this runtime's loop) until the
    feed is closed; None when no broker is configured. ``on_subscribed()`` once the subscription stands (look at
    the store then: a change before it was not broadcast to us). Broadcasts are fire-and-forget: poll the store
    while the feed is not :attr:`~StateChangeFeed.live`, and once when it becomes live again."""
    runtime = get_runtime()
    if runtime.broker.url is None:
        return None
    from ._daemon import communicator as connect

    communicator = connect()
    return None if communicator is None else StateChangeFeed(communicator, pk, on_change, on_subscribed)


async def _subscribed_until(
    communicator: RabbitMQCommunicator,
    patterns: list[tuple[str, bool]],
    on_broadcast: Callable[[StateChanged], Awaitable[None]],
    subscribed: Callable[[], None],
    done: asyncio.Event,
) -> None:
    """Subscribe ``on_broadcast`` to ``patterns`` (each with whether it is addressed only, see Communicator) until
    ``done``; ``subscribed()`` once every subscription stands."""
    subscriptions: list[Subscription] = []
    try:
        for pattern, addressed in patterns:
            if done.is_set():
                return
            subscription = await communicator.subscribe_broadcasts_async(pattern, on_broadcast, addressed=addressed)
            subscriptions.append(subscription)
        subscribed()
        await done.wait()
    finally:
        for subscription in subscriptions:
            with contextlib.suppress(Exception):
                await communicator.unsubscribe_async(subscription)
