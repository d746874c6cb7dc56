"""A layered layout computed in Python, for provenance graphs too large for ``dot`` to lay out in seconds.

``dot``'s x-coordinate pass is a network simplex over nodes, edge labels and virtual nodes; on long, narrow
provenance (thousands of ranks) it grows about quadratically: 10,000 nodes of nested workflows did not finish in
five minutes, even with ``nslimit``. This module does what ``dot`` does, in the simplest form that scales linearly
with a few passes: ranks from the data flow (``_ranks``), an order within each rank by barycentre sweeps, and x
positions that put each node under (then over) its neighbours without overlaps. Graphviz then only draws: the DOT
source carries ``pos`` and the size of every node, the ``pos`` of every edge (a straight line from border to border)
and of its label, and ``layout=nop2`` (``neato -n2``), which keeps them all. Given only the nodes, ``neato -n2``
took 7-13 s for 10,000 nodes, most of it in libgvc's R-tree (RTreeSearch, CombineRect in ``perf``; as much without
any labels); with the edges' positions it takes 2.4 s.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from ._ranks import estimate_ranks

__all__ = ["NodeBox", "edge_geometry", "layered_positions", "node_box"]

RANK_GAP = 48.0  # points between the bottom of one rank and the top of the next (room for a two-line edge label)
NODE_GAP = 24.0  # points between neighbours in a rank
SWEEPS = 4  # barycentre sweeps (down and up) to reduce crossings
CHAR_WIDTH = 7.0  # points per character at 11 pt (DejaVu Sans, what Helvetica resolves to on Debian, is wide)
LINE_HEIGHT = 14.0
LABEL_CHAR_WIDTH = 5.8  # points per character of an edge label (9 pt)
ARROW_LENGTH = 10.0  # Graphviz's arrowhead (arrowsize=1)
SHAPE_PADDING = {"ellipse": (1.25, 12.0), "hexagon": (1.0, 36.0), "box": (1.0, 18.0)}  # (scale, extra) on text width


@dataclass(frozen=True, slots=True)
class NodeBox:
    """A node's size in points."""

    width: float
    height: float
    elliptic: bool = False


def node_box(lines: Sequence[str], shape: str) -> NodeBox:
    """The size Graphviz will give a node with these label lines (a slight overestimate, so nodes never overlap)."""
    scale, extra = SHAPE_PADDING.get(shape, SHAPE_PADDING["box"])
    text = max((len(line) for line in lines), default=1) * CHAR_WIDTH
    height = max(36.0, len(lines) * LINE_HEIGHT + 12.0) * (1.2 if shape == "ellipse" else 1.0)
    return NodeBox(width=max(54.0, text * scale + extra), height=height, elliptic=shape == "ellipse")


Point = tuple[float, float]


def edge_geometry(
    tail: Point, tail_box: NodeBox, head: Point, head_box: NodeBox, *, label_lines: Sequence[str] = (), beside: bool
) -> tuple[str, str | None]:
    """The ``pos`` of a straight edge from the tail's border to an arrowhead on the head's, and the ``lp`` of its
    label, beside its middle (None without a label). ``beside``: between the nodes' right-hand sides instead."""
    if beside:
        start, tip = (tail[0] + tail_box.width / 2, tail[1]), (head[0] + head_box.width / 2, head[1])
    else:
        start, tip = _border(tail, tail_box, head), _border(head, head_box, tail)
    dx, dy = tip[0] - start[0], tip[1] - start[1]
    length = max((dx * dx + dy * dy) ** 0.5, 1e-9)
    end = (tip[0] - dx / length * ARROW_LENGTH, tip[1] - dy / length * ARROW_LENGTH)
    points = [start, _between(start, end, 1 / 3), _between(start, end, 2 / 3), end]
    pos = f"e,{tip[0]:.1f},{tip[1]:.1f} " + " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
    if not label_lines:
        return pos, None
    half_width = max(len(line) for line in label_lines) * LABEL_CHAR_WIDTH / 2
    middle = _between(start, tip, 0.5)
    return pos, f"{middle[0] + half_width + 4:.1f},{middle[1]:.1f}"


def _border(centre: Point, box: NodeBox, towards: Point) -> Point:
    """Where the line from ``centre`` to ``towards`` leaves the node's box (or ellipse)."""
    dx, dy = towards[0] - centre[0], towards[1] - centre[1]
    if dx == 0 and dy == 0:
        return centre
    half_width, half_height = box.width / 2, box.height / 2
    if box.elliptic:
        scale = 1 / ((dx / half_width) ** 2 + (dy / half_height) ** 2) ** 0.5
    else:
        scale = min(half_width / abs(dx) if dx else float("inf"), half_height / abs(dy) if dy else float("inf"))
    return centre[0] + dx * scale, centre[1] + dy * scale


def _between(a: Point, b: Point, fraction: float) -> Point:
    return a[0] + (b[0] - a[0]) * fraction, a[1] + (b[1] - a[1]) * fraction


def layered_positions(
    boxes: Mapping[int, NodeBox], edges: Sequence[tuple[int, int]], *, max_span: int
) -> dict[int, tuple[float, float]]:
    """Centre (x, y) in points of every node, y growing upwards as in Graphviz; rank 0 on top.

    Edges spanning more than ``max_span`` ranks take no part in ordering and placement (they are drawn as they fall).
    """
    ranks = estimate_ranks(boxes, edges)
    short = [(tail, head) for tail, head in edges if 0 < ranks[head] - ranks[tail] <= max_span]
    predecessors, successors = _neighbours(boxes, short)
    layers = _initial_layers(ranks, successors)
    for _ in range(SWEEPS):
        _sweep(layers, predecessors)
        _sweep(layers[::-1], successors)
    x: dict[int, float] = {}
    _place(layers, predecessors, boxes, x)
    _place(layers[::-1], successors, boxes, x)
    _place(layers, predecessors, boxes, x)
    return _with_heights(layers, boxes, x)


def _neighbours(
    nodes: Iterable[int], edges: Sequence[tuple[int, int]]
) -> tuple[dict[int, list[int]], dict[int, list[int]]]:
    predecessors: dict[int, list[int]] = {node: [] for node in nodes}
    successors: dict[int, list[int]] = {node: [] for node in predecessors}
    for tail, head in edges:
        predecessors[head].append(tail)
        successors[tail].append(head)
    return predecessors, successors


def _initial_layers(ranks: Mapping[int, int], successors: Mapping[int, list[int]]) -> list[list[int]]:
    """Nodes by rank, in depth-first order from the sources, so that siblings start out together."""
    seen: set[int] = set()
    order: list[int] = []
    for root in sorted(ranks, key=lambda node: (ranks[node], node)):
        stack = [root]
        while stack:
            node = stack.pop()
            if node in seen:
                continue
            seen.add(node)
            order.append(node)
            stack.extend(sorted(successors[node], reverse=True))
    layers: list[list[int]] = [[] for _ in range(max(ranks.values(), default=0) + 1)]
    for node in order:
        layers[ranks[node]].append(node)
    return [layer for layer in layers if layer]


def _sweep(layers: Sequence[list[int]], neighbours: Mapping[int, list[int]]) -> None:
    """Reorder each layer by the mean position of its neighbours in the layers already swept (barycentre)."""
    position: dict[int, float] = {}
    for layer in layers:
        keys = {}
        for index, node in enumerate(layer):
            placed = [position[other] for other in neighbours[node] if other in position]
            keys[node] = sum(placed) / len(placed) if placed else float(index)
        layer.sort(key=keys.__getitem__)
        position.update((node, float(index)) for index, node in enumerate(layer))


def _place(
    layers: Sequence[list[int]], neighbours: Mapping[int, list[int]], boxes: Mapping[int, NodeBox], x: dict[int, float]
) -> None:
    """Move each node towards the mean x of its neighbours in the layers already placed, keeping order and gaps."""
    done: set[int] = set()
    for layer in layers:
        desired = []
        for node in layer:
            placed = [x[other] for other in neighbours[node] if other in done]
            desired.append(sum(placed) / len(placed) if placed else x.get(node))
        _pack(layer, desired, boxes, x)
        done.update(layer)


def _pack(layer: list[int], desired: list[float | None], boxes: Mapping[int, NodeBox], x: dict[int, float]) -> None:
    """Left to right, each node at its desired x or just right of its left neighbour; then the layer is shifted
    back by the mean overshoot, so it stays centred on what its nodes wanted."""
    placed: list[float] = []
    for index, node in enumerate(layer):
        minimum = placed[-1] + (boxes[layer[index - 1]].width + boxes[node].width) / 2 + NODE_GAP if placed else -1e18
        want = desired[index]
        placed.append(max(minimum, want if want is not None else (minimum if placed else 0.0)))
    wanted = [(p, d) for p, d in zip(placed, desired, strict=True) if d is not None]
    shift = sum(p - d for p, d in wanted) / len(wanted) if wanted else 0.0
    for node, position in zip(layer, placed, strict=True):
        x[node] = position - shift


def _with_heights(
    layers: Sequence[list[int]], boxes: Mapping[int, NodeBox], x: Mapping[int, float]
) -> dict[int, tuple[float, float]]:
    """Stack the ranks top-down (each as tall as its tallest node) and move everything to positive coordinates."""
    left = min((x[node] - boxes[node].width / 2 for layer in layers for node in layer), default=0.0)
    heights = [max((boxes[node].height for node in layer), default=0.0) for layer in layers]
    total = sum(heights) + RANK_GAP * max(0, len(layers) - 1)
    positions: dict[int, tuple[float, float]] = {}
    top = total
    for layer, height in zip(layers, heights, strict=True):
        for node in layer:
            positions[node] = (round(x[node] - left + 4, 1), round(top - height / 2 + 4, 1))
        top -= height + RANK_GAP
    return positions
