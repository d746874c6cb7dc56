"""A WorkChain whose process dies continues from its last checkpoint in another process, to the same result."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import jupyter_workflows as jw
from jupyter_workflows import Float, Int

from .crash_workflows import CrashingSum, add

HERE = Path(__file__).parent


def crash(store_url: str, crash_at: int, seconds: float) -> int:
    """Start CrashingSum in a fresh Python process that dies part way; return the WorkChain's pk."""
    script = textwrap.dedent(
        f"""
        import os, sys, asyncio
        sys.path.insert(0, {str(HERE.parent.parent)!r})
        import jupyter_workflows as jw
        from tests.launch.crash_workflows import CrashingSum
        from jupyter_workflows import Int, Float
        jw.configure(store={store_url!r})
        node = jw.submit(CrashingSum, n=Int(4), seconds=Float({seconds}), crash_at=Int({crash_at}))
        print(node.pk, flush=True)
        if {crash_at} == 2:  # die while waiting for the children of step two
            from jupyter_workflows.testing import get_runtime
            get_runtime().runner.block(asyncio.sleep(0.3))
            os._exit(2)
        jw.wait(node)
        """
    )
    env = {**os.environ, "JW_CRASH_NOW": "1"}
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=60, check=False
    )
    assert done.returncode == crash_at, done.stderr
    return int(done.stdout.split()[0])


@pytest.mark.parametrize("crash_at", [2, 3])
def test_resume_after_the_owner_died(any_store, store_url, crash_at):
    pk = crash(store_url, crash_at, seconds=0.5 if crash_at == 2 else 0.01)
    node = jw.load_node(pk)
    assert not node.is_terminated
    row = next(r for r in jw.processes() if r.pk == pk)
    assert row.orphaned and row.owner.describe() == "gone (orphaned)"
    jw.resume(node)
    jw.wait(node, timeout=30)
    assert node.is_finished_ok, node.exit_message
    assert node.outputs.total == 1 + 2 + 3 + 4
    assert not list(jw.processes(active=True))  # nothing left running or orphaned
    children = node.called
    if crash_at == 2:
        # the four slow_add children died with the kernel; they were killed and run again
        slow = [c for c in children if c.process_label == "slow_add"]
        assert sum(c.is_killed for c in slow) == 4 and sum(c.is_finished_ok for c in slow) == 4
        assert all("ran again as slow_add" in c.exit_message for c in slow if c.is_killed)
    else:
        # step three died after its add calls; it ran again, so those four adds show up twice (the first time killed
        # only if they had not finished: quick sync calcfunctions finish before the crash)
        adds = [c for c in children if c.process_label == "add"]
        assert len(adds) == 8 and all(c.is_terminated for c in adds)


def test_resume_refuses_clearly(store):
    finished = jw.run.get_node(add, 1, 2)[1]
    with pytest.raises(jw.NotResumableError, match="already terminated"):
        jw.resume(finished)
    running = jw.submit(CrashingSum, n=Int(1), seconds=Float(10), crash_at=Int(0))
    with pytest.raises(jw.NotResumableError, match="running in this kernel"):
        jw.resume(running)
    jw.kill(running)
    jw.wait(running)


def test_corrupted_checkpoint_is_reported_and_nothing_runs(store):
    node = jw.submit(CrashingSum, n=Int(1), seconds=Float(10), crash_at=Int(0))
    from jupyter_workflows.testing import get_runtime

    get_runtime().runner.block(asyncio.sleep(0.1))  # it checkpointed and waits for its child
    jw.kill(node)
    jw.wait(node)
    # forge an orphan with a broken checkpoint: a WorkChain node whose owner is gone
    orphan = jw.submit(CrashingSum, n=Int(1), seconds=Float(10), crash_at=Int(0))
    get_runtime().runner.block(asyncio.sleep(0.1))
    process = orphan.process
    store.save_checkpoint(orphan.pk, {"version": 1, "process_class": "x:y"})  # keys missing
    store.update_node(orphan.pk, owner="a-runner-that-died")
    orphan.process = None  # as a new kernel would see it
    with pytest.raises(jw.CheckpointError, match=rf"checkpoint of CrashingSum<{orphan.pk}> is corrupted"):
        jw.resume(orphan)
    orphan.process = process
    jw.kill(orphan)
    jw.wait(orphan)
