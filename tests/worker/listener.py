"""Another kernel that follows one process by its broadcasts, as a widget or the panel does:
``python tests/worker/listener.py STORE_URL BROKER_URL PK HEARD_FILE``.

For every ``state_changed`` broadcast of process PK it reads the process's state from the store at once, and appends
``{"broadcast": <to_state>, "stored": <state in the store>}`` to HEARD_FILE (a JSON line). It prints ``subscribed``
once the subscription stands, and runs until killed.
"""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent.parent))

import jupyter_workflows as jw
from jupyter_workflows._processes import follow_state_changes
from jupyter_workflows.store import Store
from jupyter_workflows.testing import get_runtime


def main() -> None:
    store_url, broker_url, pk, heard = sys.argv[1:]
    jw.configure(store=store_url, broker=broker_url)
    runtime = get_runtime()
    reader = Store(store_url)  # a connection of its own, read at the moment each broadcast arrives

    def on_change(message: dict) -> None:  # type: ignore[type-arg]
        stored = reader.get_node(int(pk)).process_state
        with open(heard, "a") as lines:
            lines.write(json.dumps({"broadcast": message["to_state"], "stored": stored}) + "\n")

    follow_state_changes(int(pk), on_change, lambda: print("subscribed", flush=True))  # type: ignore[arg-type]
    while True:
        runtime.runner.block(asyncio.sleep(0.05))


if __name__ == "__main__":
    main()
