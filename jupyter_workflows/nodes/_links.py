"""Links between nodes: AiiDA's validity rules, the live views ``inputs``/``outputs``/``called``/``caller``, and
AiiDA's ``node.base.links`` (:class:`NodeLinks`, answering with a :class:`LinkManager` of :class:`LinkTriple`)."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

from .._core import AttributeDict, NodeNotFoundError, ProvenanceError, UsageError
from ..store import CALL_LINK_TYPES, LinkRow, LinkType, NodeRow
from ._node import Node, node_from_row

if TYPE_CHECKING:
    from ._process_node import ProcessNode

__all__ = [
    "NAMESPACE_SEPARATOR",
    "LinkManager",
    "LinkPair",
    "LinkTriple",
    "NodeLinks",
    "creator_of",
    "flat_label",
    "flat_namespace",
    "link_namespace",
    "validate_link",
]

NAMESPACE_SEPARATOR = "__"  # 'ns.x' is stored as the link label 'ns__x', as in AiiDA

OUTPUT_LINKS = (LinkType.CREATE, LinkType.RETURN)


def flat_label(path: str) -> str:
    return path.replace(".", NAMESPACE_SEPARATOR)


def flat_namespace(namespace: Mapping[str, Any], prefix: str = "") -> Iterator[tuple[str, Any]]:
    """``(dotted label, node)`` pairs of a (nested) ``inputs`` or ``outputs`` namespace."""
    for key, value in namespace.items():
        if isinstance(value, Mapping) and not isinstance(value, Node):  # (a Dict node is a leaf)
            yield from flat_namespace(value, f"{prefix}{key}.")
        else:
            yield f"{prefix}{key}", value


def validate_link(source: Node, target: Node, link_type: LinkType) -> None:
    """Raise ProvenanceError if AiiDA's rules forbid ``source --link_type--> target``."""
    allowed = _link_rules()[link_type]
    if not isinstance(source, allowed[0]) or not isinstance(target, allowed[1]):
        raise ProvenanceError(
            f"A {link_type.value} link goes from {allowed[0].__name__} to {allowed[1].__name__}, "
            f"not from {type(source).__name__} to {type(target).__name__}."
        )


@functools.cache
def _link_rules() -> dict[LinkType, tuple[type[Node], type[Node]]]:
    """(source class, target class) of each link type; made once (every process checks its links when made)."""
    from ._data import Data
    from ._process_node import CalculationNode, WorkflowNode

    return {
        LinkType.INPUT_CALC: (Data, CalculationNode),
        LinkType.INPUT_WORK: (Data, WorkflowNode),
        LinkType.CREATE: (CalculationNode, Data),
        LinkType.RETURN: (WorkflowNode, Data),
        LinkType.CALL_CALC: (WorkflowNode, CalculationNode),
        LinkType.CALL_WORK: (WorkflowNode, WorkflowNode),
    }


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
    read: Iterable[tuple[LinkRow, NodeRow]] | None = None,
) -> AttributeDict:
    """The linked nodes by label, with 'ns__x' labels nested as ``result.ns.x``; ``pending``: links about to be
    stored, (flat label, node), shown as if they were; ``read``: the links and their nodes, read already."""
    if node.pk is None:
        return _nested(list(pending))
    store = node.provenance_store
    if read is None:
        read = store.get_neighbours(node.pk, incoming=incoming, link_types=link_types)  # one query
    found: dict[int, Node] = {}  # one node object per pk, as under two labels
    pairs = [
        (link.link_label, found.get(row.pk) or found.setdefault(row.pk, node_from_row(row, store)))
        for link, row in read
    ]
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


# -- node.base.links -------------------------------------------------------------------------------------------------
class LinkTriple(NamedTuple):
    """One link seen from a node: the node at its other end (its uuid with ``only_uuid=True``), its type, its label."""

    node: Any
    link_type: LinkType
    link_label: str


class LinkPair(NamedTuple):
    link_type: LinkType
    link_label: str


class LinkManager:
    """The links a query of :class:`NodeLinks` found, as AiiDA's: iterate it, or take ``.all()``, ``.one()``,
    ``.first()``, ``.all_nodes()``, ``.all_link_labels()``, ``.get_node_by_label(label)`` or ``.nested()``."""

    def __init__(self, link_triples: list[LinkTriple]) -> None:
        self.link_triples = link_triples

    def __iter__(self) -> Iterator[LinkTriple]:
        return iter(self.link_triples)

    def __len__(self) -> int:
        return len(self.link_triples)

    def __bool__(self) -> bool:
        return bool(self.link_triples)

    def __repr__(self) -> str:
        shown = ", ".join(f"{t.link_label} ({t.link_type.value})" for t in self.link_triples[:10])
        more = f", ... ({len(self.link_triples)} in all)" if len(self.link_triples) > 10 else ""
        return f"<LinkManager: {shown or 'no links'}{more}>"

    def all(self) -> list[LinkTriple]:
        return self.link_triples

    def one(self) -> LinkTriple:
        """The only link; raises (a ValueError) if there are none or several."""
        if len(self.link_triples) != 1:
            found = "no link" if not self.link_triples else f"{len(self.link_triples)} links"
            raise UsageError(f"Expected exactly one link, found {found}; use .all() or .first(), or filter more.")
        return self.link_triples[0]

    def first(self) -> LinkTriple | None:
        return self.link_triples[0] if self.link_triples else None

    def all_nodes(self) -> list[Any]:
        return [triple.node for triple in self.link_triples]

    def all_link_labels(self) -> list[str]:
        return [triple.link_label for triple in self.link_triples]

    def all_link_pairs(self) -> list[LinkPair]:
        return [LinkPair(triple.link_type, triple.link_label) for triple in self.link_triples]

    def get_node_by_label(self, label: str) -> Any:
        """The node of the one link labelled ``label`` (flat: ``'ns__x'`` for output ``ns.x``)."""
        matches = [triple.node for triple in self.link_triples if triple.link_label == label]
        if not matches:
            known = ", ".join(self.all_link_labels()) or "none"
            raise NodeNotFoundError(f"No link labelled {label!r}; labels: {known}.")
        if len(matches) > 1:
            raise UsageError(f"{len(matches)} links are labelled {label!r}; filter by link_type to tell them apart.")
        return matches[0]

    def nested(self, sort: bool = True) -> dict[str, Any]:
        """The nodes by label, with namespaced labels (``'ns__x'``) nested as dicts (``{'ns': {'x': node}}``);
        namespaces first, then by name, if ``sort``."""
        nested: dict[str, Any] = {}
        for triple in self.link_triples:
            *namespaces, name = triple.link_label.split(NAMESPACE_SEPARATOR)
            inner = nested
            for namespace in namespaces:
                inner = inner.setdefault(namespace, {})
            if name in inner:
                raise KeyError(f"duplicate label {name!r} in namespace {'.'.join(namespaces)!r}")
            inner[name] = triple.node
        if not sort:
            return nested
        return dict(sorted(nested.items(), key=lambda item: (not isinstance(item[1], dict), item[0])))


class NodeLinks:
    """``node.base.links``: the links into and out of a node, as AiiDA's (stored ones, and while this kernel runs
    the process, those it will store with its next commit)."""

    def __init__(self, node: Node) -> None:
        self._node = node

    def get_incoming(
        self,
        node_class: type | tuple[type, ...] | None = None,
        link_type: LinkType | str | Sequence[LinkType | str] = (),
        link_label_filter: str | None = None,
        only_uuid: bool = False,
    ) -> LinkManager:
        """The links into this node: only from nodes of ``node_class``, of ``link_type`` (one or several), whose
        label matches ``link_label_filter`` (SQL LIKE: ``%`` any text, ``_`` one character, ``\\`` escapes)."""
        return self._links(True, node_class, link_type, link_label_filter, only_uuid)

    def get_outgoing(
        self,
        node_class: type | tuple[type, ...] | None = None,
        link_type: LinkType | str | Sequence[LinkType | str] = (),
        link_label_filter: str | None = None,
        only_uuid: bool = False,
    ) -> LinkManager:
        """The links out of this node, filtered as in :meth:`get_incoming`."""
        return self._links(False, node_class, link_type, link_label_filter, only_uuid)

    def _links(
        self,
        incoming: bool,
        node_class: type | tuple[type, ...] | None,
        link_type: LinkType | str | Sequence[LinkType | str],
        link_label_filter: str | None,
        only_uuid: bool,
    ) -> LinkManager:
        types = _link_types(link_type)
        matches = _like(link_label_filter) if link_label_filter is not None else None
        node = self._node
        found: list[LinkTriple] = []
        if node.pk is not None:
            store = node.provenance_store
            for link, row in store.get_neighbours(node.pk, incoming=incoming, link_types=types or None):
                if matches is None or matches(link.link_label):
                    other = node_from_row(row, store)
                    found.append(LinkTriple(other, link.link_type, link.link_label))
        for other, unstored_type, label in node.unstored_links(incoming=incoming):
            if (not types or unstored_type in types) and (matches is None or matches(label)):
                found.append(LinkTriple(other, unstored_type, label))
        if node_class is not None:
            found = [triple for triple in found if isinstance(triple.node, node_class)]
        if only_uuid:
            found = [triple._replace(node=triple.node.uuid) for triple in found]
        return LinkManager(found)


def _link_types(link_type: LinkType | str | Sequence[LinkType | str]) -> tuple[LinkType, ...]:
    try:
        given = (link_type,) if isinstance(link_type, str) else tuple(link_type)
        return tuple(LinkType(value) for value in given)
    except (TypeError, ValueError):
        known = ", ".join(f"LinkType.{t.name}" for t in LinkType)
        raise UsageError(f"link_type takes link types ({known}); got {link_type!r}.") from None


_LIKE_TOKENS = re.compile(r"\\\\|\\%|\\_|%|_")
_LIKE_REGEX = {"\\\\": re.escape("\\"), "\\%": "%", "\\_": "_", "%": ".*", "_": "."}


def _like(pattern: str) -> Callable[[str], re.Match[str] | None]:
    """A matcher of SQL LIKE ``pattern`` (``%`` any text, ``_`` one character, ``\\%``/``\\_``/``\\\\`` literal),
    case-sensitive as on PostgreSQL and in AiiDA."""
    parts: list[str] = []
    end = 0
    for token in _LIKE_TOKENS.finditer(pattern):
        parts += [re.escape(pattern[end : token.start()]), _LIKE_REGEX[token.group()]]
        end = token.end()
    parts.append(re.escape(pattern[end:]))
    return re.compile("".join(parts), re.DOTALL).fullmatch
