"""Running processes: to their end now (``run``), in the background (``start``), or awaited (``run_async``).

A synchronous calcfunction runs as a plain call (no greenlet, no task). When its last run was quick it is
*deferred*: nothing is written while its body runs, and the process, its inputs and outputs and its final state
are written in one transaction when it ends. So no write lock is ever held while user code runs, and a quick
calcfunction costs one commit. A slower one is written as running before its body starts (other kernels see it).
"""

from __future__ import annotations

import asyncio
import weakref
from typing import Any

from .._core import (
    AttributeDict,
    InvalidOperationError,
    Process,
    ProcessKilledError,
    ProcessState,
    UsageError,
    interrupts_go_to,
)
from .._runtime import get_runtime
from ._instantiate import Launch, instantiate

__all__ = ["QUICK_SECONDS", "result_of", "run", "run_async", "run_created", "start", "start_created"]

QUICK_SECONDS = 0.005
"""A calcfunction whose body took less than this last time is deferred (written whole when it ends)."""

_quick: weakref.WeakKeyDictionary[type[Process], bool] = weakref.WeakKeyDictionary()


def run(process_class: type[Process], inputs: dict[str, Any]) -> Process:
    """Run a process to its end from synchronous code; returns the terminated process.

    From plain code (a cell), an interrupt kills the process and then raises KeyboardInterrupt. From another thread,
    the process runs on the runtime's loop and the calling thread waits for it."""
    runtime = get_runtime()
    if not runtime.runner.on_loop_thread:
        process = runtime.call_on_loop_thread(start, process_class, inputs, awaited=True)
        runtime.await_from_thread(asyncio.wait([process.terminated]))
        return process
    if process_class.runs_inline:
        return _run_inline(process_class, inputs)
    process = instantiate(process_class, inputs, launch=Launch.RUN)
    return process.runner.run_to_end(process)


def _run_inline(process_class: type[Process], inputs: dict[str, Any]) -> Process:
    launch = Launch.RUN_DEFERRED if _quick.get(process_class, False) else Launch.RUN
    return _execute_inline(instantiate(process_class, inputs, launch=launch))


def _execute_inline(process: Process) -> Process:
    with interrupts_go_to(process) as owned:
        process.context.run(process.execute)
    if process.replayed is None:  # a cache hit says nothing of how long the body takes
        _quick[type(process)] = process.user_seconds < QUICK_SECONDS
    if owned and process.interrupted:
        raise KeyboardInterrupt
    return process


def run_created(process: Process) -> Process:
    """Run a process made by its constructor (``MyWorkChain(inputs={...})``) to its end, as :func:`run` does."""
    _check_not_started(process)
    runtime = get_runtime()
    if not runtime.runner.on_loop_thread:
        runtime.call_on_loop_thread(process.runner.start, process)
        runtime.await_from_thread(asyncio.wait([process.terminated]))
        return process
    if process.runs_inline:
        return _execute_inline(process)
    return process.runner.run_to_end(process)


def start_created(process: Process) -> Process:
    """Start a process made by its constructor in the background, as :func:`start` does."""
    _check_not_started(process)
    if not process.node.storable:  # type: ignore[attr-defined]
        raise InvalidOperationError(
            f"{process.name} stores no provenance (store_provenance=False), so it cannot be submitted: a process in "
            "the background is found and awaited through its stored node. Run it instead: jw.run(process)."
        )
    process.runner.start(process)
    return process


def _check_not_started(process: Process) -> None:
    if process.started:
        raise UsageError(
            f"{process.name} was launched already (it is {process.state.value}); a process runs once. Make a new "
            f"one to run it again: {type(process).__name__}(inputs={{...}})."
        )


def start(process_class: type[Process], inputs: dict[str, Any], *, awaited: bool = False) -> Process:
    """Start a process in the background of the runtime's loop; returns it at once. ``awaited``: its caller waits for
    it (so it may run without storing its provenance)."""
    process = instantiate(process_class, inputs, launch=Launch.AWAIT if awaited else Launch.SUBMIT)
    process.runner.start(process)
    return process


async def run_async(process_class: type[Process], inputs: dict[str, Any]) -> Process:
    """Run a process as a task on the running loop and await its end. Cancelling the awaiting coroutine (interrupting
    the cell) kills the process."""
    process = instantiate(process_class, inputs, launch=Launch.AWAIT)
    task = process.runner.start(process)
    try:
        with process.runner.signals_wake_loop():
            await asyncio.shield(task)
    except asyncio.CancelledError:
        process.kill("Its caller was cancelled (for example, the cell awaiting it was interrupted).")
        raise
    return process


def result_of(process: Process) -> Any:
    """What a run returns: the single output of a process function, else a dict of outputs. Raises what the process
    raised if it excepted, and ProcessKilledError if it was killed."""
    if process.state is ProcessState.EXCEPTED and process.exception is not None:
        raise process.exception
    if process.state is ProcessState.KILLED:
        message = process.node.exit_message  # type: ignore[attr-defined]
        raise ProcessKilledError(f"{process.name} was killed: {message or 'no reason given'}", process.node)
    outputs = process.outputs
    if process.single_result and list(outputs) == ["result"]:
        return outputs["result"]
    return AttributeDict(outputs)
