"""The floor under the daemon's throughput: the least a durable daemon does per process, with no engine at all, on the
same broker, database server and libraries (aio-pika, psycopg) as ours, measured on this machine in the same run.

Per process: the client inserts it (one statement, committed: the submit returns its pk) and publishes its task
(persistent, with a publisher confirm it does not wait for, as our submit); a worker takes the task (prefetch 32),
claims the process and reads its inputs (one statement, committed), writes its output and its end (one statement,
committed), sends the end to the client's queue and acks the task; the client counts the ends. One table, two rows
per process, no links, no state broadcasts, no validation, no provenance graph: what any engine must add to is this.
The client submits one process after the other from one loop, as the daemon case does; each worker is an OS process
with one loop, which handles the tasks it holds concurrently over one connection to the database.

    python benchmarks/daemon_floor.py [--workers 2] [--n 1000]          # prints one JSON object
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import aio_pika
import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.daemon_cpu import CPU
from benchmarks.postgres import ADMIN, fresh_database

BROKER = "amqp://guest:guest@127.0.0.1:5672/"
PREFETCH = 32
_JSON = "application/json"
TABLE = (
    "CREATE TABLE processes (pk BIGSERIAL PRIMARY KEY, uuid UUID NOT NULL DEFAULT gen_random_uuid() UNIQUE, "
    "state TEXT NOT NULL, owner TEXT, inputs JSONB NOT NULL, output BIGINT, mtime TIMESTAMPTZ NOT NULL DEFAULT now())"
)
CLAIM = (
    "UPDATE processes SET owner = %s, state = 'running', mtime = now() WHERE pk = %s AND owner IS NULL RETURNING inputs"
)
SUBMIT = "INSERT INTO processes (state, inputs) VALUES ('created', %s) RETURNING pk"
END = (
    "WITH o AS (INSERT INTO processes (state, inputs) VALUES ('data', %s) RETURNING pk) "
    "UPDATE processes SET state = 'finished', owner = NULL, output = (SELECT pk FROM o), mtime = now() WHERE pk = %s"
)


async def serve(database: str, queue: str) -> None:
    """A worker: take tasks until killed."""
    store = await psycopg.AsyncConnection.connect(_conninfo(database), autocommit=True)
    connection = await aio_pika.connect(BROKER)
    channel = await connection.channel(publisher_confirms=False)
    await channel.set_qos(prefetch_count=PREFETCH)
    me = f"floor-worker-{os.getpid()}"

    async def on_task(message: aio_pika.abc.AbstractIncomingMessage) -> None:
        pk = json.loads(message.body)["pk"]
        row = await (await store.execute(CLAIM, (me, pk))).fetchone()
        if row is not None:
            a, b = row[0]
            await store.execute(END, (json.dumps([a + b]), pk))
            end = json.dumps({"pk": pk, "state": "finished"}).encode()
            await channel.default_exchange.publish(aio_pika.Message(end, content_type=_JSON), message.reply_to or "")
        await message.ack()

    await (await channel.get_queue(queue)).consume(on_task)
    print("ready", flush=True)
    await asyncio.Future()


async def submit_all(database: str, queue: str, n: int, workers: list[int]) -> tuple[float, float, dict[str, float]]:
    """Submit ``n`` processes one after the other, then wait for their ends: seconds to submit, seconds in all, and
    the CPU each process cost (see ``CPU``; ``workers``: their pids), from the first submit (connected) to the last
    end."""
    store = await psycopg.AsyncConnection.connect(_conninfo(database), autocommit=True)
    connection = await aio_pika.connect(BROKER)
    channel = await connection.channel(publisher_confirms=True)
    ends = await channel.declare_queue(exclusive=True, auto_delete=True)
    ended: set[int] = set()
    all_ended = asyncio.Event()

    async def on_end(message: aio_pika.abc.AbstractIncomingMessage) -> None:
        ended.add(json.loads(message.body)["pk"])
        if len(ended) == n:
            all_ended.set()

    await ends.consume(on_end, no_ack=True)
    confirms: set[asyncio.Future[object]] = set()
    cpu = CPU(workers)
    started = time.perf_counter()
    for i in range(n):
        cursor = await store.execute(SUBMIT, (json.dumps([i, 1]),))
        pk = (await cursor.fetchone())[0]  # type: ignore[index]
        task = aio_pika.Message(
            json.dumps({"pk": pk}).encode(), content_type=_JSON,
            delivery_mode=aio_pika.DeliveryMode.PERSISTENT, reply_to=ends.name, message_id=uuid.uuid4().hex,
        )  # fmt: skip
        confirm = asyncio.ensure_future(channel.default_exchange.publish(task, queue))
        confirms.add(confirm)
        confirm.add_done_callback(confirms.discard)
    submitted = time.perf_counter() - started
    await asyncio.wait_for(all_ended.wait(), 300)
    elapsed = time.perf_counter() - started
    cpu_ms = cpu.per_process_ms(n)
    await connection.close()
    await store.close()
    return submitted, elapsed, cpu_ms


async def declare(queue: str, *, delete: bool = False) -> None:
    connection = await aio_pika.connect(BROKER)
    channel = await connection.channel()
    if delete:
        await channel.queue_delete(queue)
    else:
        await channel.declare_queue(queue, durable=True)
    await connection.close()


def measure(workers: int, n: int) -> dict[str, object]:
    with fresh_database("jw_floor") as database:
        queue = f"jw-floor-{database}.tasks"
        with psycopg.connect(_conninfo(database), autocommit=True) as conn:
            conn.execute(TABLE)
        asyncio.run(declare(queue))
        served: list[subprocess.Popen[str]] = []
        try:
            for _ in range(workers):
                worker = subprocess.Popen(
                    [sys.executable, __file__, "--serve", database, queue], stdout=subprocess.PIPE, text=True
                )
                served.append(worker)
                if worker.stdout is None or worker.stdout.readline().strip() != "ready":
                    raise SystemExit(f"A floor worker did not start (exit status {worker.poll()}); its error is above.")
            pids = [worker.pid for worker in served]
            submitted, elapsed, cpu_ms = asyncio.run(submit_all(database, queue, n, pids))
        finally:
            for worker in served:
                worker.kill()
                worker.wait()
            asyncio.run(declare(queue, delete=True))
    return {
        "workers": workers,
        "processes": n,
        "per_second": round(n / elapsed, 1),
        "submit_per_second": round(n / submitted, 1),
        "cpu_ms_per_process": cpu_ms,
    }


def _conninfo(database: str) -> str:
    return ADMIN.replace("dbname=postgres", f"dbname={database}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--serve", nargs=2, metavar=("DATABASE", "QUEUE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        asyncio.run(serve(*args.serve))
        return
    print(json.dumps(measure(args.workers, args.n)))


if __name__ == "__main__":
    main()
