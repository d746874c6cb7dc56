"""The runtime: one object holding the store, the runner on the loop and this owner's lease."""

from __future__ import annotations

import asyncio
import threading

import pytest

import jupyter_workflows as jw
from jupyter_workflows import Int, calcfunction
from jupyter_workflows.testing import get_runtime, isolated_runtime


@calcfunction
def add(x, y):
    return x + y


def test_switching_stores_back_and_forth_keeps_owners_and_nodes(tmp_path):
    urls = [f"sqlite:///{tmp_path / f'store{i}.sqlite'}" for i in range(40)]
    with isolated_runtime() as runtime:
        first = jw.configure(store=urls[0])
        result = add(Int(1), Int(2))
        for url in urls[1:]:
            store = jw.configure(store=url)  # each new store may reuse the id() of a freed object
            node = jw.submit(add, Int(2), Int(3))
            assert store.get_owners([runtime.owner_id]), f"the owner was never recorded in {url}"
            assert next(row for row in jw.processes() if row.pk == node.pk).runs_here
            jw.wait(node)
            assert node.is_finished_ok
        assert result.creator.inputs.x == 1  # loaded from the first store while another one is current
        assert jw.configure(store=urls[0]) is first  # switching back gives the same store, and the same nodes
        assert jw.load_node(result.pk) is result


def test_get_runtime_from_another_thread_is_the_same_runtime():
    runtime = get_runtime()
    seen: list[object] = []
    worker = threading.Thread(target=lambda: seen.append(get_runtime()))
    worker.start()
    worker.join()
    assert seen == [runtime]


def test_the_store_refuses_use_from_another_thread_with_the_fix(store):
    node = jw.run.get_node(add, Int(1), Int(2))[1]
    errors: list[BaseException] = []

    def read() -> None:
        try:
            store.get_node(node.pk)
        except jw.StoreError as error:
            errors.append(error)

    worker = threading.Thread(target=read, name="reader")
    worker.start()
    worker.join()
    (error,) = errors
    assert "from thread reader" in str(error) and "call_soon_threadsafe" in str(error)
    assert store.get_node(node.pk).process_state == "finished"  # the store itself is unharmed


def test_load_node_from_another_thread_runs_on_the_loop_thread(store):
    node = jw.run.get_node(add, Int(1), Int(2))[1]
    loaded: list[object] = []
    worker = threading.Thread(target=lambda: loaded.append(jw.load_node(node.pk)))
    worker.start()
    while worker.is_alive():
        get_runtime().runner.block(asyncio.sleep(0.01))
    assert loaded == [node]


def test_isolated_runtimes_have_their_own_owner_and_store():
    with isolated_runtime() as first:
        with isolated_runtime() as second:
            assert second.owner_id != first.owner_id and second.store is not first.store
        assert get_runtime() is first


@pytest.mark.parametrize("bad", [42, "not a process", None])
def test_run_of_something_that_is_not_a_process_is_a_usage_error(bad):
    with pytest.raises(jw.UsageError, match="Expected a @calcfunction, a @workfunction or a WorkChain class"):
        jw.run(bad)


async def _runtime_loop() -> asyncio.AbstractEventLoop:
    return get_runtime().runner.loop


def test_a_private_loop_retired_while_still_current_is_closed_once_replaced():
    with isolated_runtime():
        private = get_runtime().runner.loop  # a script's own loop, this thread's current one
        other = asyncio.new_event_loop()  # run without becoming the current loop: the runtime moves to it
        try:
            assert other.run_until_complete(_runtime_loop()) is other
            assert not private.is_closed()  # still this thread's loop: asyncio.run could use it
        finally:
            other.close()
        asyncio.run(asyncio.sleep(0))  # replaces it as the current loop
        assert Int(1).store().pk is not None  # the next use of the runtime closes it, not the garbage collector
        assert private.is_closed()


class _Made(jw.WorkChain):
    @classmethod
    def define(cls, spec):
        super().define(spec)
        spec.outline(cls.step)

    def step(self):
        pass


def test_a_private_loop_is_closed_when_retired_with_a_process_made_on_it_and_never_run():
    with isolated_runtime():
        private = get_runtime().runner.loop
        made = _Made()  # AiiDA's way to make a process; nobody runs it
        asyncio.run(asyncio.sleep(0))  # another loop becomes the thread's
        other = asyncio.new_event_loop()
        try:
            assert other.run_until_complete(_runtime_loop()) is other  # the runtime moves: the old one is retired
        finally:
            other.close()
        assert Int(1).store().pk is not None
        assert private.is_closed()  # not left for the garbage collector (a ResourceWarning)
        assert made.node.process_state is jw.ProcessState.CREATED
