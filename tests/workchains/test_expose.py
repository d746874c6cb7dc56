"""expose_inputs / expose_outputs: namespaces, include/exclude, namespace_options, agglomerate, as AiiDA's tests."""

from __future__ import annotations

import pytest

import jupyter_workflows as jw
import jupyter_workflows.testing
from jupyter_workflows import Bool, Float, Int, ToContext, WorkChain, calcfunction

pytestmark = pytest.mark.usefixtures("any_store")


class ChildExposeWorkChain(WorkChain):
    @classmethod
    def define(cls, spec):
        super().define(spec)
        spec.input("a", valid_type=Int)
        spec.input("b", valid_type=Float)
        spec.input("c", valid_type=Bool)
        spec.output("a", valid_type=Float)
        spec.output("b", valid_type=Float)
        spec.output("c", valid_type=Bool)
        spec.outline(cls.do_run)

    def do_run(self):
        summed = self.inputs.a + self.inputs.b
        summed.store()
        self.out("a", summed)
        self.out("b", self.inputs.b)
        self.out("c", self.inputs.c)


class ParentExposeWorkChain(WorkChain):
    @classmethod
    def define(cls, spec):
        super().define(spec)
        spec.expose_inputs(ChildExposeWorkChain, include=["a"])
        spec.expose_inputs(ChildExposeWorkChain, exclude=["a"], namespace="sub_1")
        spec.expose_inputs(ChildExposeWorkChain, include=["b"], namespace="sub_2")
        spec.expose_inputs(ChildExposeWorkChain, include=["c"], namespace="sub_2.sub_3")
        spec.expose_outputs(ChildExposeWorkChain, include=["a"])
        spec.expose_outputs(ChildExposeWorkChain, exclude=["a"], namespace="sub_1")
        spec.expose_outputs(ChildExposeWorkChain, include=["b"], namespace="sub_2")
        spec.expose_outputs(ChildExposeWorkChain, include=["c"], namespace="sub_2.sub_3")
        spec.outline(cls.start_children, cls.finalize)

    def start_children(self):
        child_1 = self.submit(
            ChildExposeWorkChain,
            a=self.exposed_inputs(ChildExposeWorkChain)["a"],
            **self.exposed_inputs(ChildExposeWorkChain, namespace="sub_1", agglomerate=False),
        )
        child_2 = self.submit(
            ChildExposeWorkChain, **self.exposed_inputs(ChildExposeWorkChain, namespace="sub_2.sub_3")
        )
        return ToContext(child_1=child_1, child_2=child_2)

    def finalize(self):
        exposed_1 = self.exposed_outputs(self.ctx.child_1, ChildExposeWorkChain, namespace="sub_1", agglomerate=False)
        self.out_many(exposed_1)
        self.out_many(self.exposed_outputs(self.ctx.child_2, ChildExposeWorkChain, namespace="sub_2.sub_3"))


class GrandParentExposeWorkChain(WorkChain):
    @classmethod
    def define(cls, spec):
        super().define(spec)
        spec.expose_inputs(ParentExposeWorkChain, namespace="sub.sub")
        spec.expose_outputs(ParentExposeWorkChain, namespace="sub.sub")
        spec.outline(cls.do_run, cls.finalize)

    def do_run(self):
        inputs = self.exposed_inputs(ParentExposeWorkChain, namespace="sub.sub")
        return ToContext(child=self.submit(ParentExposeWorkChain, **inputs))

    def finalize(self):
        self.out_many(self.exposed_outputs(self.ctx.child, ParentExposeWorkChain, namespace="sub.sub"))


def test_expose_with_namespaces_include_exclude_and_agglomerate():
    result = jw.run(
        ParentExposeWorkChain,
        a=Int(1),
        sub_1={"b": Float(2.3), "c": Bool(True)},
        sub_2={"b": Float(1.2), "sub_3": {"c": Bool(False)}},
    )
    assert result == {
        "a": Float(2.2),  # from child 2: agglomerate gathered 'a' from the top level, 'b' from sub_2
        "sub_1": {"b": Float(2.3), "c": Bool(True)},
        "sub_2": {"b": Float(1.2), "sub_3": {"c": Bool(False)}},
    }
    assert sorted(ParentExposeWorkChain.spec().inputs) == ["a", "metadata", "sub_1", "sub_2"]
    assert sorted(ParentExposeWorkChain.spec().inputs["sub_1"]) == ["b", "c", "metadata"]


def test_nested_expose():
    inner = {
        "a": Int(1),
        "sub_1": {"b": Float(2.3), "c": Bool(True)},
        "sub_2": {"b": Float(1.2), "sub_3": {"c": Bool(False)}},
    }
    result, node = jw.run.get_node(GrandParentExposeWorkChain, sub={"sub": inner})
    assert result == {
        "sub": {
            "sub": {
                "a": Float(2.2),
                "sub_1": {"b": Float(2.3), "c": Bool(True)},
                "sub_2": {"b": Float(1.2), "sub_3": {"c": Bool(False)}},
            }
        }
    }
    store = jw.testing.get_runtime().store
    labels = {link.link_label for link in store.get_links(outputs_of=[node.pk]) if link.link_type.value == "return"}
    assert labels == {
        "sub__sub__a",
        "sub__sub__sub_1__b",
        "sub__sub__sub_1__c",
        "sub__sub__sub_2__b",
        "sub__sub__sub_2__sub_3__c",
    }


class InputsOnly(WorkChain):
    """A base with inputs only: no outline, no outputs (AiiDA accepts it; others expose it)."""

    @classmethod
    def define(cls, spec):
        super().define(spec)
        spec.input("a", valid_type=Bool, default=lambda: Bool(True))
        spec.input("settings.level", valid_type=Int, required=False)


class UsesInputsOnly(WorkChain):
    @classmethod
    def define(cls, spec):
        super().define(spec)
        spec.expose_inputs(InputsOnly, namespace="child_one")
        spec.expose_inputs(InputsOnly, namespace="child_two")
        spec.outline(cls.check)
        spec.output("levels", valid_type=Int, required=False)

    def check(self):
        one = self.exposed_inputs(InputsOnly, namespace="child_one")
        two = self.exposed_inputs(InputsOnly, namespace="child_two")
        assert one.a.value and two.a.value and one.a.uuid != two.a.uuid  # each default is its own node
        if "settings" in one:
            self.out("levels", one.settings.level)


def test_expose_an_input_only_workchain_that_cannot_run_itself():
    _, node = jw.run.get_node(UsesInputsOnly, child_one={"settings": {"level": Int(3).store()}}, child_two={})
    assert node.is_finished_ok
    assert set(node.inputs.child_one) == {"a", "settings"} and set(node.inputs.child_two) == {"a"}
    assert node.outputs.levels == 3
    with pytest.raises(jw.SpecError, match="InputsOnly has no outline, so it has nothing to run") as error:
        jw.run(InputsOnly)
    assert isinstance(error.value, TypeError)
    assert jw.load_node(jw.processes(limit=1)[0].pk).is_excepted  # as in AiiDA: it ran, and excepted


def test_expose_nested_include_and_exclude_rules():
    class Base(WorkChain):
        @classmethod
        def define(cls, spec):
            super().define(spec)
            spec.input("top", valid_type=Int)
            spec.input("namespace.sub_one", valid_type=Int)
            spec.input("namespace.sub_two", valid_type=Int)
            spec.inputs["namespace"].help = "the namespace"

    def exposing(**options):
        class Exposing(WorkChain):
            @classmethod
            def define(cls, spec):
                super().define(spec)
                spec.expose_inputs(Base, namespace="base", **options)

        return Exposing.spec().inputs["base"]

    assert sorted(exposing(include=["top"])) == ["top"]
    assert sorted(exposing(include=["namespace"])["namespace"]) == ["sub_one", "sub_two"]
    assert sorted(exposing(include=["namespace.sub_two", "top"])) == ["namespace", "top"]
    assert sorted(exposing(include=["namespace.sub_two"])["namespace"]) == ["sub_two"]
    assert sorted(exposing(exclude=["namespace"])) == ["metadata", "top"]
    nested = exposing(exclude=["namespace.sub_two", "top"])
    assert sorted(nested) == ["metadata", "namespace"] and sorted(nested["namespace"]) == ["sub_one"]
    assert nested["namespace"].help == "the namespace"


def test_namespace_options_and_copies():
    class Lower(WorkChain):
        @classmethod
        def define(cls, spec):
            super().define(spec)
            spec.input("x", valid_type=Int, help="the x")
            spec.input_namespace("foo", dynamic=True)

    class Upper(WorkChain):
        @classmethod
        def define(cls, spec):
            super().define(spec)
            spec.expose_inputs(Lower)
            spec.expose_inputs(Lower, namespace="lower", namespace_options={"required": False, "help": "optional"})

    inputs = Upper.spec().inputs
    assert inputs["foo"].dynamic
    assert inputs["lower"].required is False and inputs["lower"].help == "optional"
    assert inputs["x"] is not Lower.spec().inputs["x"] and inputs["x"].help == "the x"
    inputs["x"].help = "changed"
    assert Lower.spec().inputs["x"].help == "the x"


def test_expose_mistakes_are_spec_errors_catchable_as_aiida():
    def define_with(**options):
        class Exposing(WorkChain):
            @classmethod
            def define(cls, spec):
                super().define(spec)
                spec.expose_inputs(ChildExposeWorkChain, **options)

        return Exposing.spec

    with pytest.raises(ValueError, match="include and exclude are mutually exclusive"):
        define_with(include=["a"], exclude=["b"])()
    with pytest.raises(jw.SpecError, match=r"namespace_options \['colour'\] are not properties"):
        define_with(namespace_options={"colour": "red"})()
    with pytest.raises(jw.SpecError, match="take a list of port names"):
        define_with(include="a")()


def test_exposed_inputs_of_a_process_never_exposed_name_it():
    class Plain(WorkChain):
        @classmethod
        def define(cls, spec):
            super().define(spec)
            spec.outline(cls.step)

        def step(self):
            self.exposed_inputs(ChildExposeWorkChain, namespace="nowhere")

    with pytest.raises(jw.UsageError, match="Plain exposed no inputs of ChildExposeWorkChain in namespace 'nowhere'"):
        jw.run(Plain)


@calcfunction
def documented(a: str, b: int, **extra):
    """Joins a word and a number.

    :param a: A string argument.
    :param b: An integer argument.
    """
    return f"{a.value}{b.value}{len(extra)}"


class ExposesFunction(WorkChain):
    @classmethod
    def define(cls, spec):
        super().define(spec)
        spec.expose_inputs(documented, namespace="join")
        spec.expose_outputs(documented)
        spec.output("result", valid_type=jw.Str)
        spec.outline(cls.run_function)

    def run_function(self):
        self.out("result", documented(**self.exposed_inputs(documented, namespace="join")))


def test_expose_a_process_function_keeps_types_help_and_dynamic_namespace():
    inputs = ExposesFunction.spec().inputs["join"]
    assert inputs["a"].valid_type == (jw.Str,) and inputs["a"].help == "A string argument."
    assert inputs["b"].valid_type == (Int,) and inputs["b"].help == "An integer argument."
    assert inputs.dynamic
    result, node = jw.run.get_node(ExposesFunction, join={"a": "x", "b": 1, "more": {"c": 2}})
    assert result["result"] == "x11"
    call = node.called[0]
    assert call.label == "documented"  # the function's default label came along with its metadata
    assert set(call.inputs) == {"a", "b", "more"} and call.inputs.more.c == 2
