"""Steering from the panel's API, with real processes: one that a kernel of this server runs (asked through that
kernel, without a broker), and an orphan whose script was SIGKILLed, resumed by the server."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
import textwrap
import time

import pytest

from jupyter_workflows.store import Store

from ._stores import ROOT

pytestmark = pytest.mark.slow

API = ("workflows", "api")
SUBMIT = "import jupyter_workflows as jw\nfrom jupyter_workflows import Float\nfrom jupyter_workflows.testing.workflows import Slow\nnode = jw.submit(Slow, seconds=Float(120))"  # noqa: E501


async def control(jp_fetch, action: str, pk: int) -> dict:
    body = json.dumps({"action": action, "pks": [pk]})
    response = await jp_fetch(*API, "processes", "control", method="POST", body=body)
    (result,) = json.loads(response.body)["results"]
    return result


async def until(check, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.05)


def row(url: str, pk: int):
    with Store(url) as store:
        return store.get_node(pk)


@pytest.mark.kernel
async def test_a_kernel_of_this_server_is_asked_to_pause_play_and_kill(jp_serverapp, jp_fetch, panel_store_url):
    manager = jp_serverapp.kernel_manager
    env = {**os.environ, "PYTHONPATH": str(ROOT), "JUPYTER_WORKFLOWS_STORE": panel_store_url}
    env.pop("JUPYTER_WORKFLOWS_BROKER", None)
    kernel_id = await manager.start_kernel(kernel_name="python3", env=env)
    client = manager.get_kernel(kernel_id).client()
    client.start_channels()
    try:
        await client.wait_for_ready(timeout=60)
        reply = await client.execute_interactive(SUBMIT, user_expressions={"pk": "node.pk"}, timeout=60)
        assert reply["content"]["status"] == "ok", reply["content"]
        pk = int(reply["content"]["user_expressions"]["pk"]["data"]["text/plain"])
        await until(lambda: row(panel_store_url, pk).process_state == "waiting")
        item = json.loads((await jp_fetch(*API, "processes", str(pk))).body)["process"]
        assert item["owner"]["kernel_id"] == kernel_id  # the panel tells "this kernel" from this id
        paused = await control(jp_fetch, "pause", pk)
        assert paused["ok"] and paused["done"] and paused["kernel_id"] == kernel_id, paused
        assert row(panel_store_url, pk).paused
        played = await control(jp_fetch, "play", pk)
        assert played["ok"] and played["done"]
        assert not row(panel_store_url, pk).paused
        killed = await control(jp_fetch, "kill", pk)
        assert killed["ok"] and killed["done"], killed
        await until(lambda: row(panel_store_url, pk).process_state == "killed")
    finally:
        client.stop_channels()
        await manager.shutdown_kernel(kernel_id, now=True)


ORPHAN = textwrap.dedent(
    """
    import sys, time
    import jupyter_workflows as jw
    from jupyter_workflows import Float
    from jupyter_workflows.testing.workflows import Slow
    jw.configure(store=sys.argv[1])
    node = jw.submit(Slow, seconds=Float(2.0))
    print(node.pk, flush=True)
    jw.wait(node)
    """
)


async def test_an_orphan_is_resumed_by_the_server_and_finishes(jp_fetch, panel_store_url):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    script = await asyncio.create_subprocess_exec(
        sys.executable, "-c", ORPHAN, panel_store_url, stdout=asyncio.subprocess.PIPE, env=env
    )
    try:
        assert script.stdout is not None
        pk = int(await script.stdout.readline())
        await until(lambda: row(panel_store_url, pk).process_state == "waiting")
    finally:
        script.send_signal(signal.SIGKILL)
        await script.wait()
    item = json.loads((await jp_fetch(*API, "processes", str(pk))).body)["process"]
    assert item["owner"]["ownership"] == "orphaned"
    refused = await control(jp_fetch, "pause", pk)
    assert not refused["ok"] and "orphaned" in refused["message"]
    resumed = await control(jp_fetch, "resume", pk)
    assert resumed["ok"] and resumed["done"], resumed
    item = json.loads((await jp_fetch(*API, "processes", str(pk))).body)["process"]
    assert item["owner"]["ownership"] in {"server", "done"}
    await until(lambda: row(panel_store_url, pk).process_state == "finished", timeout=60)
    detail = json.loads((await jp_fetch(*API, "processes", str(pk))).body)
    assert [o["link_label"] for o in detail["outputs"]] == ["total"]
