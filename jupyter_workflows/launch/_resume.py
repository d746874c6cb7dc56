"""``resume``: continue an orphaned WorkChain (its kernel died) from its last checkpoint, in this kernel.

Process functions keep no checkpoint (they run in one step): an orphaned one that a resumed WorkChain was waiting
for is recorded as killed and run again with the same inputs; one that died in the middle of a step is recorded
as killed, since the step runs again from its start.
"""

from __future__ import annotations

import importlib
import sys
from typing import Any

from .._core import CheckpointError, NotResumableError, Process, ProcessState
from .._processes import Launch, instantiate, process_class_of
from .._runtime import Ownership, Runtime, get_runtime, on_loop_thread
from .._wire import CHECKPOINT_VERSION, Checkpoint
from ..nodes import ProcessNode, WorkChainNode, load_node, process_node_of
from ..workchains import WorkChain

__all__ = ["resume"]

_REQUIRED_KEYS = ("version", "process_class", "outline", "pc", "ctx", "awaiting")


@on_loop_thread
def resume(node: ProcessNode | int) -> ProcessNode:
    """Continue an orphaned WorkChain from its last checkpoint, in the background of this kernel; returns its node.

    The WorkChain's class must be defined in this kernel (re-run the cell that defines it, or import it). Of several
    kernels resuming the same orphan at once, one wins; the others get NotResumableError naming the winner.
    """
    node = process_node_of(node, purpose="resume()")
    runtime = get_runtime()
    process = _recreate(node, runtime)
    runtime.runner.start(process)
    return node


def _check_orphan(node: ProcessNode) -> str | None:
    """Refuse what cannot be resumed; return the owner the orphan had when it was judged orphaned."""
    name = f"{node.process_label}<{node.pk}>"
    if node.is_terminated:
        raise NotResumableError(f"{name} already terminated ({node.process_state.value}); there is nothing to resume.")
    if node.process is not None:
        raise NotResumableError(f"{name} is running in this kernel already.")
    owner = node.owner
    status = node.owner_status()
    if status.ownership is Ownership.ELSEWHERE:
        raise NotResumableError(
            f"{name} is still run by {status.describe()}; it is not orphaned. Wait for it, or kill it from there."
        )
    if not isinstance(node, WorkChainNode):
        raise NotResumableError(
            f"{name} is a process function: it runs in one step and keeps no checkpoint, so it cannot continue. "
            "Call the function again; jw.kill(node) records this orphan as killed."
        )
    return owner


def _checkpoint_of(node: ProcessNode) -> Checkpoint | None:
    """The orphan's checkpoint; None if it died before its first step ended (it then starts from the beginning)."""
    name = f"{node.process_label}<{node.pk}>"
    data = node.load_checkpoint()
    if data is None:
        return None
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


def _recreate(node: ProcessNode, runtime: Runtime, parent: Process | None = None) -> WorkChain:
    """The WorkChain object of an orphaned node, restored at its checkpoint and claimed by ``runtime``."""
    dead_owner = _check_orphan(node)
    checkpoint = _checkpoint_of(node)
    cls = _resolve(checkpoint["process_class"] if checkpoint else node.process_class, node)
    program = cls.spec().program
    assert program is not None
    if checkpoint is not None and program.fingerprint != checkpoint["outline"]:
        raise NotResumableError(
            f"The outline of {cls.__name__} changed since {node.process_label}<{node.pk}> was checkpointed; "
            "resume it with the class as it was defined then."
        )
    if checkpoint is not None and checkpoint["pc"] > len(program):
        raise CheckpointError(f"The checkpoint of {node.process_label}<{node.pk}> points past the end of its outline.")
    runtime.register_owner_in(node.provenance_store)
    if not node.claim(runtime.owner_id, expected=dead_owner):
        raise NotResumableError(
            f"{node.process_label}<{node.pk}> was taken over just now by {node.owner_status().describe() or 'another'}"
            " kernel; it runs there. Steer it from there."
        )
    inputs: dict[str, Any] = dict(node.inputs)
    inputs["metadata"] = {"label": node.label, "description": node.description}
    process: WorkChain = cls(inputs, node, runtime.runner, label=node.process_label, parent=parent)
    process.restore(checkpoint, node.process_state)
    node.process = process
    _adopt_children(process, runtime)
    return process


def _adopt_children(process: WorkChain, runtime: Runtime) -> None:
    awaited = {entry["pk"] for entry in process.awaiting}
    for entry in process.awaiting:
        child = load_node(entry["pk"])
        if not isinstance(child, ProcessNode) or child.is_terminated or child.process is not None:
            continue
        if child.owner_status().ownership is Ownership.ELSEWHERE:
            continue  # someone else runs it; the WorkChain watches it in the store
        if isinstance(child, WorkChainNode):
            runtime.runner.start(_recreate(child, runtime, parent=process))
        else:
            process.replace_awaited(entry["pk"], _rerun_function(child, process, runtime))
    for child in process.node.called:  # type: ignore[attr-defined]
        if child.pk not in awaited and not child.is_terminated and child.process is None:
            child.record_state(
                ProcessState.KILLED,
                exit_message="Its kernel died in the middle of a step; the step ran again when its caller resumed.",
            )


def _rerun_function(child: ProcessNode, parent: WorkChain, runtime: Runtime) -> int:
    assert child.pk is not None
    function_class = process_class_of(_resolve(child.process_class, child))
    new = parent.context.run(instantiate, function_class, dict(child.inputs), launch=Launch.SUBMIT)
    child.record_state(
        ProcessState.KILLED,
        exit_message=f"Its kernel died while it ran; it ran again as {new.name} when its caller resumed.",
    )
    runtime.runner.start(new)
    assert new.pk is not None
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
