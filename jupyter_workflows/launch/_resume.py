"""``resume``: continue an orphaned WorkChain (its kernel died) from its last checkpoint, in this kernel.

A resume first plans the whole tree (reads checkpoints, finds the classes, decides what happens to each child) and
writes nothing; then it takes the orphans over (compare-and-set on their owner, undone if any take-over fails); only
then does it write and start anything. What happens to the orphan's unterminated children:

- awaited WorkChains are resumed with it; awaited process functions (which keep no checkpoint) are recorded as killed
  and run again with the same inputs;
- children called in the step that died (after its last checkpoint) are killed with their descendants: the step runs
  again and calls them again;
- children of a finished step that it did not wait for are resumed if they are WorkChains, else killed with their
  descendants, each with a reason that says what happened;
- a child another live kernel runs is left to it; an awaited child still queued for a daemon worker gets its task
  sent again (the first may have died with the kernel, before the broker took it; a duplicate is skipped).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .._core import CheckpointError, NotResumableError, PreparedProcess, Process
from .._processes import Launch, end_orphan_tree, instantiate, process_class_of, queue_again
from .._runtime import Ownership, Runtime, get_runtime, on_loop_thread
from .._wire import CHECKPOINT_VERSION, Checkpoint
from ..nodes import ProcessNode, WorkChainNode, find_process_class, process_node_of
from ..store import CALL_LINK_TYPES
from ..workchains import WorkChain

__all__ = ["resume"]

_REQUIRED_KEYS = ("version", "process_class", "outline", "pc", "ctx", "awaiting")
STEP_RAN_AGAIN = "Its kernel died during the step that called it; that step ran again when its caller was resumed."
NOT_WAITED_FOR = "Its kernel died while it ran; its caller did not wait for it, and a process function cannot continue."


@dataclass
class Plan:
    """What resuming one orphaned WorkChain will do; made without writing anything."""

    node: WorkChainNode
    cls: type[WorkChain]
    checkpoint: Checkpoint | None
    dead_owner: str | None
    claimed: bool = False  # claimed for this runtime already (a queued process that continue_process claimed)
    fresh: bool = False  # it never started (created): no checkpoint, outputs or children to read
    resumed: list[Plan] = field(default_factory=list)  # child WorkChains resumed with it
    rerun: list[ProcessNode] = field(default_factory=list)  # awaited process functions run again
    ended: list[tuple[ProcessNode, str]] = field(default_factory=list)  # children killed with their descendants


@on_loop_thread
def resume(node: ProcessNode | int) -> ProcessNode:
    """Continue an orphaned WorkChain from its last checkpoint, in the background of this kernel; returns its node.

    The WorkChain's class (and those of its children) must be defined in this kernel (re-run the cell that defines
    it, or import it). Of several kernels resuming the same orphan at once, one wins; the others get
    NotResumableError naming the winner. A resume that fails leaves everything as it was.
    """
    node = process_node_of(node, purpose="resume()")
    runtime = get_runtime()
    plan = _plan(node)
    runtime.register_owner_in(node.provenance_store)
    processes = take_over(plan, runtime)
    for process, part in processes:
        _settle_children(process, part, runtime)
    for process, part in processes:
        runtime.runner.start(process)
        queue_again(queued_awaited(part))
    return node


# -- planning: reads only ----------------------------------------------------------------------------------------------
def _plan(node: ProcessNode) -> Plan:
    dead_owner = _check_orphan(node)
    assert isinstance(node, WorkChainNode)
    plan = plan_from_checkpoint(node, dead_owner)
    checkpoint = plan.checkpoint
    awaited = {entry["pk"] for entry in checkpoint["awaiting"]} if checkpoint else set()
    done_until = checkpoint.get("children_until", 0) if checkpoint else 0
    for child in node.called:
        if child.is_terminated or child.process is not None:
            continue
        if child.owner_status().ownership in (Ownership.ELSEWHERE, Ownership.QUEUED):
            continue  # another kernel or a daemon worker runs it: the WorkChain watches it in the store
        if child.pk in awaited:
            if isinstance(child, WorkChainNode):
                plan.resumed.append(_plan(child))
            else:
                resolve_class(child.process_class_path, child)  # it must be runnable again
                plan.rerun.append(child)
        elif (child.pk or 0) > done_until:
            plan.ended.append((child, STEP_RAN_AGAIN))
        elif isinstance(child, WorkChainNode):
            plan.resumed.append(_plan(child))
        else:
            plan.ended.append((child, NOT_WAITED_FOR))
    return plan


def queued_awaited(plan: Plan) -> list[ProcessNode]:
    """The children the checkpoint of ``plan`` awaits that are still queued for a daemon worker (their task may have
    died with the runtime that submitted them)."""
    awaited = {entry["pk"] for entry in plan.checkpoint["awaiting"]} if plan.checkpoint else set()
    if not awaited:
        return []
    return [
        child
        for child in plan.node.called
        if child.pk in awaited and not child.is_terminated and child.owner_status().ownership is Ownership.QUEUED
    ]


def plan_from_checkpoint(node: WorkChainNode, owner: str | None, *, claimed: bool = False, fresh: bool = False) -> Plan:
    """What continuing ``node`` (held by ``owner`` now, or by this runtime if ``claimed``: then it goes back to
    ``owner`` if taking it over fails) from its checkpoint takes: its class, its checkpoint (None if it died in its
    first step: it starts from the beginning), checked against the outline; children not planned. A ``fresh`` one
    (its claim found it created: it never started) has no checkpoint to read."""
    checkpoint = None if fresh else _checkpoint_of(node)
    cls = resolve_class(checkpoint["process_class"] if checkpoint else node.process_class_path, node)
    program = cls.spec().program
    assert program is not None
    if checkpoint is not None and program.fingerprint != checkpoint["outline"]:
        raise NotResumableError(
            f"The outline of {cls.__name__} changed since {_name(node)} was checkpointed; resume it with the class "
            "as it was defined then."
        )
    if checkpoint is not None and checkpoint["pc"] > len(program):
        raise CheckpointError(f"The checkpoint of {_name(node)} points past the end of its outline.")
    return Plan(node, cls, checkpoint, owner, claimed, fresh)


def _check_orphan(node: ProcessNode) -> str | None:
    """Refuse what cannot be resumed; return the owner the orphan had when it was judged orphaned."""
    if node.is_terminated:
        raise NotResumableError(
            f"{_name(node)} already terminated ({node.process_state.value}); there is nothing to resume."
        )
    if node.process is not None:
        raise NotResumableError(f"{_name(node)} is running in this kernel already.")
    owner = node.owner
    status = node.owner_status()
    if status.ownership is Ownership.ELSEWHERE:
        raise NotResumableError(
            f"{_name(node)} is still run by {status.describe()}; it is not orphaned. Wait for it, or kill it from "
            "there."
        )
    if not isinstance(node, WorkChainNode):
        raise NotResumableError(
            f"{_name(node)} is a process function: it runs in one step and keeps no checkpoint, so it cannot "
            "continue. Call the function again; jw.kill(node) records this orphan as killed."
        )
    return owner


def _checkpoint_of(node: ProcessNode) -> Checkpoint | None:
    """The orphan's checkpoint; None if it died before its first step ended (it then starts from the beginning)."""
    data = node.load_checkpoint()
    if data is None:
        return None
    missing = [key for key in _REQUIRED_KEYS if key not in data]
    if missing or not isinstance(data.get("pc"), int) or not isinstance(data.get("awaiting"), list):
        raise CheckpointError(
            f"The checkpoint of {_name(node)} is corrupted (missing or malformed: "
            f"{', '.join(missing) or 'pc/awaiting'})."
        )
    if data["version"] != CHECKPOINT_VERSION:
        raise CheckpointError(
            f"The checkpoint of {_name(node)} has version {data['version']}, this jupyter_workflows reads version "
            f"{CHECKPOINT_VERSION}; resume it with the jupyter_workflows version that wrote it."
        )
    if data.get("unresumable"):
        raise NotResumableError(f"{_name(node)} cannot be resumed: {data['unresumable']}.")
    return data  # type: ignore[return-value]


def resolve_class(path: str, node: ProcessNode) -> Any:
    """The process class ``path`` names, found here; NotResumableError saying how to make it found (CodeTravelError
    when stored notebook code does not load: it says why)."""
    module_name, _, qualname = path.partition(":")
    try:
        return find_process_class(path, node.provenance_store)
    except ImportError as error:
        if module_name != "__main__":
            raise NotResumableError(_unimportable(node, module_name, error)) from None
    except (AttributeError, KeyError):
        pass
    name = qualname.split(".")[0]
    where = "the notebook" if module_name == "__main__" else f"module {module_name}"
    raise NotResumableError(
        f"Cannot resume {_name(node)}: {name} is not defined here (it came from {where}). Define {name} in this "
        "kernel first (re-run its cell, or import it), then resume again."
    )


def _unimportable(node: ProcessNode, module_name: str, error: ImportError) -> str:
    """Why the module of ``node``'s class does not import here, and what to install where."""
    failed = f"cannot be imported here ({type(error).__name__}: {error})"
    missing = error.name or module_name
    if get_runtime().kind == "worker":
        return (
            f"Module {module_name}, which {_name(node)} comes from, {failed}. Install {missing} where the daemon "
            "workers run, or start the daemon with the directory that holds it on PYTHONPATH "
            "(PYTHONPATH=<directory> jupyter workflows daemon start)."
        )
    return (
        f"Cannot resume {_name(node)}: module {module_name}, which it comes from, {failed}. Install {missing} in "
        "this kernel's environment (or add the directory that holds it to sys.path), then resume again."
    )


# -- taking over: all or nothing ---------------------------------------------------------------------------------------
def take_over(plan: Plan, runtime: Runtime) -> list[tuple[WorkChain, Plan]]:
    """Claim every orphan of the plan and build its process, parents first; undo all of it if one claim fails."""
    taken: list[tuple[WorkChain, Plan]] = []
    try:
        _take(plan, runtime, None, taken)
    except BaseException:
        for process, part in reversed(taken):
            part.node.process = None
            runtime.runner.release(process)
            part.node.claim(part.dead_owner, expected=runtime.owner_id)  # hand it back: orphaned again
        raise
    return taken


def _take(plan: Plan, runtime: Runtime, parent: Process | None, taken: list[tuple[WorkChain, Plan]]) -> None:
    node = plan.node
    if not (plan.claimed or node.claim(runtime.owner_id, expected=plan.dead_owner)):
        raise NotResumableError(
            f"{_name(node)} was taken over just now by {node.owner_status().describe() or 'another'} kernel; it runs "
            "there. Steer it from there."
        )
    inputs: dict[str, Any] = dict(node.inputs)
    inputs["metadata"] = {"label": node.label, "description": node.description}
    taken_up = PreparedProcess(
        plan.cls, inputs, node, runtime.runner, node.process_label, parent, store_now=False, resumed=True
    )
    process = plan.cls.from_prepared(taken_up)
    outputs = {} if plan.fresh else node.outputs
    process.restore(plan.checkpoint, state=node.process_state, paused=node.paused, outputs=outputs)
    taken.append((process, plan))
    for child in plan.resumed:
        _take(child, runtime, process, taken)


# -- writing: after every take-over succeeded --------------------------------------------------------------------------
def _settle_children(process: WorkChain, plan: Plan, runtime: Runtime) -> None:
    for child, reason in plan.ended:
        end_orphan_tree(child, reason)
    for child in plan.rerun:
        process.replace_awaited(_pk(child), _rerun_function(child, process, runtime))


def _rerun_function(child: ProcessNode, parent: WorkChain, runtime: Runtime) -> int:
    function_class = process_class_of(resolve_class(child.process_class_path, child))
    inputs: dict[str, Any] = dict(child.inputs)
    inputs["metadata"] = {"label": child.label, "description": child.description}
    call = child.provenance_store.get_links(inputs_of=[_pk(child)], link_types=CALL_LINK_TYPES)
    if call:  # the new attempt keeps the name its caller gave it (a BaseRestartWorkChain's iteration_02)
        inputs["metadata"]["call_link_label"] = call[0].link_label
    new = parent.context.run(instantiate, function_class, inputs, launch=Launch.SUBMIT)
    end_orphan_tree(child, f"Its kernel died while it ran; it ran again as {new.name} when its caller was resumed.")
    runtime.runner.start(new)
    return _pk(new.node)  # type: ignore[arg-type]


def _pk(node: ProcessNode) -> int:
    assert node.pk is not None
    return node.pk


def _name(node: ProcessNode) -> str:
    return f"{node.process_label}<{node.pk}>"
