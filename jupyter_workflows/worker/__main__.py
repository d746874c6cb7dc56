"""``python -m jupyter_workflows.worker --store URL --broker URL [--slots N]``: run one daemon worker until SIGTERM."""

from __future__ import annotations

import argparse
import asyncio
import gc
import logging
import os
import sys

from .._runtime import BROKER_URL_ENV, HEARTBEAT_SECONDS
from ..store import SecretURL, default_store_url
from ._worker import DEFAULT_SLOTS, LOST_AFTER, Worker

GC_THRESHOLDS = (10_000, 20, 20)  # the garbage collector's in a worker (Python's defaults: 700, 10, 10)


def parser() -> argparse.ArgumentParser:
    made = argparse.ArgumentParser(
        prog="python -m jupyter_workflows.worker",
        description="Run a daemon worker: it takes the processes submitted with daemon=True from the broker's queue "
        "and runs them, until SIGTERM (which hands them over to the other workers).",
    )
    add = made.add_argument
    add("--store", help="the provenance store's URL (default: $JUPYTER_WORKFLOWS_STORE, else the local SQLite file)")
    add("--broker", help=f"the RabbitMQ URL, amqp://user:password@host:5672/ (default: ${BROKER_URL_ENV})")
    add("--slots", type=int, default=DEFAULT_SLOTS, help=f"processes run at once (default {DEFAULT_SLOTS})")
    add("--grace", type=float, default=60.0, help="seconds a stop waits for processes to reach a checkpoint (60)")
    add("--sweep", type=float, default=HEARTBEAT_SECONDS, help="seconds between looks for the processes of dead "
        f"workers and lost tasks (default {HEARTBEAT_SECONDS:g})")  # fmt: skip
    add("--lost-after", type=float, default=LOST_AFTER, help="seconds a process may wait in the queue before its "
        "task counts as lost and a worker takes it anyway, while other tasks wait in the queue (when none does: "
        f"three sweeps) (default {LOST_AFTER:g})")  # fmt: skip
    return made


def main(argv: list[str] | None = None) -> int:
    arguments = parser().parse_args(argv)
    broker = arguments.broker or os.environ.get(BROKER_URL_ENV, "").strip()
    if not broker:
        parser().error(f"no broker: pass --broker amqp://user:password@host:5672/ or set ${BROKER_URL_ENV}")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    worker = Worker(
        SecretURL(arguments.store or default_store_url()),
        SecretURL(broker),
        slots=arguments.slots,
        sweep_seconds=arguments.sweep,
        grace=arguments.grace,
        lost_after=arguments.lost_after,
    )
    del broker, arguments  # no password in a traceback's locals
    # What is loaded by now lives as long as the worker: the collector need not look at it again. The processes in
    # flight are many young objects, which the default threshold (700) would scan every few processes.
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)
    asyncio.run(worker.run())
    return 0


if __name__ == "__main__":
    sys.exit(main())
