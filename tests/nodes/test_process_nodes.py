"""Process nodes as AiiDA's read them: ``process_type``, ``process_class``, ``is_sealed``, ``load_node(pk=...)``."""

from __future__ import annotations

import pytest

import jupyter_workflows as jw
from jupyter_workflows import Int, Process, WorkChain, calcfunction, workfunction
from jupyter_workflows.nodes import CalcFunctionNode, WorkflowNode, WorkFunctionNode

pytestmark = pytest.mark.usefixtures("store")


@calcfunction
def increment(x):
    return x + 1


class Labelled(Process):
    """Declares only its spec: it runs and does nothing (as in AiiDA), under a label of its own."""

    def _build_process_label(self):
        return f"Labelled[{len(self.inputs)}]"


def test_process_type_and_class_name_the_code_that_made_the_node():
    _, node = increment.run_get_node(Int(1))
    assert node.process_type == f"{__name__}.increment"
    assert node.process_class is increment.process_class
    _, node = jw.run_get_node(Labelled)
    assert node.process_type == f"{__name__}.Labelled" and node.process_class is Labelled


def test_a_process_class_not_defined_here_is_named_with_the_fix():
    class Ephemeral(WorkChain):
        @classmethod
        def define(cls, spec):
            super().define(spec)
            spec.outline(cls.step)

        def step(self):
            pass

    _, node = jw.run_get_node(Ephemeral)
    assert (
        node.process_class_path
        == f"{__name__}:test_a_process_class_not_defined_here_is_named_with_the_fix.<locals>.Ephemeral"
    )
    with pytest.raises(jw.UsageError, match=r"The process class of Ephemeral<\d+> is not available: .* Define"):
        _ = node.process_class


def test_a_process_label_of_its_own_and_a_run_that_does_nothing():
    _, node = jw.run_get_node(Labelled)
    assert node.process_label == "Labelled[0]" and node.is_finished_ok


def test_node_class_of_process_functions():
    @workfunction
    def passes(x):
        return x

    assert increment.node_class is CalcFunctionNode and passes.node_class is WorkFunctionNode


def test_is_sealed_and_load_node_by_keyword():
    _, node = increment.run_get_node(Int(1))
    assert node.is_sealed and node.sealed
    assert jw.load_node(pk=node.pk) is node and jw.load_node(uuid=node.uuid) is node
    assert isinstance(jw.load_node(pk=jw.run_get_node(Labelled)[1].pk), WorkflowNode)
    with pytest.raises(jw.UsageError, match=r"load_node\(\) takes one of identifier, pk= or uuid= \(got 2\)"):
        jw.load_node(node.pk, uuid=node.uuid)
    with pytest.raises(jw.UsageError, match=r"\(got 0\)"):
        jw.load_node()


class Options(Process):
    @classmethod
    def define(cls, spec):
        super().define(spec)
        spec.input("option", is_metadata=True)
        spec.input("handle", is_metadata=True)
        spec.input_namespace("settings", is_metadata=True)
        spec.input("settings.with_default", default="default", is_metadata=True)
        spec.input("settings.retries", is_metadata=True)


def test_metadata_inputs_given_to_a_run_are_recorded_where_they_are_json():
    _, node = jw.run_get_node(
        Options, option="fast", handle=Int(1).store(), settings={"retries": 3}, metadata={"label": "tried"}
    )
    assert node.get_metadata_inputs() == {"option": "fast", "settings": {"retries": 3}, "metadata": {"label": "tried"}}
    assert increment.run_get_node(Int(1))[1].get_metadata_inputs() is None
