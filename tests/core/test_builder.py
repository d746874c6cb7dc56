"""ProcessBuilder: inputs set one by one, checked as they are set, shown readably; AiiDA's behaviour (its
tests/engine/processes/test_builder.py), plus the port tree on errors and in a notebook."""

from __future__ import annotations

import copy
import textwrap
from collections.abc import MutableMapping

import pytest
from IPython.lib.pretty import pretty

import jupyter_workflows as jw
from jupyter_workflows import Bool, Dict, Float, Int, ProcessBuilderNamespace, Str, WorkChain, calcfunction

DEFAULT_INT = 256


class ExampleWorkChain(WorkChain):
    @classmethod
    def define(cls, spec):
        super().define(spec)
        spec.input_namespace("dynamic.namespace", dynamic=True)
        spec.input("values", valid_type=Int, help="Port name that overlaps with method of mutable mapping")
        spec.input("name.spaced", valid_type=Int, help="Namespaced port")
        spec.input("name_spaced", valid_type=Str, help="Not actually a namespaced port")
        spec.input("boolean", valid_type=Bool, help="A pointless boolean")
        spec.input("dict", valid_type=Dict, help="A pointless dict", required=False)
        spec.input("default", valid_type=Int, default=lambda: Int(DEFAULT_INT))
        spec.outline(cls.step)

    def step(self):
        pass


class LazyNamespaces(WorkChain):
    """Nested namespaces, to see empty ones pruned."""

    @classmethod
    def define(cls, spec):
        super().define(spec)
        spec.input_namespace("namespace.nested")
        spec.input("namespace.nested.bird", valid_type=(Str, jw.List), required=False)
        spec.input("namespace.a", required=False)
        spec.input("namespace.c", valid_type=jw.List, required=False)
        spec.outline(cls.step)

    def step(self):
        pass


class NestedRequired(WorkChain):
    """Required ports in a nested namespace, for _update and _merge."""

    @classmethod
    def define(cls, spec):
        super().define(spec)
        spec.input("nested.namespace.int", valid_type=Int)
        spec.input("nested.namespace.float", valid_type=Float)
        spec.input("nested.namespace.str", valid_type=Str, required=False)
        spec.input_namespace("opt", required=False, dynamic=True)
        spec.outline(cls.step)

    def step(self):
        pass


@pytest.fixture
def example_inputs():
    return {
        "dynamic": {"namespace": {"alp": Int(1)}},
        "name": {"spaced": Int(1)},
        "name_spaced": Str("underscored"),
        "dict": Dict({"a": 1, "b": {"c": 2}}),
        "boolean": Bool(True),
        "metadata": {},
    }


# -- ports as attributes -----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("process_class", [ExampleWorkChain, LazyNamespaces, NestedRequired])
def test_every_port_is_an_attribute_and_listed_for_completion(process_class):
    builder = process_class.get_builder()
    ports = set(process_class.spec().inputs)
    assert all(hasattr(builder, name) for name in ports)
    assert ports <= set(dir(builder)) and ports <= set(builder._ipython_key_completions_())
    assert builder.process_class is process_class


def test_mapping_methods_are_not_offered_for_completion():
    listed = dir(ExampleWorkChain.get_builder())
    assert [name for name in dir(MutableMapping) if name in listed and name != "values"] == []
    assert {"_update", "_merge", "_inputs", "process_class"} <= set(listed)


def test_metadata_is_set_through_its_namespace():
    builder = ExampleWorkChain.get_builder()
    builder.metadata.label = "Test label"
    builder.metadata.description = "Test description"
    assert builder.metadata.label == "Test label" and builder.metadata.description == "Test description"
    assert builder["metadata"] == {"label": "Test label", "description": "Test description"}


def test_values_set_read_back_and_compare_equal_to_a_dict(example_inputs):
    builder = ExampleWorkChain.get_builder()
    builder.dynamic.namespace = example_inputs["dynamic"]["namespace"]
    builder.name.spaced = example_inputs["name"]["spaced"]
    builder.name_spaced = example_inputs["name_spaced"]
    builder.boolean = example_inputs["boolean"]
    builder.dict = example_inputs["dict"]
    assert builder == example_inputs
    assert isinstance(builder.dynamic.namespace, ProcessBuilderNamespace)
    assert builder.name.spaced is example_inputs["name"]["spaced"]
    assert builder.dynamic.namespace.alp is example_inputs["dynamic"]["namespace"]["alp"]  # a name given to it
    assert len(builder) == 6 and "boolean" in builder and "values" not in builder


def test_an_unset_port_reads_as_its_default_or_none():
    builder = ExampleWorkChain.get_builder()
    assert builder.default == Int(DEFAULT_INT) and builder.boolean is None
    assert "default" not in builder  # a default is the process's to fill in, not a value set


def test_a_port_attribute_documents_the_port():
    builder = ExampleWorkChain.get_builder()
    doc = type(builder).boolean.__doc__
    assert doc == str(ExampleWorkChain.spec().inputs["boolean"]) == "boolean: Bool, required\n\nA pointless boolean"
    assert type(builder).dict.__doc__.startswith("dict: Dict, optional")
    assert "name_spaced *" in builder.__doc__ and "Not actually a namespaced port" in builder.__doc__
    assert builder.name.__doc__.startswith("Inputs of ExampleWorkChain in namespace 'name'")


def test_port_names_hide_the_mapping_methods_of_the_same_name():
    builder = ExampleWorkChain.get_builder()
    with pytest.raises(TypeError):
        builder.values()  # the port 'values', not dict.values: None
    builder.values = Int(2)
    assert Int(2) in dict(builder).values()
    builder.update({"boolean": Bool(False)})  # no port named 'update': the mapping method
    assert builder.boolean == Bool(False)


def test_builders_of_two_processes_do_not_share_their_ports():
    class One(WorkChain):
        @classmethod
        def define(cls, spec):
            super().define(spec)
            spec.input("port", valid_type=Int, default=lambda: Int(1))
            spec.outline(cls.step)

        def step(self):
            pass

    class Two(WorkChain):
        @classmethod
        def define(cls, spec):
            super().define(spec)
            spec.input("port", valid_type=Int, default=lambda: Int(2))
            spec.outline(cls.step)

        def step(self):
            pass

    one, two = One.get_builder(), Two.get_builder()
    assert (one.port, two.port) == (1, 2)
    assert isinstance(one, ProcessBuilderNamespace) and isinstance(two, jw.ProcessBuilder)


# -- checked when set --------------------------------------------------------------------------------------------------
def test_a_wrong_type_is_refused_at_once_naming_port_type_and_fix():
    builder = ExampleWorkChain.get_builder()
    expected = r"Input 'boolean' of ExampleWorkChain expects Bool \(got str 'x'\); pass a bool"
    with pytest.raises(ValueError, match=expected):
        builder.boolean = "x"
    with pytest.raises(jw.ValidationError, match=r"Input 'metadata.label' of ExampleWorkChain expects str"):
        builder.metadata.label = 5
    assert "boolean" not in builder and "label" not in builder.metadata


def test_an_unknown_name_is_an_attribute_error_listing_the_known_ones():
    builder = ExampleWorkChain.get_builder()
    with pytest.raises(AttributeError, match=r"has no input 'unknown'; known: boolean, default, dict, dynamic"):
        builder.unknown = 3
    with pytest.raises(jw.ValidationError, match=r"has no input 'name.other'"):
        builder.name["other"] = Int(1)
    with pytest.raises(AttributeError):
        builder.unknown  # noqa: B018


def test_a_dynamic_namespace_takes_new_names_of_its_type():
    @calcfunction
    def total(**numbers: int):
        return sum(n.value for n in numbers.values())

    builder = total.get_builder()
    builder.a = 1
    builder["b-c"] = Int(2)  # not an identifier: an item only
    assert builder.a == Int(1) and builder["b-c"] == 2 and "a" in dir(builder)

    class Numbers(WorkChain):
        @classmethod
        def define(cls, spec):
            super().define(spec)
            spec.input_namespace("numbers", dynamic=True, valid_type=Int)
            spec.outline(cls.step)

        def step(self):
            pass

    numbers = Numbers.get_builder()
    numbers.numbers.a = 1
    with pytest.raises(jw.ValidationError, match=r"'numbers.d' of Numbers expects Int \(got str 'x'\)"):
        numbers.numbers.d = "x"
    assert numbers.numbers == {"a": 1}


def test_plain_values_are_serialized_as_the_process_would():
    builder = ExampleWorkChain.get_builder()
    builder.boolean = True
    builder.dict = {"a": 1}
    builder.dynamic.namespace.x = 1.5
    assert isinstance(builder.boolean, Bool) and builder.dict == {"a": 1} and isinstance(builder.dict, Dict)
    assert isinstance(builder.dynamic.namespace.x, Float)


def test_a_custom_serializer_runs_once():
    calls = []

    class Serialized(WorkChain):
        @classmethod
        def define(cls, spec):
            super().define(spec)
            spec.input("kind", valid_type=Str, serializer=lambda value: calls.append(value) or Str(value.__name__))
            spec.outline(cls.step)

        def step(self):
            pass

    builder = Serialized.get_builder()
    builder.kind = Int
    assert builder.kind == "Int" and calls == [Int]


def test_a_namespace_given_whole_stays_a_builder_and_must_be_complete():
    builder = NestedRequired.get_builder()
    builder.nested = {"namespace": {"int": 1, "float": 2.0}}
    assert isinstance(builder.nested, ProcessBuilderNamespace)
    assert isinstance(builder.nested.namespace, ProcessBuilderNamespace)
    with pytest.raises(jw.ValidationError, match=r"missing the required input 'nested.namespace.float'"):
        builder.nested.namespace = {"int": 5}
    assert builder.nested.namespace.int == 1  # unchanged


def test_every_problem_of_a_namespace_is_reported_at_once():
    builder = NestedRequired.get_builder()
    with pytest.raises(jw.ValidationError) as caught:
        builder.nested.namespace = {"int": "a", "float": "b", "extra": 1}
    assert len(caught.value.problems) == 3 and isinstance(caught.value, AttributeError)


# -- _update, _merge, _inputs ------------------------------------------------------------------------------------------
def test_update_replaces_nested_namespaces_whole():
    builder = NestedRequired.get_builder()
    builder.nested.namespace = {"int": 1, "float": 2.0}
    with pytest.raises(ValueError, match="float"):
        builder._update({"nested": {"namespace": {"int": 5, "str": "x"}}})
    assert builder._inputs(prune=True) == {"nested": {"namespace": {"int": 1, "float": 2.0}}}
    update = {"nested": {"namespace": {"int": 5, "float": 3.0, "str": "x"}}}
    builder._update(update)
    assert builder._inputs(prune=True) == update
    builder._update(**update)
    assert builder._inputs(prune=True) == update
    with pytest.raises(jw.UsageError):
        builder._update({}, {})


def test_merge_changes_only_the_leaves_given():
    builder = NestedRequired.get_builder()
    builder.nested.namespace = {"int": 1, "float": 2.0}
    builder._merge({"nested": {"namespace": {"int": 5}}, "opt": {"m": {"a": 1}}})
    assert builder._inputs(prune=True) == {"nested": {"namespace": {"int": 5, "float": 2.0}}, "opt": {"m": {"a": 1}}}
    builder._merge(opt={"m": {"b": 2}})
    assert builder._inputs(prune=True)["opt"] == {"m": {"a": 1, "b": 2}}


def test_a_wrong_value_in_update_or_merge_sets_nothing():
    builder = NestedRequired.get_builder()
    with pytest.raises(jw.ValidationError):
        builder._merge({"nested": {"namespace": {"int": 5, "float": "x"}}})
    assert builder._inputs(prune=True) == {}


def test_inputs_leave_out_empty_namespaces_when_pruned():
    builder = LazyNamespaces.get_builder()
    assert builder._inputs(prune=False) == {"namespace": {"nested": {}}, "metadata": {}}
    assert builder._inputs(prune=True) == {}
    builder.namespace.a = Int(DEFAULT_INT)
    assert builder._inputs(prune=True) == {"namespace": {"a": DEFAULT_INT}}
    builder.namespace.nested.bird = []  # an empty list is a value
    assert builder._inputs(prune=True) == {"namespace": {"a": DEFAULT_INT, "nested": {"bird": []}}}


def test_deleting_unsets_a_port_and_empties_a_namespace():
    builder = ExampleWorkChain.get_builder()
    builder.boolean = True
    builder.metadata.label = "x"
    del builder.boolean
    del builder["metadata"]
    assert "boolean" not in builder and builder.boolean is None
    assert builder.metadata == {} and isinstance(builder.metadata, ProcessBuilderNamespace)
    builder.metadata.label = "y"
    assert builder._inputs(prune=True) == {"metadata": {"label": "y"}}
    with pytest.raises(AttributeError, match="is not set"):
        del builder.boolean


def test_a_deep_copy_is_independent():
    builder = ExampleWorkChain.get_builder()
    builder.metadata.label = "x"
    other = copy.deepcopy(builder)
    other.metadata.label = "y"
    assert builder.metadata.label == "x" and other.metadata.label == "y"


# -- display -----------------------------------------------------------------------------------------------------------
def test_pretty_repr_is_aiidas_yaml_of_the_values(example_inputs):
    builder = ExampleWorkChain.get_builder()
    builder._update(example_inputs)
    expected = """\
    Process class: ExampleWorkChain
    Inputs:
    boolean: true
    dict:
      a: 1
      b:
        c: 2
    dynamic:
      namespace:
        alp: 1
    name:
      spaced: 1
    name_spaced: underscored
    """
    assert pretty(builder) == repr(builder) == str(builder) == textwrap.dedent(expected)
    assert repr(builder.name) == "{'spaced': " + repr(example_inputs["name"]["spaced"]) + "}"
    assert str(NestedRequired.get_builder()) == "Process class: NestedRequired\nInputs:\n{}\n"


def test_yaml_quotes_what_would_read_back_as_something_else():
    builder = NestedRequired.get_builder()
    builder.opt = {"s": "yes", "t": "a: b", "n": "12", "e": "", "q": "it's", "l": [1, "x"], "f": 0.5}
    text = str(builder).split("Inputs:\n")[1]
    assert text == ("opt:\n  e: ''\n  f: 0.5\n  l:\n  - 1\n  - x\n  n: '12'\n  q: it's\n  s: 'yes'\n  t: 'a: b'\n")


def test_html_shows_types_defaults_help_values_and_what_is_missing():
    builder = ExampleWorkChain.get_builder()
    builder.boolean = True
    page = builder._repr_html_()
    assert "ProcessBuilder for ExampleWorkChain" in page and "3 required inputs not set" in page
    assert "Bool(True)" in page and "A pointless boolean" in page and "default computed at launch" in page
    assert page.count("required, not set") == 3  # values, name.spaced, name_spaced
    assert "Namespaced port" in page and "metadata." in page
    builder._update(values=1, name={"spaced": 2}, name_spaced="s")
    assert "every required input is set" in builder._repr_html_()
    assert "<b>label</b>" not in builder.metadata._repr_html_()  # nothing in metadata is required


def test_an_error_carries_the_port_tree_as_a_note():
    builder = ExampleWorkChain.get_builder()
    with pytest.raises(jw.ValidationError) as caught:
        builder.boolean = 1.5
    tree = caught.value.port_tree
    assert caught.value.__notes__ == [tree]
    lines = tree.splitlines()
    assert lines[0] == "Inputs of ExampleWorkChain (* required):"
    assert any(line.split() == ["boolean", "*", "Bool,", "required", "A", "pointless", "boolean"] for line in lines)
    assert lines[-2:] == [
        "  metadata       optional: label, description, call_link_label, store_provenance",
        "  dynamic        optional: namespace",
    ]
    assert "1.5" in str(caught.value) and "Inputs of" not in str(caught.value)  # the message stays the problem
