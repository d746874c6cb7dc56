"""The metadata of a process function's run: label, description, call link label, store_provenance=False."""

from __future__ import annotations

import asyncio

import pytest

import jupyter_workflows as jw
import jupyter_workflows.testing
from jupyter_workflows import Int, calcfunction, workfunction

pytestmark = pytest.mark.usefixtures("any_store")


@calcfunction
def increment(x):
    return x + 1


@workfunction
def labelled(x, metadata={"label": "Default label", "description": "Default description"}):  # noqa: B006
    return x


def store_counts() -> tuple[int, int]:
    store = jw.testing.get_runtime().store
    return store.count_nodes(), len(store.get_links())


def live_processes() -> set[object]:
    return set(jw.testing.get_runtime().runner.live)


def test_label_defaults_to_the_function_name():
    _, node = increment.run_get_node(1)
    assert node.label == "increment" and node.description == ""
    _, node = increment.run_get_node(1, metadata={"label": "Custom", "description": "Why"})
    assert node.label == "Custom" and node.description == "Why"


def test_metadata_default_in_the_signature_and_at_call_time():
    _, node = labelled.run_get_node(Int(1).store())
    assert (node.label, node.description) == ("Default label", "Default description")
    _, node = labelled.run_get_node(Int(1).store(), metadata={"label": "Custom label"})
    assert (node.label, node.description) == ("Custom label", "")  # the call's metadata replaces the default
    assert set(node.inputs) == {"x"}  # metadata is not an input node


def test_metadata_parameter_with_a_wrong_default_is_refused_at_once():
    with pytest.raises(
        jw.SpecError,
        match="default must be a dict of call_link_label, description, disable_cache, label, store_provenance",
    ):

        @calcfunction
        def wrong(x, metadata={"colour": "red"}):  # noqa: B006
            return x + 1


def test_call_link_label_from_metadata():
    @workfunction
    def caller(x):
        return increment(x, metadata={"call_link_label": "first_increment"})

    _, node = caller.run_get_node(1)
    store = jw.testing.get_runtime().store
    assert {link.link_label for link in store.get_links(outputs_of=[node.pk])} >= {"first_increment"}


def test_store_provenance_false_runs_and_stores_nothing():
    before = store_counts()
    data = Int(1)
    result, node = increment.run_get_node(data, metadata={"store_provenance": False})
    assert result == 2
    assert not result.is_stored and not data.is_stored and not node.is_stored
    assert node.is_finished_ok and not node.storable
    assert node.inputs.x is data and node.outputs.result is result  # shown in memory
    assert store_counts() == before
    assert live_processes() == set()


def test_store_provenance_false_workfunction_and_its_children_store_nothing():
    @workfunction
    def twice(x):
        return increment(increment(x))

    before = store_counts()
    result, node = twice.run_get_node(Int(1).store(), metadata={"store_provenance": False})
    assert result == 3 and not result.is_stored
    assert node.is_finished_ok and not node.is_stored
    assert store_counts()[0] == before[0] + 1 and store_counts()[1] == before[1]  # the input stored by hand, only
    assert live_processes() == set()


def test_calcfunction_may_call_one_that_stores_nothing():
    @calcfunction
    def outer(x):
        return increment(x, metadata={"store_provenance": False})

    result, node = outer.run_get_node(5)
    assert result == 6 and result.is_stored and result.creator.pk == node.pk
    assert node.called == []


def test_store_provenance_false_cannot_be_submitted_nor_used_by_a_workchain():
    class Chain(jw.WorkChain):
        @classmethod
        def define(cls, spec):
            super().define(spec)
            spec.outline(cls.step)

        def step(self):
            pass

    before = store_counts()
    with pytest.raises(jw.UsageError, match="submitted with store_provenance=False"):
        jw.submit(increment, 1, metadata={"store_provenance": False})
    with pytest.raises(jw.UsageError, match="Chain cannot run with store_provenance=False"):
        jw.run(Chain, metadata={"store_provenance": False})
    assert store_counts() == before
    assert live_processes() == set()


def test_gathered_runs_without_provenance_store_nothing_and_leave_nothing_running(any_store):
    @workfunction
    async def chain(x):
        await asyncio.sleep(0)
        return increment(increment(x))

    before = store_counts()

    async def gathered():
        return await asyncio.gather(
            *(chain.run_async(Int(i), metadata={"store_provenance": False}) for i in range(30)),
            *(chain.run_async(Int(i)) for i in range(30)),
        )

    results = asyncio.run(gathered())
    assert [r.value for r in results] == [i + 2 for i in range(30)] * 2
    assert not any(r.is_stored for r in results[:30]) and all(r.is_stored for r in results[30:])
    counts = store_counts()
    assert counts[0] == before[0] + 30 * 6  # the stored half: input, workfunction, 2 calcfunctions, 2 results each
    assert live_processes() == set()
    assert jw.testing.provenance_problems(any_store, expected_calls={"chain": 2}) == []


def test_a_metadata_parameter_sees_its_own_default_or_the_metadata_given():
    seen = []

    @calcfunction
    def with_default(x, metadata=None):
        seen.append(metadata)
        return x + 1

    @calcfunction
    def without_default(x, metadata):
        seen.append(dict(metadata))
        return x + 1

    _, node = with_default.run_get_node(1, {"label": "positional"})
    assert node.label == "positional" and seen.pop() is None
    _, node = without_default.run_get_node(1, metadata={"label": "given"})
    assert node.label == "given" and seen.pop() == {"label": "given"}
