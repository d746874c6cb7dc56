"""Which nodes and links a provenance graph shows: set-based walks of the store out from the origin nodes.

The rules are AiiDA's ``verdi node graph generate``: walk backwards (ancestors) and forwards (descendants) along the
chosen link types up to a depth, optionally add the outputs (ancestor pass) or inputs (descendant pass) of every
process reached, one hop out. Only links that were walked are shown. Every step is one query per traversal level
(chunked), never one per node.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from .._core._errors import ValidationError
from ..store import DATA_LINK_TYPES, INPUT_LINK_TYPES, LOGIC_LINK_TYPES, LinkRow, LinkType, NodeRow, Store

__all__ = ["DEFAULT_MAX_NODES", "LINK_TYPE_GROUPS", "Subgraph", "extract", "resolve_link_types"]

DEFAULT_MAX_NODES = 5000
"""Graphs with more nodes are refused. Measured (benchmarks/graph.py): 10,000 nodes still draw in about 7 s, but
their SVG is 12-16 MB, too heavy to keep in a notebook; at 5,000 it is about 7 MB. Pass max_nodes=None for more."""

LINK_TYPE_GROUPS: dict[str, tuple[LinkType, ...]] = {
    "all": tuple(LinkType),
    "data": DATA_LINK_TYPES,  # input_calc, create
    "logic": LOGIC_LINK_TYPES,  # input_work, return (as in AiiDA, CALL links are in neither group)
}
PROCESS_OUTPUT_LINKS = (LinkType.CREATE, LinkType.RETURN)


@dataclass(slots=True)
class Subgraph:
    """The part of the provenance graph to draw: node rows by pk, the links between them, and the origins."""

    origins: list[int]
    nodes: dict[int, NodeRow]
    links: list[LinkRow] = field(default_factory=list)


def resolve_link_types(link_types: str | Iterable[LinkType | str]) -> tuple[LinkType, ...]:
    """``"all"``, ``"data"``, ``"logic"`` or link types (``LinkType`` or names such as ``"call_calc"``)."""
    if isinstance(link_types, str) and link_types.lower() in LINK_TYPE_GROUPS:
        return LINK_TYPE_GROUPS[link_types.lower()]
    names = [link_types] if isinstance(link_types, str) else list(link_types)
    known = {t.value: t for t in LinkType}
    keys = [name.value if isinstance(name, LinkType) else str(name).lower() for name in names]
    resolved = [known[key] for key in keys if key in known]
    unknown = [repr(name) for name, key in zip(names, keys, strict=True) if key not in known]
    if unknown or not resolved:
        choices = ", ".join([*LINK_TYPE_GROUPS, *known])
        raise ValidationError(f"Unknown link types {', '.join(unknown) or '(none given)'}; choose from {choices}")
    return tuple(dict.fromkeys(resolved))


def extract(
    store: Store,
    origins: Sequence[int],
    *,
    ancestors: int | None = None,
    descendants: int | None = None,
    link_types: Sequence[LinkType] = LINK_TYPE_GROUPS["all"],
    process_inputs: bool = False,
    process_outputs: bool = False,
    max_nodes: int | None = DEFAULT_MAX_NODES,
) -> Subgraph:
    """The subgraph around ``origins`` (pks). Depths count link hops; ``None`` is unlimited, ``0`` the origins only.

    Raises ValidationError when more than ``max_nodes`` nodes would be drawn (the message suggests how to narrow it),
    NodeNotFoundError when an origin does not exist.
    """
    _check_depth("ancestors", ancestors)
    _check_depth("descendants", descendants)
    # Bound every walk by the limit (+1, to know it was exceeded), so a huge graph is refused without reading it all.
    cap = None if max_nodes is None else max_nodes + 1
    up = store.traverse(origins, direction="backward", link_types=link_types, max_depth=ancestors, max_nodes=cap)
    down = store.traverse(origins, direction="forward", link_types=link_types, max_depth=descendants, max_nodes=cap)
    links = {*up.links, *down.links}
    _check_size(len(up.pks | down.pks), max_nodes, truncated=up.truncated or down.truncated)
    nodes = store.get_nodes(up.pks | down.pks)
    _check_origins(store, origins, nodes)
    if process_outputs:
        links.update(store.get_links(outputs_of=_processes(nodes, up.pks), link_types=PROCESS_OUTPUT_LINKS))
    if process_inputs:
        links.update(store.get_links(inputs_of=_processes(nodes, down.pks), link_types=INPUT_LINK_TYPES))
    one_hop = {pk for link in links for pk in (link.input_pk, link.output_pk)}.difference(nodes)
    _check_size(len(nodes) + len(one_hop), max_nodes, truncated=False)
    nodes.update(store.get_nodes(one_hop))
    return Subgraph(origins=list(dict.fromkeys(origins)), nodes=nodes, links=_in_order(links))


def _processes(nodes: dict[int, NodeRow], pks: Iterable[int]) -> list[int]:
    """The process nodes among ``pks``."""
    return [pk for pk in pks if pk in nodes and nodes[pk].node_type.startswith("process.")]


def _in_order(links: Iterable[LinkRow]) -> list[LinkRow]:
    """A stable order, so the same graph gives the same DOT source (and a cached rendering can be reused)."""
    return sorted(links, key=lambda link: (link.input_pk, link.output_pk, link.link_type.value, link.link_label))


def _check_depth(name: str, depth: int | None) -> None:
    if depth is not None and (type(depth) is not int or depth < 0):  # bool is an int subclass, but no depth
        raise ValidationError(f"{name}={depth!r} is not a depth; pass a number of link hops (0 or more) or None")


def _check_size(count: int, max_nodes: int | None, *, truncated: bool) -> None:
    if max_nodes is None or (count <= max_nodes and not truncated):
        return
    raise ValidationError(
        f"The provenance graph has more than {max_nodes:,} nodes (the max_nodes limit), which would take long to lay "
        "out and be hard to read. Narrow it: limit the depth (ancestors=1, descendants=2), follow fewer link types "
        "(link_types='data' or 'logic'), start from a node deeper in the workflow, or pass max_nodes=None to draw "
        "it anyway."
    )


def _check_origins(store: Store, origins: Sequence[int], nodes: dict[int, NodeRow]) -> None:
    missing = [pk for pk in origins if pk not in nodes]
    if missing:
        store.get_node(missing[0])  # raises NodeNotFoundError with the store's own message
