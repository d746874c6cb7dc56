"""Breadth-first walk of the link graph, one set-based step per level (the SQL lives in the store)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from .._core._errors import StoreError
from ._rows import LinkRow, Traversal

Step = Callable[[Sequence[int]], list[LinkRow]]
"""Every link leaving (forward) or entering (backward) any node of a frontier, in one or a few queries."""

DIRECTIONS = ("forward", "backward")


def walk(
    origins: Iterable[int],
    step: Step,
    *,
    forward: bool,
    max_depth: int | None = None,
    max_nodes: int | None = None,
) -> Traversal:
    """Follow ``step`` level by level from ``origins``; see :meth:`Store.traverse` for the limits."""
    reached = set(origins)
    result = Traversal(pks=reached, links=[], truncated=max_nodes is not None and len(reached) > max_nodes)
    frontier: Sequence[int] = sorted(reached)
    depth = 0
    while frontier and not result.truncated and (max_depth is None or depth < max_depth):
        walked = step(frontier)
        frontier = _admit(result, walked, forward, max_nodes)
        depth += 1
    return result


def _admit(result: Traversal, walked: list[LinkRow], forward: bool, max_nodes: int | None) -> list[int]:
    """Add the nodes first reached by ``walked`` (up to ``max_nodes``) and the links into reached nodes."""
    reached = result.pks
    targets = [link.output_pk for link in walked] if forward else [link.input_pk for link in walked]
    new = set(targets).difference(reached)
    if max_nodes is not None and len(reached) + len(new) > max_nodes:
        new = set(sorted(new)[: max(0, max_nodes - len(reached))])  # the lowest pks, so results are repeatable
        result.truncated = True
    reached.update(new)
    result.links.extend(link for link, target in zip(walked, targets, strict=True) if target in reached)
    return list(new)


def check_direction(direction: str) -> bool:
    """True for ``"forward"``, False for ``"backward"``; anything else is a StoreError naming both choices."""
    if direction not in DIRECTIONS:
        raise StoreError(f"traverse() got direction={direction!r}; pass direction='forward' or 'backward'")
    return direction == "forward"
