"""Provenance store figures: per-call write costs, bulk insert rates and traversal times, as one JSON object.

    python benchmarks/store_traversal.py [--postgres URL] [--repeats N]

Runs on a temporary SQLite file and, when reachable, on a temporary database of the PostgreSQL server at
``--postgres`` (default ``$JW_BENCH_POSTGRES_URL`` or postgresql+psycopg://postgres@127.0.0.1:5432/postgres; the
database is created and dropped). Per-call figures are medians over batches, in microseconds; times in seconds.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import platform
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from jupyter_workflows.store import LinkRow, LinkType, NodeRow, Store, redact_url

DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
BRANCHING, LEVELS = 10, 5  # a complete tree of 111,111 nodes: the root has 111,110 descendants, a child 11,110
CHAIN = 10_000  # a chain this long: one query per level, so it shows the per-level cost
BATCH = 300  # calls per timed batch of the per-call figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", default=os.environ.get("JW_BENCH_POSTGRES_URL", DEFAULT_POSTGRES))
    parser.add_argument("--repeats", type=int, default=5, help="batches per per-call figure, runs per traversal")
    args = parser.parse_args()
    figures: dict[str, Any] = {"environment": environment()}
    with tempfile.TemporaryDirectory() as folder:
        figures["sqlite"] = run_all(f"sqlite:///{Path(folder) / 'bench.sqlite'}", args.repeats)
    figures["postgresql"] = run_on_postgres(args.postgres, args.repeats)
    json.dump(figures, sys.stdout, indent=2)
    print()


def environment() -> dict[str, str]:
    return {
        "python": platform.python_version(),
        "sqlalchemy": sqlalchemy.__version__,
        "sqlite": sqlite3.sqlite_version,
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs",
    }


def run_on_postgres(admin_url: str, repeats: int) -> dict[str, Any]:
    try:
        with temporary_database(admin_url) as url:
            return run_all(url, repeats)
    except Exception as exc:  # any failure to reach the server means: no PostgreSQL figures
        reason = str(exc).replace(make_url(admin_url).password or "\0", "***")
        return {"skipped": f"PostgreSQL at {redact_url(admin_url)} is not usable: {type(exc).__name__}: {reason}"}


@contextmanager
def temporary_database(admin_url: str) -> Iterator[str]:
    name = f"jw_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def run_all(url: str, repeats: int) -> dict[str, Any]:
    with Store(url) as store:
        return {
            "per_call_us": per_call_figures(store, repeats),
            **tree_figures(store, repeats),
            "chain": chain_figures(store, repeats),
        }


# -- per call -------------------------------------------------------------------------------------------------------
def per_call_figures(store: Store, repeats: int) -> dict[str, dict[str, float]]:
    """Microseconds per call (median and best batch), each call its own committed transaction unless said."""
    source = store.insert_node(data_row())
    timings: dict[str, list[float]] = {}
    for _ in range(repeats):
        time_one_batch(store, source, timings)
    return {
        name: {"median": round(statistics.median(values) / BATCH * 1e6, 1), "best": round(min(values) / BATCH * 1e6, 1)}
        for name, values in timings.items()
    }


def time_one_batch(store: Store, source: int, timings: dict[str, list[float]]) -> None:
    rows = [process_row() for _ in range(BATCH)]
    pks: list[int] = []
    timed(timings, "insert_node", lambda row: pks.append(store.insert_node(row)), rows)
    timed(timings, "insert_links (2 links)", lambda pk: store.insert_links(two_links(source, pk)), pks)
    timed(timings, "update_node", lambda pk: store.update_node(pk, process_state="finished"), pks)
    timed(timings, "get_node", store.get_node, pks)
    steps = range(BATCH)
    timed(timings, "calcfunction step: insert_node + insert_links + update_node", lambda _: step(store, source), steps)
    timed(timings, "the same step in one transaction()", lambda _: step(store, source, transaction=True), steps)


def step(store: Store, source: int, *, transaction: bool = False) -> None:
    """What running a calcfunction writes: its node, its input links, then its final state."""
    if transaction:
        with store.transaction():
            step(store, source)
        return
    pk = store.insert_node(process_row())
    store.insert_links(two_links(source, pk))
    store.update_node(pk, process_state="finished", exit_status=0, sealed=True)


def timed(timings: dict[str, list[float]], name: str, call: Callable[[Any], object], items: Iterable[Any]) -> None:
    """Time ``call`` on every item; record the batch's seconds under ``name``."""
    start = time.perf_counter()
    for item in items:
        call(item)
    timings.setdefault(name, []).append(time.perf_counter() - start)


# -- bulk insert and traversal ----------------------------------------------------------------------------------------
def tree_figures(store: Store, repeats: int) -> dict[str, Any]:
    """Insert a complete tree in bulk, then time traversals of its descendants and of one leaf's ancestors."""
    inserted_nodes = inserted_links = 0
    node_seconds = link_seconds = 0.0
    levels = [store.insert_nodes([data_row()])]
    for depth in range(1, LEVELS + 1):
        rows = [data_row() for _ in range(BRANCHING**depth)]
        start = time.perf_counter()
        children = store.insert_nodes(rows)
        node_seconds += time.perf_counter() - start
        links = [LinkRow(levels[-1][i // BRANCHING], pk, LinkType.CREATE, "c") for i, pk in enumerate(children)]
        start = time.perf_counter()
        store.insert_links(links)
        link_seconds += time.perf_counter() - start
        inserted_nodes, inserted_links = inserted_nodes + len(children), inserted_links + len(links)
        levels.append(children)
    root, child, leaf = levels[0][0], levels[1][0], levels[-1][-1]
    return {
        "bulk_insert": {
            "insert_nodes_per_s": round(inserted_nodes / node_seconds),
            "insert_links_per_s": round(inserted_links / link_seconds),
            "nodes": inserted_nodes + 1,
        },
        "traverse_s": {
            "descendants_11110 (tree, 4 levels)": traversal_seconds(store, child, "forward", repeats, 11_111),
            "descendants_111110 (tree, 5 levels)": traversal_seconds(store, root, "forward", repeats, 111_111),
            "ancestors_of_a_leaf (5 levels)": traversal_seconds(store, leaf, "backward", repeats, LEVELS + 1),
        },
    }


def chain_figures(store: Store, repeats: int) -> dict[str, float]:
    pks = store.insert_nodes([data_row() for _ in range(CHAIN)])
    store.insert_links(LinkRow(a, b, LinkType.CREATE, "next") for a, b in itertools.pairwise(pks))
    seconds = traversal_seconds(store, pks[0], "forward", repeats, CHAIN)
    return {f"descendants_{CHAIN - 1}_s ({CHAIN - 1} levels)": seconds, "ms_per_level": round(seconds / CHAIN * 1e3, 4)}


def traversal_seconds(store: Store, origin: int, direction: str, repeats: int, expected: int) -> float:
    runs = []
    for _ in range(repeats):
        start = time.perf_counter()
        reached = store.traverse([origin], direction=direction)
        runs.append(time.perf_counter() - start)
        if len(reached.pks) != expected:
            raise AssertionError(f"traversal reached {len(reached.pks)} nodes, expected {expected}")
    return round(statistics.median(runs), 4)


# -- rows -------------------------------------------------------------------------------------------------------------
def data_row() -> NodeRow:
    return NodeRow(0, str(uuid.uuid4()), "data.Int", attributes={"value": 1})


def process_row() -> NodeRow:
    return NodeRow(0, str(uuid.uuid4()), "process.calcfunction", process_label="add", process_state="running")


def two_links(source: int, target: int) -> list[LinkRow]:
    return [LinkRow(source, target, LinkType.INPUT_CALC, "x"), LinkRow(source, target, LinkType.INPUT_CALC, "y")]


if __name__ == "__main__":
    main()
