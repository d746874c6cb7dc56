"""A kernel whose tasks for the processes it sends to the daemon never reach the broker, and that then dies:
``python -m tests.worker.losing_kernel STORE BROKER``. It runs a Parent of two adds here, whose adds go to the daemon
(``daemon=True`` by default), prints the Parent's pk once the Parent waits for them, and exits at once (no clean-up:
as a kernel killed then). The adds stay queued with no task, as if the kernel had died after their commit, before
the broker took their tasks."""

from __future__ import annotations

import asyncio
import os
import sys
import time
from typing import Any

import jupyter_workflows as jw
from jupyter_workflows import Int
from jupyter_workflows._runtime._broker import BrokerLink
from jupyter_workflows.testing import get_runtime
from tests.worker.workflows import Parent


def lose(self: BrokerLink, task: Any, failed: Any) -> None:
    """The task dies with this kernel."""


def main() -> None:
    store, broker = sys.argv[1:3]
    BrokerLink.send_task_soon = lose  # type: ignore[method-assign]
    jw.configure(store=store, broker=broker, daemon=True)
    parent = jw.submit(Parent, n=Int(2), daemon=False)  # runs here; its children go to the daemon
    deadline = time.monotonic() + 60
    while not awaits_both(parent):  # its checkpoint names the adds it waits for
        if time.monotonic() > deadline:
            sys.exit("the Parent did not come to wait for its two adds")
        get_runtime().runner.block(asyncio.sleep(0.02))  # the loop runs the Parent meanwhile
    print(parent.pk, flush=True)
    os._exit(9)


def awaits_both(parent: jw.ProcessNode) -> bool:
    checkpoint = parent.load_checkpoint()
    called = {node.pk for node in parent.called}
    return checkpoint is not None and len(called) == 2 and called <= {e["pk"] for e in checkpoint["awaiting"]}


if __name__ == "__main__":
    main()
