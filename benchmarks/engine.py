"""Engine benchmarks, one case per run (a fresh process each, so figures do not leak into one another).

    python benchmarks/engine.py calcfunctions --n 1000 --mode wf      # ms per calcfunction inside a workfunction
    python benchmarks/engine.py calcfunctions --n 1000 --mode top     # ... called one by one at top level
    python benchmarks/engine.py nesting --depth 300                   # workfunctions nested 300 deep
    python benchmarks/engine.py workchain --k 100                     # a WorkChain with 100 children via ToContext
    python benchmarks/engine.py submit --n 1000                       # 1000 WorkChains submitted, then waited for
    python benchmarks/engine.py caching --n 1000                      # the same call uncached, then from the cache

Each prints one JSON object: wall and CPU time, per-item figures, peak RSS, nodes written. The store is a fresh
SQLite file (WAL; ``--sqlite-synchronous full`` or ``normal`` sets its ``?synchronous=``, else the engine's default,
NORMAL) unless --store gives an SQLAlchemy URL. Only the engine's public API is used (``jw.configure``, the decorators,
``jw.run``/``submit``/``wait``); ``store.count_nodes()`` on the store ``jw.configure`` returns counts the nodes
written, outside the timed part.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import jupyter_workflows as jw
from benchmarks.postgres import fresh_database, store_url
from jupyter_workflows import Int
from jupyter_workflows.testing.workflows import FanOut, add, add_loop, recurse


def measure(action: Callable[[], Any]) -> dict[str, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    action()
    return {"wall_s": time.perf_counter() - wall, "cpu_s": time.process_time() - cpu}


def calcfunctions(n: int, mode: str) -> dict[str, Any]:
    if mode == "wf":
        figures = measure(lambda: add_loop(n))
    else:

        def loop() -> None:
            total = Int(0).store()
            for i in range(n):
                total = add(total, i)

        figures = measure(loop)
    return {**figures, "ms_per_call": figures["wall_s"] / n * 1e3, "cpu_ms_per_call": figures["cpu_s"] / n * 1e3}


def nesting(depth: int) -> dict[str, Any]:
    figures = measure(lambda: recurse(depth))
    return {
        **figures,
        "ms_per_level": figures["wall_s"] / depth * 1e3,
        "cpu_ms_per_level": figures["cpu_s"] / depth * 1e3,
    }


def workchain(k: int) -> dict[str, Any]:
    figures = measure(lambda: jw.run(FanOut, k=Int(k)))
    return {**figures, "ms_per_child": figures["wall_s"] / k * 1e3, "cpu_ms_per_child": figures["cpu_s"] / k * 1e3}


def submit(n: int) -> dict[str, Any]:
    nodes: list[Any] = []
    submitted = measure(lambda: nodes.extend(jw.submit(FanOut, k=Int(2)) for _ in range(n)))
    finished = measure(lambda: jw.wait(*nodes))
    assert all(node.is_finished_ok for node in nodes)
    total = submitted["wall_s"] + finished["wall_s"]
    processes = sum(1 + len(node.called) for node in nodes)  # a FanOut(k=2): itself, two adds, the sum's add
    return {
        "submit_wall_s": submitted["wall_s"],
        "submits_per_s": n / submitted["wall_s"],
        "finish_wall_s": finished["wall_s"],
        "workchains_per_s": n / total,
        "processes": processes,
        "processes_per_s": processes / total,
    }


def caching(n: int, rounds: int = 10) -> dict[str, Any]:
    """A re-run cell: ``add(1, 2)`` with plain values, ``n`` times with caching off (each call runs) and ``n`` times
    with ``jw.enable_caching()`` (each call takes the first run's result: a new node, its inputs, a clone of the
    output), in alternating rounds so that both meet the same store size and machine load. Both write the same nodes
    and links; the cached call skips the body and looks its source up (one indexed query)."""
    add(1, 2)
    uncached = {"wall_s": 0.0, "cpu_s": 0.0}
    cached = {"wall_s": 0.0, "cpu_s": 0.0}
    for _ in range(rounds):
        for key, value in measure(lambda: [add(1, 2) for _ in range(n // rounds)]).items():
            uncached[key] += value
        with jw.enable_caching(identifier=add):
            for key, value in measure(lambda: [add(1, 2) for _ in range(n // rounds)]).items():
                cached[key] += value
    with jw.enable_caching(identifier=add):
        assert add.run_get_node(1, 2)[1].base.caching.is_created_from_cache
    n = n // rounds * rounds
    return {
        "uncached_ms_per_call": uncached["wall_s"] / n * 1e3,
        "cached_ms_per_call": cached["wall_s"] / n * 1e3,
        "uncached_cpu_ms_per_call": uncached["cpu_s"] / n * 1e3,
        "cached_cpu_ms_per_call": cached["cpu_s"] / n * 1e3,
        "cached_over_uncached": cached["wall_s"] / uncached["wall_s"],
    }


CASES = {
    "calcfunctions": calcfunctions,
    "nesting": nesting,
    "workchain": workchain,
    "submit": submit,
    "caching": caching,
}


@contextlib.contextmanager
def fresh_store(choice: str | None, directory: str, synchronous: str | None = None) -> Iterator[str]:
    if choice != "postgresql":
        query = f"?synchronous={synchronous}" if synchronous else ""
        yield choice or f"sqlite:///{directory}/provenance.sqlite{query}"
        return
    with fresh_database("jw_bench") as name:
        try:
            yield store_url(name)
        finally:
            jw.configure(store=f"sqlite:///{directory}/after.sqlite")  # closes the PostgreSQL store (public API only)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("case", choices=sorted(CASES))
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--mode", choices=["wf", "top"], default="wf")
    parser.add_argument("--depth", type=int, default=300)
    parser.add_argument("--k", type=int, default=100)
    parser.add_argument(
        "--store",
        help="SQLAlchemy URL, or 'postgresql' for a fresh database on 127.0.0.1 (default: a fresh SQLite file)",
    )
    parser.add_argument(
        "--sqlite-synchronous",
        choices=["normal", "full"],
        help="?synchronous= of the fresh SQLite file (default: none given, the engine's default)",
    )
    args = parser.parse_args()
    with (
        tempfile.TemporaryDirectory() as directory,
        fresh_store(args.store, directory, args.sqlite_synchronous) as url,
    ):
        store = jw.configure(store=url)
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        nodes_before = store.count_nodes()
        kwargs = {
            "calcfunctions": {"n": args.n, "mode": args.mode},
            "nesting": {"depth": args.depth},
            "workchain": {"k": args.k},
            "submit": {"n": args.n},
            "caching": {"n": args.n},
        }[args.case]
        figures = CASES[args.case](**kwargs)
        result = {
            "case": args.case,
            **kwargs,
            "store": store.dialect,
            **({"sqlite_synchronous": args.sqlite_synchronous.upper()} if args.sqlite_synchronous else {}),
            **{key: round(value, 4) for key, value in figures.items()},
            "nodes_written": store.count_nodes() - nodes_before,
            "rss_after_import_mib": round(rss_before, 1),
            "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
            "loadavg_1m": round(os.getloadavg()[0], 2),
        }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
