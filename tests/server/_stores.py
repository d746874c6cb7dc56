"""Stores for the panel's tests: real runs made by a fresh Python process, and many process rows written at once."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from jupyter_workflows.store import LinkRow, LinkType, NodeRow, OwnerRow, Store

ROOT = Path(__file__).resolve().parents[2]

RUNS = textwrap.dedent(
    """
    import sys
    import jupyter_workflows as jw
    from jupyter_workflows import Int, calcfunction
    from jupyter_workflows.testing.workflows import AddAndMultiply

    @calcfunction
    def broken(x):
        raise ValueError("broken on purpose")

    jw.configure(store=sys.argv[1])
    _, chain = jw.run_get_node(AddAndMultiply, x=Int(1), y=Int(2), z=Int(3))
    try:
        broken(Int(1))
    except ValueError:
        pass
    print(chain.pk)
    """
)


def real_runs(url: str) -> int:
    """Run a finished AddAndMultiply WorkChain and an excepted calcfunction into ``url`` in a fresh Python process;
    the WorkChain's pk."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", RUNS, url], capture_output=True, text=True, env=env, check=False)
    assert done.returncode == 0, done.stderr
    return int(done.stdout.split()[-1])


def dead_owner(store: Store, name: str = "gone") -> str:
    """Register an owner whose OS process is gone (a pid that never ran here)."""
    owner_id = f"kernel-{name}"
    store.register_owner(OwnerRow(owner_id, socket.gethostname(), 2**22 + 17, "kernel", time.time() - 100, 0.0))
    return owner_id


def live_worker(store: Store) -> str:
    """Register an owner that is alive (this test process) but listens to nobody: a worker without a broker."""
    from jupyter_workflows._runtime import process_start_time

    owner_id = "worker-live"
    pid = os.getpid()
    store.register_owner(OwnerRow(owner_id, socket.gethostname(), pid, "worker", process_start_time(pid), 0.0))
    return owner_id


def process_rows(store: Store, count: int, *, state: str = "finished", label: str = "Step", owner: str | None = None,
                 children: int = 0, ctime: float | None = None) -> list[int]:  # fmt: skip
    """``count`` WorkChain rows (each calling ``children`` calcfunction rows), written at once; their pks."""
    now = ctime if ctime is not None else time.time()
    terminated = state in {"finished", "excepted", "killed"}
    pks = store.insert_nodes(
        [
            NodeRow(
                0,
                _uuid(),
                "process.workchain",
                ctime=now,
                process_label=f"{label}{i}",
                process_state=state,
                exit_status=0 if state == "finished" else None,
                owner=None if terminated else owner,
                sealed=terminated,
            )
            for i in range(count)
        ]
    )
    for pk in pks:
        kids = store.insert_nodes(
            [
                NodeRow(
                    0,
                    _uuid(),
                    "process.calcfunction",
                    ctime=now,
                    process_label="add",
                    process_state="finished",
                    exit_status=0,
                    sealed=True,
                )
                for _ in range(children)
            ]
        )
        store.insert_links(LinkRow(pk, kid, LinkType.CALL_CALC, f"CALL_{n}") for n, kid in enumerate(kids))
    return pks


def _uuid() -> str:
    import uuid

    return str(uuid.uuid4())
