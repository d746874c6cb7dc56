"""Namespaces of process functions: nested inputs recorded as ``ns__key``, nested outputs, and *args labels."""

from __future__ import annotations

import asyncio

import pytest

import jupyter_workflows as jw
import jupyter_workflows.testing
from jupyter_workflows import Int, calcfunction, workfunction

pytestmark = pytest.mark.usefixtures("any_store")


def link_labels(node, *, incoming: bool) -> set[str]:
    store = jw.testing.get_runtime().store
    links = store.get_links(inputs_of=[node.pk]) if incoming else store.get_links(outputs_of=[node.pk])
    return {link.link_label for link in links if link.link_type.value not in {"call_calc", "call_work"}}


@calcfunction
def total(**kwargs):
    """Sums every value, however deeply nested."""

    def values(mapping):
        for value in mapping.values():
            yield from values(value) if isinstance(value, dict) else [value.value]

    return sum(values(kwargs))


@workfunction
def echo(**kwargs):
    return kwargs


def test_plain_values_nested_in_kwargs_become_recorded_inputs():
    result, node = total.run_get_node(top=1, nested={"namespace": {"a": 2, "b": Int(3)}})
    assert result == 6
    assert link_labels(node, incoming=True) == {"top", "nested__namespace__a", "nested__namespace__b"}
    assert node.inputs.nested.namespace.a == 2 and isinstance(node.inputs.nested.namespace.a, Int)
    assert node.inputs.nested.namespace.a.is_stored


def test_value_that_cannot_be_stored_in_a_namespace_is_refused_naming_it():
    before = jw.testing.get_runtime().store.count_nodes()
    with pytest.raises(ValueError, match=r"Input 'namespace.invalid' of total: .*cannot be stored"):
        total(namespace={"valid": Int(1), "invalid": object()})
    assert jw.testing.get_runtime().store.count_nodes() == before


def test_dict_for_a_dynamic_namespace_of_a_workchain_records_its_plain_values():
    class Summing(jw.WorkChain):
        @classmethod
        def define(cls, spec):
            super().define(spec)
            spec.input_namespace("terms", dynamic=True)
            spec.outline(cls.add_up)

        def add_up(self):
            assert self.inputs.terms.deep.x == 1

    _, node = jw.run.get_node(Summing, terms={"deep": {"x": 1}, "y": 2})
    assert node.is_finished_ok
    assert link_labels(node, incoming=True) == {"terms__deep__x", "terms__y"}


def test_nested_dict_result_gives_nested_outputs():
    @calcfunction
    def split(x):
        return {"halves": {"low": x // 2, "high": x - x // 2}, "whole": {"value": x + 0}}

    result, node = split.run_get_node(5)
    assert result.halves.low == 2 and result.halves.high == 3 and result.whole.value == 5
    assert node.outputs.halves.high == 3
    assert link_labels(node, incoming=False) == {"halves__low", "halves__high", "whole__value"}


def test_dotted_key_and_returned_namespace_inputs_as_aiida():
    @workfunction
    def return_nested():
        return {"nested.output": Int(256).store()}

    results, node = return_nested.run_get_node()
    assert results["nested"]["output"] == 256
    assert node.outputs.nested.output == 256

    inputs = {"nested": {"namespace": {"int": Int(1).store()}}}
    results, node = echo.run_get_node(**inputs)
    assert results == inputs
    assert node.inputs == inputs and node.outputs == inputs


def test_one_value_per_output_label_in_namespaces_too():
    @calcfunction
    def both(x):
        return {"a": x + 1, "a.b": x + 2}

    with pytest.raises(jw.ValidationError, match="output 'a' was registered already"):
        both(1)


def test_varargs_label_clashing_with_a_parameter_is_refused_as_aiida():
    @calcfunction
    def overlap(args_0, *args):
        return args_0 + sum(a.value for a in args)

    before = jw.testing.get_runtime().store.count_nodes()
    with pytest.raises(RuntimeError, match=r"variadic argument with index `0` would get the label `args_0` but this"):
        overlap(Int(1), Int(2), Int(3))
    with pytest.raises(jw.ValidationError, match="rename the parameter or keyword `args_0`"):
        overlap(1, 2)
    assert jw.testing.get_runtime().store.count_nodes() == before
    assert overlap(1) == 1  # no *args: no clash

    @calcfunction
    def keywords(*args, **kwargs):
        return Int(len(args) + len(kwargs))

    with pytest.raises(RuntimeError, match="`args_1`"):
        keywords(1, 2, args_1=3)
    assert keywords(1, 2, other=3) == 3


def test_gathered_calls_with_nested_inputs_and_outputs_keep_all_provenance(any_store):
    @calcfunction
    def scale(by, **groups):
        return {name: {key: value * by for key, value in group.items()} for name, group in groups.items()}

    @workfunction
    async def pipeline(n, **settings):
        scaled = scale(n, first={"x": 1}, second=settings["extra"])
        await asyncio.sleep(0)
        return {"results": scaled}

    async def gathered():
        return await asyncio.gather(*(pipeline.run_async(Int(i), extra={"y": i}) for i in range(30)))

    results = asyncio.run(gathered())
    assert [(r.results.first.x.value, r.results.second.y.value) for r in results] == [(i, i * i) for i in range(30)]
    for i, result in enumerate(results):
        creator = result.results.second.y.creator
        assert link_labels(creator, incoming=True) == {"by", "first__x", "second__y"}
        assert link_labels(creator, incoming=False) == {"first__x", "second__y"}
        assert creator.caller.inputs.extra.y == i
        assert link_labels(creator.caller, incoming=False) == {"results__first__x", "results__second__y"}
    problems = jw.testing.provenance_problems(
        any_store,
        expected_calls={"pipeline": 1},
        results=[r.results.second.y.uuid for r in results],
    )
    assert problems == []
