"""@calcfunction and @workfunction: what a user writes in a cell, and the provenance each call leaves."""

from __future__ import annotations

import asyncio

import pytest

import jupyter_workflows as jw
import jupyter_workflows.testing
from jupyter_workflows import Dict, Float, Int, List, Str, calcfunction, workfunction

from .._rendezvous import Rendezvous

pytestmark = pytest.mark.usefixtures("any_store")


@calcfunction
def add(x: int, y: int):
    return x + y


@calcfunction
def multiply(x, y):
    return x * y


@workfunction
def add_and_multiply(x, y, z):
    return multiply(add(x, y), z)


def link_types(node, *, incoming: bool) -> dict[str, str]:
    store = jw.testing.get_runtime().store
    links = store.get_links(inputs_of=[node.pk]) if incoming else store.get_links(outputs_of=[node.pk])
    return {link.link_label: link.link_type.value for link in links}


def test_plain_values_in_and_out_stored_as_int_nodes():
    result = add(1, 2)
    assert isinstance(result, Int)
    assert result == 3 and result.value == 3
    assert result.is_stored
    calc = result.creator
    assert calc.process_label == "add"
    assert calc.is_finished_ok
    assert calc.inputs.x == 1 and calc.inputs.y == 2
    assert calc.outputs.result is result
    assert link_types(calc, incoming=True) == {"x": "input_calc", "y": "input_calc"}
    assert link_types(calc, incoming=False) == {"result": "create"}


def test_workfunction_links_calls_and_returns():
    result, node = jw.run.get_node(add_and_multiply, Int(1), Int(2), Int(3))
    assert result == 9
    assert node.process_state is jw.ProcessState.FINISHED and node.exit_status == 0
    assert [c.process_label for c in node.called] == ["add", "multiply"]
    assert all(c.caller.pk == node.pk for c in node.called)
    assert node.outputs.result is result
    assert link_types(node, incoming=True) == {"x": "input_work", "y": "input_work", "z": "input_work"}
    outgoing = link_types(node, incoming=False)
    assert outgoing["result"] == "return" and outgoing["CALL"] == "call_calc"
    assert result.creator.process_label == "multiply"  # the workfunction returned it; multiply created it


def test_every_spelling_of_run():
    assert add_and_multiply(1, 2, 3) == 9
    result, node = add_and_multiply.run_get_node(1, 2, 3)
    assert result == 9 and node.is_finished_ok
    result, pk = jw.run_get_pk(add, 2, 2)
    assert result == 4 and jw.load_node(pk).process_label == "add"
    assert jw.run(add, x=5, y=6) == 11


def test_dict_return_gives_several_outputs():
    @calcfunction
    def divmod_(a: int, b: int):
        return {"quotient": a // b, "remainder": a % b}

    result, node = divmod_.run_get_node(17, 5)
    assert result == {"quotient": 3, "remainder": 2}
    assert set(node.outputs) == {"quotient", "remainder"}


def test_all_base_types_round_trip():
    @calcfunction
    def describe(name: str, factor: float, flags: list, table: dict, on: bool):
        return Dict(
            {"name": name.value, "scaled": factor * 2, "n": len(flags), "keys": sorted(table.keys()), "on": on.value}
        )

    result = describe("x", 1.5, [1, 2, 3], {"b": 1, "a": 2}, True)
    assert result.value == {"name": "x", "scaled": 3.0, "n": 3, "keys": ["a", "b"], "on": True}
    calc = result.creator
    assert isinstance(calc.inputs.name, Str) and isinstance(calc.inputs.flags, List)
    assert isinstance(calc.inputs.factor, Float)


def test_defaults_varargs_and_kwargs():
    @calcfunction
    def total(first, *rest, scale=1, **named):
        return (first + sum(r.value for r in rest) + sum(v.value for v in named.values())) * scale

    assert total(1) == 1
    assert total(1, 2, 3) == 6
    result, node = total.run_get_node(1, 2, scale=10, extra=4)
    assert result == 70
    assert set(node.inputs) == {"first", "rest_0", "scale", "extra"}


def test_optional_parameter_with_none_default():
    @calcfunction
    def maybe(x: int, y: int | None = None):
        return x + 0 if y is None else x + y

    assert maybe(1) == 1
    assert maybe(1, 2) == 3


def test_async_calcfunctions_run_concurrently():
    rendezvous = Rendezvous(5)

    @calcfunction
    async def add_with_the_others(x, y):
        await rendezvous.meet(x.value)
        return x + y

    async def main():
        return await asyncio.gather(*(add_with_the_others.run_async(i, i) for i in range(5)))

    results = asyncio.run(main())
    assert [r.value for r in results] == [0, 2, 4, 6, 8]
    assert rendezvous.all_started_before_any_ended(), rendezvous.log  # the five bodies overlapped


def test_async_workfunction_awaits_children_and_calls_sync_ones():
    @calcfunction
    async def slow_double(x):
        await asyncio.sleep(0.01)
        return x * 2

    @workfunction
    async def pipeline(x):
        doubled = await slow_double.run_async(x)
        also = slow_double(doubled)  # a synchronous call of an async process inside an async body
        return add(doubled, also)

    result, node = pipeline.run_get_node(3)
    assert result == 18
    assert [c.process_label for c in node.called] == ["slow_double", "slow_double", "add"]


def test_workfunctions_nest_deeper_than_the_recursion_limit():
    import sys

    @workfunction
    def nest(n):
        if n.value == 0:
            return add(n, 1)
        return nest(n - 1)

    depth = 300
    assert depth * 10 > sys.getrecursionlimit()  # ten frames a level would not fit on one stack
    result, node = nest.run_get_node(depth)
    assert result == 1
    chain, current = 0, node
    while current.called:
        current = current.called[0]
        chain += 1
    assert chain == depth + 1  # 300 nested workfunctions and the add at the bottom


def test_exceptions_are_reraised_and_recorded():
    @calcfunction
    def broken(x):
        raise ValueError(f"cannot handle {x.value}")

    with pytest.raises(ValueError, match="cannot handle 7"):
        broken(7)
    node = jw.processes(limit=1)[0]
    excepted = jw.load_node(node.pk)
    assert excepted.is_excepted
    assert "ValueError: cannot handle 7" in excepted.exception
    assert "raise ValueError" in excepted.exception  # the traceback, not just the message


def test_exit_code_return_marks_process_failed():
    @calcfunction
    def check(x):
        if x.value < 0:
            return jw.ExitCode(400, "x is negative")
        return x + 0

    result, node = check.run_get_node(-1)
    assert result == {}
    assert node.is_failed and node.exit_status == 400 and node.exit_message == "x is negative"
    assert check(1) == 1


# -- what a run records of its code (AiiDA's version and FunctionCalculationMixin) ---------------------------------
def test_a_run_records_its_function_its_lines_and_its_source_file():
    import inspect
    import linecache

    source = "@calcfunction\ndef triple(x):\n    return 3 * x\n"
    cell = "<ipython-input-7-recorded>"  # a notebook cell: linecache knows it, no file does
    linecache.cache[cell] = (len(source), None, source.splitlines(True), cell)
    namespace = {"calcfunction": calcfunction, "__name__": "__main__"}
    exec(compile(source, cell, "exec"), namespace)
    _, node = namespace["triple"].run_get_node(2)
    assert (node.function_name, node.function_namespace) == ("triple", "__main__")
    assert (node.function_starting_line_number, node.function_number_of_lines) == (1, 3)
    assert node.get_source_code_file() == source
    assert node.get_source_code_function() == source
    assert node.base.attributes.get("version") == {"core": jw.__version__}  # __main__ has no __version__

    _, here = add_and_multiply.run_get_node(1, 2, 3)  # a workfunction in a module file: AiiDA's case
    lines, first = inspect.getsourcelines(add_and_multiply.func)
    assert here.get_source_code_function() == "".join(lines) == inspect.getsource(add_and_multiply.func)
    assert here.get_source_code_file().splitlines()[first].startswith("def add_and_multiply")
    assert jw.load_node(here.pk).function_starting_line_number == first  # as stored, from a fresh view
    assert here.base.attributes.get("version")["core"] == jw.__version__


def test_code_without_source_records_its_name_only():
    namespace = {"calcfunction": calcfunction, "__name__": "made"}
    exec(compile("@calcfunction\ndef made(x):\n    return x + 1\n", "<string>", "exec"), namespace)
    _, node = namespace["made"].run_get_node(1)
    assert node.function_name == "made" and node.function_starting_line_number is None
    assert node.get_source_code_file() is None and node.get_source_code_function() is None
