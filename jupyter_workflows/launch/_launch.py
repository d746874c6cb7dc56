"""What users call to start processes: ``run``, ``run_get_node``, ``run_async``, ``submit``, ``wait``.

``run`` blocks until the process terminated (on the loop that is already running), ``run_async`` is its awaitable
twin, and ``submit`` returns the process node at once while the process runs in the background of the kernel.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable
from typing import Any

from .._configuration import get_store
from .._core import (
    AttributeDict,
    Process,
    ProcessKilledError,
    ProcessState,
    current_process,
    get_runner,
    in_portal,
)
from .._core._portal import await_
from .._processes._instantiate import inputs_of_call, instantiate, process_class_of
from .._processes._waiting import wait_terminated
from ..functions import FunctionProcess
from ..nodes import ProcessNode, load_node

__all__ = ["run", "run_async", "run_get_node", "run_get_pk", "submit", "wait", "wait_async"]


def run_get_node(process: Any, *args: Any, **kwargs: Any) -> tuple[Any, ProcessNode]:
    """Run ``process`` to its end and return ``(result, node)``. Raises what the process raised if it excepted,
    and ProcessKilledError if it was killed; a failed process (non-zero exit status) returns normally."""
    inputs = inputs_of_call(process, args, kwargs)
    process_class = process_class_of(process)
    if _runs_inline(process_class):
        new = _run_inline(process_class, inputs)
    else:
        new = instantiate(process_class, inputs, starts_now=True)
        new.runner.run_to_end(new)
    return _result(new), new.node  # type: ignore[return-value]


def run(process: Any, *args: Any, **kwargs: Any) -> Any:
    """Run ``process`` to its end and return its result: the output node of a process function with one output,
    else a dict of outputs. ``run.get_node(...)`` also returns the process node."""
    return run_get_node(process, *args, **kwargs)[0]


def run_get_pk(process: Any, *args: Any, **kwargs: Any) -> tuple[Any, int]:
    result, node = run_get_node(process, *args, **kwargs)
    return result, node.pk  # type: ignore[return-value]


run.get_node = run_get_node  # type: ignore[attr-defined]
run.get_pk = run_get_pk  # type: ignore[attr-defined]


async def run_async(process: Any, *args: Any, **kwargs: Any) -> Any:
    """Run ``process`` as a task on the running loop and await its result. Cancelling the awaiting coroutine
    (interrupting the cell) kills the process."""
    new = instantiate(process, inputs_of_call(process, args, kwargs))
    task = new.runner.start(new)
    try:
        with new.runner.signals_wake_loop():
            await asyncio.shield(task)
    except asyncio.CancelledError:
        new.kill("Its caller was cancelled (for example, the cell awaiting it was interrupted).")
        raise
    return _result(new)


def submit(process: Any, *args: Any, **kwargs: Any) -> ProcessNode:
    """Start ``process`` in the background of this kernel and return its node at once."""
    new = instantiate(process, inputs_of_call(process, args, kwargs))
    new.runner.start(new)
    return new.node  # type: ignore[return-value]


def wait(*nodes: ProcessNode | int, timeout: float | None = None) -> list[ProcessNode]:
    """Block until every process has terminated; returns their nodes. Raises TimeoutError after ``timeout`` s.
    Interrupting a wait stops the waiting only; the processes go on."""
    waiting = _nodes(nodes)
    awaitable = wait_terminated(waiting, timeout)
    parent = current_process()
    if parent is not None and in_portal():
        parent._await(awaitable)
    elif in_portal():
        await_(awaitable)
    else:
        get_runner().block(awaitable)
    return waiting


async def wait_async(*nodes: ProcessNode | int, timeout: float | None = None) -> list[ProcessNode]:
    """Await until every process has terminated; returns their nodes."""
    waiting = _nodes(nodes)
    with get_runner().signals_wake_loop():
        await wait_terminated(waiting, timeout)
    return waiting


def _nodes(items: Iterable[ProcessNode | int]) -> list[ProcessNode]:
    nodes = []
    for item in items:
        node = item if isinstance(item, ProcessNode) else load_node(item)
        if not isinstance(node, ProcessNode):
            raise TypeError(f"wait() takes process nodes or their pks; {node!r} is not a process.")
        nodes.append(node)
    return nodes


def _runs_inline(process_class: type[Process]) -> bool:
    """A synchronous calcfunction never waits and never calls processes: it runs as a plain call, no greenlet."""
    return (
        issubclass(process_class, FunctionProcess)
        and process_class.node_kind == "calcfunction"
        and not process_class._is_async
    )


QUICK_SECONDS = 0.005
"""A calcfunction whose last run took less than this is written in one store transaction (one commit) with its
inputs and outputs. A slower one commits its node before its body runs, so that the store is never locked while
user code runs for long, and other kernels see it running."""


def _run_inline(process_class: type[Process], inputs: dict[str, Any]) -> Process:
    started = time.perf_counter()
    if getattr(process_class, "_quick", False):
        interrupted: BaseException | None = None
        with get_store().transaction():
            new = instantiate(process_class, inputs, starts_now=True)
            try:
                new.context.run(new.execute)
            except BaseException as error:  # KeyboardInterrupt: the process is recorded as killed; commit that
                interrupted = error
        if interrupted is not None:
            raise interrupted
    else:
        new = instantiate(process_class, inputs, starts_now=True)
        new.context.run(new.execute)
    process_class._quick = time.perf_counter() - started < QUICK_SECONDS  # type: ignore[attr-defined]
    return new


def _result(process: Process) -> Any:
    if process.state is ProcessState.EXCEPTED and process.exception is not None:
        raise process.exception
    if process.state is ProcessState.KILLED:
        message = process.node.exit_message  # type: ignore[attr-defined]
        raise ProcessKilledError(f"{process.name} was killed: {message or 'no reason given'}", process.node)
    outputs = process.outputs
    if isinstance(process, FunctionProcess) and list(outputs) == ["result"]:
        return outputs["result"]
    return AttributeDict(outputs)
