"""The engine's side of exposing ports and of nested values in dynamic namespaces (no store, no nodes)."""

from __future__ import annotations

import pytest

from jupyter_workflows._core import PortNamespace, ProcessSpec, SpecError
from jupyter_workflows._core._expose import namespace_levels


def child_spec() -> ProcessSpec:
    spec = ProcessSpec()
    spec.input("a", valid_type=int)
    spec.input("b", valid_type=str, default="b")
    spec.input_namespace("opts", dynamic=True, valid_type=int, required=False)
    spec.inputs.help = "the child"
    spec.inputs.dynamic = True
    return spec


class Child:
    @staticmethod
    def spec() -> ProcessSpec:
        return child_spec()


def test_top_level_expose_takes_over_the_namespace_properties_and_copies_ports():
    spec = ProcessSpec()
    spec.input("c", valid_type=float)
    spec.expose_inputs(Child)
    assert sorted(spec.inputs) == ["a", "b", "c", "opts"]
    assert spec.inputs.dynamic and spec.inputs.help == "the child"
    assert spec.inputs["b"] is not Child.spec().inputs["b"] and spec.inputs["b"].default == "b"
    assert spec.exposed_inputs[None][f"{__name__}.Child"] == ["a", "b", "opts"]


def test_namespace_options_win_over_the_exposed_properties():
    spec = ProcessSpec()
    spec.expose_inputs(Child, namespace="child", namespace_options={"dynamic": False, "help": None, "required": False})
    child = spec.inputs["child"]
    assert isinstance(child, PortNamespace)
    assert (child.dynamic, child.help, child.required) == (False, None, False)
    assert spec.inputs["child"]["opts"].dynamic  # nested namespaces keep their own properties


def test_spec_errors_are_type_and_value_errors_as_aiida_raises_either():
    spec = ProcessSpec()
    with pytest.raises(ValueError, match="mutually exclusive"):
        spec.expose_inputs(Child, include=["a"], exclude=["b"])
    with pytest.raises(TypeError, match="label must be str"):
        spec.exit_code(418, 256, "message")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="status must be int"):
        spec.exit_code("string", "LABEL", "message")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="status must be 0 or more"):
        spec.exit_code(-256, "LABEL", "message")
    with pytest.raises(TypeError, match="message must be str"):
        spec.exit_code(418, "LABEL", 8)  # type: ignore[arg-type]
    assert issubclass(SpecError, TypeError) and issubclass(SpecError, ValueError)


def test_namespace_levels_for_agglomerate():
    assert namespace_levels(None, True) == [None]
    assert namespace_levels("a.b", True) == [None, "a", "a.b"]
    assert namespace_levels("a.b", False) == ["a.b"]


def test_a_dict_in_a_dynamic_namespace_is_a_nested_namespace_of_the_same_kind():
    inputs = PortNamespace(dynamic=True, valid_type=int, serializer=int)
    problems: list[str] = []
    values = inputs.pre_process({"top": "1", "nested": {"deeper": {"x": "2"}}}, "", "owner", problems)
    assert problems == [] and values == {"top": 1, "nested": {"deeper": {"x": 2}}}
    assert inputs.validate_values(values, "", "owner") == []
    assert inputs.validate_values({"nested": {"x": "text"}}, "", "owner") == [
        "'nested.x' of owner expects int (got str 'text'); pass an int"
    ]
    closed = PortNamespace()
    assert closed.validate_values({"nested": {"x": 1}}, "", "owner") == ["owner has no input 'nested'; known: none"]
