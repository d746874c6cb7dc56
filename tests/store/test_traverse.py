"""Walking the link graph: the level-by-level walk alone, then Store.traverse on SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

import pytest

from jupyter_workflows._core._errors import StoreError
from jupyter_workflows.store import DATA_LINK_TYPES, LinkRow, LinkType, NodeRow, Store, Traversal
from jupyter_workflows.store._traverse import Step, walk

CREATE, INPUT = LinkType.CREATE, LinkType.INPUT_CALC


def graph_step(edges: list[tuple[int, int]], calls: list[list[int]] | None = None) -> Step:
    """A forward step over ``edges`` that records in ``calls`` each frontier it is asked about."""

    def step(frontier: Sequence[int]) -> list[LinkRow]:
        if calls is not None:
            calls.append(sorted(frontier))
        wanted = set(frontier)
        return [LinkRow(a, b, CREATE, f"{a}->{b}") for a, b in edges if a in wanted]

    return step


# -- the walk alone ------------------------------------------------------------------------------------------------
def test_walk_asks_once_per_level_for_the_whole_frontier() -> None:
    calls: list[list[int]] = []
    step = graph_step([(1, 2), (1, 3), (2, 4), (3, 4), (4, 1)], calls)
    result = walk([1], step, forward=True)
    assert result.pks == {1, 2, 3, 4}
    assert len(result.links) == 5  # the diamond's two links into 4 and the cycle's link back to 1
    assert not result.truncated
    assert calls == [[1], [2, 3], [4]]


def test_walk_depth_and_node_limits() -> None:
    edges = [(1, 2), (1, 3), (2, 4), (3, 5), (4, 6)]
    assert walk([1], graph_step(edges), forward=True, max_depth=0) == Traversal({1}, [])
    assert walk([1], graph_step(edges), forward=True, max_depth=2).pks == {1, 2, 3, 4, 5}
    limited = walk([1], graph_step(edges), forward=True, max_nodes=4)
    assert (limited.pks, limited.truncated) == ({1, 2, 3, 4}, True)
    assert {(link.input_pk, link.output_pk) for link in limited.links} == {(1, 2), (1, 3), (2, 4)}
    exact = walk([1], graph_step(edges), forward=True, max_nodes=6)
    assert (len(exact.pks), exact.truncated) == (6, False)
    too_many_origins = walk([1, 2, 3], graph_step(edges), forward=True, max_nodes=2)
    assert (too_many_origins.pks, too_many_origins.truncated) == ({1, 2, 3}, True)


# -- Store.traverse ------------------------------------------------------------------------------------------------
def insert(store: Store, count: int, node_type: str = "data.Int") -> list[int]:
    return store.insert_nodes([NodeRow(0, str(uuid.uuid4()), node_type) for _ in range(count)])


def test_traverse_forward_and_backward_with_link_types(store: Store) -> None:
    x, y, calc, result, workflow = insert(store, 5)
    store.insert_links(
        [
            LinkRow(x, calc, INPUT, "x"),
            LinkRow(y, calc, INPUT, "y"),
            LinkRow(calc, result, CREATE, "result"),
            LinkRow(workflow, calc, LinkType.CALL_CALC, "CALL"),
            LinkRow(workflow, result, LinkType.RETURN, "result"),
        ]
    )
    assert store.traverse([x], direction="forward").pks == {x, calc, result}
    backward = store.traverse([result], direction="backward")
    assert backward.pks == {x, y, calc, result, workflow}
    assert len(backward.links) == 5
    assert store.traverse([result], direction="backward", link_types=DATA_LINK_TYPES).pks == {x, y, calc, result}
    assert store.traverse([result], direction="backward", max_depth=1).pks == {calc, workflow, result}
    assert store.traverse([result], direction="backward", link_types=[]).pks == {result}


def test_traverse_rejects_an_unknown_direction(store: Store) -> None:
    with pytest.raises(StoreError, match="direction='up'; pass direction='forward' or 'backward'"):
        store.traverse([1], direction="up")


def test_traverse_wide_frontier_is_chunked(store: Store) -> None:
    root = insert(store, 1)[0]
    leaves = insert(store, 2000)
    store.insert_links(LinkRow(root, leaf, CREATE, f"out{i}") for i, leaf in enumerate(leaves))
    sinks = insert(store, 2000)
    store.insert_links(LinkRow(leaf, sink, INPUT, "x") for leaf, sink in zip(leaves, sinks, strict=True))
    result = store.traverse([root], direction="forward")
    assert result.pks == {root, *leaves, *sinks}
    assert len(result.links) == 4000
    assert store.traverse(sinks, direction="backward").pks == {root, *leaves, *sinks}
    truncated = store.traverse([root], direction="forward", max_nodes=1500)
    assert truncated.truncated
    assert truncated.pks == {root, *sorted(leaves)[:1499]}


# -- 100,000 nodes -------------------------------------------------------------------------------------------------
BRANCHING, LEVELS = 10, 5  # 1 + 10 + ... + 10**5 = 111,111 nodes


def build_tree(store: Store) -> list[list[int]]:
    """A complete tree, inserted level by level in bulk; links alternate CREATE and INPUT_CALC by level."""
    levels = [insert(store, 1)]
    for depth in range(1, LEVELS + 1):
        children = insert(store, BRANCHING**depth)
        link_type = CREATE if depth % 2 else INPUT
        parents = levels[-1]
        store.insert_links(
            LinkRow(parents[i // BRANCHING], child, link_type, f"c{i % BRANCHING}") for i, child in enumerate(children)
        )
        levels.append(children)
    return levels


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_traverse_a_tree_of_111111_nodes(store: Store) -> None:
    levels = build_tree(store)
    everything = {pk for level in levels for pk in level}
    assert store.count_nodes() == len(everything) == 111_111

    full = store.traverse(levels[0], direction="forward")
    assert full.pks == everything
    assert not full.truncated
    assert len(full.links) == len(everything) - 1

    assert store.traverse(levels[0], direction="forward", max_depth=2).pks == {*levels[0], *levels[1], *levels[2]}
    assert store.traverse(levels[0], direction="forward", link_types=[CREATE]).pks == {*levels[0], *levels[1]}
    capped = store.traverse(levels[0], direction="forward", max_nodes=50_000)
    assert len(capped.pks) == 50_000
    assert capped.truncated
    assert {*levels[0], *levels[1], *levels[2], *levels[3]} <= capped.pks

    subtree = store.traverse([levels[1][0]], direction="forward")
    assert len(subtree.pks) == sum(BRANCHING**d for d in range(LEVELS))  # 11,111

    leaf = levels[-1][-1]
    path = store.traverse([leaf], direction="backward")
    assert len(path.pks) == LEVELS + 1
    assert levels[0][0] in path.pks
    assert len(store.traverse(levels[-1], direction="backward").pks) == len(everything)
