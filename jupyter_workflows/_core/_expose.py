"""Exposing the ports of one process in the spec of another (``spec.expose_inputs``/``expose_outputs``), as plumpy.

The exposed ports are copies: changing them (or ``namespace_options``) never changes the other process's spec. The
spec remembers which names it exposed from which process in which namespace, so that a running process can gather
them again: ``self.exposed_inputs(Child, namespace="child")`` to pass on, ``self.exposed_outputs(node, Child)`` to
take over its outputs.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from typing import Any

from ._errors import SpecError
from ._ports import PortNamespace

__all__ = ["NAMESPACE_OPTIONS", "Exposed", "absorb_ports", "expose_ports", "exposed_key", "namespace_levels"]

NAMESPACE_OPTIONS = (
    "valid_type",
    "dynamic",
    "required",
    "help",
    "validator",
    "default",
    "populate_defaults",
    "non_db",
    "is_metadata",
)
"""The properties of a namespace that exposing takes over from the exposed one (``namespace_options`` override them);
``dynamic`` comes after ``valid_type`` because a valid type makes a namespace dynamic."""

Exposed = dict[str | None, dict[str, list[str]]]
"""namespace (None: the top level) -> exposed process (see :func:`exposed_key`) -> names of the exposed ports."""


def exposed_key(process: Any) -> str:
    """How a spec remembers an exposed process: by where it is defined, so that re-running the cell that defines it
    (a new class of the same name) still finds what was exposed from it. A process function counts as its process."""
    process = getattr(process, "process_class", process)
    return f"{getattr(process, '__module__', '?')}.{getattr(process, '__qualname__', process)}"


def expose_ports(
    process: Any,
    source: PortNamespace,
    destination: PortNamespace,
    memory: Exposed,
    *,
    namespace: str | None,
    exclude: Sequence[str] | None,
    include: Sequence[str] | None,
    namespace_options: Mapping[str, Any] | None,
) -> None:
    """Copy the ports of ``source`` into ``destination`` (into its sub-namespace ``namespace`` if given) and remember
    their names in ``memory``. Include and exclude rules may name nested ports ('namespace.port')."""
    what = f"exposing the ports of {getattr(process, '__name__', process)}"
    options = _checked_options(what, include, exclude, namespace_options)
    target = destination.namespace(namespace) if namespace else destination
    _take_properties(source, target, options)
    target.serializer = source.serializer  # plain values given to the exposed namespace become nodes as before
    # At the top level the process keeps its own metadata (label, description, ...): passing them on to the exposed
    # process would give it the caller's label.
    skip = ("metadata",) if not namespace else ()
    names = _absorb(source, target, include=include, exclude=[*(exclude or ()), *skip])
    memory.setdefault(namespace, {})[exposed_key(process)] = names


def absorb_ports(
    source: PortNamespace,
    target: PortNamespace,
    *,
    exclude: Sequence[str] | None = None,
    include: Sequence[str] | None = None,
    namespace_options: Mapping[str, Any] | None = None,
) -> list[str]:
    """``PortNamespace.absorb`` (AiiDA's): copies of the ports of ``source`` go into ``target``, which takes the
    properties of ``source`` unless ``namespace_options`` give them. Returns the names of the ports taken."""
    options = _checked_options("absorb()", include, exclude, namespace_options)
    _take_properties(source, target, options)
    return _absorb(source, target, include=include, exclude=exclude)


def _checked_options(
    what: str,
    include: Sequence[str] | None,
    exclude: Sequence[str] | None,
    namespace_options: Mapping[str, Any] | None,
) -> dict[str, Any]:
    if exclude is not None and include is not None:
        raise SpecError(f"{what}: include and exclude are mutually exclusive; give one of them.")
    for rules in (include, exclude):
        if isinstance(rules, str) or (rules is not None and not isinstance(rules, Sequence)):
            raise SpecError(f"{what}: include and exclude take a list of port names (got {rules!r}).")
    options = dict(namespace_options or {})
    unknown = sorted(set(options) - set(NAMESPACE_OPTIONS))
    if unknown:
        raise SpecError(
            f"{what}: namespace_options {unknown} are not properties of a port namespace; "
            f"known: {', '.join(NAMESPACE_OPTIONS)}."
        )
    return options


def _take_properties(source: PortNamespace, target: PortNamespace, options: dict[str, Any]) -> None:
    for name in NAMESPACE_OPTIONS:
        if name in options:
            setattr(target, name, options[name])
        elif hasattr(source, name):
            setattr(target, name, getattr(source, name))


def _absorb(
    source: PortNamespace, target: PortNamespace, *, include: Sequence[str] | None, exclude: Sequence[str] | None
) -> list[str]:
    names: list[str] = []
    for name, port in source.ports.items():
        if exclude and name in exclude:
            continue
        if isinstance(port, PortNamespace):
            if include is not None and not any(rule == name or rule.startswith(f"{name}.") for rule in include):
                continue
            inner = copy.copy(port)
            inner.ports = {}
            target.add(name, inner)
            whole = include is None or name in include  # 'ns' takes all of it, 'ns.x' only x
            _absorb(port, inner, include=None if whole else _strip(name, include), exclude=_strip(name, exclude))
        else:
            if include is not None and name not in include:
                continue
            target.add(name, copy.copy(port))
        names.append(name)
    return names


def _strip(name: str, rules: Sequence[str] | None) -> list[str] | None:
    """The rules for the ports inside namespace ``name``: 'name.x' -> 'x'."""
    if rules is None:
        return None
    prefix = f"{name}."
    return [rule[len(prefix) :] for rule in rules if rule.startswith(prefix)]


def namespace_levels(namespace: str | None, agglomerate: bool) -> list[str | None]:
    """Where to look for exposed ports: ``namespace`` only, or (agglomerate) also every namespace above it, top
    first, so that the deeper ones win."""
    if not agglomerate:
        return [namespace]
    parts = namespace.split(".") if namespace else []
    return [None, *(".".join(parts[: i + 1]) for i in range(len(parts)))]
