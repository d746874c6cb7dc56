"""Ending processes that nobody runs any more (orphans): recorded as killed, with a reason, their descendants too.

A descendant that this runtime runs is killed through its process; one that another live runtime runs is left alone
(that runtime steers it), and the orphan's report says so. A terminated node is never touched: a sealed node never
changes again.
"""

from __future__ import annotations

from .._core import ProcessState, killed_with_caller
from .._runtime import Ownership, Runtime, get_runtime
from ..nodes import ProcessNode

__all__ = ["end_orphan_tree", "record_end"]


def record_end(node: ProcessNode, state: ProcessState, exit_message: str, exception: str | None = None) -> bool:
    """Record the end of ``node``, whose process runs nowhere, and announce it as its process would have (with a
    broker, a broadcast): whoever waits for it, in any kernel or worker, hears it at once. False if it had ended
    already (that end stands, announced where it was made)."""
    old = node.process_state
    if node.record_state(state, exit_message=exit_message, exception=exception) is not state or old is state:
        return False
    from ._daemon import communicator

    runtime = get_runtime()
    if communicator() is not None:  # connected now if not yet (a command line's): it broadcasts the end
        _tell_the_caller(node, runtime)
    announced = {"old": old.value, "new": state.value, "committed": True, "exit_status": None}
    runtime.runner.events.publish(node.pk or 0, "state", **announced)
    return True


def _tell_the_caller(node: ProcessNode, runtime: Runtime) -> None:
    """The end goes to the kernel or worker that runs the process's caller too: the caller may wait for it without
    a subscription of its own (a worker's WorkChain hears its children at its address, which their tasks name; one
    that ended here, queued or orphaned, never had its task taken)."""
    caller = node.caller
    owner = caller.owner if caller is not None and not caller.is_terminated else None
    if owner and owner != runtime.owner_id and node.pk is not None and not runtime.broker.notify_of(node.pk):
        runtime.broker.notify_at_end(node.pk, runtime.broker.address_of(owner))


def end_orphan_tree(node: ProcessNode, reason: str, *, via: ProcessNode | None = None) -> list[ProcessNode]:
    """Record the orphan ``node`` and its unterminated descendants as killed with ``reason`` (children first);
    ``via``: the caller the kill came through. Returns the descendants left alone because another runtime runs them."""
    left_alone: list[ProcessNode] = []
    for child in node.called:
        if child.is_terminated:
            continue
        if child.process is not None:
            child.process.kill(reason)
        elif child.owner_status().ownership is Ownership.ELSEWHERE:
            left_alone.append(child)
            node.record_report(
                "WARNING",
                f"{child.process_label}<{child.pk}> was left running: {child.owner_status().describe()} runs it; "
                "kill it from there.",
            )
        else:
            left_alone += end_orphan_tree(child, reason, via=node)
    if not node.is_terminated:
        message = reason if via is None else killed_with_caller(reason, f"{via.process_label}<{via.pk}>")
        record_end(node, ProcessState.KILLED, message)
    return left_alone
