"""The Runner: runs processes on one asyncio loop, the kernel's own when one is running.

One runner per loop (the runtime, a layer above, decides which loop that is). In a notebook the runner binds to the
loop the kernel already runs; in a script (no running loop) it makes a loop of its own, which runs whenever
something blocks on it (``run``, ``wait``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import threading
import uuid
from collections.abc import Awaitable, Iterator
from types import FrameType
from typing import Any, TypeVar

from ._errors import WorkflowsError
from ._events import EventBus
from ._interrupts import interrupts_go_to
from ._portal import call_in_portal, drive, drive_blocking, in_portal
from ._process import Process
from ._slots import Slots
from ._time_slices import TimeSlices
from ._transactions import check_may_yield

__all__ = ["Runner"]

T = TypeVar("T")
_LOGGER = logging.getLogger("jupyter_workflows.runner")


class Runner:
    """Runs processes on one asyncio loop, from that loop's thread."""

    def __init__(self, loop: asyncio.AbstractEventLoop, *, private_loop: bool) -> None:
        self.loop = loop
        self.private_loop = private_loop  # True when the runner made the loop itself (scripts)
        self.id = str(uuid.uuid4())  # identifies this runner as the owner of its processes
        self.thread = threading.get_ident()  # the loop's thread: the engine runs here only
        self.events = EventBus()
        self.live: set[Process] = set()  # processes of this runner that have not terminated
        self._tasks: set[asyncio.Task[Any]] = set()  # the loop holds tasks weakly: keep them alive here
        self._wakeups = 0  # nesting of signals_wake_loop()
        self.time_slices = TimeSlices(loop)
        self.slots: Slots | None = None  # how many of its processes may run at once (a daemon worker's); None: any

    def __repr__(self) -> str:
        return f"<Runner {self.id[:8]} live={len(self.live)} private_loop={self.private_loop}>"

    @property
    def on_loop_thread(self) -> bool:
        return threading.get_ident() == self.thread

    # -- bookkeeping (called by Process) -------------------------------------------------------------------------------
    def adopt(self, process: Process) -> None:
        self.live.add(process)

    def release(self, process: Process) -> None:
        self.live.discard(process)

    # -- running ------------------------------------------------------------------------------------------------------
    def start(self, process: Process) -> asyncio.Task[Any]:
        """Run ``process`` in the background as a task of this loop; returns the task."""
        coroutine = drive(process.execute, context=process.context, interrupts=process)
        task = process.context.run(self.loop.create_task, coroutine)
        process.task = task
        self._tasks.add(task)
        task.add_done_callback(self._task_done)
        return task

    def _task_done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            error = task.exception()
            if not isinstance(error, (KeyboardInterrupt, SystemExit)):
                _LOGGER.error("A process task failed inside the engine", exc_info=error)

    def run_to_end(self, process: Process) -> Process:
        """Run ``process`` now and return when it terminated, from engine code or from plain synchronous code.

        From plain code (a cell), an interrupt kills the process and then raises KeyboardInterrupt here."""
        if in_portal():
            call_in_portal(process.execute, context=process.context)
            return process
        with interrupts_go_to(process) as owned:
            drive_blocking(process.execute, block=self.block, context=process.context)
        if owned and process.interrupted:
            raise KeyboardInterrupt
        return process

    @contextlib.contextmanager
    def signals_wake_loop(self) -> Iterator[None]:
        """While a cell awaits a process, let an interrupt wake the loop at once.

        ipykernel turns SIGINT into a cancellation of the awaiting cell, but schedules it with a plain ``call_soon``
        from the signal handler, which does not wake a sleeping selector: the interrupt would only take effect when
        the loop next wakes for another reason (seen: 7 s late). Pointing the signal wakeup fd at the loop's
        self-pipe (what asyncio's own ``add_signal_handler`` does) wakes it at once.
        """
        self_pipe = getattr(self.loop, "_csock", None)
        if self._wakeups or self_pipe is None or threading.current_thread() is not threading.main_thread():
            self._wakeups += 1
            try:
                yield
            finally:
                self._wakeups -= 1
            return
        self._wakeups += 1
        previous = signal.set_wakeup_fd(self_pipe.fileno())
        try:
            yield
        finally:
            self._wakeups -= 1
            signal.set_wakeup_fd(previous)

    def block(self, awaitable: Awaitable[T]) -> T:
        """Run the loop until ``awaitable`` is done, from plain synchronous code (a cell, a script, a callback).

        On a loop that is already running (a notebook cell) the loop is made re-entrant with nest-asyncio2, lazily:
        only a synchronous call that really has to wait pays for that patch.
        """
        if not self.on_loop_thread:
            raise WorkflowsError(
                "jupyter_workflows was called from a thread other than the one running its event loop; "
                "call it from the notebook's main thread, or use loop.call_soon_threadsafe to get there."
            )
        check_may_yield()
        future = asyncio.ensure_future(awaitable, loop=self.loop)
        if self.loop.is_running():
            _make_reentrant(self.loop)
        return self.loop.run_until_complete(future)

    def block_until_interrupted(self, awaitable: Awaitable[T]) -> T:
        """:meth:`block`, where an interrupt stops the waiting (KeyboardInterrupt) and nothing else."""
        future = asyncio.ensure_future(awaitable, loop=self.loop)
        stopper = _StopWaiting(future)
        with interrupts_go_to(stopper) as owned:
            try:
                return self.block(future)
            except asyncio.CancelledError:
                if owned and stopper.interrupted:
                    raise KeyboardInterrupt from None
                raise


class _StopWaiting:
    """The interrupt target of a blocking wait: cancel what is waited for, touch nothing else."""

    def __init__(self, future: asyncio.Future[Any]) -> None:
        self.future = future
        self.interrupted = False

    def interrupt(self, frame: FrameType | None) -> None:
        self.interrupted = True
        loop = self.future.get_loop()
        if not loop.is_closed():
            loop.call_soon_threadsafe(self.future.cancel)


def _make_reentrant(loop: asyncio.AbstractEventLoop) -> None:
    if getattr(loop, "_nest_patched", False):
        return
    import nest_asyncio2  # ipykernel >= 7.3 depends on it; nest_asyncio 1.6 loses messages on ipykernel >= 7.1

    nest_asyncio2.apply(loop)
    _LOGGER.debug("made the running loop re-entrant with nest_asyncio2 for a blocking call")
