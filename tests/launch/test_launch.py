"""submit, wait and run_async: processes in the background of the loop."""

from __future__ import annotations

import asyncio

import pytest

import jupyter_workflows as jw
from jupyter_workflows import Int, calcfunction, workfunction

from .._rendezvous import Rendezvous

pytestmark = pytest.mark.usefixtures("store")


@calcfunction
async def slow_add(x, y):
    await asyncio.sleep(0.1)
    return x + y


@calcfunction
def add(x, y):
    return x + y


def test_submit_returns_at_once_and_wait_blocks_until_done():
    rendezvous = Rendezvous(20)

    @calcfunction
    async def add_with_the_others(x, y):
        await rendezvous.meet(x.value)
        return x + y

    nodes = [jw.submit(add_with_the_others, i, 1) for i in range(20)]
    assert rendezvous.log == []  # submit returned before any of them began
    assert all(node.process_state is jw.ProcessState.CREATED for node in nodes)
    jw.wait(*nodes)
    assert all(node.is_finished_ok for node in nodes)
    assert rendezvous.all_started_before_any_ended(), rendezvous.log  # ran concurrently
    assert [node.outputs.result.value for node in nodes] == [i + 1 for i in range(20)]


def test_wait_with_timeout_and_by_pk():
    node = jw.submit(slow_add, 1, 2)
    with pytest.raises(TimeoutError, match=r"Still running after 0\.01 s: slow_add"):
        jw.wait(node, timeout=0.01)
    assert jw.wait(node.pk)[0] is node and node.is_finished_ok


def test_wait_takes_lists_of_nodes_and_pks_as_their_items():
    first, second, third = (jw.submit(slow_add, i, 1) for i in range(3))
    assert jw.wait([first, second.pk], (third,)) == [first, second, third]  # it said load_node() takes a pk ...
    assert all(node.is_finished_ok for node in (first, second, third))
    assert asyncio.run(jw.wait_async([first.pk])) == [first]
    with pytest.raises(jw.UsageError, match=r"wait\(\) takes process nodes or their pks; <Int: .*> is a data node"):
        jw.wait([first, first.inputs.x])


def test_await_processes_blocks_until_every_node_terminated():
    nodes = [jw.submit(slow_add, i, 1) for i in range(3)]
    assert jw.await_processes(nodes, wait_interval=10) is None  # no polling: it returns when the last one ends
    assert [node.outputs.result.value for node in nodes] == [1, 2, 3] and all(node.is_finished_ok for node in nodes)
    jw.await_processes(())


def test_await_processes_takes_a_list_or_tuple_of_process_nodes():
    node = jw.submit(slow_add, 1, 2)
    with pytest.raises(jw.UsageError, match=r"takes a list or tuple of process nodes, not NoneType"):
        jw.await_processes(None)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"not CalcFunctionNode; write await_processes\(\[node\]\), or wait\(node\)"):
        jw.await_processes(node)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"<Int: unstored value=1> is not one"):
        jw.await_processes([node, Int(1)])  # type: ignore[list-item]
    with pytest.raises(TypeError, match=r"is not one. Pass the nodes submit\(\) returned \(wait\(\) also takes"):
        jw.await_processes([node.pk])  # type: ignore[list-item]
    jw.wait(node)


def test_run_async_and_wait_async():
    async def main():
        result = await add.run_async(1, 2)
        node = jw.submit(slow_add, 3, 4)
        await jw.wait_async(node)
        return result, node

    result, node = asyncio.run(main())
    assert result == 3 and node.outputs.result == 7


def test_cancelling_run_async_kills_the_process():
    async def main():
        task = asyncio.ensure_future(jw.run_async(slow_add, 1, 2))
        await asyncio.sleep(0.02)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(main())
    node = jw.load_node(jw.processes(limit=1)[0].pk)
    assert node.is_killed and "caller was cancelled" in node.exit_message


def test_workfunction_can_submit_and_wait():
    @workfunction
    def gather(n):
        nodes = [jw.submit(slow_add, i, i) for i in range(n.value)]
        jw.wait(*nodes)
        return nodes[-1].outputs.result

    assert gather(3) == 4


def test_many_sequential_calls_inside_a_workfunction():
    @workfunction
    def accumulate(n):
        total = Int(0).store()
        for i in range(n.value):
            total = add(total, i)
        return total

    result, node = accumulate.run_get_node(2_000)
    assert result == sum(range(2_000))
    assert len(node.called) == 2_000
