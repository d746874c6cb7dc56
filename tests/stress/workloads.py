"""Concurrent workloads for the stress tests, each run as its own OS process:

    python tests/stress/workloads.py gather URL OUT [--trials 6 --count 200]
    python tests/stress/workloads.py workchains URL OUT [--count 1000]
    python tests/stress/workloads.py restarts URL OUT [--count 300]
    python tests/stress/workloads.py cached URL OUT [--trials 3 --count 100]
    python tests/stress/workloads.py recached URL OUT [--trials 3 --count 100]

Each writes OUT (JSON): the uuids of every result handed back (``results``), the errors raised (``errors``), and the
calls every finished workflow must have made (``expected_calls``). The store is checked afterwards from another
fresh process (``check.py``), so that nothing this process held in memory can hide what was really stored.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path
from typing import Any

import jupyter_workflows as jw
from jupyter_workflows import Int, workfunction
from jupyter_workflows.testing.workflows import (  # AddAndMultiply: the tutorial's WorkChain
    AddAndMultiply,
    RetryAdd,  # AiiDA's BaseRestartWorkChain how-to
    add,
)


@workfunction
def add_five_times(x):
    me, start = jw.Process.current(), x
    for _ in range(5):
        x = add(x, 1)
    if jw.Process.current() is not me or me.node.base.links.get_incoming().one().node is not start:
        raise RuntimeError(f"{me!r} lost track of itself: Process.current() is {jw.Process.current()!r}")
    return x


async def gather(trials: int, count: int) -> dict[str, Any]:
    """The issue's shape: workfunctions gathered with asyncio.gather, again and again."""
    results, errors = [], []
    for _ in range(trials):
        done = await asyncio.gather(*(add_five_times.run_async(Int(i)) for i in range(count)), return_exceptions=True)
        for i, value in enumerate(done):
            if isinstance(value, BaseException):
                errors.append(repr(value))
            elif value.value != i + 5:
                errors.append(f"add_five_times({i}) gave {value.value}")
            else:
                results.append(value.uuid)
    return {"results": results, "errors": errors, "expected_calls": {"add_five_times": 5}}


async def cached(trials: int, count: int) -> dict[str, Any]:
    """``gather`` with caching enabled: from the second trial on (or once another process ran the same), every add
    takes its result from the cache, many at once."""
    with jw.enable_caching():
        outcome = await gather(trials, count)
    creators = [jw.load_node(uuid).creator for uuid in outcome["results"]]
    outcome["cached"] = sum(node.base.caching.is_created_from_cache for node in creators)
    return outcome


async def recached_gathered(count: int, results: list[str], errors: list[str]) -> None:
    done = await asyncio.gather(*(add.run_async(i % 5, 1) for i in range(count)), return_exceptions=True)
    for i, value in enumerate(done):
        if isinstance(value, BaseException) or value.value != i % 5 + 1:
            errors.append(f"add({i % 5}, 1) gave {value!r}")
        else:
            results.append(value.uuid)


def recached(trials: int, count: int) -> dict[str, Any]:
    """A re-run cell: the same five calls again and again with caching on, gathered with asyncio.gather and one after
    another, while the source each trial's first result was taken from is withdrawn (``is_valid_cache = False``), so
    that what this program and the others remember of their sources goes stale under them."""
    results: list[str] = []
    errors: list[str] = []
    with jw.enable_caching(identifier=add):
        for _ in range(trials):
            asyncio.run(recached_gathered(count, results, errors))
            for i in range(count):
                value = add(i % 5, 1)
                if value.value != i % 5 + 1:
                    errors.append(f"add({i % 5}, 1) gave {value!r}")
                results.append(value.uuid)
            source = jw.load_node(results[-1]).creator.base.caching.get_cache_source()
            if source is not None:
                jw.load_node(source).base.caching.is_valid_cache = False
    creators = [jw.load_node(uuid).creator for uuid in results]
    cached = sum(node.base.caching.is_created_from_cache for node in creators)
    return {"results": results, "errors": errors, "expected_calls": {}, "cached": cached}


def workchains(count: int) -> dict[str, Any]:
    """Submitted WorkChains whose steps call quick calcfunctions, all waited for at the end; every other one made by
    its constructor first (AiiDA's ``AddAndMultiply(inputs=...)``) and submitted as it is."""
    nodes = [
        jw.submit(AddAndMultiply, x=Int(i), y=Int(1), z=Int(2))
        if i % 2
        else jw.submit(AddAndMultiply(inputs={"x": Int(i), "y": Int(1), "z": Int(2)}))
        for i in range(count)
    ]
    jw.wait(*nodes, timeout=900)
    results, errors = [], []
    for i, node in enumerate(nodes):
        if not node.is_finished_ok:
            errors.append(f"{node!r}: {node.exit_message}")
        elif node.outputs.result.value != (i + 1) * 2:
            errors.append(f"{node!r} gave {node.outputs.result.value}")
        else:
            results.append(node.outputs.result.uuid)
    return {"results": results, "errors": errors, "expected_calls": {"AddAndMultiply": 2}}


async def restarts(count: int) -> dict[str, Any]:
    """BaseRestartWorkChains whose first child fails (a negative sum) and is retried, half submitted and half
    gathered with asyncio.gather, all at once."""
    submitted = [jw.submit(RetryAdd, add={"x": Int(i), "y": Int(-2 * i)}) for i in range(1, count // 2 + 1)]
    gathered = await asyncio.gather(
        *(jw.run_async(RetryAdd, add={"x": i, "y": -2 * i}) for i in range(1, count - count // 2 + 1)),
        return_exceptions=True,
    )
    await jw.wait_async(*submitted, timeout=900)
    results, errors = [], []
    for i, node in enumerate(submitted, start=1):
        if not node.is_finished_ok or node.outputs.result.value != 3 * i:
            errors.append(f"{node!r}: {node.exit_message}")
        else:
            results.append(node.outputs.result.uuid)
    for i, value in enumerate(gathered, start=1):
        if isinstance(value, BaseException) or value["result"].value != 3 * i:
            errors.append(f"RetryAdd {i} gave {value!r}")
        else:
            results.append(value["result"].uuid)
    return {"results": results, "errors": errors, "expected_calls": {"RetryAdd": 1}}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("workload", choices=["gather", "workchains", "restarts", "cached", "recached"])
    parser.add_argument("url")
    parser.add_argument("out", type=Path)
    parser.add_argument("--trials", type=int, default=6)
    parser.add_argument("--count", type=int, default=200)
    args = parser.parse_args()
    jw.configure(store=args.url)
    if args.workload == "gather":
        outcome = asyncio.run(gather(args.trials, args.count))
    elif args.workload == "restarts":
        outcome = asyncio.run(restarts(args.count))
    elif args.workload == "cached":
        outcome = asyncio.run(cached(args.trials, args.count))
    elif args.workload == "recached":
        outcome = recached(args.trials, args.count)
    else:
        outcome = workchains(args.count)
    args.out.write_text(json.dumps(outcome))
    sys.exit(0)


if __name__ == "__main__":
    main()
