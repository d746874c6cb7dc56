"""Resume cases from the crash-and-resume issue, each a real crash of a real OS process (tests/crash/worker.py)."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import jupyter_workflows as jw
import tests.crash.workflows as crash_workflows
from jupyter_workflows import Float, Int, ProcessState, WorkChain, calcfunction
from jupyter_workflows.store import Store
from jupyter_workflows.testing import get_runtime

from ..crash.workflows import Campaign, expected_total

ROOT = Path(__file__).resolve().parent.parent.parent
WORKER = ROOT / "tests" / "crash" / "worker.py"


def crashed_campaign(url: str, point: str, count: int = 1, seconds: float = 0.05) -> jw.WorkChainNode:
    done = subprocess.run(
        [sys.executable, str(WORKER), url, "3", str(seconds), point, str(count)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 9, done.stderr[-3000:]
    node = jw.load_node(int(done.stdout.split()[0]))
    assert not node.is_terminated and node.owner_status().describe() == "gone (orphaned)"
    return node  # type: ignore[return-value]


def store_url_of(store: Store) -> str:
    return store.url  # SQLite test stores carry no password


def settle(seconds: float = 0.05) -> None:
    get_runtime().runner.block(asyncio.sleep(seconds))


def test_outputs_registered_before_the_crash_are_restored(any_store, store_url):
    node = crashed_campaign(store_url, "checkpoint-after", 2)  # after fan_out's checkpoint: 'first' is stored
    assert set(node.outputs) == {"first"}
    jw.resume(node)
    jw.wait(node, timeout=120)
    assert node.is_finished_ok, node.exit_message
    assert {label: out.value for label, out in node.outputs.items()} == {"first": 3, "total": expected_total(3)}


def test_an_output_of_a_step_that_runs_again_is_stored_once(any_store, store_url):
    node = crashed_campaign(store_url, "output", 1)  # 'first' registered, its step's checkpoint never written
    assert set(node.outputs) == set()  # an output waits for its step's checkpoint
    jw.resume(node)
    jw.wait(node, timeout=120)
    returns = [link for link in any_store.get_links(outputs_of=[node.pk]) if link.link_type.value == "return"]
    assert sorted(link.link_label for link in returns) == ["first", "total"]


def test_a_failed_resume_claims_nothing_and_can_be_tried_again(any_store, store_url, monkeypatch):
    node = crashed_campaign(store_url, "checkpoint-after", 2)  # the fan-out's children are awaited orphans too
    owner = node.owner
    monkeypatch.delattr(crash_workflows, "Child")  # the children's class is not defined in this kernel
    with pytest.raises(jw.NotResumableError, match="Child is not defined here"):
        jw.resume(node)
    assert node.owner == owner and node.process is None  # nothing was taken over
    assert not get_runtime().runner.live
    jw.configure(store=any_store)  # nothing runs here: switching stores is allowed
    monkeypatch.undo()
    jw.resume(node)
    jw.wait(node, timeout=120)
    assert node.is_finished_ok, node.exit_message


def test_a_process_paused_before_the_crash_stays_paused_until_played(any_store, store_url):
    node = crashed_campaign(store_url, "paused-waiting")
    assert node.paused and node.process_state is ProcessState.WAITING
    jw.resume(node)
    children = [child for child in node.called if child.process_label == "Child"]
    jw.wait(*children, timeout=120)
    settle(0.3)
    assert node.paused and not node.is_terminated and node.step == "fan_out"  # it holds: collect did not run
    assert jw.play(node) == [node]
    jw.wait(node, timeout=120)
    assert node.is_finished_ok and not node.paused


def test_killing_an_orphan_leaves_a_child_that_another_kernel_runs_alone(any_store, store_url, tmp_path):
    node = crashed_campaign(store_url, "called", 6, seconds=0.05)
    child = next(c for c in node.called if c.process_label == "Child" and not c.is_terminated)
    release = tmp_path / "release"
    other = subprocess.Popen(
        [sys.executable, "-c", OTHER_KERNEL.format(root=str(ROOT), url=store_url, pk=child.pk, release=str(release))],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert other.stdout.readline() == "resumed\n", other.stderr.read()  # type: ignore[union-attr]
        with pytest.warns(UserWarning, match=f"Child<{child.pk}> was left running"):
            assert jw.kill(node, message="stop the campaign") == [node]
        assert node.is_killed and not child.is_terminated
        assert any("was left running" in report.message for report in node.reports)
        release.touch()
        _, err = other.communicate(timeout=120)
        assert other.returncode == 0, err
    finally:
        if other.poll() is None:
            other.kill()
            other.communicate()
    assert child.process_state is ProcessState.FINISHED  # its own kernel finished it; nothing overwrote that


OTHER_KERNEL = textwrap.dedent(
    """
    import os, sys, time
    sys.path.insert(0, {root!r})
    import jupyter_workflows as jw
    import tests.crash.workflows
    jw.configure(store={url!r})
    node = jw.resume({pk})
    print("resumed", flush=True)
    while not os.path.exists({release!r}):  # alive, but holding: the child waits until released
        time.sleep(0.01)
    jw.wait(node, timeout=120)
    """
)


def test_a_process_ended_from_elsewhere_stops_and_keeps_that_end(store):
    node = jw.submit(crash_workflows.Child, x=Int(1), seconds=Float(3600))
    for _ in range(100):
        settle(0.02)
        if node.process_state is ProcessState.WAITING:
            break
    with Store(store_url_of(store)) as other:  # another kernel records it as killed (as an orphan's kill would)
        other.update_node(node.pk, process_state="killed", exit_message="ended elsewhere", sealed=True)
        with pytest.raises(jw.StoreError, match="is sealed"):
            other.update_node(node.pk, process_state="finished")  # a sealed node never changes again
    (waited,) = [child for child in node.called if not child.is_terminated]
    jw.kill(waited)  # the child ends; the WorkChain wakes up and tries to go on
    jw.wait(node, timeout=60)
    assert node.process_state is ProcessState.KILLED and node.exit_message == "ended elsewhere"
    assert store.get_node(node.pk).process_state == "killed"


MESSAGES = ["a NUL \x00 inside", "a lone surrogate \udcff inside"]


@calcfunction
def fails_with(which: int):
    raise ValueError(MESSAGES[which.value])


@pytest.mark.parametrize("which", [0, 1], ids=["nul", "surrogate"])
def test_an_error_message_the_database_cannot_take_still_ends_the_process(any_store, which):
    for _ in range(2):  # written before its body runs, then (quick) whole when it ends
        with pytest.raises(ValueError, match="inside") as raised:
            fails_with(which)
        assert str(raised.value) == MESSAGES[which]  # the user's own error, not a StoreError
    rows = [row for row in jw.processes(limit=None) if row.process_label == "fails_with"]
    assert len(rows) == 2 and all(row.state is ProcessState.EXCEPTED for row in rows)
    for row in rows:
        stored = any_store.get_node(row.pk)
        assert stored.process_state == "excepted" and "inside" in stored.exit_message
    assert not jw.processes(active=True)


def test_play_of_a_process_that_is_not_paused_reports_nothing(store):
    node = jw.submit(crash_workflows.Child, x=Int(1), seconds=Float(3600))
    settle()
    assert jw.play(node) == []
    jw.kill(node)
    jw.wait(node, timeout=60)


def test_killing_an_async_step_before_it_starts_leaves_no_unawaited_coroutine(store):
    class AsyncStep(WorkChain):
        @classmethod
        def define(cls, spec):
            super().define(spec)
            spec.outline(cls.first, cls.second)

        def first(self):
            asyncio.get_running_loop().call_soon(jw.kill, self.node)

        async def second(self):
            await asyncio.sleep(3600)

    node = jw.submit(AsyncStep)
    jw.wait(node, timeout=60)
    assert node.is_killed
    import gc

    gc.collect()  # a coroutine never awaited would warn now (and warnings are errors in this suite)


def test_a_label_longer_than_255_characters_is_refused_with_the_rule(store):
    with pytest.raises(jw.ValidationError, match="100,000 characters long; a label holds at most 255 characters"):
        jw.submit(Campaign, n=Int(1), seconds=Float(0), metadata={"label": "x" * 100_000})
