"""What a view needs to know about a process at one moment, read from its node in one go.

Reading a node this kernel runs costs nothing (the engine writes through the same object); a node another kernel
runs is read from the store. Who can steer the process (``ownership``) decides which controls are valid.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from .._format import format_duration, format_since
from .._runtime import Ownership
from ..nodes import ProcessNode, WorkChainNode
from ._style import badge_of

__all__ = ["ProcessSnapshot", "kind_of"]


@dataclass(frozen=True)
class ProcessSnapshot:
    pk: int
    process_label: str
    label: str
    kind: str  # "WorkChain", "calcfunction", "workfunction", ...
    state: str  # the stored process state: "created", "running", ...
    badge: str  # the badge key: the state, or "paused" / "failed"
    badge_text: str
    paused: bool
    terminated: bool
    exit_status: int | None
    exit_message: str | None
    step: str | None
    status: str | None
    ctime: float
    mtime: float
    ownership: Ownership
    owner_text: str  # "this kernel", "kernel pid 12 on host", "gone (orphaned)", ""
    resumable: bool  # an orphaned WorkChain: jw.resume() can continue it

    @classmethod
    def of(cls, node: ProcessNode) -> ProcessSnapshot:
        """Read ``node`` now."""
        state = node.process_state.value
        terminated = node.process_state.is_terminal
        paused = node.paused and not terminated
        exit_status = node.exit_status
        key, text = badge_of(state, paused=paused, exit_status=exit_status)
        status = node.owner_status()
        return cls(
            pk=node.pk or 0,
            process_label=node.process_label,
            label=node.label,
            kind=kind_of(node),
            state=state,
            badge=key,
            badge_text=text,
            paused=paused,
            terminated=terminated,
            exit_status=exit_status,
            exit_message=node.exit_message,
            step=node.step,
            status=node.process_status,
            ctime=node.ctime,
            mtime=node.mtime,
            ownership=status.ownership,
            owner_text=status.describe(),
            resumable=status.ownership is Ownership.ORPHANED and isinstance(node, WorkChainNode),
        )

    @property
    def name(self) -> str:
        return f"{self.process_label}<{self.pk}>"

    def duration_text(self, *, ticking: bool) -> str:
        """How long it ran (terminated), or has been running: as a duration when the view refreshes it every second
        (``ticking``), else as the start time, which stays true."""
        if self.terminated or ticking:
            return format_duration(self.elapsed())
        return format_since(self.ctime)

    def elapsed(self, now: float | None = None) -> float:
        """Seconds since creation; for a terminated process, how long it ran."""
        end = self.mtime if self.terminated else (now if now is not None else time.time())
        return max(0.0, end - self.ctime)


def kind_of(node: ProcessNode) -> str:
    """``WorkChain``, ``calcfunction``, ``workfunction`` or the node class of other process kinds."""
    kind = node.node_type.split(".", 1)[-1]
    return "WorkChain" if kind == "workchain" else kind
