"""Turning "this process class with these inputs" into a validated, stored, ready-to-run process.

Inputs are validated completely before anything is written, so bad input leaves no node behind; the process node,
new input nodes and all links are then written in one transaction.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from .._configuration import get_store
from .._core import (
    Process,
    ProvenanceError,
    Runner,
    ValidationError,
    current_process,
    get_runner,
)
from .._core._ports import PortNamespace
from .._owners import register_owner
from ..functions import ProcessFunction
from ..nodes import CalculationNode, Data, ProcessNode
from ..nodes._links import flat_label, validate_link
from ..nodes._storing import node_row, unassign_on_failure
from ..store import LinkRow, LinkType

__all__ = ["instantiate", "process_class_of"]


def process_class_of(process: Any) -> type[Process]:
    if isinstance(process, ProcessFunction):
        return process.process_class
    if isinstance(process, type) and issubclass(process, Process):
        return process
    raise TypeError(
        f"Expected a @calcfunction, a @workfunction or a WorkChain class, got {type(process).__name__} {process!r}."
    )


def inputs_of_call(process: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> dict[str, Any]:
    if isinstance(process, ProcessFunction):
        return process.process_class.inputs_from_call(args, kwargs)
    if len(args) == 1 and isinstance(args[0], Mapping) and not isinstance(args[0], Data):
        return {**args[0], **kwargs}
    if args:
        name = getattr(process, "__name__", "process")
        raise TypeError(
            f"{name} takes its inputs as keywords: run({name}, x=Int(1)) or run({name}, {{'x': Int(1)}}); "
            f"got {len(args)} positional argument(s)."
        )
    return kwargs


def instantiate(
    process: Any, inputs: dict[str, Any], *, runner: Runner | None = None, starts_now: bool = False
) -> Process:
    """Validate ``inputs``, store the process node with its inputs and links, and return the process (not started).

    ``starts_now``: the caller runs the process at once (a synchronous call), so its node is written as running
    straight away, which saves a commit per process.
    """
    process_class = process_class_of(process)
    runner = runner if runner is not None else get_runner()
    label = process_class.__name__
    parent = current_process()
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
    node: ProcessNode = process_class.node_class(  # type: ignore[attr-defined]
        process_label=label, label=metadata.get("label", ""), description=metadata.get("description", "")
    )
    state = "running" if starts_now else "created"
    _write_new_process(
        node,
        process_class,
        values,
        ports=spec.inputs,
        parent=parent,
        runner=runner,
        state=state,
        call_link_label=metadata.get("call_link_label"),
    )
    new = process_class(values, node, runner, label=label, parent=parent)
    node.process = new
    return new


def _write_new_process(
    node: ProcessNode,
    process_class: type[Process],
    values: Mapping[str, Any],
    *,
    ports: PortNamespace,
    parent: Process | None,
    runner: Runner,
    call_link_label: str | None,
    state: str,
) -> None:
    store = get_store()
    register_owner(store, runner)
    data = list(_data_inputs(values, ports, ""))
    new: list[Data] = list({id(d): d for _, d in data if d._pk is None}.values())
    row = node_row(
        node,
        process_label=node._row.process_label,
        process_state=state,
        owner=runner.id,
    )
    row.attributes = {"process_class": f"{process_class.__module__}:{process_class.__qualname__}"}
    with unassign_on_failure([*new, node]), store.transaction():
        *pks, row.pk = store.insert_nodes([*(node_row(d) for d in new), row])
        for data_node, pk in zip(new, pks, strict=True):
            data_node._pk = pk
            data_node._register(store)
        node._pk = row.pk
        node._row = row
        node._register(store)
        links = [_link(d, node, node.input_link, label) for label, d in data]
        if parent is not None:
            links.append(_link(parent.node, node, node.call_link, call_link_label or "CALL"))
        store.insert_links(links)


def _link(source: Any, target: ProcessNode, link_type: LinkType, label: str) -> LinkRow:
    validate_link(source, target, link_type)
    return LinkRow(source.pk, target.pk, link_type, label)  # type: ignore[arg-type]


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
