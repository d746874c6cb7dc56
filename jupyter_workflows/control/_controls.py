"""Pause, play and kill processes.

Processes this kernel runs are steered directly. A process whose owner died (an orphan) can still be killed: that
only records it as killed, since nothing runs it. A process another live kernel runs is refused with the reason.
Called from another thread (a widget's comm handler), the control runs on the loop's thread and the caller waits for
its result, so what is returned is what happened.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterable

from .._core import Process, ProcessNotRunningHereError
from .._processes import end_orphan_tree
from .._runtime import Ownership, on_loop_thread
from ..nodes import ProcessNode, process_node_of

__all__ = ["kill", "pause", "play"]


@on_loop_thread
def pause(*nodes: ProcessNode | int) -> list[ProcessNode]:
    """Hold each process at its next step boundary. Returns the processes that were (or stay) paused."""
    return _apply(nodes, "pause", lambda process: process.pause())


@on_loop_thread
def play(*nodes: ProcessNode | int) -> list[ProcessNode]:
    """Let paused processes go on. Returns the processes that were paused and now play."""
    return _apply(nodes, "play", lambda process: process.play())


@on_loop_thread
def kill(*nodes: ProcessNode | int, message: str | None = None) -> list[ProcessNode]:
    """Kill each process and its running children; ``message`` is recorded as the reason. Returns the processes
    that were killed (already terminated ones are left alone)."""
    reason = message or "Killed by the user."
    return _apply(nodes, "kill", lambda process: process.kill(reason), orphan=lambda node: _kill_orphan(node, reason))


def _apply(
    items: Iterable[ProcessNode | int],
    action: str,
    control: Callable[[Process], bool],
    orphan: Callable[[ProcessNode], bool] | None = None,
) -> list[ProcessNode]:
    nodes = [process_node_of(item, purpose=f"{action}()") for item in items]
    done: list[ProcessNode] = []
    for node in nodes:
        if node.is_terminated:
            continue
        process = node.process
        if process is not None:
            if control(process):
                done.append(node)
            continue
        status = node.owner_status()
        if status.ownership is Ownership.ELSEWHERE:
            raise ProcessNotRunningHereError(
                f"Cannot {action} {node.process_label}<{node.pk}>: it runs in {status.describe()}; {action} it from "
                "there."
            )
        if orphan is None:
            raise ProcessNotRunningHereError(
                f"Cannot {action} {node.process_label}<{node.pk}>: the kernel that ran it is gone (orphaned). "
                "Resume it with jw.resume(node), or kill it."
            )
        if orphan(node):
            done.append(node)
    return done


def _kill_orphan(node: ProcessNode, message: str) -> bool:
    """Record an orphan and its orphaned descendants as killed: nobody runs them any more. A descendant that another
    live kernel runs is left to it, with a warning (and a line in the orphan's report)."""
    for child in end_orphan_tree(node, f"{message} (its kernel had died)"):
        warnings.warn(
            f"{child.process_label}<{child.pk}> was left running: {child.owner_status().describe()} runs it. Kill it "
            "from there.",
            stacklevel=4,
        )
    return True
