"""Rank estimates: the data flow downwards, each node right above its nearest consumer, as dot places them."""

from __future__ import annotations

from jupyter_workflows.graph._ranks import edge_spans, estimate_ranks


def test_chain_with_a_hub_on_top():
    # 0 is a workflow calling 1, 3, 5 (a chain 1 -> 2 -> 3 -> 4 -> 5 -> 6) and returning 6.
    edges = [(1, 2), (2, 3), (3, 4), (4, 5), (5, 6), (0, 1), (0, 3), (0, 5), (0, 6)]
    ranks = estimate_ranks(range(7), edges)
    assert [ranks[node] for node in range(7)] == [0, 1, 2, 3, 4, 5, 6]
    assert edge_spans(ranks, edges) == [1, 1, 1, 1, 1, 1, 3, 5, 6]


def test_sources_move_down_to_their_consumer():
    # 7 is an input made by hand for step 5 only: it sits right above 5, not at the top.
    ranks = estimate_ranks(range(8), [(1, 2), (2, 3), (3, 4), (4, 5), (7, 5)])
    assert ranks[7] == ranks[5] - 1


def test_unlinked_nodes_and_cycles_do_not_break_it():
    assert estimate_ranks([1, 2], []) == {1: 0, 2: 0}
    assert set(estimate_ranks([1, 2], [(1, 2), (2, 1)]).values()) == {0}
