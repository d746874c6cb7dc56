"""Waiting for processes to terminate, whether this kernel runs them or another kernel or worker does."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence

from ..nodes import ProcessNode

__all__ = ["wait_terminated"]


async def wait_terminated(nodes: Sequence[ProcessNode], timeout: float | None = None) -> None:
    """Return once every process of ``nodes`` has terminated; TimeoutError after ``timeout`` seconds.

    Processes of this kernel are awaited through their futures (no polling); the others are watched in the store
    with a back-off from 20 ms to 1 s.
    """
    deadline = None if timeout is None else time.monotonic() + timeout
    local = [node.process.terminated for node in nodes if node.process is not None]
    if local:
        await asyncio.wait(local, timeout=None if deadline is None else max(0.0, deadline - time.monotonic()))
    delay = 0.02
    while not all(node.is_terminated for node in nodes):
        if deadline is not None and time.monotonic() >= deadline:
            running = ", ".join(f"{n.process_label}<{n.pk}>" for n in nodes if not n.is_terminated)
            raise TimeoutError(f"Still running after {timeout} s: {running}.")
        await asyncio.sleep(delay)
        delay = min(delay * 1.5, 1.0)
