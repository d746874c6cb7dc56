"""A slot counts a process able to run: WorkChains that wait for their children give their slot back, so one worker
with a few slots runs many WorkChains, their children and grandchildren to the end (AiiDA's daemon deadlocks
there), and never runs more processes at once than it has slots."""

from __future__ import annotations

# ruff: noqa: F811 - tests take the fixtures imported from tests/worker/conftest.py as arguments
import json
from pathlib import Path

import pytest

import jupyter_workflows as jw
from jupyter_workflows import Float, Int
from jupyter_workflows.testing import DaemonWorkers, Runtime
from tests.worker.conftest import check, kernel, workers  # noqa: F401 - fixtures
from tests.worker.workflows import Parent

SLOTS = 4


@pytest.fixture
def nap_log(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The file where the naps of workers started from now on log how many naps run at once as each starts."""
    monkeypatch.setenv("JW_TEST_NAP_LOG", str(tmp_path / "naps.log"))
    return tmp_path / "naps.log"


def clean_tree(depth: int) -> dict[str, object]:
    """The tree of a Parent of ``depth`` levels below it, as check.py gives it for a clean run."""
    add = {"label": "add", "state": "finished", "exit_status": 0, "called": []}
    nap = {"label": "nap", "state": "finished", "exit_status": 0, "outputs": {"result": 0.05}, "called": []}
    child = {**add, "outputs": {"result": 1}} if depth == 0 else clean_tree(depth - 1)
    called = [child, {**add, "outputs": {"result": 1}}, nap]
    return {"label": "Parent", "state": "finished", "exit_status": 0, "outputs": {"total": 1}, "called": called}


@pytest.mark.parametrize("depth", [0, 1], ids=["children", "grandchildren"])
def test_one_worker_with_few_slots_runs_many_workchains_and_their_descendants(
    kernel: Runtime, workers: DaemonWorkers, store_url: str, nap_log: Path, depth: int
) -> None:
    workers.start(slots=SLOTS)
    count = 20 if depth == 0 else 10  # 20 WorkChains on 4 slots (10, and 10 below them): they cannot all hold one
    parents = [jw.submit(Parent, depth=Int(depth), seconds=Float(0.05), daemon=True) for _ in range(count)]
    jw.wait(*parents, timeout=240)
    naps = [int(line) for line in nap_log.read_text().split()]
    assert len(naps) == count * (depth + 1)
    assert max(naps) <= SLOTS  # never more processes running at once than slots
    found = check(store_url, *(parent.pk for parent in parents), results=True)
    assert found["problems"] == []
    expected = clean_tree(depth)
    for tree in found["trees"]:  # type: ignore[attr-defined]
        assert tree == {**expected, "called": sorted(expected["called"], key=_canonical)}  # type: ignore[arg-type]


def _canonical(tree: dict[str, object]) -> str:
    return json.dumps(tree, sort_keys=True)
