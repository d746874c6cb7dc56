"""The provenance graph object: ``jw.graph(node, ...)`` shows inline as SVG, renders to files, exposes its Digraph."""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import graphviz  # type: ignore[import-untyped]

from .._core._errors import ValidationError
from .._runtime import get_runtime
from ..nodes import Node
from ..store import LinkRow, LinkType, Store
from . import _layout
from ._extract import DEFAULT_MAX_NODES, Subgraph, extract, resolve_link_types
from ._layered import NodeBox, edge_geometry, layered_positions, node_box
from ._style import (
    GRAPH_ATTRIBUTES,
    Highlight,
    edge_label,
    edge_style,
    label_lines,
    node_label,
    node_style,
    resolve_identifiers,
)

__all__ = ["DEFAULT_TIMEOUT", "Graph", "graph", "graph_svg"]

DEFAULT_TIMEOUT = 120.0
"""Seconds a layout may take before it is stopped with an error (instead of hanging the kernel)."""

NodeIdentifier = Node | int | str


class Graph:
    """A drawn provenance graph. In a notebook it shows as SVG; ``render(path)`` writes any Graphviz format;
    ``digraph`` is the ``graphviz.Digraph`` for tweaking; ``svg()`` returns the SVG text.

    Make one with :func:`graph`. ``nodes`` and ``edges`` hold the pks and ``(input_pk, output_pk)`` pairs drawn.
    """

    def __init__(
        self,
        subgraph: Subgraph,
        *,
        highlight_classes: Iterable[Any] | str | None = None,
        identifier: str | Sequence[str] = "pk",
        engine: str = "dot",
        strategy: str = "auto",
        timeout: float | None = DEFAULT_TIMEOUT,
    ) -> None:
        self.subgraph = subgraph
        self.identifiers = resolve_identifiers(identifier)
        self.highlight = Highlight(highlight_classes, subgraph.nodes.values())
        self.engine = engine
        self.timeout = timeout
        pairs = [(link.input_pk, link.output_pk) for link in subgraph.links]
        self.plan = _layout.plan_layout(subgraph.nodes, pairs, engine=engine, strategy=strategy)
        self._digraph: graphviz.Digraph | None = None

    def __repr__(self) -> str:
        origins = ", ".join(map(str, self.subgraph.origins))
        return f"<Graph: {len(self.nodes)} nodes, {len(self.edges)} edges from {origins}>"

    @property
    def nodes(self) -> set[int]:
        return set(self.subgraph.nodes)

    @property
    def edges(self) -> set[tuple[int, int]]:
        return {(link.input_pk, link.output_pk) for link in self.subgraph.links}

    @property
    def strategy(self) -> str:
        """How it is laid out: ``"plain"`` (by the engine), ``"deferred"`` (dot, long edges drawn afterwards) or
        ``"layered"`` (positions computed in Python, for graphs too large for dot)."""
        return self.plan.strategy

    @property
    def long_edges(self) -> list[LinkRow]:
        """Links left out of the layout and drawn afterwards (straight, label as tooltip); empty for small graphs."""
        return [self.subgraph.links[index] for index in sorted(self.plan.long_edges)]

    @property
    def digraph(self) -> graphviz.Digraph:
        """The ``graphviz.Digraph`` that is rendered; changes to it show in ``svg()`` and ``render()``.

        It also renders with plain Graphviz (``dot -Tsvg`` on its source, or its own ``render()`` and ``pipe()``):
        the same nodes, edges, styles and highlighting, but ``dot`` then does the work that ``jw.graph`` spares it.
        A ``"layered"`` graph carries its positions (``layout=nop2``), so it draws as fast. In a ``"deferred"`` graph
        ``dot`` lays out the long edges too (``constraint=false`` keeps them out of the ranking) and draws every edge
        as a straight line (the statement ``splines=line`` at the top: routing the long edges as splines is slower
        and crashes Debian's dot 2.43). That is the price: a workfunction with 330 steps (662 nodes) takes ``dot``
        about 10 s and 0.7 GB instead of 0.2 s, one with 500 steps about 40 s and 1.6 GB. ``jw.graph`` itself drops
        that statement with the long edges, so its other edges keep dot's curves.
        """
        if self._digraph is None:
            self._digraph = self._build_digraph()
        return self._digraph

    # -- output -------------------------------------------------------------------------------------------------------
    def pipe(self, format: str = "svg") -> bytes:
        """The rendered graph as bytes in any Graphviz output format (``"svg"``, ``"png"``, ``"pdf"``, ...)."""
        return _layout.render(self.digraph.source, format, engine=self.engine, timeout=self.timeout)

    def svg(self) -> str:
        """The rendered graph as SVG text."""
        return self.pipe("svg").decode()

    def render(self, path: str | os.PathLike[str], format: str | None = None) -> Path:
        """Write the graph to ``path`` in ``format`` (default: the file's suffix, e.g. ``.pdf``); returns the path."""
        target = Path(path)
        chosen = format or target.suffix.lstrip(".").lower()
        if not chosen:
            raise ValidationError(f"Cannot tell the output format of {str(target)!r}; pass format='svg' (or pdf, png)")
        target.write_bytes(self.pipe(chosen))
        return target

    def _repr_svg_(self) -> str:
        return self.svg()

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None, **kwargs: Any) -> dict[str, str]:
        return {"image/svg+xml": self.svg(), "text/plain": repr(self)}

    # -- building -----------------------------------------------------------------------------------------------------
    def _build_digraph(self) -> graphviz.Digraph:
        layered = self.plan.strategy == "layered"
        graph_attr = {**GRAPH_ATTRIBUTES["graph"], **({"layout": "nop2"} if layered else {})}
        digraph = graphviz.Digraph(
            name="provenance",
            graph_attr=graph_attr,
            node_attr=GRAPH_ATTRIBUTES["node"],
            edge_attr=GRAPH_ATTRIBUTES["edge"],
        )
        if self.plan.strategy == "deferred" and self.plan.long_edges:
            digraph.body.append(f"\t{_layout.PLAIN_DOT_HINT}\n")  # for plain dot; _layout.render drops it
        lit = self._lit_nodes()
        geometry = self._add_nodes(digraph, lit, layered=layered)
        for index, link in enumerate(self.subgraph.links):
            faded = link.input_pk not in lit and link.output_pk not in lit
            self._add_edge(digraph, link, faded=faded, long=index in self.plan.long_edges, geometry=geometry)
        return digraph

    def _lit_nodes(self) -> set[int]:
        """The nodes that keep their colours: origins and highlighted ones."""
        origins = set(self.subgraph.origins)
        return {pk for pk, row in self.subgraph.nodes.items() if pk in origins or self.highlight.matches(row)}

    def _add_nodes(self, digraph: graphviz.Digraph, lit: set[int], *, layered: bool) -> _Geometry | None:
        """Add the nodes; for a layered graph, with their positions and sizes, which are returned for the edges."""
        origins = set(self.subgraph.origins)
        labels = {pk: label_lines(row, self.identifiers) for pk, row in self.subgraph.nodes.items()}
        styles = {
            pk: node_style(row, origin=pk in origins, decoloured=pk not in lit)
            for pk, row in self.subgraph.nodes.items()
        }
        geometry = None
        if layered:
            boxes = {pk: node_box(labels[pk], styles[pk]["shape"]) for pk in labels}
            pairs = [(link.input_pk, link.output_pk) for link in self.subgraph.links]
            geometry = _Geometry(boxes, layered_positions(boxes, pairs, max_span=_layout.MAX_KEPT_SPAN))
            for pk, (x, y) in geometry.positions.items():
                # The size the edges are clipped to (a box's size is a slight overestimate, so the label fits).
                size = {"width": f"{boxes[pk].width / 72:.3f}", "height": f"{boxes[pk].height / 72:.3f}"}
                styles[pk].update(pos=f"{x},{y}", fixedsize="true", **size)
        for pk, lines in labels.items():
            digraph.node(f"N{pk}", node_label(lines), **styles[pk])
        return geometry

    def _add_edge(
        self, digraph: graphviz.Digraph, link: LinkRow, *, faded: bool, long: bool, geometry: _Geometry | None
    ) -> None:
        style = edge_style(link, faded=faded)
        label: str | None = edge_label(link)
        if long:
            # Drawn after the layout as a straight line between the nodes' right-hand sides (so the lines of a
            # workflow to its steps run down beside them, not across them); a label would land on whatever lies
            # midway, so it becomes the hover text instead.
            style.update(tailport="e", headport="e", tooltip=label or "", penwidth="0.6")
            if self.plan.strategy == "deferred":
                style["constraint"] = "false"
            label = None
        if geometry is not None:
            tail, head = link.input_pk, link.output_pk
            style["pos"], label_position = edge_geometry(
                *(geometry.positions[tail], geometry.boxes[tail], geometry.positions[head], geometry.boxes[head]),
                label_lines=label.split("\\n") if label else (),
                beside=long,
            )
            if label_position is not None:
                style["lp"] = label_position
        digraph.edge(f"N{link.input_pk}", f"N{link.output_pk}", label, **style)


@dataclass(frozen=True)
class _Geometry:
    """Where the Python layered layout put the nodes (centres, in points) and how large they are."""

    boxes: dict[int, NodeBox]
    positions: dict[int, tuple[float, float]]


def graph(
    *nodes: NodeIdentifier,
    ancestors: int | None = None,
    descendants: int | None = None,
    link_types: str | Iterable[LinkType | str] = "all",
    process_inputs: bool = False,
    process_outputs: bool = False,
    highlight_classes: Iterable[Any] | str | None = None,
    identifier: str | Sequence[str] = "pk",
    engine: str = "dot",
    strategy: str = "auto",
    max_nodes: int | None = DEFAULT_MAX_NODES,
    timeout: float | None = DEFAULT_TIMEOUT,
    store: Store | None = None,
) -> Graph:
    """The provenance graph around ``nodes`` (nodes, pks or uuids), as AiiDA's ``verdi node graph generate``.

    ``ancestors``/``descendants``: how many links to follow backwards/forwards (None: all the way; 0: none).
    ``link_types``: ``"all"``, ``"data"`` (input_calc, create), ``"logic"`` (input_work, return) or a list of link
    types. ``process_outputs``/``process_inputs``: also draw the outputs of every process found walking backwards,
    the inputs of every process found walking forwards (one link out). ``highlight_classes``: keep the colours of
    nodes of these classes (``"Int"``, ``"CalcFunctionNode"``, a process label such as ``"AddAndMultiply"``, or the
    class itself) and decolour the rest. ``identifier``: ``"pk"``, ``"uuid"`` or ``"label"`` (or several).
    ``engine``: the Graphviz layout engine. ``max_nodes``: refuse larger graphs (None: no limit).
    ``strategy`` (with ``engine="dot"``): ``"auto"`` picks by size; ``"plain"`` lets dot lay out every edge (slow
    for workflows with many steps); ``"deferred"`` draws long edges after dot's layout; ``"layered"`` computes the
    layout in Python (fast for 10,000 nodes). ``timeout``: seconds the layout may take before it is stopped.

    Raises ValidationError for bad options and graphs over ``max_nodes``; rendering raises WorkflowsError when no
    ``dot`` is installed (the message says how to install it).
    """
    if not nodes:
        raise ValidationError("graph() needs at least one node (a node, a pk or a uuid) to start from")
    store = store if store is not None else get_runtime().store
    origins = [_pk_of(node, store) for node in nodes]
    subgraph = extract(
        store,
        origins,
        ancestors=ancestors,
        descendants=descendants,
        link_types=resolve_link_types(link_types),
        process_inputs=process_inputs,
        process_outputs=process_outputs,
        max_nodes=max_nodes,
    )
    return Graph(
        subgraph,
        highlight_classes=highlight_classes,
        identifier=identifier,
        engine=engine,
        strategy=strategy,
        timeout=timeout,
    )


def graph_svg(*nodes: NodeIdentifier, **options: Any) -> str:
    """``graph(*nodes, **options).svg()``: the SVG text of a provenance graph (cached while the graph is unchanged,
    so calling it again to refresh a live view costs a few queries)."""
    return graph(*nodes, **options).svg()


def _pk_of(node: NodeIdentifier, store: Store) -> int:
    if isinstance(node, Node):
        if node.pk is None:
            raise ValidationError(f"{node!r} is not stored, so it has no provenance to draw; store() it first")
        return node.pk
    if isinstance(node, bool) or not isinstance(node, (int, str)):
        raise ValidationError(f"graph() takes nodes, pks or uuids, not {type(node).__name__} {node!r}")
    return node if isinstance(node, int) else store.get_node(node).pk  # a str is a uuid or its prefix, as in load_node
