"""Bad input and provenance misuse: a specific error naming the port and the fix, and nothing left half-written."""

from __future__ import annotations

import pytest

import jupyter_workflows as jw
import jupyter_workflows.testing
from jupyter_workflows import Int, calcfunction, workfunction

pytestmark = pytest.mark.usefixtures("store")


@calcfunction
def add(x: int, y: int):
    return x + y


def node_count() -> int:
    return jw.testing.get_runtime().store.count_nodes()


def test_wrong_type_names_port_expected_and_fix():
    before = node_count()
    with pytest.raises(jw.ValidationError) as error:
        add("a", 2)
    message = str(error.value)
    assert "Input 'x' of add expects Int" in message
    assert "(got str 'a'); pass an int or Int(...)" in message
    assert node_count() == before  # nothing half-written


def test_every_problem_is_reported_at_once():
    with pytest.raises(jw.ValidationError) as error:
        add("a", 2.5)
    assert len(error.value.problems) == 2
    assert "'x'" in error.value.problems[0] and "'y'" in error.value.problems[1]


def test_missing_and_unknown_inputs():
    with pytest.raises(jw.ValidationError, match=r"missing a required argument: 'y'"):
        add(1)
    with pytest.raises(jw.ValidationError, match="unexpected keyword argument 'z'"):
        add(1, 2, z=3)


def test_value_that_cannot_be_stored():
    class Opaque:
        pass

    before = node_count()
    with pytest.raises(jw.ValidationError) as error:
        add(Opaque(), 1)
    assert "cannot be stored" in str(error.value) and "Int(...)" in str(error.value)

    @calcfunction
    def identity(x):
        return x

    with pytest.raises(jw.ValidationError, match=r"set .* cannot be stored"):
        identity({"a": {1, 2}})
    assert node_count() == before


def test_process_call_inside_calcfunction_is_refused():
    @calcfunction
    def sneaky(x):
        return add(x, 1)

    with pytest.raises(jw.ProvenanceError, match=r"sneaky.* is a calcfunction and cannot call add"):
        sneaky(1)
    node = jw.load_node(jw.processes(limit=1)[0].pk)
    assert node.process_label == "sneaky" and node.is_excepted
    assert not node.called  # the refused call left no node


def test_workfunction_returning_new_data_is_refused():
    @workfunction
    def invents(x):
        return Int(x.value + 1)

    with pytest.raises(jw.ProvenanceError, match=r"tried to return new, unstored data.*@calcfunction"):
        invents(1)


def test_calcfunction_returning_its_input_is_refused():
    @calcfunction
    def passthrough(x):
        return x

    with pytest.raises(jw.ProvenanceError, match=r"already exists.*must create new data"):
        passthrough(1)


def test_reserved_metadata_and_labels():
    _, node = add.run_get_node(1, 2, metadata={"label": "first sum", "description": "just a test"})
    assert node.label == "first sum" and node.description == "just a test"
    with pytest.raises(jw.ValidationError, match=r"metadata\.label"):
        add(1, 2, metadata={"label": 5})


def test_an_annotation_that_does_not_resolve_is_refused_when_the_function_is_defined():
    with pytest.raises(jw.SpecError, match=r"annotations of add_typo do not resolve .*y: 'Intt'"):

        @calcfunction
        def add_typo(x: int, y: Intt):  # type: ignore[name-defined]  # noqa: F821
            return x + y


def test_annotations_naming_local_names_resolve_where_the_function_is_defined():
    from jupyter_workflows import Str as Text

    @calcfunction
    def shout(word: Text):
        return Text(word.value.upper())

    assert shout("hi") == "HI"
    with pytest.raises(jw.ValidationError, match="expects Str"):
        shout(1)


@pytest.mark.parametrize("bad", [lambda: jw.run(42), lambda: jw.submit("add"), lambda: jw.load_node(3.5)])
def test_wrong_arguments_are_usage_errors_that_are_also_builtin_errors(bad):
    with pytest.raises(jw.UsageError) as error:
        bad()
    assert isinstance(error.value, TypeError) and isinstance(error.value, ValueError)
    assert isinstance(error.value, jw.WorkflowsError)


def test_refusals_are_the_builtin_errors_aiida_raises():
    @workfunction
    def only_keywords(**kwargs):
        return kwargs

    @workfunction
    def invents():
        return Int(2)

    @calcfunction
    def returns_stored():
        return Int(2).store()

    with pytest.raises(TypeError):  # as Python for a plain function, and AiiDA
        only_keywords.run_get_node(Int(1))
    with pytest.raises(ValueError, match="missing a required argument"):  # AiiDA's validation error
        add(1)
    with pytest.raises(ValueError, match="unexpected keyword argument 'z'"):
        add(1, 2, z=3)
    with pytest.raises(ValueError, match="tried to return new, unstored data"):
        invents()
    with pytest.raises(ValueError, match="that node already exists"):
        returns_stored()
    for error in (jw.ValidationError, jw.ProvenanceError, jw.SpecError):
        assert issubclass(error, jw.WorkflowsError)


def test_one_node_returned_as_two_outputs_of_a_calcfunction_is_refused():
    @calcfunction
    def twice():
        node = Int(2)
        return {"a": node, "b": node}

    with pytest.raises(
        jw.ProvenanceError, match="as output 'b' and as output 'a'; a calculation creates each node once"
    ):
        twice()
    node = jw.load_node(jw.processes(limit=1)[0].pk)
    assert node.process_label == "twice" and node.is_excepted and node.sealed
