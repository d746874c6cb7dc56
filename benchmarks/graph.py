"""Provenance-graph figures (issue 4): extraction and layout+render times for workflows of about 100, 1,000 and
10,000 nodes, per layout strategy, as one JSON object on stdout.

    python benchmarks/graph.py [--sizes 100 1000 10000] [--naive-timeout 60] [--store URL]

Two workflows, both run by the real engine into a fresh SQLite store:

- ``add_loop``: a workfunction that calls ``add`` N times in a chain (``total = add(total, i)``), the peer
  benchmark's workflow (peer-bench-aiida.md, section (d)). Its graph (``jw.graph(wf)``: the workfunction, its input,
  N calcfunctions and N results) has 2N + 2 nodes. The workfunction's CALL edge to every child is what makes
  ``dot`` hang.
- ``rounds``: a workfunction that runs R rounds of a ``scan`` workfunction, each calling 8 ``multiply``
  calcfunctions in parallel and summing their results with ``add_all``: nested workflows, wide and deep.

Strategies: ``default`` is what ``jw.graph(...).svg()`` does (dot, long edges deferred above a cost estimate);
``dot_naive`` lays out every edge with dot, as aiida-core's Graph does (killed after --naive-timeout seconds, and not
tried on larger graphs once it timed out); ``sfdp`` is Graphviz's force-directed engine (no top-down order);
``pure_default`` is the default strategy run by graphviz-pure when it is installed. Extraction is the median of 5
runs; each layout is run once (the render cache is cleared first).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import jupyter_workflows as jw
from jupyter_workflows import Int, WorkflowsError, calcfunction, workfunction
from jupyter_workflows.graph import Graph, _layout
from jupyter_workflows.graph._extract import extract
from jupyter_workflows.testing.workflows import add, add_loop, multiply

WIDTH = 8  # calcfunctions per round of the ``rounds`` workflow


@calcfunction
def add_all(*values):
    return sum(value.value for value in values)


@workfunction
def scan(total, width):
    return add_all(*[multiply(total, i) for i in range(width.value)])


@workfunction
def rounds(n, width):
    total = Int(1).store()
    for _ in range(n.value):
        total = scan(total, width)
    return total


WORKFLOWS: dict[str, tuple[Callable[[int], Any], Callable[[int], int]]] = {
    # name: (run it for a target node count -> the workflow node, the parameter for that node count)
    "add_loop": (lambda n: add_loop.run_get_node(n)[1], lambda nodes: max(1, (nodes - 2) // 2)),
    "rounds": (lambda r: rounds.run_get_node(r, WIDTH)[1], lambda nodes: max(1, nodes // (2 * WIDTH + 3))),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000, 10000])
    parser.add_argument("--workflows", nargs="+", default=list(WORKFLOWS), choices=list(WORKFLOWS))
    parser.add_argument("--naive-timeout", type=float, default=60.0)
    parser.add_argument("--store", help="SQLAlchemy URL (default: a temporary SQLite file)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        store = jw.configure(store=args.store or f"sqlite:///{Path(folder) / 'graph-bench.sqlite'}")
        figures: dict[str, Any] = {"environment": environment()}
        for name in args.workflows:
            figures[name] = run_workflow(store, name, args.sizes, args.naive_timeout)
        store.close()
    json.dump(figures, sys.stdout, indent=2)
    print()


def environment() -> dict[str, Any]:
    program = _layout.find_layout_program()
    return {
        "python": platform.python_version(),
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs",
        "loadavg_1m": round(os.getloadavg()[0], 2),
        "layout_program": f"{program.path} ({_version(str(program.path))})",
        "graphviz_pure": _version(_find("graphviz-pure")),
        "virtual_node_budget": _layout.VIRTUAL_NODE_BUDGET,
        "max_kept_span": _layout.MAX_KEPT_SPAN,
        "layered_from_nodes": _layout.LAYERED_FROM,
    }


def run_workflow(store: Any, name: str, sizes: list[int], naive_timeout: float) -> dict[str, Any]:
    run, parameter_for = WORKFLOWS[name]
    results: dict[str, Any] = {}
    naive_timed_out = False
    for size in sizes:
        started = time.perf_counter()
        workflow = run(parameter_for(size))
        built = time.perf_counter() - started
        figures = measure(store, workflow.pk, naive_timeout, skip_naive=naive_timed_out)
        naive_timed_out = naive_timed_out or "timeout" in str(figures["render_s"].get("dot_naive", ""))
        results[str(size)] = {"workflow_parameter": parameter_for(size), "engine_run_s": round(built, 3), **figures}
        print(f"graph bench: {name} {size}: {json.dumps(figures['render_s'])}", file=sys.stderr, flush=True)
    return results


def measure(store: Any, pk: int, naive_timeout: float, *, skip_naive: bool) -> dict[str, Any]:
    timings = []
    for _ in range(5):
        started = time.perf_counter()
        subgraph = extract(store, [pk], max_nodes=None)
        timings.append(time.perf_counter() - started)
    started = time.perf_counter()
    default = Graph(subgraph, highlight_classes=[add, multiply])
    source = default.digraph.source
    dot_source_s = time.perf_counter() - started
    renders: dict[str, Any] = {f"default ({default.strategy})": timed_render(source, "dot")}
    renders["pure_default"] = timed_render(source, "dot", program="graphviz-pure")
    for strategy in ("deferred", "layered"):
        if strategy != default.strategy:
            forced = Graph(subgraph, highlight_classes=[add, multiply], strategy=strategy).digraph.source
            renders[strategy] = timed_render(forced, "dot", timeout=naive_timeout)
    renders["sfdp"] = timed_render(source, "sfdp", timeout=naive_timeout)
    if skip_naive:
        renders["dot_naive"] = "skipped (timed out on a smaller graph)"
    else:
        naive = Graph(subgraph, highlight_classes=[add, multiply], strategy="plain").digraph.source
        renders["dot_naive"] = timed_render(naive, "dot", timeout=naive_timeout)
    return {
        "nodes": len(subgraph.nodes),
        "edges": len(subgraph.links),
        "strategy": default.strategy,
        "long_edges": len(default.long_edges),
        "extract_s": round(statistics.median(timings), 4),
        "dot_source_s": round(dot_source_s, 4),
        "render_s": renders,
        "svg_bytes": len(_layout.render(source, "svg")),
    }


def timed_render(source: str, engine: str, *, timeout: float = 600, program: str | None = None) -> Any:
    """Seconds to lay out and render ``source`` to SVG, or why it did not."""
    previous = os.environ.get(_layout.DOT_PROGRAM_ENV)
    if program is not None:
        found = _find(program)
        if found is None:
            return f"skipped ({program} is not installed: pip install {program})"
        os.environ[_layout.DOT_PROGRAM_ENV] = found
    _layout._cache.clear()
    try:
        started = time.perf_counter()
        _layout.render(source, "svg", engine=engine, timeout=timeout)
        return round(time.perf_counter() - started, 3)
    except WorkflowsError as error:
        return f"timeout (> {timeout:g} s)" if "took more than" in str(error) else f"failed: {error}"
    finally:
        _restore(previous)


def _restore(previous: str | None) -> None:
    if previous is None:
        os.environ.pop(_layout.DOT_PROGRAM_ENV, None)
    else:
        os.environ[_layout.DOT_PROGRAM_ENV] = previous


def _find(program: str) -> str | None:
    """On PATH, or next to this Python (a venv's bin folder that is not on PATH)."""
    beside = Path(sys.executable).parent / program
    return shutil.which(program) or (str(beside) if beside.exists() else None)


def _version(program: str | None) -> str | None:
    if program is None:
        return None
    done = subprocess.run([program, "-V"], capture_output=True, text=True, check=False)
    return (done.stderr or done.stdout).strip().splitlines()[0] if (done.stderr or done.stdout) else None


if __name__ == "__main__":
    main()
