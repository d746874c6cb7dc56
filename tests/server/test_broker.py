"""With a broker configured: the panel hears the state broadcasts, and steers a daemon worker's process over the
broker (an RPC to the worker that holds it), on SQLite and PostgreSQL with the machine's RabbitMQ."""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
import os
import sys
import textwrap
import time

import pytest

from jupyter_workflows.broker import delete_namespace_async
from jupyter_workflows.store import Store
from jupyter_workflows.testing import daemon_workers

from ._stores import ROOT

pytestmark = pytest.mark.slow

API = ("workflows", "api")
SUBMIT = textwrap.dedent(
    """
    import sys
    import jupyter_workflows as jw
    from jupyter_workflows import Float
    from jupyter_workflows.testing.workflows import Slow
    jw.configure(store=sys.argv[1], broker=sys.argv[2])
    print(jw.submit(Slow, seconds=Float(120), daemon=True).pk, flush=True)
    """
)


@pytest.fixture
def jp_server_config(panel_store_url: str, rabbitmq_url: str) -> dict[str, object]:
    return {
        "ServerApp": {"jpserver_extensions": {"jupyter_workflows.server": True}},
        "WorkflowsPanel": {"store_url": panel_store_url, "broker_url": rabbitmq_url, "poll_interval": 0.05},
    }


@pytest.fixture
def namespace(panel_store_url: str, rabbitmq_url: str):
    """The store's broker namespace, deleted from the broker after the test."""
    with Store(panel_store_url) as store:
        name = f"jw-{store.identity}"
    yield name

    def delete() -> None:
        loop = asyncio.new_event_loop()
        try:
            loop.run_until_complete(delete_namespace_async(rabbitmq_url, name))
        finally:
            loop.close()

    with concurrent.futures.ThreadPoolExecutor(1) as thread:
        thread.submit(delete).result(timeout=60)


async def control(jp_fetch, action: str, pk: int) -> dict:
    body = json.dumps({"action": action, "pks": [pk]})
    response = await jp_fetch(*API, "processes", "control", method="POST", body=body)
    (result,) = json.loads(response.body)["results"]
    return result


async def until(check, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.05)


def row(url: str, pk: int):
    with Store(url) as store:
        return store.get_node(pk)


@pytest.mark.usefixtures("namespace")
async def test_a_daemon_workers_process_is_steered_over_the_broker(
    jp_fetch, jp_ws_fetch, panel_store_url, rabbitmq_url, tmp_path
):
    socket = await jp_ws_fetch(*API, "events")  # opens the store and subscribes to the broadcasts
    assert json.loads(await socket.read_message())["type"] == "hello"
    with daemon_workers(panel_store_url, rabbitmq_url, workers=1, log_dir=tmp_path) as workers:
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        script = await asyncio.create_subprocess_exec(
            sys.executable, "-c", SUBMIT, panel_store_url, rabbitmq_url, stdout=asyncio.subprocess.PIPE, env=env
        )
        output, _ = await script.communicate()
        pk = int(output.split()[-1])
        await until(lambda: row(panel_store_url, pk).process_state == "waiting")
        item = json.loads((await jp_fetch(*API, "processes", str(pk))).body)["process"]
        assert item["owner"]["kind"] == "worker" and item["owner"]["pid"] == workers.workers[0].pid
        assert json.loads((await jp_fetch(*API, "status")).body)["live"] == "broker"
        paused = await control(jp_fetch, "pause", pk)
        assert paused["ok"] and paused["done"] and paused["kernel_id"] is None, paused
        await until(lambda: row(panel_store_url, pk).paused)
        change = json.loads(await asyncio.wait_for(socket.read_message(), 10))
        while pk not in change.get("pks", []):
            change = json.loads(await asyncio.wait_for(socket.read_message(), 10))
        played = await control(jp_fetch, "play", pk)
        assert played["ok"] and played["done"], played
        killed = await control(jp_fetch, "kill", pk)
        assert killed["ok"] and killed["done"], killed
        await until(lambda: row(panel_store_url, pk).process_state == "killed")
    socket.close()
