"""Many processes at once, then the stored provenance checked from a fresh process (issue: lost provenance).

Every workload runs in its own OS process, and ``check.py`` reads the store in yet another one: every result has
its creator, every finished workflow has all its calls, nothing is left running, nothing is duplicated.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
pytestmark = pytest.mark.slow


def run_workload(url: str, out: Path, *arguments: str) -> subprocess.Popen[str]:
    command = [sys.executable, str(HERE / "workloads.py"), *arguments[:1], url, str(out), *arguments[1:]]
    return subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def finish(worker: subprocess.Popen[str], out: Path) -> dict:
    _, stderr = worker.communicate(timeout=1200)
    assert worker.returncode == 0, stderr[-3000:]
    outcome = json.loads(out.read_text())
    assert outcome["errors"] == []
    return outcome


def problems_of(url: str, *outs: Path) -> list[str]:
    done = subprocess.run(
        [sys.executable, str(HERE / "check.py"), url, *map(str, outs)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout)


def test_gathered_workfunctions_keep_all_provenance(store_url: str, tmp_path: Path) -> None:
    out = tmp_path / "gather.json"
    outcome = finish(run_workload(store_url, out, "gather", "--trials", "6", "--count", "200"), out)
    assert len(outcome["results"]) == 1200
    assert problems_of(store_url, out) == []


def test_submitted_workchains_calling_quick_calcfunctions(store_url: str, tmp_path: Path) -> None:
    out = tmp_path / "workchains.json"
    outcome = finish(run_workload(store_url, out, "workchains", "--count", "1000"), out)
    assert len(outcome["results"]) == 1000
    assert problems_of(store_url, out) == []


def test_restart_work_chains_retrying_at_once(store_url: str, tmp_path: Path) -> None:
    out = tmp_path / "restarts.json"
    outcome = finish(run_workload(store_url, out, "restarts", "--count", "300"), out)
    assert len(outcome["results"]) == 300
    assert problems_of(store_url, out) == []


def test_two_os_processes_write_one_store_at_once(store_url: str, tmp_path: Path) -> None:
    outs = [tmp_path / "first.json", tmp_path / "second.json", tmp_path / "third.json"]
    workers = [
        run_workload(store_url, outs[0], "gather", "--trials", "3", "--count", "200"),
        run_workload(store_url, outs[1], "gather", "--trials", "3", "--count", "200"),
        run_workload(store_url, outs[2], "workchains", "--count", "300"),
    ]
    outcomes = [finish(worker, out) for worker, out in zip(workers, outs, strict=True)]
    assert [len(o["results"]) for o in outcomes] == [600, 600, 300]
    assert problems_of(store_url, *outs) == []


def test_two_os_processes_take_results_from_the_cache_at_once(store_url: str, tmp_path: Path) -> None:
    outs = [tmp_path / "first.json", tmp_path / "second.json"]
    workers = [run_workload(store_url, out, "cached", "--trials", "3", "--count", "100") for out in outs]
    outcomes = [finish(worker, out) for worker, out in zip(workers, outs, strict=True)]
    assert [len(o["results"]) for o in outcomes] == [300, 300]
    assert all(o["cached"] >= 200 for o in outcomes)  # the last two trials at least: every add's chain was stored
    assert problems_of(store_url, *outs) == []


def test_three_os_processes_rerun_cached_calls_while_sources_are_withdrawn(store_url: str, tmp_path: Path) -> None:
    outs = [tmp_path / f"{n}.json" for n in range(3)]
    workers = [run_workload(store_url, out, "recached", "--trials", "4", "--count", "100") for out in outs]
    outcomes = [finish(worker, out) for worker, out in zip(workers, outs, strict=True)]
    assert [len(o["results"]) for o in outcomes] == [800, 800, 800]
    assert all(o["cached"] >= 600 for o in outcomes), [o["cached"] for o in outcomes]  # not: the 1st trial
    assert problems_of(store_url, *outs) == []


@pytest.mark.kernel
def test_the_issues_cell_in_a_real_kernel(tmp_path: Path) -> None:
    """Exactly the reported cell, in a notebook kernel on the default (SQLite) store."""
    from jupyter_workflows.testing.kernels import Kernel

    url = f"sqlite:///{tmp_path / 'provenance.sqlite'}"
    cell = """
import asyncio
import jupyter_workflows as jw
from jupyter_workflows import Int, calcfunction, workfunction

@calcfunction
def add(x, y): return x + y

@workfunction
def add_five_times(x):
    for i in range(5): x = add(x, 1)
    return x

results = []
for trial in range(6):
    results += await asyncio.gather(*(add_five_times.run_async(Int(i)) for i in range(200)), return_exceptions=True)
errors = [repr(r) for r in results if isinstance(r, BaseException)]
print(len(results), errors[:3])
"""
    with Kernel("python3", env={"JUPYTER_WORKFLOWS_STORE": url}) as kernel:
        reply = kernel.run(cell, timeout=600)
        assert reply.error is None, reply.error
        assert reply.stdout == "1200 []\n"
        uuids = kernel.run("import json; print(json.dumps([r.uuid for r in results]))").stdout
    out = tmp_path / "kernel.json"
    out.write_text(json.dumps({"results": json.loads(uuids), "errors": [], "expected_calls": {"add_five_times": 5}}))
    assert problems_of(url, out) == []
