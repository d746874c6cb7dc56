"""Two kernels resuming the same orphan at once: exactly one takes it over (compare-and-set on its owner), the
other is told who won; the orphan runs once."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import jupyter_workflows as jw
from jupyter_workflows.store import Store

from .test_resume import crash

ROOT = Path(__file__).resolve().parent.parent.parent

RESUMER = textwrap.dedent(
    """
    import os, sys, time
    sys.path.insert(0, {root!r})
    import jupyter_workflows as jw
    from tests.launch.crash_workflows import CrashingSum  # the class must be defined to resume it
    jw.configure(store={url!r})
    node = jw.load_node({pk})
    print("ready", flush=True)
    while not os.path.exists({go!r}):
        time.sleep(0.001)
    try:
        jw.resume(node)
    except jw.NotResumableError as error:
        print("refused:", error, flush=True)
    else:
        jw.wait(node, timeout=60)
        print("won:", node.process_state.value, node.outputs.total.value, flush=True)
    """
)


def test_two_kernels_resume_one_orphan_at_once(any_store, store_url, tmp_path):
    pk = crash(store_url, 2, seconds=0.5)
    go = tmp_path / "go"
    script = RESUMER.format(root=str(ROOT), url=store_url, pk=pk, go=str(go))
    resumers = [
        subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    for resumer in resumers:
        assert resumer.stdout.readline() == "ready\n", resumer.stderr.read()  # type: ignore[union-attr]
    go.touch()
    outputs = [resumer.communicate(timeout=120) for resumer in resumers]
    lines = sorted(out.strip() for out, _ in outputs)
    assert [line.split(":")[0] for line in lines] == ["refused", "won"], outputs
    refused, won = lines
    assert won == "won: finished 10"
    assert "taken over just now by" in refused or "is still run by" in refused
    node = jw.load_node(pk)
    states = sorted(child.process_state.value for child in node.called)
    assert node.is_finished_ok and states == ["finished"] * 8 + ["killed"] * 4  # one run: 4 re-run parts, 4 adds


def test_the_claim_is_a_compare_and_set(store_url):
    with Store(store_url) as first, Store(store_url) as second:
        pk = first.insert_node(
            jw.store.NodeRow(
                pk=0,
                uuid=os.urandom(16).hex(),
                node_type="process.workchain",
                process_label="P",
                process_state="running",
                owner="dead",
            )
        )
        assert first.claim_process(pk, "me", expected="dead")
        assert not second.claim_process(pk, "you", expected="dead")  # saw the old owner: too late
        assert second.get_node(pk).owner == "me"
        first.update_node(pk, process_state="finished", sealed=True)
        assert not first.claim_process(pk, "again", expected="me")  # a sealed process is never claimed
