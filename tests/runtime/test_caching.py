"""Which processes may take their result from the cache: configured rules, and enable/disable blocks on top."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator

import pytest

import jupyter_workflows as jw
from jupyter_workflows import Int, WorkChain, calcfunction
from jupyter_workflows._runtime import identifier_of, use_cache
from jupyter_workflows.store import Store
from jupyter_workflows.testing import get_runtime


@calcfunction
def add(x, y):
    return x + y


class Doubling(WorkChain):
    pass


@pytest.fixture(autouse=True)
def no_standing_rules(store: Store) -> Iterator[None]:
    """A temporary store (configure() returns the current store), and no caching rules before or after."""
    jw.configure(caching=False)
    yield
    jw.configure(caching=False)


def test_identifiers_are_module_and_qualified_name() -> None:
    assert identifier_of(add) == f"{__name__}.add"
    assert identifier_of(add.process_class) == f"{__name__}.add"
    assert identifier_of(Doubling) == f"{__name__}.Doubling"
    assert identifier_of("aiida.calculations:core.arithmetic.add") == "aiida.calculations:core.arithmetic.add"


def test_off_unless_enabled_and_patterns_match_whole_identifiers() -> None:
    assert not use_cache("__main__.add")
    with jw.enable_caching(identifier="*.add"):
        assert use_cache("__main__.add") and use_cache("a.b.add")
        assert not use_cache("__main__.add_more") and not use_cache("__main__.subtract")
    with jw.enable_caching(identifier="mypackage.*"):
        assert use_cache("mypackage.calculations.add") and not use_cache("other.add")
    assert not use_cache("__main__.add")


def test_the_most_specific_configured_rule_wins() -> None:
    jw.configure(caching={"*": True, "mypackage.*": False, "mypackage.calculations.add": True})
    assert use_cache("__main__.add")
    assert not use_cache("mypackage.calculations.subtract")
    assert use_cache("mypackage.calculations.add")
    jw.configure(caching=[add, "other.*"])
    assert use_cache(f"{__name__}.add") and use_cache("other.x") and not use_cache("__main__.x")


def test_blocks_nest_work_as_decorators_and_close_in_any_order() -> None:
    outer = jw.enable_caching()
    inner = jw.disable_caching(identifier="*.add")
    outer.__enter__()
    inner.__enter__()
    assert not use_cache("m.add") and use_cache("m.multiply")
    outer.__exit__(None, None, None)  # closed before the inner one: only its own rule goes
    assert not use_cache("m.add") and not use_cache("m.multiply")
    inner.__exit__(None, None, None)

    @jw.enable_caching(identifier=add)
    def decorated() -> bool:
        return use_cache(f"{__name__}.add")

    assert decorated() and not use_cache(f"{__name__}.add")


def test_a_block_reaches_runs_passed_to_the_loop_from_another_thread() -> None:
    first = add(Int(20), Int(22))
    found: list[jw.ProcessNode] = []

    async def serve() -> None:  # the loop runs while the other thread calls in
        get_runtime()  # bound to this loop
        worker = threading.Thread(target=lambda: found.append(add.run_get_node(Int(20), Int(22))[1]))
        with jw.enable_caching(identifier=add):
            worker.start()
            await asyncio.to_thread(worker.join)

    asyncio.run(serve())
    assert found[0].base.caching.get_cache_source() == first.creator.uuid
