"""A real kernel whose cell blocks the loop, with a broker configured: it keeps its broker link while plain Python
code blocks it (heartbeats come from the communicator's thread), loses no control message and no broadcast sent
meanwhile, and a cell blocked in a synchronous ``jw.run`` still obeys a pause sent over the broker or clicked in its
widget (a comm message on a subshell thread, as JupyterLab >= 4.4 sends them to ipykernel 7) at the process's next
step boundary. On a RabbitMQ node the tests start (its own port), whose connections beat every 2 s."""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import jupyter_workflows as jw
from jupyter_workflows import Int
from jupyter_workflows.broker import control_request
from jupyter_workflows.testing import RabbitMQNode, Runtime, isolated_runtime
from jupyter_workflows.testing.kernels import FrontEnd, Kernel
from tests.broker.conftest import private_node  # noqa: F401 - the fixture
from tests.worker.conftest import until
from tests.worker.workflows import add

pytestmark = [pytest.mark.kernel, pytest.mark.slow]

ROOT = Path(__file__).resolve().parent.parent.parent
HEARTBEAT = 2  # seconds: RabbitMQ closes a connection that missed two heartbeats (about 4 s of silence)
LONG = os.environ.get("JW_LONG_TESTS", "") == "1"
BLOCK = 600.0 if LONG else 20.0  # the 10 minutes with JW_LONG_TESTS=1; else 20 s, 10 heartbeats
SETUP = f"""
import json, sys, time
sys.path.insert(0, {str(ROOT)!r})
import jupyter_workflows as jw
from jupyter_workflows import Float, Int
from jupyter_workflows._processes import communicator as link
from jupyter_workflows.testing import get_runtime
from jupyter_workflows.widgets import ProcessWidget
from tests.worker import workflows
from tests.worker.workflows import Steps, nap
"""


@pytest.fixture
def kernel(private_node: RabbitMQNode, store_url: str) -> Iterator[tuple[Runtime, FrontEnd]]:  # noqa: F811
    """A python3 kernel of the store (SQLite, then PostgreSQL) and the private broker (heartbeat every 2 s), and
    this test process as another runtime of both, as a second kernel would be."""
    private_node.start()
    broker = f"{private_node.url}?heartbeat={HEARTBEAT}"
    env = {"JUPYTER_WORKFLOWS_STORE": store_url, "JUPYTER_WORKFLOWS_BROKER": broker}
    with isolated_runtime(store_url, broker=private_node.url) as here, Kernel("python3", env=env, cwd=str(ROOT)) as k:
        front = FrontEnd(k)
        front.run(SETUP)
        yield here, front


@pytest.mark.timeout(BLOCK + 300)
def test_a_cell_blocked_in_plain_python_keeps_the_broker_link_and_every_message(
    kernel: tuple[Runtime, FrontEnd],
) -> None:
    """Heartbeats do not depend on the kernel's loop: a cell that blocks in ``time.sleep`` for 20 s (10 of the
    connection's 2 s heartbeats; the broker drops a link after missing 2) keeps the one connection it had. The
    issue asks for 10 minutes at RabbitMQ's default 60 s heartbeat, which is as many heartbeats; ``JW_LONG_TESTS=1``
    blocks for the full 10 minutes (300 heartbeats). A control request and a broadcast sent while the loop is blocked
    are handled once it is free, none lost."""
    here, front = kernel
    cell = front.run(
        "node = jw.submit(nap, Float(3600))  # runs in this kernel\n"
        "heard = []\n"
        "async def hear(message):\n"
        "    heard.append([message['pk'], message['to_state']])\n"
        "communicator = link()\n"
        "await communicator.wait_connected_async(30)\n"
        "await get_runtime().broker.serving\n"
        "await communicator.subscribe_broadcasts_async('state_changed.*', hear)\n"
        "print(json.dumps({'pk': node.pk, 'owner': get_runtime().owner_id}))"
    )
    found = json.loads(cell.stdout.strip().splitlines()[-1])
    communicator = here.broker.communicator or jw._processes.communicator()  # type: ignore[attr-defined]
    assert communicator is not None
    communicator.wait_connected(30)
    answers: list[Any] = []
    blocked = front.execute(f"time.sleep({BLOCK})")
    time.sleep(min(5.0, BLOCK / 10))  # well inside the blocked cell
    asking = threading.Thread(
        target=lambda: answers.append(
            communicator.rpc(found["owner"], control_request("pause", found["pk"]), timeout=BLOCK + 120)
        )
    )
    asking.start()
    _, sent = jw.run.get_node(add, Int(1), Int(2))  # type: ignore[attr-defined]  # its broadcasts reach the kernel
    front.pump_until(lambda: front.cell(blocked).status != "timeout", timeout=BLOCK + 120)
    asking.join(120)
    assert front.cell(blocked).status == "ok" and answers == [True]
    after = front.run(
        "await __import__('asyncio').sleep(0.5)\n"
        "print(json.dumps({'connections': communicator.connections_made, 'heard': heard, 'paused': node.paused}))"
    )
    state = json.loads(after.stdout.strip().splitlines()[-1])
    assert state["connections"] == 1  # the link was never lost
    assert state["paused"] is True  # the pause sent during the block took effect after it
    assert [sent.pk, "finished"] in state["heard"]  # and the broadcast sent during the block arrived
    front.run("jw.kill(node)")


def test_a_pause_over_the_broker_reaches_a_synchronous_run_at_its_next_step(
    kernel: tuple[Runtime, FrontEnd],
) -> None:
    """The kernel's cell is blocked in ``jw.run(Steps)`` (steps of plain code): a pause from this other runtime is
    answered at the process's next step boundary (the RPC does not wait for the run to end), the process holds,
    and a play lets it go on."""
    _, front = kernel
    n = 40
    running = front.execute(f"result = jw.run(Steps, n=Int({n}), seconds=Float(0.25))\nprint(result['steps'].value)")
    until(lambda: any(row.process_label == "Steps" for row in jw.processes(limit=5)), "the kernel to start Steps")
    (row,) = [row for row in jw.processes(limit=5) if row.process_label == "Steps"]
    node = jw.load_node(row.pk)
    until(lambda: len(node.report_messages) >= 2, "two steps")
    assert jw.pause(node) == [node]  # answered while the cell still runs
    assert front.cell(running).status == "timeout" and node.paused
    held = len(node.report_messages)
    time.sleep(1.5)  # six steps' time: it holds
    assert len(node.report_messages) == held < n
    assert jw.play(node) == [node]
    front.pump_until(lambda: front.cell(running).status != "timeout", timeout=120)
    assert front.cell(running).status == "ok" and front.cell(running).stdout.strip() == str(n)
    assert node.is_finished_ok and not node.paused


def test_a_widget_click_on_a_subshell_reaches_a_synchronous_run_at_its_next_step(
    kernel: tuple[Runtime, FrontEnd],
) -> None:
    """A click handled on a comm subshell thread (JupyterLab >= 4.4 with ipykernel 7) while the main shell runs
    ``jw.run(Steps)``: it is handed to the loop, and the synchronous run lets it in at its next step boundary.

    ipykernel 7.4 routes a comm's messages to the subshell that last published on that comm (``_reply_subshell_for``
    in ipykernel/comm/comm.py), so the subshell first publishes the buttons' state (as a front end's state request
    over its comm subshell does); from then on their clicks are handled on the subshell's thread."""
    _, front = kernel
    front.run(
        "shown = []\n"
        "def show(node):\n"
        "    widget = ProcessWidget(node)\n"
        "    shown.append(widget)\n"
        "    display(widget)\n"
        "    print(json.dumps({'pause': widget.pause_button.model_id, 'play': widget.play_button.model_id,\n"
        "                      'head': widget.head.model_id}), flush=True)\n"
        "workflows.ON_SETUP.append(show)"
    )
    running = front.execute(
        "result = jw.run(Steps, n=Int(40), seconds=Float(0.25))\nprint('steps', len(workflows.STEPS_DONE))"
    )
    front.pump_until(lambda: "pause" in front.cell(running).stdout)
    ids = json.loads(front.cell(running).stdout.strip().splitlines()[0])
    subshell = front.subshell()
    front.pump_until(lambda: _badge(front, ids["head"]) == "running")
    routed = front.execute(
        "import threading\n"
        "for button in (shown[0].pause_button, shown[0].play_button):\n"
        "    button.send_state()\n"
        "print(threading.current_thread().name)",
        subshell=subshell,
    )
    front.pump_until(lambda: front.cell(routed).status != "timeout")
    assert front.cell(routed).stdout.strip() != "MainThread" and front.cell(running).status == "timeout"
    front.click(ids["pause"], subshell=subshell)
    front.pump_until(lambda: _badge(front, ids["head"]) == "paused")  # shown while the cell still runs
    assert front.cell(running).status == "timeout"
    front.click(ids["play"], subshell=subshell)
    front.pump_until(lambda: front.cell(running).status != "timeout", timeout=120)
    assert front.cell(running).status == "ok" and "steps 40" in front.cell(running).stdout
    front.pump_until(lambda: _badge(front, ids["head"]) == "finished")


def _badge(front: FrontEnd, head: str) -> str:
    value = front.value(head) or ""
    return value.split('data-state="', 1)[1].split('"', 1)[0] if 'data-state="' in value else ""
