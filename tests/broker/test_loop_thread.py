"""The communicator's thread: coroutines run on its loop, awaited from another loop or waited for by a thread."""

from __future__ import annotations

import asyncio
import threading

import pytest

from jupyter_workflows import UsageError
from jupyter_workflows.broker import CommunicatorError
from jupyter_workflows.broker._loop_thread import LoopThread


async def _thread_name() -> str:
    return threading.current_thread().name


def test_coroutines_run_on_the_thread_from_a_loop_or_a_thread():
    thread = LoopThread("jw-test-thread")
    try:
        assert thread.run(_thread_name()) == "jw-test-thread"
        assert asyncio.run(thread.run_async(_thread_name())) == "jw-test-thread"
    finally:
        thread.stop()


def test_a_blocking_call_on_the_thread_itself_is_refused_with_the_fix():
    thread = LoopThread("jw-test-thread")

    async def blocking_inside() -> None:
        thread.run(asyncio.sleep(0))

    try:
        with pytest.raises(UsageError, match=r"await the \*_async method instead"):
            thread.run(blocking_inside())
    finally:
        thread.stop()


def test_a_stopped_thread_says_its_communicator_was_closed():
    thread = LoopThread("jw-test-thread")
    thread.stop()
    with pytest.raises(CommunicatorError, match="make a new communicator"):
        thread.run(asyncio.sleep(0))
