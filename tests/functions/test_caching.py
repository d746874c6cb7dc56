"""Caching as in AiiDA: a calcfunction run on the same code and inputs as a finished one takes that run's result
instead of running (when caching is enabled for it), and says where it took it from."""

from __future__ import annotations

import asyncio
import linecache
import uuid
from collections import Counter
from typing import Any

import pytest

import jupyter_workflows as jw
from jupyter_workflows import Dict, ExitCode, Float, Int, calcfunction, workfunction
from jupyter_workflows.store import LinkType, NodeRow
from jupyter_workflows.testing import get_runtime, provenance_problems

pytestmark = pytest.mark.usefixtures("any_store")

CALLS: Counter[str] = Counter()


@calcfunction
def add(x, y):
    CALLS["add"] += 1
    return x + y


@calcfunction
def sum_and_product(x, y):
    CALLS["sum_and_product"] += 1
    return {"sum": x + y, "product": x * y}


@calcfunction
def fails(x, invalidates):
    CALLS["fails"] += 1
    return ExitCode(400 + x.value, f"failed on {x.value}", invalidates_cache=invalidates.value)


@calcfunction
def returns_one(x):
    CALLS["returns_one"] += 1
    return ExitCode(1)  # the status of ERROR_UNSPECIFIED, which invalidates the cache as in AiiDA


@calcfunction
def raises(x):
    CALLS["raises"] += 1
    raise ValueError("no")


@workfunction
def add_twice(x, y):
    CALLS["add_twice"] += 1
    return add(add(x, y), y)


@pytest.fixture(autouse=True)
def fresh_counts() -> None:
    CALLS.clear()


def create_links(node: jw.ProcessNode) -> dict[str, Any]:
    store = get_runtime().store
    links = store.get_links(outputs_of=[node.pk], link_types=[LinkType.CREATE])
    return {link.link_label: store.get_node(link.output_pk) for link in links}


# -- hashes -----------------------------------------------------------------------------------------------------------
def test_identical_runs_have_equal_hashes_and_run_both_when_caching_is_off():
    _, first = add.run_get_node(Int(2), Int(3))
    _, second = add.run_get_node(Int(2), Int(3))
    assert CALLS["add"] == 2
    assert first.base.caching.get_hash() == second.base.caching.get_hash() is not None
    assert not second.base.caching.is_created_from_cache and second.base.caching.get_cache_source() is None


def test_other_inputs_other_labels_other_functions_give_other_hashes():
    hashes = {
        add.run_get_node(Int(2), Int(3))[1].base.caching.get_hash(),
        add.run_get_node(Int(3), Int(2))[1].base.caching.get_hash(),  # x and y swapped: other labels
        add.run_get_node(Int(2), Float(3.0))[1].base.caching.get_hash(),  # equal values, other type
        sum_and_product.run_get_node(Int(2), Int(3))[1].base.caching.get_hash(),
    }
    assert len(hashes) == 4


def test_data_hashes_cover_type_and_content_not_identity():
    assert Int(1).base.caching.get_hash() == Int(1).store().base.caching.get_hash()
    assert Int(1).base.caching.get_hash() != Float(1.0).base.caching.get_hash()
    assert Dict({"a": 1, "b": 2}).base.caching.get_hash() == Dict({"b": 2, "a": 1}).base.caching.get_hash()
    growing = jw.List([1])
    before = growing.base.caching.get_hash()
    growing.append(2)
    assert growing.base.caching.get_hash() != before == jw.List([1]).base.caching.get_hash()
    stored = Int(7).store()
    assert get_runtime().store.get_node(stored.pk).hash == stored.base.caching.get_hash()


# -- a cache hit ------------------------------------------------------------------------------------------------------
def test_a_cached_run_is_a_new_finished_node_with_clones_of_the_outputs():
    x, y = Int(2).store(), Int(3).store()
    result, original = add.run_get_node(x, y)
    with jw.enable_caching():
        cached_result, cached = add.run_get_node(x, y)
    assert CALLS["add"] == 1  # the body ran once
    assert cached.pk != original.pk and cached.is_finished_ok
    assert cached.process_state is jw.ProcessState.FINISHED and cached.exit_status == 0
    assert cached.base.caching.is_created_from_cache
    assert cached.base.caching.get_cache_source() == original.uuid
    assert cached.base.caching.get_hash() == original.base.caching.get_hash()
    # a clone: new node, same content, created by the new run
    assert cached_result == result == 5 and cached_result.is_stored
    assert cached_result.uuid != result.uuid and cached_result.creator.pk == cached.pk
    assert cached.outputs.result is cached_result
    assert set(create_links(cached)) == {"result"}
    # the same input nodes, linked to the new run
    assert cached.inputs.x is x and cached.inputs.y is y
    assert not original.base.caching.is_created_from_cache


def test_every_output_is_cloned_under_its_label():
    sum_and_product(Int(2), Int(3))
    with jw.enable_caching():
        outputs, cached = jw.run.get_node(sum_and_product, x=Int(2), y=Int(3))
    assert CALLS["sum_and_product"] == 1
    assert (outputs["sum"].value, outputs["product"].value) == (5, 6)
    assert {label: row.attributes for label, row in create_links(cached).items()} == {
        "sum": {"value": 5},
        "product": {"value": 6},
    }


@calcfunction
def nothing(x):
    CALLS["nothing"] += 1


@calcfunction
async def later(x):
    CALLS["later"] += 1
    await asyncio.sleep(0)
    return x + 1


def test_runs_without_outputs_and_async_bodies_are_cached_too():
    nothing(Int(1))
    later(Int(1))
    with jw.enable_caching():
        result, node = nothing.run_get_node(Int(1))
        assert result == {} and node.is_finished_ok and node.base.caching.is_created_from_cache
        _, node = later.run_get_node(Int(1))
        assert node.base.caching.is_created_from_cache and node.outputs.result == 2
        submitted = jw.submit(later, Int(1))
        jw.wait(submitted)
        assert submitted.base.caching.is_created_from_cache and submitted.outputs.result == 2
    assert CALLS == {"nothing": 1, "later": 1}


def test_cached_runs_all_point_at_the_oldest_source():
    _, original = add.run_get_node(1, 2)
    with jw.enable_caching(identifier=add):
        sources = {add.run_get_node(1, 2)[1].base.caching.get_cache_source() for _ in range(3)}
    assert sources == {original.uuid}
    same = original.base.caching.get_all_same_nodes()
    assert same[0].pk == original.pk and len(same) == 4  # the cached runs may serve too
    assert original.base.caching._get_same_node().pk == original.pk


def test_a_cached_call_inside_a_workfunction_is_called_and_returned():
    add_twice(Int(1), Int(2))
    with jw.enable_caching():
        result, node = add_twice.run_get_node(Int(1), Int(2))
    assert CALLS == {"add_twice": 2, "add": 2}  # workflows always run; their calculations came from the cache
    assert result == 5
    assert all(child.base.caching.is_created_from_cache for child in node.called)
    assert node.outputs.result is result and result.creator.pk == node.called[1].pk
    assert provenance_problems(get_runtime().store) == []


class AddInSteps(jw.WorkChain):
    @classmethod
    def define(cls, spec):
        super().define(spec)
        spec.input("a")
        spec.input("b")
        spec.output("member")
        spec.output("static")
        spec.outline(cls.run_member, cls.run_static)

    @calcfunction
    def add_member(a, b):  # AiiDA's test: a calcfunction as a class member, called on the class
        return a + b

    @staticmethod
    @calcfunction
    def add_static(a, b):
        return a + b

    def run_member(self):
        self.out("member", AddInSteps.add_member(self.inputs.a, self.inputs.b))

    def run_static(self):
        self.out("static", self.add_static(self.inputs.a, self.inputs.b))


def test_calcfunctions_called_in_workchain_steps_are_cached():
    _, first = jw.run.get_node(AddInSteps, a=Int(1), b=Int(2))
    with jw.enable_caching():
        results, second = jw.run.get_node(AddInSteps, a=Int(1), b=Int(2))
    assert second.is_finished_ok and (results["member"], results["static"]) == (3, 3)
    assert not second.base.caching.is_created_from_cache  # the WorkChain ran
    sources = [called.base.caching.get_cache_source() for called in second.called]
    assert sources == [called.uuid for called in first.called]
    assert AddInSteps.add_member.process_class.build_process_type() == f"{__name__}.AddInSteps.add_member"
    assert provenance_problems(get_runtime().store) == []


# -- what may serve as a cache source ---------------------------------------------------------------------------------
def test_workflows_are_never_cached():
    _, first = add_twice.run_get_node(Int(1), Int(2))
    with jw.enable_caching():
        _, second = add_twice.run_get_node(Int(1), Int(2))
    assert CALLS["add_twice"] == 2
    assert not first.base.caching.is_valid_cache and not second.base.caching.is_created_from_cache
    assert first.base.caching.get_hash() == second.base.caching.get_hash()


@pytest.mark.parametrize(("invalidates", "cached"), [(True, False), (False, True)])
def test_an_exit_code_that_invalidates_the_cache_keeps_its_run_from_serving(invalidates, cached):
    _, first = fails.run_get_node(Int(1), jw.Bool(invalidates))
    assert first.exit_status == 401 and first.base.caching.is_valid_cache is cached
    with jw.enable_caching():
        _, second = fails.run_get_node(Int(1), jw.Bool(invalidates))
    assert second.base.caching.is_created_from_cache is cached
    assert CALLS["fails"] == (1 if cached else 2)
    assert (second.exit_status, second.exit_message) == (401, "failed on 1")  # a cached run ends as its source


def test_builtin_failures_excepted_and_killed_runs_never_serve():
    _, failed = returns_one.run_get_node(Int(1))
    assert failed.exit_status == 1 and not failed.base.caching.is_valid_cache
    with pytest.raises(ValueError, match="no"):
        raises(Int(1))
    with jw.enable_caching():
        returns_one(Int(1))
        with pytest.raises(ValueError, match="no"):
            raises(Int(1))
    assert CALLS == {"returns_one": 2, "raises": 2}


def test_is_valid_cache_withdraws_a_run_and_gives_it_back():
    _, original = add.run_get_node(Int(1), Int(1))
    original.base.caching.is_valid_cache = False
    assert not original.base.caching.is_valid_cache
    with jw.enable_caching():
        _, ran = add.run_get_node(Int(1), Int(1))  # ran: the source was withdrawn ...
        assert not ran.base.caching.is_created_from_cache
        ran.base.caching.is_valid_cache = False
        original.base.caching.is_valid_cache = True
        _, cached = add.run_get_node(Int(1), Int(1))  # ... and given back
    assert cached.base.caching.get_cache_source() == original.uuid
    assert CALLS["add"] == 2


def test_a_source_withdrawn_by_another_program_is_not_taken_again():
    _, original = add.run_get_node(Int(4), Int(4))
    with jw.enable_caching():
        _, first = add.run_get_node(Int(4), Int(4))  # remembers the original as the source of this hash
        with get_runtime().store.open_another() as elsewhere:  # another program's connection
            elsewhere.set_cache_valid(original.pk, False)
        _, second = add.run_get_node(Int(4), Int(4))
    assert first.base.caching.get_cache_source() == original.uuid
    assert second.base.caching.get_cache_source() == first.uuid  # the oldest that still serves
    assert CALLS["add"] == 1


def test_a_source_stored_by_another_program_is_found_after_a_miss():
    with jw.enable_caching():
        _, ran = add.run_get_node(Int(7), Int(7))  # no source: it runs
        with get_runtime().store.open_another() as elsewhere:  # another program withdraws it and gives it back
            elsewhere.set_cache_valid(ran.pk, False)
            _, again = add.run_get_node(Int(7), Int(7))
            elsewhere.set_cache_valid(again.pk, False)
            elsewhere.set_cache_valid(ran.pk, True)
        _, cached = add.run_get_node(Int(7), Int(7))
    assert not again.base.caching.is_created_from_cache
    assert cached.base.caching.get_cache_source() == ran.uuid
    assert CALLS["add"] == 2


def test_is_valid_cache_refuses_what_cannot_serve():
    with pytest.raises(jw.UsageError, match="data, which is never a cache source"):
        Int(1).store().base.caching.is_valid_cache = False
    _, workflow = add_twice.run_get_node(Int(1), Int(2))
    workflow.base.caching.is_valid_cache = False  # it never was: nothing to withdraw
    with pytest.raises(jw.UsageError, match="cannot serve as a cache source"):
        workflow.base.caching.is_valid_cache = True
    _, calculation = add.run_get_node(Int(1), Int(2))
    with pytest.raises(jw.UsageError, match="takes True or False"):
        calculation.base.caching.is_valid_cache = "no"  # type: ignore[assignment]


# -- turning it on and off ------------------------------------------------------------------------------------------
def test_identifiers_select_what_is_cached():
    add(Int(1), Int(2))
    sum_and_product(Int(1), Int(2))
    assert add.process_class.build_process_type() == f"{__name__}.add"
    with jw.enable_caching(identifier="*.add"):
        add(Int(1), Int(2))
        sum_and_product(Int(1), Int(2))
    with jw.enable_caching(identifier=f"{__name__}.sum_and_product"):
        add(Int(1), Int(2))
        sum_and_product(Int(1), Int(2))
    assert CALLS == {"add": 2, "sum_and_product": 2}


def test_the_innermost_block_decides():
    add(Int(1), Int(2))
    with jw.enable_caching(), jw.disable_caching(identifier=add):
        add(Int(1), Int(2))  # runs
        with jw.enable_caching(identifier="tests.*"):
            add(Int(1), Int(2))  # cached
    assert CALLS["add"] == 2


def test_disable_cache_in_metadata_runs_whatever_else_is_enabled():
    add(Int(1), Int(2))
    with jw.enable_caching():
        _, node = add.run_get_node(Int(1), Int(2), metadata={"disable_cache": True})
    assert CALLS["add"] == 2 and not node.base.caching.is_created_from_cache


def test_configure_sets_the_standing_rules():
    add(Int(1), Int(2))
    sum_and_product(Int(1), Int(2))
    try:
        jw.configure(caching=True)
        add(Int(1), Int(2))
        jw.configure(caching={"*": True, sum_and_product: False})
        sum_and_product(Int(1), Int(2))
        add(Int(1), Int(2))
        jw.configure(caching=["*.sum_and_product"])
        add(Int(1), Int(2))
        sum_and_product(Int(1), Int(2))
        with jw.disable_caching():
            sum_and_product(Int(1), Int(2))
    finally:
        jw.configure(caching=False)
    assert CALLS == {"add": 2, "sum_and_product": 3}
    assert jw.configure(caching=False) is get_runtime().store  # the store stays as it was


def test_bad_caching_settings_are_refused_with_the_fix():
    with pytest.raises(jw.UsageError, match="is not a caching identifier"), jw.enable_caching(identifier="my module.x"):
        pass
    nothing = "tests.functions.test_caching.nothing_here"
    with (
        pytest.raises(jw.UsageError, match="names nothing importable"),
        jw.enable_caching(identifier=nothing, strict=True),
    ):
        pass
    with jw.enable_caching(identifier=f"{__name__}.add", strict=True):
        pass
    with (
        pytest.raises(jw.UsageError, match="a process function, a process class or a pattern"),
        jw.disable_caching(identifier=42),
    ):
        pass
    with pytest.raises(jw.UsageError, match="takes True, False, a list"):
        jw.configure(caching="yes")
    with pytest.raises(jw.UsageError, match="maps to str 'on'"):
        jw.configure(caching={"*": "on"})
    try:
        jw.configure(caching={"tests.*": True, "*.add": False})
        with pytest.raises(jw.UsageError, match="ambiguous"):
            add(Int(1), Int(2))
    finally:
        jw.configure(caching=False)


# -- the function's code --------------------------------------------------------------------------------------------
def define(source: str, filename: str | None) -> Any:
    """Define ``source`` as a notebook cell does: compiled under a file name that linecache knows (or none)."""
    namespace = {"calcfunction": calcfunction, "__name__": "__main__"}
    name = filename or "<string>"
    if filename is not None:
        linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    exec(compile(source, name, "exec"), namespace)
    return namespace["double"]


@pytest.mark.parametrize("with_source", [True, False], ids=["source", "bytecode"])
def test_a_changed_body_invalidates_and_the_same_body_is_cached(with_source: bool):
    one = "@calcfunction\ndef double(x):\n    return x * 2\n"
    other = "@calcfunction\ndef double(x):\n    return x + x + 1\n"
    names = iter([f"/tmp/ipykernel_0/cell{i}.py" for i in range(3)] if with_source else [None] * 3)
    first = define(one, next(names))
    assert first(Int(4)) == 8
    with jw.enable_caching(identifier="__main__.double"):
        changed, node = define(other, next(names)).run_get_node(Int(4))
        assert changed == 9 and not node.base.caching.is_created_from_cache
        again, node = define(one, next(names)).run_get_node(Int(4))
        assert again == 8 and node.base.caching.is_created_from_cache


# -- many at once ----------------------------------------------------------------------------------------------------
def test_many_identical_cached_calls_gathered_keep_provenance_whole():
    _, original = add.run_get_node(Int(5), Int(6))
    x = Int(5).store()

    async def main() -> tuple[list[Any], list[Any]]:
        with jw.enable_caching():
            same = await asyncio.gather(*(add.run_async(x, Int(6)) for _ in range(40)))
            mixed = await asyncio.gather(*(add.run_async(Int(i % 3), Int(1)) for i in range(30)))
        return same, mixed

    results, mixed = asyncio.run(main())
    assert [result.value for result in results] == [11] * 40 and len({r.uuid for r in results}) == 40
    assert sorted(result.value for result in mixed) == sorted(i % 3 + 1 for i in range(30))
    store = get_runtime().store
    assert provenance_problems(store, results=[r.uuid for r in [*results, *mixed]]) == []
    assert {result.creator.base.caching.get_cache_source() for result in results} == {original.uuid}
    # the original, and every one of the mixed: each looked for a source when it was created, before any had ended
    assert CALLS["add"] == 1 + 30


def test_the_integrity_check_finds_runs_with_a_wrong_cache_source():
    store = get_runtime().store

    def process(uuid: str, hash: str, cached_from: str | None = None) -> NodeRow:
        attributes = {"cached_from": cached_from} if cached_from else {}
        return NodeRow(
            0, uuid, "process.calcfunction", process_label="p", process_state="finished", exit_status=0,
            sealed=True, hash=hash, attributes=attributes,
        )  # fmt: skip

    ids = [str(uuid.uuid4()) for _ in range(5)]
    store.insert_nodes(
        [
            process(ids[0], "h"),
            process(ids[1], "other", cached_from=ids[0]),
            process(ids[2], "h", cached_from="0000-nowhere"),
            process(ids[3], "h", cached_from=ids[4]),
            process(ids[4], "h", cached_from=ids[3]),
        ]
    )
    (problem,) = provenance_problems(store)
    assert problem.startswith("4 run(s) taken from the cache with a wrong source")
    assert "which is not a finished run of its type and hash" in problem
    assert "no process in the store" in problem and "in a cycle of cache sources" in problem
