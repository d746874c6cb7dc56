"""Launching builders: run, run_get_node, run_async, submit and self.submit take a builder (keyword inputs merged on
top), a wrong one is refused before anything is stored, and a finished node gives a builder to run it again."""

from __future__ import annotations

import asyncio
import copy

import pytest

import jupyter_workflows as jw
from jupyter_workflows import Int, Str, ToContext, WorkChain, calcfunction
from jupyter_workflows.testing import get_runtime, provenance_problems

pytestmark = pytest.mark.usefixtures("store")


@calcfunction
def add(x: int, y: int = 2):
    return x + y


class AddWorkChain(WorkChain):
    @classmethod
    def define(cls, spec):
        super().define(spec)
        spec.input("term_a", valid_type=Int, help="the first term")
        spec.input("term_b", valid_type=Int)
        spec.input("options.scale", valid_type=Int, required=False)
        spec.output("sum", valid_type=Int)
        spec.outline(cls.compute)

    def compute(self):
        scale = self.inputs.get("options", {}).get("scale", Int(1))
        self.out("sum", add(self.inputs.term_a * scale, self.inputs.term_b))


class Fanout(WorkChain):
    """Submits its children through builders."""

    @classmethod
    def define(cls, spec):
        super().define(spec)
        spec.input("count", valid_type=Int)
        spec.output("total", valid_type=Int)
        spec.outline(cls.launch, cls.gather)

    def launch(self):
        children = {}
        for i in range(self.inputs.count.value):
            builder = AddWorkChain.get_builder()
            builder.term_a = i
            builder.metadata.call_link_label = f"child_{i}"
            children[f"child_{i}"] = self.submit(builder, term_b=Int(1))
        return ToContext(**children)

    def gather(self):
        total = sum(self.ctx[f"child_{i}"].outputs.sum.value for i in range(self.inputs.count.value))
        self.out("total", Int(total).store())


def add_builder(a: int, b: int) -> jw.ProcessBuilder:
    builder = AddWorkChain.get_builder()
    builder.term_a = Int(a)
    builder.term_b = Int(b)
    return builder


def test_run_run_get_node_and_run_get_pk_take_a_builder():
    assert jw.run(add_builder(1, 2)) == {"sum": 3}
    result, node = jw.run_get_node(add_builder(2, 3))
    assert result["sum"] == 5 and node.is_finished_ok and node.inputs.term_a == 2
    result, pk = jw.run.get_pk(add_builder(3, 4))
    assert result["sum"] == 7 and jw.load_node(pk).is_finished_ok


def test_keyword_inputs_merge_on_top_of_the_builder():
    builder = add_builder(1, 2)
    builder.metadata.description = "from the builder"
    result, node = jw.run_get_node(builder, term_b=Int(10), metadata={"label": "from the call"})
    assert result["sum"] == 11
    assert (node.label, node.description) == ("from the call", "from the builder")
    assert builder.term_b == 2 and "label" not in builder.metadata  # the builder is not changed
    assert jw.run(builder, {"options": {"scale": 3}})["sum"] == 5


def test_submit_and_run_async_take_a_builder():
    node = jw.submit(add_builder(1, 1))
    jw.wait(node)
    assert node.outputs.sum == 2

    async def main():
        return await jw.run_async(add_builder(2, 2))

    assert asyncio.run(main())["sum"] == 4


def test_a_calcfunction_builder_runs_the_function():
    builder = add.get_builder()
    builder.x = 1
    assert builder.process_class is add.process_class
    assert jw.run(builder) == 3 and jw.run(builder, y=5) == 6
    with pytest.raises(jw.UsageError, match="extra inputs as keywords or one dict"):
        jw.run(builder, 5)


def test_a_workchain_step_submits_builders_and_the_provenance_holds():
    async def many():
        return await asyncio.gather(*(jw.run_async(add_builder(i, i)) for i in range(20)))

    results = asyncio.run(many())
    assert [r["sum"].value for r in results] == [2 * i for i in range(20)]
    nodes = [jw.submit(Fanout.get_builder(), count=Int(5)) for _ in range(4)]
    jw.wait(*nodes)
    assert [node.outputs.total.value for node in nodes] == [sum(range(5)) + 5] * 4
    labels = sorted(link.link_label for link in nodes[0].provenance_store.get_links(outputs_of=[nodes[0].pk]))
    assert [label for label in labels if label.startswith("child_")] == [f"child_{i}" for i in range(5)]
    assert provenance_problems(get_runtime().store, expected_calls={"Fanout": 5, "AddWorkChain": 1}) == []


def test_a_wrong_builder_is_refused_before_anything_is_stored():
    before = len(jw.processes())
    builder = AddWorkChain.get_builder()
    builder.term_a = 1
    with pytest.raises(jw.ValidationError) as caught:
        jw.run(builder, options={"scale": "big"})
    error = caught.value
    assert sorted(error.problems) == [
        "AddWorkChain is missing the required input 'term_b'; pass term_b=...",
        "Input 'options.scale' of AddWorkChain expects Int (got str 'big'); pass an int or Int(...)",
    ]
    assert error.port_tree.splitlines()[:3] == [
        "Inputs of AddWorkChain (* required):",
        "  term_a *  Int, required                   the first term",
        "  term_b *  Int, required",
    ]
    assert len(jw.processes()) == before


def test_a_wrong_call_of_a_process_function_shows_its_inputs():
    with pytest.raises(jw.ValidationError, match="unexpected keyword argument 'z'") as caught:
        add(1, z=3)
    assert caught.value.port_tree.splitlines()[1:3] == ["  x *       Int, required", "  y         Int, default 2"]


def test_a_builder_from_a_finished_node_runs_it_again():
    _, node = jw.run_get_node(add_builder(4, 5), metadata={"label": "first", "description": "the first run"})
    builder = node.get_builder_restart()
    assert builder.process_class is AddWorkChain
    assert builder._inputs(prune=True) == {
        "term_a": 4,
        "term_b": 5,
        "metadata": {"label": "first", "description": "the first run"},
    }
    builder.term_b = Int(6)
    assert jw.run(builder)["sum"] == 10
    copied = copy.deepcopy(builder)  # holds stored nodes: they are shared, the namespaces copied
    copied.metadata.label = "second"
    assert builder.metadata.label == "first" and copied.term_a is builder.term_a
    assert jw.run_get_node(copied)[1].label == "second"

    _, function_node = add.run_get_node(1, 2)
    again = function_node.get_builder_restart()
    assert again._inputs(prune=True) == {"x": 1, "y": 2, "metadata": {"label": "add"}} and jw.run(again) == 3


def test_a_builder_from_a_node_whose_class_is_gone_says_how_to_fix_it():
    class Ephemeral(WorkChain):
        @classmethod
        def define(cls, spec):
            super().define(spec)
            spec.input("name", valid_type=Str)
            spec.outline(cls.step)

        def step(self):
            pass

    _, node = jw.run_get_node(Ephemeral, name=Str("x"))
    with pytest.raises(jw.UsageError, match=r"A builder for Ephemeral<\d+> is not available: test_a_builder_from"):
        node.get_builder_restart()
