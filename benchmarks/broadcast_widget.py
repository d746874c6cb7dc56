"""Broadcast to widget: how soon the ProcessWidget of a process that a daemon worker runs shows its state change.
Prints one JSON object.

This process is the kernel (a runtime with the broker configured, its loop turned as a kernel's idle loop is); one
worker OS process runs the processes. For each sample a calcfunction naps 0.2 s on the worker and the widget here
follows it: the latency is from the worker's write of the ``finished`` state (the node's mtime, stamped just before
its commit, so the commit is counted too) to the widget's badge saying ``finished`` (its ``state`` trait set, after
the broadcast crossed RabbitMQ and the store was read for the new view). Both clocks are this machine's. Also the
number of timer reads of the store (polls) all the widgets made: 0 while the broker is up.

    python benchmarks/broadcast_widget.py [--store postgresql|sqlite] [--samples 50]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import jupyter_workflows as jw
from benchmarks.daemon import BROKER, fresh_store
from benchmarks.daemon_workflows import nap
from jupyter_workflows import Float
from jupyter_workflows.testing import Runtime, daemon_workers, isolated_runtime
from jupyter_workflows.widgets import ProcessWidget


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def sample(runtime: Runtime) -> tuple[float, int]:
    """One nap on the worker, followed by a widget here: (seconds from the worker's write to the badge, polls)."""
    node = jw.submit(nap, Float(0.2), daemon=True)
    widget = ProcessWidget(node)
    shown: list[float] = []
    widget.observe(lambda change: shown.append(time.time()) if change["new"] == "finished" else None, names="state")
    deadline = time.monotonic() + 60
    while not shown and time.monotonic() < deadline:
        runtime.runner.block(asyncio.sleep(0.05))  # the loop sleeps in select: a broadcast wakes it, as in a kernel
    if not shown:
        raise TimeoutError(f"the widget of {node} did not show it finished within 60 s")
    written = runtime.store.get_node(node.pk).mtime
    polls = widget.polls
    widget.close()
    return shown[0] - written, polls


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--store", choices=["postgresql", "sqlite"], default="postgresql")
    parser.add_argument("--samples", type=int, default=50)
    arguments = parser.parse_args()
    with (
        fresh_store(arguments.store) as url,
        isolated_runtime(url, broker=BROKER) as runtime,
        daemon_workers(url, BROKER, workers=1),
    ):
        sample(runtime)  # warm up: the worker loads the code, the subscriptions are made once
        latencies, polls = [], 0
        for _ in range(arguments.samples):
            seconds, polled = sample(runtime)
            latencies.append(seconds * 1000)
            polls += polled
    result = {
        "store": arguments.store,
        "samples": arguments.samples,
        "broadcast_to_widget_ms": {
            "median": round(statistics.median(latencies), 2),
            "p90": round(percentile(latencies, 0.9), 2),
            "p99": round(percentile(latencies, 0.99), 2),
            "max": round(max(latencies), 2),
        },
        "timer_polls": polls,
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
