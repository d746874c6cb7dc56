"""A crash trial's second act, in a fresh process: resume every orphaned WorkChain that has no caller (resuming
it resumes its children), wait for them, print what was resumed (JSON)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent.parent))

import jupyter_workflows as jw
import tests.crash.workflows  # noqa: F401  -- the classes must be defined to resume them


def main() -> None:
    jw.configure(store=sys.argv[1])
    resumed = []
    for row in jw.processes(active=True, limit=None):
        node = jw.load_node(row.pk)
        if row.orphaned and node.caller is None and isinstance(node, jw.WorkChainNode):
            jw.resume(node)
            resumed.append(node)
    wait_for_everything_here()
    print(json.dumps([node.pk for node in resumed]))


def wait_for_everything_here() -> None:
    """Wait until no process this kernel runs is active (children nobody waits for included)."""
    while running := [row.pk for row in jw.processes(active=True, limit=None) if row.runs_here]:
        jw.wait(*running, timeout=300)


if __name__ == "__main__":
    main()
