"""One crash trial's first act: run a Campaign and die (``os._exit``) at a chosen point, or get SIGKILLed.

    python tests/crash/worker.py URL N SECONDS [POINT COUNT]

POINT is one of: ``checkpoint-before`` / ``checkpoint-after`` (the COUNT-th checkpoint of any WorkChain, before or
after it is written), ``output`` (right after the COUNT-th output was registered, before its step's checkpoint),
``called`` (when the COUNT-th child process is announced), ``paused-waiting`` (pause the Campaign once it waits for
its children, then die). Without a POINT it runs to the end (a clean run, or a random SIGKILL from the test). Prints
the Campaign's pk first.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent.parent))

import jupyter_workflows as jw
from jupyter_workflows import Float, Int
from jupyter_workflows.nodes import WorkChainNode
from jupyter_workflows.testing import get_runtime
from tests.crash.resume_all import wait_for_everything_here
from tests.crash.workflows import Campaign

EXIT = 9


def arm(point: str, count: int) -> None:
    """Die at the ``count``-th occurrence of ``point``."""
    seen = [0]

    def tick() -> None:
        seen[0] += 1
        if seen[0] == count:
            os._exit(EXIT)

    if point.startswith("checkpoint"):
        original = WorkChainNode.save_checkpoint

        def save_checkpoint(self, data):  # type: ignore[no-untyped-def]
            if point == "checkpoint-before":
                tick()
            original(self, data)
            if point == "checkpoint-after":
                tick()

        WorkChainNode.save_checkpoint = save_checkpoint  # type: ignore[method-assign]
    elif point == "paused-waiting":

        def pause_then_die(event):  # type: ignore[no-untyped-def]
            if event.kind == "state" and event.data["new"] == "waiting" and jw.load_node(event.pk).caller is None:
                jw.pause(event.pk)
                os._exit(EXIT)

        get_runtime().runner.events.subscribe(pause_then_die)
    else:
        kind = {"output": "output", "called": "called"}[point]
        get_runtime().runner.events.subscribe(lambda event: tick() if event.kind == kind else None)


def main() -> None:
    url, n, seconds, *rest = sys.argv[1:]
    jw.configure(store=url)
    if rest:
        arm(rest[0], int(rest[1]))
    node = jw.submit(Campaign, n=Int(int(n)), seconds=Float(float(seconds)))
    print(node.pk, flush=True)
    jw.wait(node)
    wait_for_everything_here()  # the fire-and-forget child too
    print(node.process_state.value, flush=True)


if __name__ == "__main__":
    main()
