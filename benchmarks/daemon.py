"""Daemon workers end to end: processes submitted from this process (a kernel) to 1 and 2 worker OS processes over
RabbitMQ, with the store on PostgreSQL (or SQLite). Prints one JSON object.

- throughput: 1,000 calcfunctions, and 200 WorkChains with one child each, from the first submit to the last end
  (processes per second, the WorkChains' children and the calcfunction each collects with counted);
- pickup: from the submit call to the worker's ``running`` broadcast arriving here, one process at a time;
- control: pause, play and kill of a process on a worker, each call's round trip (from here to the worker and back);
- broker one-way latency: a bare aio-pika publish to a consumer on this machine's RabbitMQ, back to back and after
  10 ms idle (a pickup crosses the broker twice: its task, then its ``running`` broadcast);
- the floor: as many calcfunction-like processes through a daemon with no engine at all (benchmarks/daemon_floor.py),
  the same worker count, broker, database server and libraries, just before ours: what an engine adds to.

    python benchmarks/daemon.py [--store postgresql|sqlite] [--workers 1 2] [--n 1000] [--k 200] [--samples 200] \
        [--timeout 300] [--slots 200] [--skip pickup control floor]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import jupyter_workflows as jw
from benchmarks.daemon_cpu import CPU
from benchmarks.daemon_workflows import OneChild, add, nap
from benchmarks.latency import summary
from benchmarks.postgres import fresh_database, store_url
from jupyter_workflows import Float, Int
from jupyter_workflows._runtime import HEARTBEAT_SECONDS
from jupyter_workflows.testing import DaemonWorkers, daemon_workers, get_runtime, isolated_runtime
from jupyter_workflows.worker import DEFAULT_SLOTS

BROKER = "amqp://guest:guest@127.0.0.1:5672/"


@contextmanager
def fresh_store(kind: str) -> Iterator[str]:
    """The URL of an empty store: a new PostgreSQL database (dropped after), or an SQLite file."""
    if kind == "sqlite":
        with tempfile.TemporaryDirectory(prefix="jw-bench-") as directory:
            yield f"sqlite:///{Path(directory) / 'provenance.sqlite'}"
        return
    with fresh_database("jw_bench") as name:
        yield store_url(name)


def throughput(n: int, k: int, timeout: float, workers: DaemonWorkers) -> dict[str, Any]:
    cpu = CPU([worker.pid for worker in workers.workers])
    started = time.perf_counter()
    nodes = [jw.submit(add, Int(i), Int(1), daemon=True) for i in range(n)]
    submitted = time.perf_counter() - started
    jw.wait(*nodes, timeout=timeout)
    calcfunctions = time.perf_counter() - started
    calcfunctions_cpu = cpu.per_process_ms(n)
    assert all(node.is_finished_ok for node in nodes)
    cpu = CPU([worker.pid for worker in workers.workers])
    started = time.perf_counter()
    chains = [jw.submit(OneChild, x=Int(i), daemon=True) for i in range(k)]
    jw.wait(*chains, timeout=timeout)
    workchains = time.perf_counter() - started
    processes = k * 3  # the WorkChain, its child, and the calcfunction its last step calls
    workchains_cpu = cpu.per_process_ms(processes)
    assert all(node.is_finished_ok for node in chains)
    return {
        "calcfunctions": n,
        "calcfunctions_seconds": round(calcfunctions, 3),
        "calcfunctions_per_second": round(n / calcfunctions, 1),
        "calcfunctions_cpu_ms_per_process": calcfunctions_cpu,
        "submit_per_second": round(n / submitted, 1),
        "workchains": k,
        "workchains_seconds": round(workchains, 3),
        "workchains_per_second": round(k / workchains, 1),
        "workchain_processes_per_second": round(processes / workchains, 1),
        "workchains_cpu_ms_per_process": workchains_cpu,
    }


def pickup(samples: int) -> dict[str, Any]:
    """Submit ``samples`` calcfunctions one at a time; time until each one's ``running`` broadcast arrives here."""
    runtime = get_runtime()
    communicator = runtime.broker.communicator
    assert communicator is not None
    running: dict[int, float] = {}
    arrived = asyncio.Event()

    async def on_broadcast(message: Any) -> None:
        if message["to_state"] == "running":
            running[message["pk"]] = time.perf_counter()
            arrived.set()

    subscription = runtime.runner.block(communicator.subscribe_broadcasts_async("state_changed.*", on_broadcast))
    times = []
    try:
        for i in range(samples):
            started = time.perf_counter()
            node = jw.submit(add, Int(i), Int(2), daemon=True)
            while node.pk not in running:  # woken by the broadcast: no polling that takes CPU from the worker
                arrived.clear()
                runtime.runner.block(arrived.wait())
            times.append(running[node.pk] - started)
    finally:
        runtime.runner.block(communicator.unsubscribe_async(subscription))
    return summary(times)


def control(samples: int, slots: int) -> dict[str, Any]:
    """pause/play of one WorkChain on a worker (it waits for an hour-long child), and kill of hour-long naps (as many
    as the workers' ``slots`` leave room for next to the WorkChain's child: more would never all run)."""
    chain = jw.submit(OneChild, x=Int(0), seconds=Float(3600), daemon=True)
    while len(chain.called) < 1 or chain.process_state is not jw.ProcessState.WAITING:
        time.sleep(0.01)
    pauses, plays = [], []
    for _ in range(samples):
        started = time.perf_counter()
        assert jw.pause(chain) == [chain]
        pauses.append(time.perf_counter() - started)
        started = time.perf_counter()
        assert jw.play(chain) == [chain]
        plays.append(time.perf_counter() - started)
    naps = [jw.submit(nap, Float(3600), daemon=True) for _ in range(min(samples, slots - 1))]
    while any(node.process_state is not jw.ProcessState.RUNNING for node in naps):
        time.sleep(0.01)
    kills = []
    for node in naps:
        started = time.perf_counter()
        assert jw.kill(node) == [node]
        kills.append(time.perf_counter() - started)
    jw.kill(chain)
    jw.wait(chain, *naps, timeout=120)
    return {"pause": summary(pauses), "play": summary(plays), "kill": summary(kills)}


def broker_one_way(samples: int) -> dict[str, float]:
    """Median ms from a bare aio-pika publish to its delivery to a consumer of another connection, on the broker the
    daemon uses: back to back, and after 10 ms without traffic (what each hop of a pickup meets, one at a time)."""
    import aio_pika

    async def run() -> dict[str, float]:
        sender, receiver = await aio_pika.connect(BROKER), await aio_pika.connect(BROKER)
        try:
            channel = await sender.channel()
            queue = await (await receiver.channel()).declare_queue("", exclusive=True)
            arrived: asyncio.Queue[float] = asyncio.Queue()
            await queue.consume(lambda _: arrived.put_nowait(time.perf_counter()), no_ack=True)
            medians = {}
            for name, gap in (("back_to_back", 0.0), ("after_10_ms_idle", 0.01)):
                times = []
                for _ in range(samples):
                    await asyncio.sleep(gap)
                    started = time.perf_counter()
                    await channel.default_exchange.publish(aio_pika.Message(b"x" * 100), queue.name)
                    times.append(await arrived.get() - started)
                medians[name] = summary(times)["median_ms"]
            return medians
        finally:
            await sender.close()
            await receiver.close()

    return asyncio.run(run())


def floor(workers: int, n: int) -> dict[str, Any]:
    """The floor's figures with ``workers`` workers and ``n`` processes (its own OS process: it runs its own loops)."""
    done = subprocess.run(
        [sys.executable, str(Path(__file__).with_name("daemon_floor.py")), "--workers", str(workers), "--n", str(n)],
        capture_output=True, text=True, check=True, timeout=600,
    )  # fmt: skip
    return json.loads(done.stdout.strip().splitlines()[-1])


def measure(store: str, workers: int, args: argparse.Namespace) -> dict[str, Any]:
    bare = None if "floor" in args.skip or store != "postgresql" else floor(workers, args.n)
    with (
        fresh_store(store) as url,
        isolated_runtime(url, broker=BROKER),
        daemon_workers(url, BROKER, workers=workers, slots=args.slots, heartbeat=args.heartbeat) as started,
    ):
        jw.wait(jw.submit(add, Int(0), Int(0), daemon=True), timeout=120)  # warm: imports, connections
        result: dict[str, Any] = {"workers": workers, **throughput(args.n, args.k, args.timeout, started)}
        if bare is not None:
            result["floor"] = bare
            result["calcfunctions_share_of_floor"] = round(result["calcfunctions_per_second"] / bare["per_second"], 2)
        if "pickup" not in args.skip:
            result["pickup"] = pickup(args.samples)
        if "control" not in args.skip:
            result["control"] = control(args.samples, workers * args.slots)
        return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", choices=["postgresql", "sqlite"], default="postgresql")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--k", type=int, default=200)
    parser.add_argument("--samples", type=int, default=200)
    parts = ["pickup", "control", "floor"]
    parser.add_argument("--skip", nargs="*", default=[], choices=parts, help="parts not measured")
    parser.add_argument("--timeout", type=float, default=300, help="seconds a throughput batch may take, then fail")
    parser.add_argument("--slots", type=int, default=DEFAULT_SLOTS, help=f"slots per worker (default {DEFAULT_SLOTS})")
    parser.add_argument(
        "--heartbeat", type=float, default=HEARTBEAT_SECONDS,
        help="the workers' heartbeat and sweep in seconds (default: a daemon's, %(default)g)",
    )  # fmt: skip
    args = parser.parse_args()
    floor = broker_one_way(args.samples)
    runs = [measure(args.store, workers, args) for workers in args.workers]
    print(json.dumps({"store": args.store, "slots_per_worker": args.slots, "broker_one_way_ms": floor, "runs": runs}))


if __name__ == "__main__":
    main()
