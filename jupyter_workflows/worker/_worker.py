"""A daemon worker: an OS process with its own event loop and runtime that runs the processes queued on the broker.

- **Tasks.** It takes ``continue`` tasks from the store's queue (one of the namespace's workers gets each). For
  each, it waits for a free slot, claims the process in the store (compare-and-set on its owner; a process that
  terminated or that a live owner holds is skipped) and starts it; the task is acked once the handler returned, that
  is once the worker owns the process (never held for the process's life: see RabbitMQ's ``consumer_timeout``).
- **Slots** bound how many processes it runs at once: a slot counts a process able to run. A WorkChain that waits
  for its children, or a paused process, gives its slot back meanwhile and takes one again (before any new process)
  when it runs on (see ``_core._slots``); so a worker whose slots all went to WorkChains still takes their children,
  and never runs more than ``slots`` processes' steps at once, however many wait. With every slot used it stops
  consuming, so the queue's tasks go to the other workers; a task that reached it meanwhile is declined, given
  back to the queue at once (never held unacked: it could wait longer than the broker's ``consumer_timeout``). It
  consumes again once a batch of slots is free, or once fewer stayed free for half a second (the others held by
  long processes).
- **Dead workers, lost tasks.** Every ``sweep_seconds`` it looks for processes held by a worker that died (same host:
  its pid is gone; another host: its heartbeat stopped for three periods), and for processes whose task was lost
  (its sender died before the broker took it), and continues them itself, as far as it has slots; compare-and-set
  makes it safe for several workers to look at once, and a task that comes later for a process taken that way is
  skipped. A process counts as lost once it has been queued for three sweeps while the broker's task queue is empty
  (its task cannot be waiting there), else (a backlog may be long) once it has been queued for ``lost_after``
  seconds.
- **Stopping** (SIGTERM or SIGINT): it takes no more tasks, hands over what it runs at the next checkpoint (a step
  boundary or a wait: the store holds all of it there), gives each back to the queue (owner cleared, a new
  ``continue`` task), and exits. A process function that does not end within ``grace`` seconds stays held by the
  worker, which then exits: it is a dead worker's process, and another worker continues it.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import socket
import time
from typing import TYPE_CHECKING, Any

from .._core import Process, ProcessState, Runner, Slots, WorkflowsError, kills_reach_user_code, set_within
from .._processes import communicator as connect, queue_continue
from .._runtime import HEARTBEAT_SECONDS, Runtime, owner_alive, swap_runtime
from .._wire import ProcessTask
from ..launch import Claims, continue_process
from ..nodes import ProcessNode
from ..store import SecretURL

if TYPE_CHECKING:
    from ..broker import RabbitMQCommunicator, Subscription

__all__ = ["Worker"]

_LOGGER = logging.getLogger("jupyter_workflows.worker")
DEFAULT_SLOTS = 200  # as AiiDA's daemon.worker_process_slots
MAX_PREFETCH = 32
RESUME_AFTER = 0.5  # seconds fewer than a batch of slots must stay free before a full worker takes tasks again
RESUBSCRIBE_LIMIT = 30.0  # seconds between attempts to take tasks again while the broker is away, at most
LOST_AFTER = 600.0  # seconds a process waits in the queue before its task counts as lost (a backlog may be long)


class Worker:
    """A daemon worker for the store at ``store`` and the broker at ``broker`` (their passwords never shown).
    ``await worker.run()`` on a loop of its own (an OS process of its own: ``python -m jupyter_workflows.worker``)
    runs until :meth:`stop`."""

    def __init__(
        self,
        store: str | SecretURL,
        broker: str | SecretURL,
        *,
        slots: int = DEFAULT_SLOTS,
        sweep_seconds: float = HEARTBEAT_SECONDS,
        grace: float = 60.0,
        lost_after: float = LOST_AFTER,
    ) -> None:
        if slots < 1:
            raise WorkflowsError(f"A worker needs at least one slot (got slots={slots}).")
        self.store_url, self.broker_url = SecretURL(store), SecretURL(broker)
        self._slots_changed = asyncio.Event()
        self.slots = Slots(slots, on_change=self._slots_changed.set)
        self._ready = asyncio.Event()
        self.sweep_seconds = sweep_seconds
        self.grace = grace
        self.lost_after = lost_after
        self.held: dict[int, Process] = {}  # processes it runs, by pk (claimed, not ended or handed over yet)
        self._runtime: Runtime | None = None
        self._stop = asyncio.Event()
        self._claims = Claims()  # the tasks received at once are claimed together

    def __repr__(self) -> str:
        return f"<Worker pid {os.getpid()} store={str(self.store_url)!r} {len(self.held)} held, {self.slots!r}>"

    @property
    def runtime(self) -> Runtime:
        if self._runtime is None:
            raise WorkflowsError("The worker has not started; await worker.run() first.")
        return self._runtime

    def stop(self) -> None:
        """Stop taking tasks, hand over what it runs, and end :meth:`run` (safe from a signal handler)."""
        self._stop.set()

    async def run(self) -> None:
        """Serve until stopped; then hand over and close."""
        loop = asyncio.get_running_loop()
        runtime = self._runtime = Runtime(Runner(loop, private_loop=False), kind="worker")
        runtime.runner.slots = self.slots
        previous = swap_runtime(runtime)
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, self.stop)
        kills_reach_user_code()  # a kill ends a calcfunction's body that holds the loop at once
        try:
            communicator = await self._start(runtime)
            consuming = asyncio.ensure_future(self._consume(communicator))
            sweeping = asyncio.ensure_future(self._sweep(communicator))
            await self._stop.wait()
            await self._hand_over(consuming, sweeping)
        finally:
            for signum in (signal.SIGTERM, signal.SIGINT):
                loop.remove_signal_handler(signum)
            swap_runtime(previous)
            runtime.close()

    async def _start(self, runtime: Runtime) -> RabbitMQCommunicator:
        store = runtime.use_store(self.store_url)
        runtime.register_owner_in(store)
        runtime.broker.task_prefetch = min(self.slots.size, MAX_PREFETCH)
        runtime.broker.terminal_states_wait_for_turn = True
        runtime.broker.configure(self.broker_url)
        communicator = connect()
        assert communicator is not None and runtime.broker.serving is not None
        await runtime.broker.serving  # control reaches its processes from the moment it takes any
        return communicator

    async def _consume(self, communicator: RabbitMQCommunicator) -> None:
        """Subscribe to the task queue while a slot is free; stop consuming while all are used (until a batch of
        them is free again), and for good when the worker stops."""
        resume_at = max(0, self.slots.size - MAX_PREFETCH)
        subscription: Subscription | None = None
        failures = 0
        try:
            while not self.slots.closed:
                self._slots_changed.clear()
                # A batch of free slots (fewer subscribe/unsubscribe round trips at the edge), or fewer that stay
                # free: the others may be held by long processes (waiting for the batch could wait for hours).
                if (
                    subscription is None
                    and not self.slots.full
                    and (self.slots.used <= resume_at or not await set_within(self._slots_changed, RESUME_AFTER))
                ):
                    try:
                        subscription = await communicator.subscribe_tasks_async(self._on_task)
                    except WorkflowsError as error:  # the broker is away, or refuses the login: try again
                        delay = min(RESUBSCRIBE_LIMIT, 2.0**failures)
                        failures += 1
                        _LOGGER.warning("Could not take tasks from the broker (%s); trying again in %g s", error, delay)
                        await set_within(self._slots_changed, delay)  # a stop ends the wait
                        continue
                    failures = 0
                    self._announce_ready()
                elif subscription is not None and self.slots.full:
                    await communicator.unsubscribe_async(subscription)
                    subscription = None
                else:
                    await self._slots_changed.wait()
        finally:
            if subscription is not None:
                await communicator.unsubscribe_async(subscription)

    def _announce_ready(self) -> None:
        if not self._ready.is_set():
            self._ready.set()
            store = self.runtime.store
            _LOGGER.info(
                "Worker pid %d on %s ready: store %s (identity %s), broker %s, %d slots",
                os.getpid(), socket.gethostname(), store.url, store.identity, self.broker_url, self.slots.size,
            )  # fmt: skip

    # -- taking processes ----------------------------------------------------------------------------------------------
    async def _on_task(self, task: ProcessTask) -> bool:
        store = self.runtime.store
        if task["store"] != store.identity:
            raise WorkflowsError(
                f"A task for store {task['store']} reached a worker of store {store.identity}: the namespace is "
                "derived from the store's identity, so a worker of another store should never see it."
            )
        pk = task["pk"]
        if pk in self.held:  # a duplicate task (a send retried over a reconnect): it runs here
            return True
        if not self.slots.take(pk):  # full, or stopping: declined, it goes back to the queue for another worker
            return False
        # Shielded: once asked for, the claim is made and what it took runs here, even if this delivery is cancelled
        # meanwhile (its connection was lost): else a process claimed by this live worker would never run. The task,
        # not acked, comes again and is skipped as held.
        await asyncio.shield(self._continue(pk, task["notify"]))
        return True

    async def _continue(self, pk: int, notify: str = "") -> None:
        """Continue process ``pk`` in a slot already taken (given back if the process is skipped); its terminal
        state goes to the address ``notify`` too."""
        try:
            process = await continue_process(pk, notify, self._claims)
        except BaseException:
            self.slots.give(pk)
            raise
        if process is None:
            self.slots.give(pk)
            return
        _LOGGER.debug("Took %s", process.name)
        self.held[pk] = process
        assert process.task is not None
        process.task.add_done_callback(lambda _: self._ended(pk))

    def _ended(self, pk: int) -> None:
        process = self.held.pop(pk, None)
        self.slots.give(pk)
        if process is not None and process.state is ProcessState.EXCEPTED:  # in the daemon's log, as in AiiDA's
            error = process.exception
            _LOGGER.error(
                "%s excepted: %s: %s (its traceback: jupyter workflows process report %d)",
                process.name, type(error).__name__, error, pk,
            )  # fmt: skip

    # -- the processes of dead workers ---------------------------------------------------------------------------------
    async def _sweep(self, communicator: RabbitMQCommunicator) -> None:
        while not self._stop.is_set():
            if await set_within(self._stop, self.sweep_seconds):
                return
            try:
                await self._continue_orphans(communicator)
            except WorkflowsError as error:  # the store was away for a moment: look again next time
                _LOGGER.warning("Looking for the processes of dead workers failed: %s", error)

    async def _continue_orphans(self, communicator: RabbitMQCommunicator) -> None:
        me, store = self.runtime.owner_id, self.runtime.store
        alive: dict[str, bool] = {}
        for pk, owner in store.processes_held_by("worker"):
            if owner.id not in alive:  # one look per owner: a worker holds hundreds of processes
                alive[owner.id] = owner.id == me or owner_alive(owner)
            if alive[owner.id]:
                continue
            if not self.slots.take(pk):
                return
            _LOGGER.info("Continuing process %d of worker pid %d on %s, which died", pk, owner.pid, owner.hostname)
            await self._continue(pk)
        lost, lost_after = await self._lost_tasks(communicator)
        for pk in lost:
            if pk in self.held:
                continue
            if not self.slots.take(pk):
                return
            _LOGGER.warning(
                "Continuing process %d, queued for over %g s: its task was lost, or waits at a worker whose loop is "
                "held (the first to claim it runs it)", pk, lost_after,
            )  # fmt: skip
            await self._continue(pk)

    async def _lost_tasks(self, communicator: RabbitMQCommunicator) -> tuple[list[int], float]:
        """The queued processes whose task counts as lost, and after how long in the queue: three sweeps while the
        broker's task queue is empty (a task delivered to a worker but not acknowledged yet is not counted there: if
        that worker takes it meanwhile, compare-and-set makes this one skip it), else ``lost_after``. The broker is
        asked only when a process has been queued for three sweeps."""
        store, soon = self.runtime.store, min(self.lost_after, 3 * self.sweep_seconds)
        queued = store.queued_processes(before=time.time() - soon)
        if not queued or soon == self.lost_after:
            return queued, soon
        try:
            if await communicator.waiting_tasks_async() == 0:
                return queued, soon
        except WorkflowsError:  # the broker is away for now: wait as long as with a backlog
            pass
        return store.queued_processes(before=time.time() - self.lost_after), self.lost_after

    # -- stopping ------------------------------------------------------------------------------------------------------
    async def _hand_over(self, consuming: asyncio.Future[Any], sweeping: asyncio.Future[Any]) -> None:
        self.slots.close()
        sweeping.cancel()
        held = list(self.held.values())  # (a process leaves ``held`` as it stops)
        for process in held:  # now: no step starts after the stop while the broker is told
            process.hand_over()
        await asyncio.wait([consuming])  # unsubscribed: no task comes any more
        for process in self.held.values():  # and those whose claim was under way
            if process not in held:
                held.append(process)
                process.hand_over()
        tasks = [process.task for process in held if process.task is not None]
        if tasks:
            _, late = await asyncio.wait(tasks, timeout=self.grace)
            if late:
                _LOGGER.warning(
                    "%d process(es) did not reach a checkpoint in %g s; another worker continues them once this one "
                    "exited",
                    len(late), self.grace,
                )  # fmt: skip
        for process in held:
            if process.handed_over:
                self._give_back(process)
        _LOGGER.info("Worker pid %d stopped (%d process(es) handed over)", os.getpid(), len(held))

    def _give_back(self, process: Process) -> None:
        """Clear the owner of a process handed over and queue it again; if the broker cannot take the task, keep
        it (it is then a dead worker's process once this one exited, and another worker continues it)."""
        node = process.node
        assert isinstance(node, ProcessNode)
        node.process = None
        me = self.runtime.owner_id
        if not node.claim(None, expected=me):
            return
        try:
            queue_continue(node, self.runtime.broker.notify_of(node.pk or 0))
        except WorkflowsError as error:
            node.claim(me, expected=None)
            _LOGGER.warning("Could not queue %s again (%s); another worker continues it after this one", node, error)
