"""Links between nodes: AiiDA's validity rules, and the live views ``inputs``/``outputs``/``called``/``caller``."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from .._core import AttributeDict, ProvenanceError
from ..store import CALL_LINK_TYPES, LinkRow, LinkType
from ._node import Node, node_from_row

if TYPE_CHECKING:
    from ._process_node import ProcessNode

__all__ = ["NAMESPACE_SEPARATOR", "creator_of", "flat_label", "link_namespace", "validate_link"]

NAMESPACE_SEPARATOR = "__"  # 'ns.x' is stored as the link label 'ns__x', as in AiiDA

INPUT_LINKS = (LinkType.INPUT_CALC, LinkType.INPUT_WORK)
OUTPUT_LINKS = (LinkType.CREATE, LinkType.RETURN)


def flat_label(path: str) -> str:
    return path.replace(".", NAMESPACE_SEPARATOR)


def validate_link(source: Node, target: Node, link_type: LinkType) -> None:
    """Raise ProvenanceError if AiiDA's rules forbid ``source --link_type--> target``."""
    from ._data import Data
    from ._process_node import CalculationNode, WorkflowNode

    rules: dict[LinkType, tuple[type[Node], type[Node]]] = {
        LinkType.INPUT_CALC: (Data, CalculationNode),
        LinkType.INPUT_WORK: (Data, WorkflowNode),
        LinkType.CREATE: (CalculationNode, Data),
        LinkType.RETURN: (WorkflowNode, Data),
        LinkType.CALL_CALC: (WorkflowNode, CalculationNode),
        LinkType.CALL_WORK: (WorkflowNode, WorkflowNode),
    }
    allowed = rules[link_type]
    if not isinstance(source, allowed[0]) or not isinstance(target, allowed[1]):
        raise ProvenanceError(
            f"A {link_type.value} link goes from {allowed[0].__name__} to {allowed[1].__name__}, "
            f"not from {type(source).__name__} to {type(target).__name__}."
        )


def _pk(node: Node) -> int:
    assert node.pk is not None, "only stored nodes have links"
    return node.pk


def _nodes_of(links: Iterable[LinkRow], attr: str, store: Any) -> dict[int, Node]:
    pks = {getattr(link, attr) for link in links}
    rows = store.get_nodes(pks)
    return {pk: node_from_row(row, store) for pk, row in rows.items()}


def link_namespace(
    node: ProcessNode,
    *,
    incoming: bool,
    link_types: tuple[LinkType, ...],
    pending: Iterable[tuple[str, Node]] = (),
) -> AttributeDict:
    """The linked nodes by label, with 'ns__x' labels nested as ``result.ns.x``; ``pending``: links about to be
    stored, (flat label, node), shown as if they were."""
    if node.pk is None:
        return _nested(list(pending))
    store = node.provenance_store
    if incoming:
        links = store.get_links(inputs_of=[node.pk], link_types=link_types)
        nodes = _nodes_of(links, "input_pk", store)
        pairs = [(link.link_label, nodes[link.input_pk]) for link in links]
    else:
        links = store.get_links(outputs_of=[node.pk], link_types=link_types)
        nodes = _nodes_of(links, "output_pk", store)
        pairs = [(link.link_label, nodes[link.output_pk]) for link in links]
    return _nested([*pairs, *pending])


def _nested(pairs: list[tuple[str, Node]]) -> AttributeDict:
    result = AttributeDict()
    for label, linked in sorted(pairs, key=lambda pair: pair[0]):
        result.set_path(label.replace(NAMESPACE_SEPARATOR, "."), linked)
    return result


def called_of(node: ProcessNode) -> list[ProcessNode]:
    store = node.provenance_store
    links = store.get_links(outputs_of=[_pk(node)], link_types=CALL_LINK_TYPES)
    nodes = _nodes_of(links, "output_pk", store)
    return [nodes[pk] for pk in sorted(nodes)]  # type: ignore[misc]


def caller_of(node: ProcessNode) -> ProcessNode | None:
    return _single_source(node, CALL_LINK_TYPES)


def creator_of(node: Node) -> ProcessNode | None:
    return _single_source(node, (LinkType.CREATE,))


def _single_source(node: Node, link_types: tuple[LinkType, ...]) -> ProcessNode | None:
    """The process at the other end of the one incoming link of these types (a node has at most one)."""
    store = node.provenance_store
    links = store.get_links(inputs_of=[_pk(node)], link_types=link_types)
    if not links:
        return None
    return node_from_row(store.get_node(links[0].input_pk), store)  # type: ignore[return-value]
