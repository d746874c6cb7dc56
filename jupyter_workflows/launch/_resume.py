"""``resume``: continue an orphaned WorkChain (its kernel died) from its last checkpoint, in this kernel.

Process functions keep no checkpoint (they run in one step): an orphaned one that a resumed WorkChain was waiting
for is recorded as killed and run again with the same inputs; one that died in the middle of a step is recorded
as killed, since the step runs again from its start.
"""

from __future__ import annotations

import importlib
import sys
from typing import Any

from .._core import (
    CheckpointError,
    NotResumableError,
    Process,
    ProcessState,
    Runner,
    get_runner,
)
from .._owners import ELSEWHERE, ownership, register_owner
from .._processes._instantiate import instantiate
from .._wire import CHECKPOINT_VERSION, AwaitedChild, Checkpoint
from ..nodes import ProcessNode, WorkChainNode, load_node
from ..workchains import WorkChain
from ..workchains._checkpoint import decode_context

__all__ = ["resume"]

_REQUIRED_KEYS = ("version", "process_class", "outline", "pc", "ctx", "awaiting")


def resume(node: ProcessNode | int) -> ProcessNode:
    """Continue an orphaned WorkChain from its last checkpoint, in the background of this kernel; returns its node.

    The WorkChain's class must be defined in this kernel (re-run the cell that defines it, or import it).
    """
    node = _orphan(node)
    runner = get_runner()
    process = _recreate(node, runner)
    runner.start(process)
    return node


def _orphan(item: ProcessNode | int) -> ProcessNode:
    node = item if isinstance(item, ProcessNode) else load_node(item)
    if not isinstance(node, ProcessNode):
        raise NotResumableError(f"{node!r} is data, not a process.")
    name = f"{node.process_label}<{node.pk}>"
    if node.is_terminated:
        raise NotResumableError(f"{name} already terminated ({node.process_state.value}); there is nothing to resume.")
    if node.process is not None:
        raise NotResumableError(f"{name} is running in this kernel already.")
    where, owner = ownership(node)
    if where == ELSEWHERE:
        raise NotResumableError(
            f"{name} is still run by {owner}; it is not orphaned. Wait for it, or kill it from there."
        )
    if not isinstance(node, WorkChainNode):
        raise NotResumableError(
            f"{name} is a process function: it runs in one step and keeps no checkpoint, so it cannot continue. "
            "Call the function again; jw.kill(node) records this orphan as killed."
        )
    return node


def _checkpoint_of(node: ProcessNode) -> Checkpoint:
    name = f"{node.process_label}<{node.pk}>"
    data = node.load_checkpoint()
    if data is None:
        raise NotResumableError(f"{name} has no checkpoint: its kernel died before it recorded its first step.")
    missing = [key for key in _REQUIRED_KEYS if key not in data]
    if missing or not isinstance(data.get("pc"), int) or not isinstance(data.get("awaiting"), list):
        raise CheckpointError(
            f"The checkpoint of {name} is corrupted (missing or malformed: {', '.join(missing) or 'pc/awaiting'})."
        )
    if data["version"] != CHECKPOINT_VERSION:
        raise CheckpointError(
            f"The checkpoint of {name} has version {data['version']}, this jupyter_workflows reads version "
            f"{CHECKPOINT_VERSION}; resume it with the jupyter_workflows version that wrote it."
        )
    if data.get("unresumable"):
        raise NotResumableError(f"{name} cannot be resumed: {data['unresumable']}.")
    return data  # type: ignore[return-value]


def _recreate(node: ProcessNode, runner: Runner, parent: Process | None = None) -> WorkChain:
    """The WorkChain object of an orphaned node, restored at its checkpoint and owned by ``runner`` (not started)."""
    checkpoint = _checkpoint_of(node)
    cls = _resolve(checkpoint["process_class"], node)
    program = cls.spec().program
    assert program is not None
    if program.fingerprint != checkpoint["outline"]:
        raise NotResumableError(
            f"The outline of {cls.__name__} changed since {node.process_label}<{node.pk}> was checkpointed; "
            "resume it with the class as it was defined then."
        )
    if checkpoint["pc"] > len(program):
        raise CheckpointError(f"The checkpoint of {node.process_label}<{node.pk}> points past the end of its outline.")
    register_owner(node._the_store, runner)
    node._write(owner=runner.id)
    inputs: dict[str, Any] = dict(node.inputs)
    inputs["metadata"] = {"label": node.label, "description": node.description}
    process: WorkChain = cls(inputs, node, runner, label=node.process_label, parent=parent)
    process.state = node.process_state
    process.ctx = decode_context(checkpoint["ctx"])
    process._pc = checkpoint["pc"]
    process._awaiting = [AwaitedChild(**entry) for entry in checkpoint["awaiting"]]
    node.process = process
    _adopt_children(process, runner)
    return process


def _adopt_children(process: WorkChain, runner: Runner) -> None:
    awaited = {entry["pk"] for entry in process._awaiting}
    for entry in process._awaiting:
        child = load_node(entry["pk"])
        if not isinstance(child, ProcessNode) or child.is_terminated or child.process is not None:
            continue
        if ownership(child)[0] == ELSEWHERE:
            continue  # someone else runs it; the WorkChain watches it in the store
        if isinstance(child, WorkChainNode):
            runner.start(_recreate(child, runner, parent=process))
        else:
            entry["pk"] = _rerun_function(child, process, runner)
    for child in load_node(process.pk).called:  # type: ignore[attr-defined]
        if child.pk not in awaited and not child.is_terminated and child.process is None:
            child.record_state(
                ProcessState.KILLED,
                exit_message="Its kernel died in the middle of a step; the step ran again when its caller resumed.",
            )


def _rerun_function(child: ProcessNode, parent: WorkChain, runner: Runner) -> int:
    assert child.pk is not None
    path = child._the_store.get_node(child.pk).attributes.get("process_class", "")
    function_class = _resolve(path, child)
    inputs = dict(child.inputs)
    new = parent.context.run(instantiate, function_class, inputs, runner=runner)
    child.record_state(
        ProcessState.KILLED,
        exit_message=f"Its kernel died while it ran; it ran again as {new.name} when its caller resumed.",
    )
    runner.start(new)
    return new.pk


def _resolve(path: str, node: ProcessNode) -> Any:
    module_name, _, qualname = path.partition(":")
    where = "the notebook" if module_name == "__main__" else f"module {module_name}"
    try:
        target: Any = sys.modules["__main__"] if module_name == "__main__" else importlib.import_module(module_name)
        for part in qualname.split("."):
            target = getattr(target, part)
    except (ImportError, AttributeError, KeyError):
        name = qualname.split(".")[0]
        raise NotResumableError(
            f"Cannot resume {node.process_label}<{node.pk}>: {name} is not defined here (it came from {where}). "
            f"Define {name} in this kernel first (re-run its cell, or import it), then resume again."
        ) from None
    return target
