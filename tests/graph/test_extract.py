"""Subgraph extraction: AiiDA's traversal rules, checked against a plain breadth-first walk over every link, and
a query count that does not grow with the number of nodes (one set-based query per level)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import event

import jupyter_workflows as jw
from jupyter_workflows import Int, NodeNotFoundError, ValidationError
from jupyter_workflows.graph._extract import LINK_TYPE_GROUPS, extract, resolve_link_types
from jupyter_workflows.store import LinkRow, LinkType, Store

from ._workflows import AddAndMultiply, FanOut, add_loop

ALL = LINK_TYPE_GROUPS["all"]


def reference_walk(
    store: Store, origin: int, *, backward: bool, depth: int | None, types: tuple[LinkType, ...]
) -> tuple[set[int], set[LinkRow]]:
    """Nodes within ``depth`` hops and the links walked into them, one node at a time (slow, obviously right)."""
    links = [link for link in store.get_links() if link.link_type in types]
    reached, walked, frontier, level = {origin}, set(), {origin}, 0
    while frontier and (depth is None or level < depth):
        step = [link for link in links if (link.output_pk if backward else link.input_pk) in frontier]
        new = {link.input_pk if backward else link.output_pk for link in step} - reached
        reached |= new
        walked |= set(step)
        frontier, level = new, level + 1
    return reached, walked


def expected(store: Store, origin: int, ancestors: int | None, descendants: int | None, types) -> tuple[set, set]:
    up_nodes, up_links = reference_walk(store, origin, backward=True, depth=ancestors, types=types)
    down_nodes, down_links = reference_walk(store, origin, backward=False, depth=descendants, types=types)
    return up_nodes | down_nodes, up_links | down_links


@pytest.fixture
def workchain(any_store):
    return jw.run_get_node(AddAndMultiply, x=Int(1), y=Int(2), z=Int(3))[1]


@pytest.mark.parametrize("link_types", ["all", "data", "logic", ["call_calc", "create"]])
@pytest.mark.parametrize(("ancestors", "descendants"), [(None, None), (0, 1), (1, 0), (1, 2), (2, None)])
def test_depth_limits_and_link_types_match_a_plain_walk(any_store, workchain, link_types, ancestors, descendants):
    types = resolve_link_types(link_types)
    calc = workchain.called[0]  # the add calcfunction: it has ancestors and descendants
    for origin in (workchain.pk, calc.pk, calc.outputs.result.pk):
        subgraph = extract(any_store, [origin], ancestors=ancestors, descendants=descendants, link_types=types)
        nodes, links = expected(any_store, origin, ancestors, descendants, types)
        assert set(subgraph.nodes) == nodes
        assert set(subgraph.links) == links
        assert {link.link_type for link in subgraph.links} <= set(types)


def test_link_type_groups_are_aiidas():
    assert set(resolve_link_types("data")) == {LinkType.INPUT_CALC, LinkType.CREATE}
    assert set(resolve_link_types("logic")) == {LinkType.INPUT_WORK, LinkType.RETURN}
    assert set(resolve_link_types("all")) == set(LinkType)
    assert resolve_link_types([LinkType.CALL_WORK, "CALL_CALC"]) == (LinkType.CALL_WORK, LinkType.CALL_CALC)


def test_unknown_link_types_list_the_choices():
    with pytest.raises(ValidationError, match=r"'calls'.*choose from all, data, logic, input_calc"):
        resolve_link_types(["calls"])


def test_process_outputs_and_inputs_add_one_hop(store):
    workchain = jw.run_get_node(AddAndMultiply, x=Int(1), y=Int(2), z=Int(3))[1]
    add_node, multiply_node = workchain.called
    # Going backwards from the product along data links reaches multiply and its inputs, among them the sum, and
    # add; process_outputs adds what those calculations created: nothing new but the links.
    plain = extract(
        store, [multiply_node.pk], ancestors=1, descendants=0, link_types=resolve_link_types(["input_calc"])
    )
    with_outputs = extract(
        store, [multiply_node.pk], ancestors=1, descendants=0, link_types=resolve_link_types(["input_calc"]),
        process_outputs=True,
    )  # fmt: skip
    product = multiply_node.outputs.result.pk
    assert product not in plain.nodes and product in with_outputs.nodes
    assert any(link.link_type is LinkType.CREATE for link in with_outputs.links)
    # Going forwards from the sum, process_inputs adds the other input of multiply (z).
    sum_pk = add_node.outputs.result.pk
    forwards = extract(store, [sum_pk], ancestors=0, descendants=1, process_inputs=True)
    assert workchain.inputs.z.pk in forwards.nodes
    assert workchain.inputs.z.pk not in extract(store, [sum_pk], ancestors=0, descendants=1).nodes


def test_several_origins_give_the_union(store):
    first = jw.run_get_node(AddAndMultiply, x=Int(1), y=Int(2), z=Int(3))[1]
    second = jw.run_get_node(AddAndMultiply, x=Int(4), y=Int(5), z=Int(6))[1]
    both = extract(store, [first.pk, second.pk])
    assert set(both.nodes) == set(extract(store, [first.pk]).nodes) | set(extract(store, [second.pk]).nodes)
    assert both.origins == [first.pk, second.pk]


def test_over_max_nodes_is_refused_with_advice(store):
    workflow = add_loop.run_get_node(30)[1]
    assert len(extract(store, [workflow.pk], max_nodes=None).nodes) == 62
    with pytest.raises(ValidationError, match=r"more than 20 nodes.*ancestors=1, descendants=2.*max_nodes=None"):
        extract(store, [workflow.pk], max_nodes=20)
    assert len(extract(store, [workflow.pk], max_nodes=62).nodes) == 62


@pytest.mark.parametrize("depth", [-1, 1.5, True, "2"])
def test_bad_depths_are_refused(store, depth):
    node = Int(1).store()
    with pytest.raises(ValidationError, match="is not a depth"):
        extract(store, [node.pk], ancestors=depth)


def test_missing_origin_is_not_found(store):
    with pytest.raises(NodeNotFoundError):
        extract(store, [123456])


def test_queries_grow_with_levels_not_with_nodes(any_store):
    """A fan-out of 10 or 60 children: the same depth, so the same number of queries."""
    counts = []
    for k in (10, 60):
        workchain = jw.run_get_node(FanOut, k=Int(k))[1]
        with count_queries(any_store) as queries:
            subgraph = extract(any_store, [workchain.pk], process_inputs=True)
        # the WorkChain, k, and per add (k children and the sum): the add, x, y and result
        assert len(subgraph.nodes) == 1 + 1 + 4 * (k + 1)
        counts.append(len(queries))
    assert counts[0] == counts[1] < 20


@contextmanager
def count_queries(store: Store) -> Iterator[list[str]]:
    """The SELECT statements the store sends inside the block."""
    statements: list[str] = []

    def record(*args: object) -> None:
        statement = str(args[2])  # (conn, cursor, statement, parameters, context, executemany)
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append(statement)

    event.listen(store._engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(store._engine, "before_cursor_execute", record)
