"""The RabbitMQ communicator on loopback, between two OS processes as a kernel and a daemon worker would be: RPC
round trip, and task pickup latency (from the send to the worker's handler), median and p99. Each side uses the
threaded communicator (its connection on a thread of its own). Prints one JSON object.

    python benchmarks/broker.py [--n 1000] [--url amqp://guest:guest@127.0.0.1:5672/]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from jupyter_workflows.broker import (
    RabbitMQCommunicator,
    RecipientNotFoundError,
    control_request,
    delete_namespace_async,
    process_task,
)

SPACING_S = 0.002  # between task sends, so that each is picked up from an empty queue


async def worker(url: str, namespace: str) -> None:
    """Serve RPC "1" (a status answer) and "2" (the pickup times so far, or stop); take tasks, noting when."""
    communicator = RabbitMQCommunicator(url, namespace)
    picked: dict[str, float] = {}
    done = asyncio.Event()

    async def take(task: Any) -> None:
        picked[str(task["pk"])] = time.monotonic()  # CLOCK_MONOTONIC: the same clock in both processes

    async def status(request: Any) -> Any:
        return {"state": "running"}

    async def report(request: Any) -> Any:
        if request["intent"] == "kill":
            done.set()
        return picked

    await communicator.subscribe_tasks_async(take)
    await communicator.serve_rpc_async("2", report)
    await communicator.serve_rpc_async("1", status)
    await done.wait()
    await communicator.close_async()


async def measure(url: str, namespace: str, n: int) -> dict[str, Any]:
    client = RabbitMQCommunicator(url, namespace)
    try:
        while True:  # until the worker process serves
            try:
                await client.rpc_async("1", control_request("status", 1))
                break
            except RecipientNotFoundError:
                await asyncio.sleep(0.05)
        for _ in range(50):  # warm-up
            await client.rpc_async("1", control_request("status", 1))
        rpc = []
        for _ in range(n):
            started = time.perf_counter()
            await client.rpc_async("1", control_request("status", 1))
            rpc.append(time.perf_counter() - started)
        sent: dict[str, float] = {}
        for pk in range(1, n + 1):
            sent[str(pk)] = time.monotonic()
            await client.send_task_async(process_task("launch", pk, "bench"))
            await asyncio.sleep(SPACING_S)
        while len(picked := await client.rpc_async("2", control_request("status", 1))) < n:  # noqa: ASYNC110
            await asyncio.sleep(0.05)
        await client.rpc_async("2", control_request("kill", 1))
        pickup = [picked[pk] - sent[pk] for pk in sent]
        return {"n": n, "rpc_round_trip": summary(rpc), "task_pickup": summary(pickup)}
    finally:
        await client.close_async()


def summary(seconds: list[float]) -> dict[str, float]:
    ordered = sorted(seconds)
    return {
        "median_ms": round(statistics.median(ordered) * 1000, 3),
        "p99_ms": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000, 3),
        "max_ms": round(ordered[-1] * 1000, 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--url", default="amqp://guest:guest@127.0.0.1:5672/")
    parser.add_argument("--worker", metavar="NAMESPACE", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        asyncio.run(worker(args.url, args.worker))
        return
    namespace = f"jw-bench-{uuid.uuid4().hex[:8]}"
    command = [sys.executable, __file__, "--url", args.url, "--worker", namespace]
    with subprocess.Popen(command) as process:
        try:
            result = asyncio.run(measure(args.url, namespace, args.n))
        finally:
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
            asyncio.run(delete_namespace_async(args.url, namespace))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
