"""A BaseRestartWorkChain for the crash test; importable, so that the process that resumes it finds it."""

from __future__ import annotations

import asyncio
import os

from jupyter_workflows import Int, calcfunction
from jupyter_workflows.testing.workflows import NEGATIVE_SUM, RetryAdd


@calcfunction
async def slow_add(x: Int, y: Int):
    """``checked_add``; in the process that crashes (JW_CRASH_NOW set) a sum it can compute takes a minute, so that
    process dies while the retry with the fixed inputs runs."""
    if x.value + y.value < 0:
        return NEGATIVE_SUM
    if os.environ.get("JW_CRASH_NOW"):
        await asyncio.sleep(60)
    return x + y


class SlowRetryAdd(RetryAdd):
    _process_class = slow_add
