"""Another kernel that follows one process by its broadcasts, as a widget or the panel does:
``python tests/worker/listener.py STORE_URL BROKER_URL PK HEARD_FILE``.

For every ``state_changed`` broadcast of process PK it reads the process's state from the store at once, and appends
``{"broadcast": <to_state>, "stored": <state in the store>}`` to HEARD_FILE (a JSON line). With PK ``all`` it follows
every process, and the line also has ``pk`` and ``from`` (the broadcast's from_state). It prints ``subscribed`` once
the subscription stands, and runs until killed.
"""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent.parent))

import jupyter_workflows as jw
from jupyter_workflows._processes import follow_state_changes
from jupyter_workflows._processes._daemon import communicator as connect
from jupyter_workflows.store import Store
from jupyter_workflows.testing import Runtime, get_runtime


def main() -> None:
    store_url, broker_url, pk, heard = sys.argv[1:]
    jw.configure(store=store_url, broker=broker_url)
    runtime = get_runtime()
    reader = Store(store_url)  # a connection of its own, read at the moment each broadcast arrives

    def on_change(message: dict) -> None:  # type: ignore[type-arg]
        stored = reader.get_node(int(pk)).process_state
        with open(heard, "a") as lines:
            lines.write(json.dumps({"broadcast": message["to_state"], "stored": stored}) + "\n")

    if pk == "all":
        follow_every_process(runtime, reader, heard)
    else:
        follow_state_changes(int(pk), on_change, lambda: print("subscribed", flush=True))  # type: ignore[arg-type]
    while True:
        runtime.runner.block(asyncio.sleep(0.05))


def follow_every_process(runtime: Runtime, reader: Store, heard: str) -> None:
    def record(message: dict) -> None:  # type: ignore[type-arg]
        stored = reader.get_node(message["pk"]).process_state
        line = {"pk": message["pk"], "from": message["from_state"], "broadcast": message["to_state"], "stored": stored}
        with open(heard, "a") as lines:
            lines.write(json.dumps(line) + "\n")

    async def on_broadcast(message: dict) -> None:  # type: ignore[type-arg]
        record(message)

    communicator = connect()
    assert communicator is not None
    runtime.runner.block(communicator.subscribe_broadcasts_async("state_changed.*", on_broadcast))  # type: ignore[arg-type]
    print("subscribed", flush=True)


if __name__ == "__main__":
    main()
