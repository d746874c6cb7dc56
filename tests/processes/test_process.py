"""The public Process base and ``Process.current()``: the running process, from anywhere in its code."""

from __future__ import annotations

import asyncio
import gc
import weakref

import pytest

import jupyter_workflows as jw
from jupyter_workflows import Int, PortNamespace, Process, WorkChain, calcfunction, workfunction
from jupyter_workflows.nodes import CalculationNode, Data, WorkflowNode
from jupyter_workflows.testing import get_runtime, provenance_problems

pytestmark = pytest.mark.usefixtures("any_store")


@pytest.fixture(autouse=True)
def no_process_outside():
    assert Process.current() is None
    yield
    assert Process.current() is None


def own_input(name: str):
    """The input ``name`` of the running process, as its node's incoming links record it."""
    return Process.current().node.base.links.get_incoming().get_node_by_label(name)


@calcfunction
def double(x):
    assert own_input("x") is x
    return x * 2


@workfunction
def double_twice(x):
    me = Process.current()
    once = double(x)
    assert Process.current() is me and own_input("x") is x
    return double(once)


class Steps(WorkChain):
    @classmethod
    def define(cls, spec):
        super().define(spec)
        spec.input("x", valid_type=Int)
        spec.output("result", valid_type=Int)
        spec.outline(cls.first, cls.second)

    def first(self):
        assert Process.current() is self and own_input("x") is self.inputs.x
        self.ctx.child = self.submit(double, self.inputs.x)
        return jw.ToContext(child=self.ctx.child)

    async def second(self):
        await asyncio.sleep(0)
        assert Process.current() is self
        self.out("result", self.ctx.child.outputs.result)


def test_current_is_the_process_whose_code_runs_in_bodies_steps_and_nested_calls():
    assert double_twice(Int(3)) == 12
    assert jw.run(Steps, x=Int(4))["result"] == 8


def test_each_process_of_a_gather_sees_itself():
    @calcfunction
    async def slow_double(x):
        me = Process.current()
        for _ in range(3):
            await asyncio.sleep(0)  # let the others run in between
            assert Process.current() is me and own_input("x") is x
        return x * 2

    @workfunction
    async def fan_out(x):
        me = Process.current()
        doubled = await asyncio.gather(*(slow_double.run_async(Int(x.value + i)) for i in range(5)))
        assert Process.current() is me
        return {f"r{i}": value for i, value in enumerate(doubled)}

    async def main():
        return await asyncio.gather(*(fan_out.run_async(Int(10 * n)) for n in range(20)))

    results = asyncio.run(main())
    assert [results[n]["r4"].value for n in range(20)] == [2 * (10 * n + 4) for n in range(20)]
    assert provenance_problems(get_runtime().store, expected_calls={"fan_out": 5}) == []


def test_submitted_workchains_each_see_themselves():
    nodes = [jw.submit(Steps, x=Int(n)) for n in range(15)]
    jw.wait(*nodes)
    assert [node.outputs.result.value for node in nodes] == [2 * n for n in range(15)]
    assert all(node.is_finished_ok for node in nodes)
    assert provenance_problems(get_runtime().store, expected_calls={"Steps": 1}) == []


def test_workchains_and_process_functions_are_processes():
    assert issubclass(Steps, Process) and issubclass(double.process_class, Process)
    assert Process.SINGLE_OUTPUT_LINKNAME == "result"
    assert isinstance(Process.spec_metadata, PortNamespace) and Process.spec_metadata.is_metadata
    assert Steps.spec_metadata is Steps.spec().inputs["metadata"]
    assert Steps.exit_codes.ERROR_MISSING_OUTPUT.status == 11


class Triple(Process):
    """A process written AiiDA's way: a class derived from Process, with run()."""

    _node_class = CalculationNode

    @classmethod
    def define(cls, spec):
        super().define(spec)
        spec.input("x", valid_type=Int)
        spec.output("result", valid_type=Int)

    def run(self):
        assert Process.current() is self
        self.report("tripling %s", self.inputs.x.value)
        self.out(Int(self.inputs.x.value * 3))  # one value alone is the output 'result'


class Collect(Process):
    """Another, defaulting to a workflow node, with an async run() that calls a calcfunction."""

    @classmethod
    def define(cls, spec):
        super().define(spec)
        spec.input_namespace("numbers", valid_type=Int, dynamic=True)
        spec.output_namespace("doubled", valid_type=Int, dynamic=True)
        spec.exit_code(300, "ERROR_EMPTY", "nothing to collect")

    async def run(self):
        if not self.inputs.get("numbers"):
            return self.exit_codes.ERROR_EMPTY
        await asyncio.sleep(0)
        self.out("doubled", {name: double(value) for name, value in self.inputs.numbers.items()})
        return None


def test_a_class_derived_from_process_runs_its_run_method():
    result, node = jw.run.get_node(Triple, x=2)
    assert result["result"] == 6 and isinstance(node, CalculationNode)
    assert node.report_messages == ["tripling 2"]
    result, node = jw.run.get_node(Collect, numbers={"a": Int(1), "b": Int(2)})
    assert isinstance(node, WorkflowNode) and node.is_finished_ok
    assert {name: value.value for name, value in result["doubled"].items()} == {"a": 2, "b": 4}
    assert node.base.links.get_outgoing(node_class=Data).nested()["doubled"]["b"] == 4
    assert jw.run.get_node(Collect)[1].exit_status == 300


def test_a_node_class_that_is_no_process_node_is_refused_at_launch_storing_nothing():
    class Wrong(Process):  # defining it is fine, as in AiiDA (a module may define classes it never runs)
        _node_class = Int

        def run(self):
            raise AssertionError("never runs")

    before = get_runtime().store.count_nodes()
    with pytest.raises(jw.SpecError, match=r"Wrong._node_class must be a process node class .* \(got <class .*Int'>\)"):
        jw.run(Wrong)
    assert get_runtime().store.count_nodes() == before


def test_the_inputs_of_a_process_cannot_change():
    class Frozen(WorkChain):
        @classmethod
        def define(cls, spec):
            super().define(spec)
            spec.input("x", valid_type=Int)
            spec.input_namespace("group", dynamic=True)
            spec.outline(cls.try_to_change)

        def try_to_change(self):
            with pytest.raises(TypeError, match=r"The inputs of a process cannot change \('x'\): they are recorded"):
                self.inputs["x"] = Int(3)
            with pytest.raises(TypeError, match=r"cannot change \('one'\)"):
                self.inputs.group.one = Int(3)
            with pytest.raises(AttributeError, match=r"pop\(\) would change the inputs of a process"):
                self.inputs.group.pop("one")
            copy = self.inputs.thawed()
            copy.group["two"] = Int(2)  # a changeable copy, namespaces included
            assert self.inputs == {"x": 1, "group": {"one": 1}} and "two" not in self.inputs.group

    assert jw.run.get_node(Frozen, x=Int(1), group={"one": Int(1)})[1].is_finished_ok


def test_a_define_that_does_not_call_super_is_refused_when_the_spec_is_built():
    class Forgetful(WorkChain):
        @classmethod
        def define(cls, spec):
            spec.input("x", valid_type=Int)

    with pytest.raises(jw.SpecError, match=r"Forgetful.define\(spec\) does not call super\(\).define\(spec\)") as error:
        jw.run(Forgetful, x=Int(1))
    assert isinstance(error.value, AssertionError)  # as AiiDA's


_SEEN: list[weakref.ref[Process]] = []


@calcfunction
def remembered(x):
    _SEEN.append(weakref.ref(Process.current()))
    return x + 1


@pytest.mark.parametrize("launch", ["run", "submit"])
def test_a_finished_process_is_freed_at_once_without_the_garbage_collector(launch: str) -> None:
    """No reference cycle holds a process once it ended: a kernel or a worker that runs many processes frees each
    one's memory as its last reference goes, not at the garbage collector's next round."""
    jw.run(remembered, Int(1))  # what a first run loads stays
    gc.collect()
    gc.disable()
    try:
        if launch == "run":
            assert jw.run(remembered, Int(2)).value == 3
        else:
            node = jw.submit(remembered, Int(2))
            jw.wait(node)
            assert node.is_finished_ok
        assert len(_SEEN) == 2 and _SEEN[-1]() is None
    finally:
        gc.enable()
        _SEEN.clear()
