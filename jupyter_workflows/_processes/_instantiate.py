"""Turning "this process class with these inputs" into a validated, ready-to-run process with its node.

Inputs are validated completely before anything is written, so bad input leaves no node behind. The process node,
new input nodes and all links are then written in one transaction: at once (``Launch.SUBMIT``, ``Launch.RUN``), or
together with everything else when the process ends (``Launch.RUN_DEFERRED``, for quick calcfunctions).
"""

from __future__ import annotations

import enum
from collections.abc import Iterator, Mapping
from typing import Any

from .._core import (
    Process,
    ProcessState,
    ProvenanceError,
    UsageError,
    ValidationError,
    current_process,
)
from .._core._ports import PortNamespace
from .._runtime import get_runtime
from ..nodes import CalculationNode, Data, ProcessNode
from ..nodes._links import flat_label
from ._caching import cache_source_for, hash_of_run, replay

__all__ = ["Launch", "instantiate", "process_class_of"]


class Launch(enum.Enum):
    SUBMIT = "submit"  # runs in the background: written now as created
    RUN = "run"  # runs now: written now as running
    RUN_DEFERRED = "run_deferred"  # runs now and is quick: written whole when it ends (one commit)


def process_class_of(process: Any) -> type[Process]:
    """The Process class of a process function (its ``process_class``) or of a Process class itself."""
    candidate = getattr(process, "process_class", process)
    if isinstance(candidate, type) and issubclass(candidate, Process):
        return candidate
    raise UsageError(
        f"Expected a @calcfunction, a @workfunction or a WorkChain class, got {type(process).__name__} "
        f"{process!r}; decorate the function with @calcfunction/@workfunction, or pass the WorkChain class itself."
    )


def instantiate(process_class: type[Process], inputs: dict[str, Any], *, launch: Launch) -> Process:
    """Validate ``inputs``, prepare (and unless deferred, store) the process node with its inputs and links, and
    return the process, not started."""
    runtime = get_runtime()
    label = process_class.__name__
    parent = current_process()
    if parent is not None:
        parent.check_killed()  # a process being killed starts no child
    if parent is not None and isinstance(parent.node, CalculationNode):
        raise ProvenanceError(
            f"{parent.name} is a calcfunction and cannot call {label}: calculations only create data. "
            f"Make {parent.label} a @workfunction, or call {label} outside of it."
        )
    spec = process_class.spec()
    problems: list[str] = []
    values = spec.inputs.pre_process(inputs, "", label, problems)
    problems += spec.inputs.validate_values(values, "", label)
    if problems:
        raise ValidationError(f"Invalid inputs for {label}", problems)
    metadata = values.get("metadata", {})
    node_class: type[ProcessNode] = process_class.node_class  # type: ignore[attr-defined]
    node = node_class(process_label=label, label=metadata.get("label", ""), description=metadata.get("description", ""))
    store = runtime.store
    runtime.register_owner_in(store)
    data_inputs = list(_data_inputs(values, spec.inputs, ""))
    hash = hash_of_run(process_class, node_class, data_inputs)
    source = cache_source_for(process_class, node_class, hash, metadata, store)
    node.prepare(
        store,
        process_class=f"{process_class.__module__}:{process_class.__qualname__}",
        inputs=data_inputs,
        caller=parent.node if parent is not None else None,  # type: ignore[arg-type]
        call_link_label=metadata.get("call_link_label") or "CALL",
        owner=runtime.owner_id,
        state=ProcessState.CREATED if launch is Launch.SUBMIT else ProcessState.RUNNING,
        hash=hash,
        cached_from=source.uuid if source is not None else None,
    )
    if launch is Launch.SUBMIT or (launch is Launch.RUN and source is None):  # a cache hit ends at once: one commit
        node.flush()
    new = process_class(values, node, runtime.runner, label=label, parent=parent)
    node.process = new
    if source is not None:
        replay(new, source)
    return new


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
