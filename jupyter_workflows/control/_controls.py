"""Pause, play and kill processes, wherever they run.

Processes this runtime runs are steered directly; those another kernel or a daemon worker runs, over the broker
(an RPC to their owner, when a broker is configured: ``jw.configure(broker=...)``); those queued for a worker, in
the store. A process whose owner died (an orphan) can still be killed: that only records it as killed, since
nothing runs it. Called from another thread (a widget's comm handler), the control runs on the loop's thread and the
caller waits for its result, so what is returned is what happened.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .._processes import Intent, steer
from .._runtime import on_loop_thread
from ..nodes import ProcessNode, process_nodes_of

__all__ = ["kill", "pause", "play"]


@on_loop_thread
def pause(*nodes: ProcessNode | int | list[ProcessNode | int]) -> list[ProcessNode]:
    """Hold each process at its next step boundary. Returns the processes that were (or stay) paused."""
    return _apply(nodes, "pause")


@on_loop_thread
def play(*nodes: ProcessNode | int | list[ProcessNode | int]) -> list[ProcessNode]:
    """Let paused processes go on. Returns the processes that were paused and now play."""
    return _apply(nodes, "play")


@on_loop_thread
def kill(*nodes: ProcessNode | int | list[ProcessNode | int], message: str | None = None) -> list[ProcessNode]:
    """Kill each process and its running children (on other workers too); ``message`` is recorded as the reason.
    Returns the processes that were killed (already terminated ones are left alone)."""
    return _apply(nodes, "kill", message or "Killed by the user.")


def _apply(items: Iterable[Any], intent: Intent, message: str = "") -> list[ProcessNode]:
    nodes = process_nodes_of(items, purpose=f"{intent}()")  # jw.kill([a, b]) as jw.kill(a, b)
    return [node for node in nodes if steer(node, intent, message)]
