"""(d): aiida-core's daemon, the peer of benchmarks/daemon.py: 2 workers (``verdi daemon``'s circus) on a
core.psql_dos profile with RabbitMQ, processes submitted from this process.

- throughput: N ``add`` calcfunctions, then K ``OneChild`` WorkChains (3 processes each), from the first submit to
  the last end (the nodes' states polled every 20 ms), as processes per second;
- pickup: from the ``submit`` call to the worker's ``state_changed.*.running`` broadcast arriving here, one at a time;
- control: pause/play of a waiting WorkChain, and kill of waiting WorkChains, each the round trip of the process
  controller's RPC future (what ``aiida.engine.processes.control`` waits on, without its daemon checks and logging).

The daemon is started here and always stopped at the end.

    AIIDA_PATH=build/peer/aiida-daemon-home AIIDA_PROFILE=bench_daemon \\
        build/peer/aiida-venv/bin/python benchmarks/peer/aiida_daemon.py --workers 2 --n 100 --k 40
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
import time
from typing import Any

# aiida starts the daemon with the `verdi` it finds on PATH when it is imported: the one next to this python (the peer
# venv's, which need not be on PATH).
os.environ["PATH"] = os.pathsep.join([os.path.dirname(sys.executable), os.environ.get("PATH", "")])

sys.path.append(os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir))  # benchmarks/, for latency.py

from aiida_procs import OneChild, WaitForever, add, emit, orm, setup
from latency import summary

TERMINAL = ["finished", "excepted", "killed"]


def wait_terminated(pks: list[int], timeout: float = 1800) -> None:
    """Until every node of ``pks`` is in a terminal state (one query every 20 ms)."""
    deadline = time.monotonic() + timeout
    query = orm.QueryBuilder().append(
        orm.ProcessNode, filters={"id": {"in": pks}, "attributes.process_state": {"in": TERMINAL}}, project="id"
    )
    while query.count() < len(pks):
        if time.monotonic() > deadline:
            raise TimeoutError(f"{len(pks) - query.count()} of {len(pks)} processes not terminated in {timeout:g} s")
        time.sleep(0.02)


def wait_state(node: orm.ProcessNode, state: str, timeout: float = 120) -> None:
    """Until ``node`` is in ``state``, read with a query each time (a loaded node keeps the session's old view)."""
    deadline = time.monotonic() + timeout
    query = orm.QueryBuilder().append(
        orm.ProcessNode, filters={"id": node.pk, "attributes.process_state": state}, project="id"
    )
    while not query.count():
        if time.monotonic() > deadline:
            raise TimeoutError(f"process {node.pk} did not reach {state!r} in {timeout:g} s")
        time.sleep(0.02)


def throughput(n: int, k: int) -> dict[str, Any]:
    from aiida.engine import submit

    started = time.perf_counter()
    nodes = [submit(add, x=orm.Int(i), y=orm.Int(1)) for i in range(n)]
    submitted = time.perf_counter() - started
    wait_terminated([node.pk for node in nodes])
    calcfunctions = time.perf_counter() - started
    assert all(orm.load_node(node.pk).is_finished_ok for node in nodes), "a calcfunction did not finish ok"
    started = time.perf_counter()
    chains = [submit(OneChild, x=orm.Int(i)) for i in range(k)]
    wait_terminated([node.pk for node in chains])
    workchains = time.perf_counter() - started
    assert all(orm.load_node(node.pk).is_finished_ok for node in chains), "a OneChild did not finish ok"
    processes = k * 3  # the WorkChain, its child, and the calcfunction its last step calls
    return {
        "calcfunctions": n,
        "calcfunctions_seconds": round(calcfunctions, 3),
        "calcfunctions_per_second": round(n / calcfunctions, 2),
        "submit_per_second": round(n / submitted, 2),
        "submit_ms": round(submitted / n * 1000, 2),
        "workchains": k,
        "workchains_seconds": round(workchains, 3),
        "workchains_per_second": round(k / workchains, 2),
        "workchain_processes_per_second": round(processes / workchains, 2),
    }


def pickup(samples: int) -> dict[str, Any]:
    """Submit ``samples`` calcfunctions one at a time; time until each one's ``running`` broadcast arrives here."""
    from aiida.engine import submit
    from aiida.manage import get_manager

    communicator = get_manager().get_communicator()
    running: dict[int, float] = {}
    arrived = threading.Condition()

    def on_broadcast(_communicator: Any, _body: Any, sender: Any, subject: Any, _correlation_id: Any) -> None:
        if str(subject).endswith(".running"):
            with arrived:
                running[int(sender)] = time.perf_counter()
                arrived.notify_all()

    identifier = communicator.add_broadcast_subscriber(on_broadcast)
    times = []
    try:
        for i in range(samples):
            started = time.perf_counter()
            node = submit(add, x=orm.Int(i), y=orm.Int(2))
            with arrived:
                if not arrived.wait_for(lambda pk=node.pk: pk in running, timeout=60):
                    raise TimeoutError(f"no running broadcast of process {node.pk} within 60 s")
            times.append(running[node.pk] - started)
    finally:
        communicator.remove_broadcast_subscriber(identifier)
    return summary(times)


def control(samples: int, kills: int) -> dict[str, Any]:
    from aiida.engine import submit
    from aiida.manage import get_manager
    from plumpy.futures import unwrap_kiwi_future

    controller = get_manager().get_process_controller()

    def round_trip(action: Any, pk: int, **kwargs: Any) -> float:
        started = time.perf_counter()
        result = unwrap_kiwi_future(action(pk, **kwargs)).result(timeout=60)
        elapsed = time.perf_counter() - started
        assert result is True, f"{action.__name__}({pk}) answered {result!r}"
        return elapsed

    chain = submit(WaitForever)
    wait_state(chain, "waiting")
    pauses, plays = [], []
    for _ in range(samples):
        pauses.append(round_trip(controller.pause_process, chain.pk))
        plays.append(round_trip(controller.play_process, chain.pk))
    waiting = [submit(WaitForever) for _ in range(kills)]
    for node in waiting:
        wait_state(node, "waiting")
    killed = [round_trip(controller.kill_process, node.pk) for node in waiting]
    round_trip(controller.kill_process, chain.pk)
    wait_terminated([chain.pk, *(node.pk for node in waiting)], timeout=120)
    return {
        "pause": summary(pauses),
        "play": summary(plays),
        "kill": summary(killed),
        "note": "pause/play of one waiting WorkChain, kill of waiting WorkChains (RPC future round trips)",
    }


def start_daemon(workers: int) -> Any:
    """Start the profile's daemon with ``workers`` workers (stopping a left-over one first); its client."""
    from aiida.engine import submit
    from aiida.engine.daemon.client import get_daemon_client

    client = get_daemon_client()
    if client.is_daemon_running:
        client.stop_daemon(wait=True, timeout=120)
    client.start_daemon(number_workers=workers, wait=True, timeout=120)
    deadline = time.monotonic() + 120
    while len(client.get_worker_info(timeout=30).get("info", {})) < workers:
        if time.monotonic() > deadline:
            raise TimeoutError(f"the daemon did not report {workers} workers within 120 s")
        time.sleep(0.2)
    warm = [submit(add, x=orm.Int(0), y=orm.Int(0)) for _ in range(2 * workers)]  # imports, connections
    wait_terminated([node.pk for node in warm], timeout=300)
    return client


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--n", type=int, default=100, help="calcfunctions submitted")
    parser.add_argument("--k", type=int, default=40, help="OneChild WorkChains submitted (3 processes each)")
    parser.add_argument("--samples", type=int, default=30, help="pickup samples, and pause/play pairs")
    parser.add_argument("--kills", type=int, default=20, help="kill samples")
    args = parser.parse_args()
    ready = setup()
    client = None
    try:
        client = start_daemon(args.workers)
        figures: dict[str, Any] = {"workers": args.workers, **throughput(args.n, args.k)}
        figures["pickup"] = pickup(args.samples)
        figures["control"] = control(args.samples, args.kills)
    finally:
        from aiida.engine.daemon.client import get_daemon_client

        client = client or get_daemon_client()
        if client.is_daemon_running:
            client.stop_daemon(wait=True, timeout=120)
    emit(ready, {"case": "daemon", "daemon_workers": args.workers}, figures)


if __name__ == "__main__":
    main()
