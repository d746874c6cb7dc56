"""Turning "this process class with these inputs" into a validated, ready-to-run process with its node.

Inputs are validated completely before anything is written, so bad input leaves no node behind. The process node,
new input nodes and all links are then written in one transaction: at once (``Launch.SUBMIT``, ``Launch.RUN``), or
together with everything else when the process ends (``Launch.RUN_DEFERRED``, for quick calcfunctions).
"""

from __future__ import annotations

import enum
from collections.abc import Iterator, Mapping
from typing import Any

from .._code import class_path
from .._core import (
    InvalidOperationError,
    PreparedProcess,
    Process,
    ProcessBuilder,
    ProcessState,
    SerializationError,
    SpecError,
    UsageError,
    ValidationError,
    current_process,
)
from .._core._builder import launch_of
from .._core._codec import PLAIN
from .._core._port_tree import port_tree_text
from .._core._ports import PortNamespace
from .._runtime import get_runtime
from ..nodes import CalculationNode, Data, ProcessNode
from ..nodes._links import flat_label
from ._caching import cache_source_for, hash_of_run, replayed_end
from ._recorded import recorded_attributes

__all__ = ["Launch", "enqueue", "instantiate", "launch_inputs", "prepare", "process_class_of"]


class Launch(enum.Enum):
    CREATE = "create"  # made by its constructor, ``Process(inputs=...)``, to be run later: written now as created
    QUEUE = "queue"  # runs on a daemon worker: written now as created, held by nobody (no process object here)
    SUBMIT = "submit"  # runs in the background: written now as created
    AWAIT = "await"  # runs in the background while its caller awaits it: written now as created
    RUN = "run"  # runs now: written now as running
    RUN_DEFERRED = "run_deferred"  # runs now and is quick: written whole when it ends (one commit)


def process_class_of(process: Any) -> type[Process]:
    """The Process class of a process function (its ``process_class``) or of a Process class itself."""
    if isinstance(process, type) and issubclass(process, Process):
        return process  # a class may have an attribute 'process_class' of its own (BaseRestartWorkChain has)
    candidate = getattr(process, "process_class", None)
    if isinstance(candidate, type) and issubclass(candidate, Process):
        return candidate
    raise UsageError(
        f"Expected a @calcfunction, a @workfunction or a WorkChain class, got {type(process).__name__} "
        f"{process!r}; decorate the function with @calcfunction/@workfunction, or pass the WorkChain class itself."
    )


def launch_inputs(process: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[type[Process], dict[str, Any]]:
    """The process class and inputs of ``run(process, *args, **kwargs)`` (and of submit, run_async, self.submit):
    a process class or function with its call's arguments, or a builder, with a mapping and/or keyword inputs
    merged on top of its own."""
    if not isinstance(process, ProcessBuilder):
        process_class = process_class_of(process)
        return process_class, process_class.inputs_from_call(args, kwargs)
    if len(args) > 1 or (args and not isinstance(args[0], Mapping)):
        raise UsageError(
            f"A builder takes its extra inputs as keywords or one dict: run(builder, x=Int(1)); got {len(args)} "
            "positional argument(s)."
        )
    return launch_of(process, {**(args[0] if args else {}), **kwargs})


def instantiate(process_class: type[Process], inputs: dict[str, Any], *, launch: Launch) -> Process:
    """Validate ``inputs``, prepare (and unless deferred, store) the process node with its inputs and links, and
    return the process, not started."""
    process = process_class.from_prepared(prepare(process_class, inputs, launch=launch))
    if get_runtime().broker.url is not None:  # control may come over the broker: listen for it from now on
        from ._daemon import communicator

        communicator()
    return process


def enqueue(process_class: type[Process], inputs: dict[str, Any]) -> tuple[ProcessNode, Process | None]:
    """Validate ``inputs`` and store the process node as created and held by nobody, for a daemon worker to take
    (the caller sends the task). A run the cache serves is not worth a worker: it is returned as a process to start
    here (second item; None otherwise)."""
    prepared = prepare(process_class, inputs, launch=Launch.QUEUE)
    if prepared.replayed is not None:
        return prepared.node, process_class.from_prepared(prepared)  # type: ignore[return-value]
    node = prepared.node
    node.flush()
    if prepared.parent is not None and node.pk is not None:
        prepared.parent.record_call(node.pk)
    return node, None  # type: ignore[return-value]


def prepare(process_class: type[Process], inputs: Mapping[str, Any], *, launch: Launch) -> PreparedProcess:
    """Validate ``inputs`` and describe the process node with its inputs and links (stored when the process object
    exists, unless the launch defers it): what a new process object is made of."""
    runtime = get_runtime()
    label = process_class.__name__
    parent = current_process()
    if parent is not None:
        parent.check_killed()  # a process being killed starts no child
    node_class = _node_class_of(process_class)
    spec = process_class.spec()
    problems: list[str] = []
    values = spec.inputs.pre_process(inputs, "", label, problems)
    problems += spec.inputs.validate_values(values, "", label)
    if launch is Launch.QUEUE:
        problems += _not_sendable(values, spec.inputs, "")
    if problems:
        raise ValidationError(
            f"Invalid inputs for {label}", problems, port_tree=port_tree_text(spec.inputs, f"Inputs of {label}")
        )
    metadata = values.get("metadata", {})
    # A process called by one that stores nothing stores nothing either: it would have no caller to link to.
    storable = metadata.get("store_provenance", True) and (parent is None or parent.node.storable)  # type: ignore[attr-defined]
    if not storable:
        _check_unstored_launch(process_class, launch)
    elif parent is not None and isinstance(parent.node, CalculationNode):
        raise InvalidOperationError(
            f"{parent.name} is a calcfunction and cannot call {label}: calculations only create data. "
            f"Make {parent.label} a @workfunction, call {label} outside of it, or call it with "
            "metadata={'store_provenance': False}."
        )
    node = node_class(process_label=label, label=metadata.get("label", ""), description=metadata.get("description", ""))
    store = runtime.store
    runtime.register_owner_in(store)
    data_inputs = list(_data_inputs(values, spec.inputs, ""))
    hash = hash_of_run(process_class, node_class, data_inputs)
    source = cache_source_for(process_class, node_class, hash, metadata, store) if storable else None
    if launch is Launch.QUEUE and source is not None:
        launch = Launch.SUBMIT  # replaying a cached run costs one commit: it is done here
    written_at_start = launch in (Launch.CREATE, Launch.SUBMIT, Launch.AWAIT, Launch.QUEUE)
    node.prepare(
        store,
        process_class=class_path(process_class),
        process_type=process_class.build_process_type(),
        inputs=data_inputs,
        caller=parent.node if parent is not None and storable else None,  # type: ignore[arg-type]
        call_link_label=metadata.get("call_link_label") or "CALL",
        owner=None if launch is Launch.QUEUE else runtime.owner_id,
        state=ProcessState.CREATED if written_at_start else ProcessState.RUNNING,
        storable=storable,
        hash=hash,
        cached_from=source.uuid if source is not None else None,
        metadata_inputs=metadata_inputs(spec.inputs, inputs),
        recorded=recorded_attributes(process_class, store if storable else None),
    )
    store_now = written_at_start or (launch is Launch.RUN and source is None)  # a cache hit: one commit
    return PreparedProcess(
        process_class,
        values,
        node,
        runtime.runner,
        label,
        parent,
        store_now=store_now,
        replayed=replayed_end(source) if source is not None else None,
    )


def _node_class_of(process_class: type[Process]) -> type[ProcessNode]:
    """The node class a process of ``process_class`` is stored as (``_node_class`` in AiiDA's spelling), checked here,
    at launch, rather than when the class is defined: AiiDA lets a module define any class, and so does this."""
    node_class = getattr(process_class, "node_class", None)
    if not (isinstance(node_class, type) and issubclass(node_class, ProcessNode)):
        raise SpecError(
            f"{process_class.__name__}._node_class must be a process node class such as WorkflowNode or "
            f"CalculationNode (got {node_class!r})."
        )
    return node_class


def _not_sendable(values: Mapping[str, Any], ports: PortNamespace, prefix: str) -> list[str]:
    """Inputs a daemon worker would not get: it reads the inputs from the store, where only data nodes (and the
    label, description and call link label) are kept."""
    problems: list[str] = []
    for name, value in values.items():
        port = ports.get(name)
        if name == "metadata" and not prefix:
            kept = {"label", "description", "call_link_label", "disable_cache", "store_provenance"}
            problems += [
                f"metadata.{key} cannot be sent to a daemon worker; run the process here instead (daemon=False)"
                for key in value
                if key not in kept
            ]
        elif isinstance(port, PortNamespace) and isinstance(value, Mapping):
            problems += _not_sendable(value, port, f"{prefix}{name}.")
        elif getattr(port, "non_db", False) or not isinstance(value, (Data, Mapping)):
            problems.append(
                f"input '{prefix}{name}' is not stored in the provenance graph, so a daemon worker would not get it; "
                "run the process here instead (daemon=False), or make it a data input"
            )
    return problems


def _check_unstored_launch(process_class: type[Process], launch: Launch) -> None:
    """``store_provenance=False`` runs a process in place, where its caller gets the result; nothing else could
    find it (as in AiiDA, which refuses to submit one)."""
    name = process_class.__name__
    if launch in (Launch.SUBMIT, Launch.QUEUE):
        raise InvalidOperationError(
            f"{name} was submitted with store_provenance=False: a process in the background is found and awaited "
            f"through its stored node. Run it instead (jw.run({name}, ...)), or let it store its provenance."
        )
    if getattr(getattr(process_class, "node_class", None), "checkpointed", False):
        raise UsageError(
            f"{name} cannot run with store_provenance=False: a WorkChain checkpoints its steps and waits for its "
            "children through stored nodes. Use it with provenance, or use store_provenance=False for the process "
            "functions it calls."
        )


def metadata_inputs(port: Any, value: Any) -> Any:
    """What of the inputs as given (``value``, for ``port``) went to metadata ports and is JSON: the options of a run
    that a builder for it again needs (``node.get_metadata_inputs()``); None where nothing is."""
    if port is None or value is None:
        return None
    if isinstance(port, PortNamespace):
        if not isinstance(value, Mapping):
            return None
        kept = {key: metadata_inputs(port.get(key), item) for key, item in value.items()}
        return {key: item for key, item in kept.items() if item is not None} or None
    if not port.is_metadata:
        return None
    try:
        return PLAIN.encode(value)
    except SerializationError:  # a node, an object: passed to the run, not recorded
        return None


def _data_inputs(values: Mapping[str, Any], ports: PortNamespace, prefix: str) -> Iterator[tuple[str, Data]]:
    """(flat link label, data node) for every stored input; non-db ports (metadata) are skipped."""
    for name, value in values.items():
        port = ports.get(name)
        if getattr(port, "non_db", False) or (name == "metadata" and not prefix):
            continue
        if isinstance(value, Data):
            yield flat_label(f"{prefix}{name}"), value
        elif isinstance(value, Mapping):
            inner = port if isinstance(port, PortNamespace) else PortNamespace()
            yield from _data_inputs(value, inner, f"{prefix}{name}.")
