"""AiiDA archive figures (issue 12): export, import and the graph of an imported archive of about 10,000 nodes, as
one JSON object on stdout.

    python benchmarks/archive.py [--nodes 10000]

The ``rounds`` workflow of ``graph.py`` (nested workfunctions, each calling 8 calcfunctions in parallel) is run by
the real engine into a fresh SQLite store and exported with ``jw.export``; the archive is imported into another fresh
store (``import_s``), imported again (``reimport_s``: nothing new, every node found by uuid), and the imported
workflow is drawn with ``jw.graph(...).svg()`` (``graph_svg_s``, the default strategy, no node limit), as a user
would after ``jw.import_archive``.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from graph import WIDTH, environment, rounds  # the workflow and environment of the graph benchmark

import jupyter_workflows as jw
from jupyter_workflows.testing import temporary_store


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=10_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        json.dump({"environment": environment(), **measure(Path(folder), args.nodes)}, sys.stdout, indent=2)
    print()


def measure(folder: Path, nodes: int) -> dict[str, Any]:
    figures: dict[str, Any] = {}
    archive = folder / "rounds.aiida"
    with temporary_store(f"sqlite:///{folder / 'source.sqlite'}") as source:
        started = time.perf_counter()
        workflow = rounds.run_get_node(max(1, nodes // (2 * WIDTH + 3)), WIDTH)[1]
        figures["engine_run_s"] = _since(started)
        figures["nodes"] = source.count_nodes()
        figures["links"] = len(source.get_links())
        started = time.perf_counter()
        jw.export(workflow, path=archive)
        figures["export_s"] = _since(started)
        figures["archive_bytes"] = archive.stat().st_size
    with temporary_store(f"sqlite:///{folder / 'imported.sqlite'}") as imported:
        started = time.perf_counter()
        summary = jw.import_archive(archive)
        figures["import_s"] = _since(started)
        assert summary.nodes_added == figures["nodes"], summary
        started = time.perf_counter()
        jw.import_archive(archive)
        figures["reimport_s"] = _since(started)
        started = time.perf_counter()
        drawn = jw.graph(workflow.uuid, max_nodes=None)
        svg = drawn.svg()
        figures["graph_svg_s"] = _since(started)
        figures["graph"] = {"nodes": len(drawn.nodes), "edges": len(drawn.edges), "strategy": drawn.strategy}
        figures["svg_bytes"] = len(svg)
        assert imported.count_nodes() == figures["nodes"]
    print(f"archive bench: {json.dumps(figures)}", file=sys.stderr, flush=True)
    return figures


def _since(started: float) -> float:
    return round(time.perf_counter() - started, 3)


if __name__ == "__main__":
    main()
