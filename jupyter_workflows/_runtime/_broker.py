"""The runtime's link to the message broker: one communicator, made when first needed, for the current store.

With a broker configured (``jw.configure(broker="amqp://...")`` or ``$JUPYTER_WORKFLOWS_BROKER``), the runtime
broadcasts every state change of the processes it runs (``state_changed.<pk>``) and answers the control RPCs sent to
its owner id (pause, play, kill and status of the processes it holds), in a kernel as in a daemon worker. The
communicator lives on a thread of its own (see ``broker._rabbitmq``); its namespace is the store's identity, so
stores sharing a broker never see each other's messages. Nothing here waits for the broker: while it is away,
processes go on, broadcasts are dropped (waiters fall back to polling the store) and serving starts once it is back.
"""

from __future__ import annotations

import asyncio
import atexit
import concurrent.futures
import contextlib
import logging
import os
import time
import weakref
from collections.abc import Callable, Coroutine, Sequence
from typing import TYPE_CHECKING, Any

from .._core import (
    BrokerLoginError,
    BrokerUnreachableError,
    CommunicatorError,
    ProcessEvent,
    ProcessState,
    Runner,
)
from .._core._secret_url import SecretURL, amqp_url
from .._wire import ControlRequest, ProcessTask, StateChanged
from ..store import Store

if TYPE_CHECKING:  # the broker package imports aio-pika (a tenth of a second): only once a broker is used
    from ..broker import ControlHandler, RabbitMQCommunicator

__all__ = ["BROKER_URL_ENV", "BrokerLink", "namespace_of"]

BROKER_URL_ENV = "JUPYTER_WORKFLOWS_BROKER"
_LOGGER = logging.getLogger("jupyter_workflows.broker")
_ADDRESSED_KEPT = 100_000  # processes whose end is remembered as addressed here (the oldest are forgotten first)


_SAY_WAITING_AFTER = 2.0  # seconds an exit waits for the broker before it says so
_UNCONFIRMED: weakref.WeakSet[BrokerLink] = weakref.WeakSet()  # links with messages the broker has not taken yet


@atexit.register
def _wait_sent_at_exit() -> None:
    """A script that submits (or kills a queued process) and ends at once still gets its messages to the broker.
    While the broker is away this may take up to a minute: after a moment it says so, and Ctrl-C stops the wait."""
    try:
        for link in list(_UNCONFIRMED):
            link.wait_sent(say_after=_SAY_WAITING_AFTER)
    except KeyboardInterrupt:
        _LOGGER.warning(
            "Stopped waiting for the message broker: the tasks it did not take stay queued in the store, where daemon "
            "workers find them after three of their sweeps with their queue empty."
        )


def namespace_of(store: Store) -> str:
    """The broker namespace of a store: its identity, so the same database gets the same namespace under any URL."""
    return f"jw-{store.identity}"


class BrokerLink:
    """The broker as this runtime uses it: the configured URL, and the communicator for the current store."""

    def __init__(self, runner: Runner) -> None:
        self._runner = runner
        self._url: SecretURL | None = None
        self._configured = False  # False: read $JUPYTER_WORKFLOWS_BROKER on first use
        self.task_prefetch = 32  # tasks the broker hands a task subscriber before it took them (a worker's slots)
        self._communicator: RabbitMQCommunicator | None = None
        self._unsubscribe_events: list[Callable[[], None]] = []
        self._pending: set[asyncio.Future[Any]] = set()
        self._sending: set[concurrent.futures.Future[None]] = set()  # tasks not confirmed, broadcasts not sent yet
        self._unsent: list[tuple[ProcessEvent, str]] = []  # state changes to go out on the loop's next turn, each
        # with the address its broadcast also goes to (a terminal state's, from its task; else "")
        self._turn_scheduled = False
        self._announced: set[int] = set()  # processes whose claim's running went out already (announce_running)
        self._addressed: dict[int, None] = {}  # processes whose task asks for their end to be sent here, oldest first
        self._notify: dict[int, str] = {}  # processes run here -> the address their terminal state also goes to
        self._next_look_for_workers = 0.0  # time.monotonic() before which a submit does not look for workers again
        self.terminal_states_wait_for_turn = False
        """Whether a process's terminal state waits, with its earlier ones, for the loop's next turn to be broadcast
        in one batch with the other processes' (True for a daemon worker, whose loop nothing holds); else it goes out
        at once."""
        self.serving: asyncio.Future[Any] | None = None
        """Done once the communicator answers the control RPCs to this runtime (None: no communicator yet)."""

    def __repr__(self) -> str:
        return f"<BrokerLink {self.url if self.url is not None else 'none'} {self._communicator!r}>"

    @property
    def url(self) -> SecretURL | None:
        """The broker's URL (its password hidden when shown), None when no broker is configured."""
        if not self._configured:
            configured = os.environ.get(BROKER_URL_ENV, "").strip()
            self._url, self._configured = (SecretURL(configured) if configured else None), True
        return self._url

    def configure(self, url: str | SecretURL | None) -> None:
        """Use the broker at ``url`` from now on (None: no broker); the current communicator is closed."""
        secret = None if url is None else amqp_url(url)
        self.close()
        self._url, self._configured = secret, True

    @property
    def communicator(self) -> RabbitMQCommunicator | None:
        """The communicator made so far (None: none yet, or no broker)."""
        return self._communicator

    def connect(
        self,
        store: Store,
        responder: ControlHandler,
        *,
        observers: Sequence[Callable[[ProcessEvent], None]] = (),
        on_request: Callable[[ControlRequest], None] | None = None,
    ) -> RabbitMQCommunicator | None:
        """The communicator for ``store``'s namespace; None without a broker. Made on the first call: it starts
        connecting in the background, answers the RPCs to this runtime's owner id with ``responder`` (on this
        loop; ``on_request`` sees each request first, on the communicator's thread), broadcasts the state changes
        of this runtime's processes, and passes their events to ``observers`` while it is open."""
        url = self.url
        if url is None:
            return None
        from ..broker import RabbitMQCommunicator

        namespace = namespace_of(store)
        current = self._communicator
        if current is not None and current.namespace == namespace:
            return current
        self.close()
        communicator = RabbitMQCommunicator(url, namespace, task_prefetch=self.task_prefetch, owner=self._runner.id)
        self._communicator = communicator
        self._unsubscribe_events = [self._runner.events.subscribe(o) for o in (self._broadcast, *observers)]
        # Served from the communicator's thread: a kernel's loop may be held by a synchronous run already.
        loop = self._runner.loop
        served = communicator.serve_rpc_soon(self._runner.id, responder, loop, on_arrival=on_request)
        serving = asyncio.wrap_future(served, loop=loop)
        self._pending.add(serving)
        serving.add_done_callback(self._done)
        self.serving = serving
        return communicator

    def close(self) -> None:
        """Close the communicator (if any), once the tasks sent are confirmed (or failed); a later :meth:`connect`
        makes a new one."""
        self._send_turn()  # between the loop's callbacks: the states held are in the store
        self.wait_sent()
        communicator, self._communicator = self._communicator, None
        self._addressed.clear()  # sent to that communicator's address: a new one has another
        for unsubscribe in self._unsubscribe_events:
            unsubscribe()
        self._unsubscribe_events = []
        pending = list(self._pending)
        for future in pending:
            future.cancel()
        loop = self._runner.loop
        if pending and not loop.is_running() and not loop.is_closed():  # a script's loop: let the cancels land
            loop.run_until_complete(asyncio.wait(pending))
        self.serving = None
        if communicator is not None:
            communicator.close()

    def look_for_workers_due(self, every: float) -> bool:
        """Whether a submit should look whether daemon workers run: at most once every ``every`` seconds."""
        now = time.monotonic()
        if now < self._next_look_for_workers:
            return False
        self._next_look_for_workers = now + every
        return True

    # -- sending from synchronous code (blocks this thread until the broker took it) ----------------------------------
    def send_task(self, task: ProcessTask) -> None:
        """Queue ``task``; BrokerUnreachableError if the broker cannot be reached in time."""
        self._required().send_task(task)

    def send_task_soon(self, task: ProcessTask, failed: Callable[[BaseException], None]) -> None:
        """Queue ``task`` without waiting for the broker to confirm it. While the broker cannot be reached the send
        is tried again (each try waits for a connection up to the communicator's ``send_timeout``), for as long as
        this link stays open: a process submitted during a broker outage is queued once it is back. If the task
        cannot be sent for another reason (it is malformed), ``failed(error)`` is called on this runtime's loop.
        Tasks not confirmed yet are waited for when the link closes, and at exit; one still unsent then stays
        queued in the store, where the workers' look for lost tasks finds it."""
        communicator = self._required()
        future = communicator.send_task_soon(task)
        self._hold_until_sent(future)
        loop = self._runner.loop

        def done(future: concurrent.futures.Future[None]) -> None:  # on the communicator's thread
            error = future.exception() if not future.cancelled() else CommunicatorError("The send was cancelled.")
            if error is None:
                return
            refused = isinstance(error, BrokerLoginError)  # sent again, it would be refused again at once
            if isinstance(error, BrokerUnreachableError) and not refused and communicator is self._communicator:
                _LOGGER.warning("The task for process %d waits for the broker: %s", task["pk"], error)
                with contextlib.suppress(CommunicatorError):  # closed meanwhile: it stays queued in the store
                    self.send_task_soon(task, failed)
                    return
            if isinstance(error, (BrokerUnreachableError, CommunicatorError)):
                _LOGGER.warning(
                    "The task for process %d was not sent (%s); it stays queued in the store, and a daemon worker "
                    "takes it once it waited for three of their sweeps with their queue empty (or, behind a backlog, "
                    "for their --lost-after)", task["pk"], error
                )  # fmt: skip
            elif not loop.is_closed():
                loop.call_soon_threadsafe(failed, error)

        future.add_done_callback(done)

    def _hold_until_sent(self, future: concurrent.futures.Future[None]) -> None:
        """Have :meth:`wait_sent` (at close, and at exit) wait for ``future``, a send in flight."""
        if not self._sending:
            _UNCONFIRMED.add(self)
        self._sending.add(future)
        future.add_done_callback(self._sending.discard)  # (before any other callback: a retry may replace it)

    def wait_sent(self, timeout: float = 60.0, *, say_after: float | None = None) -> None:
        """Wait until the broker confirmed (or refused) every task sent with :meth:`send_task_soon`, and took (or
        failed to take) every broadcast; at most ``timeout`` seconds. After ``say_after`` seconds, say so."""
        start = time.monotonic()
        deadline, say_at = start + timeout, None if say_after is None else start + say_after
        while self._sending and time.monotonic() < deadline:  # a retry replaces a send that failed
            until = deadline if say_at is None else min(deadline, say_at)
            concurrent.futures.wait(list(self._sending), timeout=max(0.0, until - time.monotonic()))
            if say_at is not None and self._sending and time.monotonic() >= say_at:
                say_at = None
                _LOGGER.warning(
                    "Waiting up to %.0f s more for the message broker at %s to take %d message(s) before exiting "
                    "(Ctrl-C stops the wait; the processes stay queued in the store, where daemon workers find them)",
                    deadline - time.monotonic(), self.url, len(self._sending),
                )  # fmt: skip
        _UNCONFIRMED.discard(self)

    def rpc(self, owner_id: str, request: ControlRequest, timeout: float = 10.0) -> Any:
        """Ask the runtime ``owner_id`` to act on a process it holds; its answer, or the error it raised."""
        return self._required().rpc(owner_id, request, timeout=timeout)

    # -- the end of a process, sent to whoever waits for it ------------------------------------------------------------
    def notify_here(self, pk: int) -> str:
        """The address to put in the task of process ``pk`` so that its terminal state's broadcast comes to this
        runtime's communicator (see :meth:`addressed_here`)."""
        address = self._required().address
        self._addressed[pk] = None
        if len(self._addressed) > _ADDRESSED_KEPT:  # forgotten: a waiter subscribes to it on the broker instead
            del self._addressed[next(iter(self._addressed))]
        return address

    def addressed_here(self, pk: int) -> bool:
        """Whether the terminal state of process ``pk`` is sent to this runtime's communicator (its task named it):
        a waiter needs no subscription of its own on the broker, an addressed one does (see ``Communicator``)."""
        return pk in self._addressed

    def notify_at_end(self, pk: int, address: str) -> None:
        """Send the terminal state of process ``pk``, which this runtime runs, to ``address`` as well (from its
        task); "" forgets an address given before."""
        if address:
            self._notify[pk] = address
        else:
            self._notify.pop(pk, None)

    @staticmethod
    def address_of(owner_id: str) -> str:
        """The address that reaches the communicator of the kernel or worker ``owner_id`` (one with a broker)."""
        from ..broker import Names

        return Names.address(owner_id)

    def notify_of(self, pk: int) -> str:
        """The address the terminal state of process ``pk`` would go to ("" for none): a process handed over to
        another worker keeps it in its new task."""
        return self._notify.get(pk, "")

    def _required(self) -> RabbitMQCommunicator:
        if self._communicator is None:
            raise CommunicatorError("No broker connection is open; configure one: jw.configure(broker='amqp://...').")
        return self._communicator

    # -- in the background ------------------------------------------------------------------------------------------
    def spawn(self, coroutine: Coroutine[Any, Any, Any]) -> asyncio.Future[Any]:
        """Run ``coroutine`` on the runtime's loop, held until it ends; its failure is logged, never raised."""
        future = asyncio.ensure_future(coroutine, loop=self._runner.loop)
        self._pending.add(future)
        future.add_done_callback(self._done)
        return future

    def _done(self, future: asyncio.Future[Any]) -> None:
        self._pending.discard(future)
        if not future.cancelled() and future.exception() is not None:
            error = future.exception()
            _LOGGER.debug("A broker operation of this runtime failed: %s: %s", type(error).__name__, error)

    def _broadcast(self, event: ProcessEvent) -> None:
        """Broadcast a state change once the store holds it, so that whoever reads the store on hearing it finds it.
        A terminal state is committed before it is announced; a state on the way (running, waiting) is committed
        with the process's next write, which it makes before it next yields to the loop. So the changes go out in
        batches, each process's in order: those of a loop turn on the loop's next turn, and a process's own at once
        with its terminal state (a script's loop may not run again), unless :attr:`terminal_states_wait_for_turn`.
        A state on the way that the store holds already goes out at once too (a worker's claim records a queued
        process as running: it shows while its first step or body runs, which may hold the loop for long).
        A pause or play is committed at once, so it goes out at once, as its state again with ``paused`` changed."""
        if event.kind == "paused":
            self._unsent.append((event, ""))
            self._send_now(event.pk)
            return
        if event.kind != "state":
            return
        if event.pk in self._announced:  # its first state change since: its own move to running, if it is one
            self._announced.discard(event.pk)
            if event.data["new"] == "running" and event.data["old"] in {"created", "running"}:
                return  # its claim's running went out already
        if ProcessState(event.data["new"]).is_terminal:
            # Its address is taken now: one that ended as it was being taken (its class did not load) has it
            # forgotten before the loop's next turn.
            self._unsent.append((event, self._notify.pop(event.pk, "")))
            at_once = not self.terminal_states_wait_for_turn
        else:
            self._unsent.append((event, ""))
            at_once = event.data.get("committed", False)
        if at_once:
            self._send_now(event.pk)
        elif not self._turn_scheduled:
            self._turn_scheduled = True
            self._runner.loop.call_soon(self._send_turn)

    def announce_running(self, pks: Sequence[int]) -> None:
        """Broadcast now that the queued processes ``pks``, which this runtime's claim just recorded as running (a
        claim does not start a paused one), run (in one batch): the broadcasts go out while the processes are being
        made (their class and inputs read), not after, and their own moves to running are not broadcast again."""
        self._announced.update(pks)
        self._send_broadcasts([(ProcessEvent(pk, "state", {"old": "created", "new": "running"}), "") for pk in pks])

    def _send_now(self, pk: int) -> None:
        """Send process ``pk``'s unsent changes now: the store holds them all (its last write committed them)."""
        stored = [u for u in self._unsent if u[0].pk == pk]
        self._unsent = [u for u in self._unsent if u[0].pk != pk]
        self._send_broadcasts(stored)

    def _send_turn(self) -> None:
        self._turn_scheduled = False
        unsent, self._unsent = self._unsent, []
        self._send_broadcasts(unsent)

    def _send_broadcasts(self, unsent: list[tuple[ProcessEvent, str]]) -> None:
        communicator = self._communicator
        if not unsent or communicator is None:
            return
        if not (communicator.is_connected or communicator.connecting_first):
            return  # the broker is away: fire and forget (a waiter that misses it finds the change in the store)
        # Sent also while the first connection is being made (a command that kills a queued process and exits).
        messages = [_state_changed(event) for event, _ in unsent]
        to = [address for _, address in unsent]
        with contextlib.suppress(CommunicatorError):  # closed just now
            sent = communicator.broadcast_soon(messages, to if any(to) else ())
            self._hold_until_sent(sent)
            sent.add_done_callback(_broadcast_done)


def _state_changed(event: ProcessEvent) -> StateChanged:
    from ..broker import state_changed

    data = event.data
    if event.kind == "paused":  # its state again, paused or played
        return state_changed(event.pk, data["state"], data["state"], paused=data["paused"])
    return state_changed(event.pk, data["old"], data["new"], data.get("exit_status"), paused=data.get("paused", False))


def _broadcast_done(future: concurrent.futures.Future[None]) -> None:
    if not future.cancelled() and future.exception() is not None:
        error = future.exception()
        _LOGGER.debug("A state_changed broadcast was not sent: %s: %s", type(error).__name__, error)
