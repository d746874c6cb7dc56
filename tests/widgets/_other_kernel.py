"""Play another kernel: a Python process that runs a Slow WorkChain in the same store, and stays or dies."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent


@contextmanager
def other_kernel(store_url: str, *, seconds: float, stay: bool) -> Iterator[int]:
    """Submit ``Slow(seconds)`` from a fresh process, which waits for it (``stay``, until the block ends) or dies
    0.3 s later (leaving an orphan). Yields the WorkChain's pk."""
    script = textwrap.dedent(
        f"""
        import asyncio, os, sys
        sys.path.insert(0, {str(ROOT)!r})
        import jupyter_workflows as jw
        from jupyter_workflows import Float, Int
        from jupyter_workflows.testing import get_runtime
        from tests.widgets._workflows import Slow
        jw.configure(store={store_url!r})
        node = jw.submit(Slow, seconds=Float({seconds}), n=Int(1))
        get_runtime().runner.block(asyncio.sleep(0.3))
        print(node.pk, flush=True)
        if not {stay}:
            os._exit(0)
        jw.wait(node)
        sys.stdin.read()  # stay alive until the test closes our stdin
        """
    )
    with subprocess.Popen(
        [sys.executable, "-c", script], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=dict(os.environ)
    ) as process:
        assert process.stdout is not None and process.stdin is not None
        line = process.stdout.readline()
        assert line.strip().isdigit(), f"the other process failed: {line!r}"
        if not stay:
            process.wait(timeout=10)
        try:
            yield int(line)
        finally:
            process.stdin.close()
            process.wait(timeout=30)
