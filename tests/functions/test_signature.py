"""A process function's signature as its spec: valid types from annotations (unions too), None, help from docstrings."""

from __future__ import annotations

import typing
from typing import Optional, Union

import pytest

import jupyter_workflows as jw
from jupyter_workflows import Bool, Data, Dict, Float, Int, List, Str, calcfunction

pytestmark = pytest.mark.usefixtures("store")


def valid_types(function) -> dict[str, object]:
    return {name: port.valid_type for name, port in function.spec().inputs.items() if name != "metadata"}


def test_annotations_give_valid_type_tuples_as_aiida():
    @calcfunction
    def function(  # noqa: PLR0917 - as many parameters as kinds of annotation
        a,
        b: str,
        c: bool,
        d: Str,
        e: Str | Int,
        f: str | int,
        g: dict | None = None,
        h: Optional[int] = None,  # noqa: UP045
        i: Union[str, list] = "x",  # noqa: UP007
        j: typing.Any = 1,
    ):
        pass

    assert valid_types(function) == {
        "a": (Data,),
        "b": (Str,),
        "c": (Bool,),
        "d": (Str,),
        "e": (Str, Int),
        "f": (Str, Int),
        "g": (Dict, type(None)),
        "h": (Int, type(None)),
        "i": (Str, List),
        "j": (Data,),
    }


def test_union_annotation_is_checked():
    @calcfunction
    def increment(a: int | float):
        return a + 1

    with pytest.raises(jw.ValidationError, match=r"Input 'a' of increment expects Int or Float \(got str 'text'\)"):
        increment("text")
    assert increment(1) == 2 and isinstance(increment(1), Int)
    assert increment(Int(1)) == 2
    assert increment(1.5) == 2.5 and isinstance(increment(1.5), Float)
    assert increment(Float(1)) == 2.0


def test_optional_annotation_accepts_none_and_its_type_only():
    @calcfunction
    def maybe_add(x: int, y: Optional[int]):  # noqa: UP045 - no default: y must be given, perhaps as None
        return x + 0 if y is None else x + y

    assert maybe_add(1, None) == 1
    assert maybe_add(1, 2) == 3
    with pytest.raises(jw.ValidationError, match="expects Int or NoneType"):
        maybe_add(1, "two")
    with pytest.raises(TypeError, match="missing a required argument: 'y'"):
        maybe_add(1)
    assert maybe_add.spec().inputs["y"].required


def test_explicit_none_for_a_none_default_is_taken_and_not_linked():
    @calcfunction
    def add_maybe(a, b, c=None):
        return a + b if c is None else a + b + c

    result, node = add_maybe.run_get_node(a=1, b=2, c=None)
    assert result == 3
    assert set(node.inputs) == {"a", "b"}  # None is no value: nothing to link
    assert add_maybe(1, 2, 3) == 6
    assert not add_maybe.spec().inputs["c"].required


def test_union_of_unknown_types_takes_any_data():
    class Opaque:
        pass

    @calcfunction
    def passthrough(x: Opaque | None = None):
        return Int(1)

    assert valid_types(passthrough) == {"x": (Data, type(None))}


def test_help_of_each_parameter_comes_from_the_docstring():
    @calcfunction
    def rest_style(param_a, param_b, param_c):
        """Some documentation.

        :param param_a: Some description.
        :param param_b: Fantastic docstring
            over two lines.
        """

    @calcfunction
    def google_style(x, y):
        """Sum.

        Args:
            x (int): the first term
            y: the second term

        Returns:
            int: the sum
        """

    inputs = rest_style.spec().inputs
    assert inputs["param_a"].help == "Some description."
    assert inputs["param_b"].help == "Fantastic docstring over two lines."
    assert inputs["param_c"].help is None
    assert google_style.spec().inputs["x"].help == "the first term"
    assert google_style.spec().inputs["y"].help == "the second term"
    assert "int" not in google_style.spec().inputs  # a Returns: entry is no parameter
