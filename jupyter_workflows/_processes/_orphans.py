"""Ending processes that nobody runs any more (orphans): recorded as killed, with a reason, their descendants too.

A descendant that this runtime runs is killed through its process; one that another live runtime runs is left alone
(that runtime steers it), and the orphan's report says so. A terminated node is never touched: a sealed node never
changes again.
"""

from __future__ import annotations

from .._core import ProcessState
from .._runtime import Ownership
from ..nodes import ProcessNode

__all__ = ["end_orphan_tree"]


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
        message = reason if via is None else f"{reason} (killed with its caller {via.process_label}<{via.pk}>)"
        node.record_state(ProcessState.KILLED, exit_message=message)
    return left_alone
