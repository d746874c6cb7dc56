"""Several OS processes import overlapping archives into one store at once (SQLite and PostgreSQL): every node,
link and log is stored once, and the provenance checked from a fresh process has no problem."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import jupyter_workflows as jw
from jupyter_workflows.store import Store
from jupyter_workflows.testing import temporary_store
from jupyter_workflows.testing.workflows import AddAndMultiply, Slow, add_loop

from .test_concurrency import problems_of

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
MADE_BY_AIIDA = ROOT / "tests" / "data" / "aiida-2.9.4-provenance.aiida"
WORKERS = 4
pytestmark = pytest.mark.slow


def make_archives(tmp_path: Path) -> tuple[list[Path], dict[str, int]]:
    """Two archives sharing a workflow (so that one import finds part of what another adds), and the counts of the
    store that holds all of it (nodes, links, logs)."""
    with temporary_store(f"sqlite:///{tmp_path / 'source.sqlite'}") as source:
        shared = jw.run_get_node(AddAndMultiply, x=jw.Int(1), y=jw.Int(2), z=jw.Int(3))[1]
        first = [add_loop.run_get_node(jw.Int(30))[1], jw.run_get_node(Slow, seconds=jw.Float(0.0), n=jw.Int(3))[1]]
        second = [add_loop.run_get_node(jw.Int(40))[1]]
        archives = [tmp_path / "first.aiida", tmp_path / "second.aiida"]
        jw.export(shared, *first, path=archives[0])
        jw.export(shared, *second, path=archives[1])
        processes = source.query_processes()
        expected = {
            "nodes": source.count_nodes(),
            "links": len(source.get_links()),
            "logs": sum(len(source.get_reports(row.pk)) for row in processes),
        }
    return archives, expected


def counts_of(url: str) -> dict[str, int]:
    """Nodes, links and logs of the store, read by a fresh process."""
    code = (
        "import json, sys\nfrom jupyter_workflows.store import Store\n"
        "with Store(sys.argv[1]) as s:\n"
        "    print(json.dumps({'nodes': s.count_nodes(), 'links': len(s.get_links()), "
        "'logs': sum(len(s.get_reports(r.pk)) for r in s.query_processes())}))"
    )
    done = subprocess.run([sys.executable, "-c", code, url], cwd=ROOT, capture_output=True, text=True, check=True)
    return json.loads(done.stdout)


def test_os_processes_importing_at_once_store_everything_once(store_url: str, tmp_path: Path) -> None:
    archives, expected = make_archives(tmp_path)
    with Store(store_url):
        pass  # the schema exists before the workers race to the first import
    orders = [[*archives, MADE_BY_AIIDA], [archives[1], MADE_BY_AIIDA, archives[0]]]
    workers = [
        subprocess.Popen(
            [sys.executable, str(HERE / "archive_import.py"), store_url, *map(str, orders[index % 2])],
            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        for index in range(WORKERS)
    ]  # fmt: skip
    added = []
    for worker in workers:
        stdout, stderr = worker.communicate(timeout=600)
        assert worker.returncode == 0, stderr[-3000:]
        added.append(json.loads(stdout))
    assert all(last == [0, 0, 0] for *_, last in added)  # the first archive again: nothing new

    aiida_nodes, aiida_links, aiida_logs = 30, 33, 3  # tests/data/aiida-2.9.4-provenance.aiida
    assert counts_of(store_url) == {
        "nodes": expected["nodes"] + aiida_nodes,
        "links": expected["links"] + aiida_links,
        "logs": expected["logs"] + aiida_logs,
    }
    assert sum(nodes for counts in added for nodes, _, _ in counts) == expected["nodes"] + aiida_nodes
    assert problems_of(store_url) == []
