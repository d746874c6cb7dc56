"""What users call to start processes: ``run``, ``run_get_node``, ``run_async``, ``submit``, ``wait`` (and AiiDA's
``await_processes``).

``run`` blocks until the process terminated (on the loop that is already running), ``run_async`` is its awaitable
twin, and ``submit`` returns the process node at once while the process runs in the background of the kernel. From
another thread, each of them is passed to the thread of the runtime's loop.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .._core import InvalidOperationError, Process, UsageError, current_process, in_portal
from .._core._portal import await_
from .._processes import (
    launch_inputs,
    result_of,
    run as run_process,
    run_async as run_process_async,
    run_created,
    start_created,
    submit as submit_process,
    wait_terminated,
)
from .._runtime import get_runtime, on_loop_thread
from ..nodes import ProcessNode, process_nodes_of
from ..workchains import WorkChain

__all__ = ["await_processes", "run", "run_async", "run_get_node", "run_get_pk", "submit", "wait", "wait_async"]


def run_get_node(process: Any, *args: Any, **kwargs: Any) -> tuple[Any, ProcessNode]:
    """Run ``process`` to its end and return ``(result, node)``. Raises what the process raised if it excepted,
    and ProcessKilledError if it was killed; a failed process (non-zero exit status) returns normally.

    Interrupting the kernel while a cell is blocked here kills the process, then raises KeyboardInterrupt. From
    another thread, the process runs on the runtime's loop and this thread waits for it.

    ``process`` may also be a process made by its constructor, ``MyWorkChain(inputs={...})``, not run yet."""
    if isinstance(process, Process):
        done = run_created(_made(process, args, kwargs, "run"))
    else:
        done = run_process(*launch_inputs(process, args, kwargs))
    return result_of(done), done.node  # type: ignore[return-value]


def run(process: Any, *args: Any, **kwargs: Any) -> Any:
    """Run ``process`` to its end and return its result: the output node of a process function with one output,
    else a dict of outputs. ``run.get_node(...)`` also returns the process node."""
    return run_get_node(process, *args, **kwargs)[0]


def run_get_pk(process: Any, *args: Any, **kwargs: Any) -> tuple[Any, int]:
    """Run like :func:`run_get_node` and return ``(result, pk)``: the outputs and the pk of the process node."""
    result, node = run_get_node(process, *args, **kwargs)
    return result, node.pk  # type: ignore[return-value]


run.get_node = run_get_node  # type: ignore[attr-defined]
run.get_pk = run_get_pk  # type: ignore[attr-defined]


async def run_async(process: Any, *args: Any, **kwargs: Any) -> Any:
    """Run ``process`` as a task on the running loop and await its result. Cancelling the awaiting coroutine
    (interrupting the cell) kills the process."""
    return result_of(await run_process_async(*launch_inputs(process, args, kwargs)))


@on_loop_thread
def submit(process: Any, *args: Any, daemon: bool | None = None, **kwargs: Any) -> ProcessNode:
    """Start ``process`` in the background and return its node at once: in this kernel, or with ``daemon=True``
    on a daemon worker (any worker of the broker configured with ``jw.configure(broker=...)``; the default is
    ``jw.configure(daemon=...)``). A daemon process outlives the kernel; its node reads its state from the store."""
    caller = current_process()
    if isinstance(caller, WorkChain):
        raise InvalidOperationError(
            f"jw.submit() was called in a step of {caller.name}: a WorkChain submits with self.submit(...), which "
            "it can then wait for (return ToContext(child=self.submit(...)))."
        )
    if isinstance(process, Process):
        if daemon:
            raise UsageError(
                f"{process.name} was made here already (its constructor stored it for this kernel), so it cannot go "
                f"to a daemon worker. Submit the class with its inputs instead: "
                f"jw.submit({type(process).__name__}, ..., daemon=True), or a builder."
            )
        return start_created(_made(process, args, kwargs, "submit")).node  # type: ignore[return-value]
    return submit_process(*launch_inputs(process, args, kwargs), daemon=daemon)


def _made(process: Process, args: tuple[Any, ...], kwargs: dict[str, Any], launcher: str) -> Process:
    """A process made by its constructor, launched as it is: it has its inputs already."""
    if args or kwargs:
        raise UsageError(
            f"{launcher}() got a process made already ({process.name}) and inputs on top; its inputs were given when "
            f"it was made. Call {launcher}(process) alone, or {launcher}({type(process).__name__}, ...)."
        )
    return process


def wait(*nodes: ProcessNode | int | list[ProcessNode | int], timeout: float | None = None) -> list[ProcessNode]:
    """Block until every process has terminated (nodes or pks, one by one or in lists); returns their nodes. Raises
    TimeoutError after ``timeout`` s. Interrupting a wait stops the waiting only (KeyboardInterrupt); the processes
    go on."""
    runtime = get_runtime()
    if not runtime.runner.on_loop_thread:
        waiting = runtime.call_on_loop_thread(process_nodes_of, nodes, purpose="wait()")
        runtime.await_from_thread(wait_terminated(waiting, timeout))
        return waiting
    waiting = process_nodes_of(nodes, purpose="wait()")
    awaitable = wait_terminated(waiting, timeout)
    parent = current_process()
    if parent is not None and in_portal():
        parent.wait_for(awaitable)
    elif in_portal():
        await_(awaitable)
    else:
        runtime.runner.block_until_interrupted(awaitable)
    return waiting


async def wait_async(
    *nodes: ProcessNode | int | list[ProcessNode | int], timeout: float | None = None
) -> list[ProcessNode]:
    """Await until every process has terminated (nodes or pks, one by one or in lists); returns their nodes."""
    waiting = process_nodes_of(nodes, purpose="wait_async()")
    with get_runtime().runner.signals_wake_loop():
        await wait_terminated(waiting, timeout)
    return waiting


def await_processes(nodes: Sequence[ProcessNode], wait_interval: float = 1) -> None:
    """Block until every process of ``nodes``, a list or tuple of process nodes, has terminated: AiiDA's
    ``aiida.engine.await_processes``. :func:`wait` does the same for nodes (or pks) given one by one, and returns them.

    ``wait_interval`` is AiiDA's polling interval, taken for its signature only: here the wait ends as soon as the last
    process terminates. Raises UsageError (a TypeError, as AiiDA's) for anything but a list or tuple of process
    nodes."""
    if not isinstance(nodes, (list, tuple)):
        raise UsageError(
            f"await_processes() takes a list or tuple of process nodes, not {type(nodes).__name__}; "
            "write await_processes([node]), or wait(node)"
        )
    for node in nodes:
        if not isinstance(node, ProcessNode):
            raise UsageError(
                f"await_processes() takes process nodes; {node!r} is not one. Pass the nodes submit() returned "
                "(wait() also takes their pks)"
            )
    wait(*nodes)
