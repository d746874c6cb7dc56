"""Ranks (layers, top to bottom) of a directed acyclic graph, close to the ones ``dot`` would choose.

Used to predict what ``dot`` will struggle with (edges spanning many ranks) and by the Python layered layout.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Mapping, Sequence

__all__ = ["edge_spans", "estimate_ranks"]


def estimate_ranks(nodes: Iterable[int], edges: Sequence[tuple[int, int]]) -> dict[int, int]:
    """A rank per node: the longest path from the sources, then each node that has successors moved down to just
    above its nearest one, as ``dot``'s network simplex tends to do. Nodes on a cycle (never in provenance) keep 0."""
    successors: dict[int, list[int]] = {node: [] for node in nodes}
    for tail, head in edges:
        successors.setdefault(tail, []).append(head)
        successors.setdefault(head, [])
    order = _topological_order(successors)
    ranks = dict.fromkeys(successors, 0)
    for node in order:
        for head in successors[node]:
            ranks[head] = max(ranks[head], ranks[node] + 1)
    for node in reversed(order):
        if successors[node]:
            ranks[node] = max(ranks[node], min(ranks[head] for head in successors[node]) - 1)
    return ranks


def edge_spans(ranks: Mapping[int, int], edges: Sequence[tuple[int, int]]) -> list[int]:
    """How many ranks each edge crosses (1: neighbouring ranks)."""
    return [ranks[head] - ranks[tail] for tail, head in edges]


def _topological_order(successors: Mapping[int, list[int]]) -> list[int]:
    indegree = dict.fromkeys(successors, 0)
    for heads in successors.values():
        for head in heads:
            indegree[head] += 1
    ready = deque(node for node, count in indegree.items() if count == 0)
    order = []
    while ready:
        node = ready.popleft()
        order.append(node)
        for head in successors[node]:
            indegree[head] -= 1
            if indegree[head] == 0:
                ready.append(head)
    return order
