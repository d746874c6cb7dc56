"""Widget tests run in-process: the engine on a private loop, turned by ``settle``/``until`` (as a kernel would)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator

import ipywidgets as w
import pytest

import jupyter_workflows as jw
from jupyter_workflows.testing import get_runtime


def settle(seconds: float = 0.05) -> None:
    """Let the loop run for a while: engine tasks, marshalled clicks and throttled refreshes all happen here."""
    get_runtime().runner.block(asyncio.sleep(seconds))


def turn() -> None:
    """Let the loop make one pass over the callbacks ready now (a marshalled click, say), waiting for no timer."""
    get_runtime().runner.block(asyncio.sleep(0))


def until(condition: Callable[[], object], timeout: float = 5.0, step: float = 0.01) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not reached in time"
        settle(step)


def descendants(widget: w.Widget) -> Iterator[w.Widget]:
    yield widget
    for child in getattr(widget, "children", ()):
        yield from descendants(child)


def buttons(widget: w.Widget, description: str) -> list[w.Button]:
    """The visible buttons under ``widget`` whose description reads ``description`` (how people find them)."""
    return [
        item
        for item in descendants(widget)
        if isinstance(item, w.Button) and item.description == description and item.layout.display != "none"
    ]


def front_end_click(button: w.Button) -> None:
    """What a browser click sends: a custom comm message {"event": "click"} to the button's model."""
    button._handle_custom_msg({"event": "click"}, [])


@pytest.fixture(autouse=True)
def _store(store):
    """A fresh store per test; afterwards no widget and no process of the test is left behind."""
    yield store
    w.Widget.close_all()
    runner = get_runtime().runner
    leftovers = [process.node for process in runner.live]
    if leftovers:
        jw.kill(*leftovers)
        jw.wait(*leftovers, timeout=10)
