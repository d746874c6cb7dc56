"""The widgets in real kernels, driven as a browser drives them: comm messages for clicks and changed values, and the
widget state the kernel sends back. Also what a displayed process node looks like in a notebook file."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from jupyter_workflows.testing.kernels import FrontEnd, Kernel

from .._nbrun import cell_error, execute_notebook, kernel_names, notebook_from_cells

pytestmark = pytest.mark.kernel

ROOT = Path(__file__).resolve().parent.parent.parent
VIEW = "application/vnd.jupyter.widget-view+json"
SETUP = f"""
import asyncio, json, sys, time
sys.path.insert(0, {str(ROOT)!r})
import jupyter_workflows as jw
from jupyter_workflows import Float, Int
from jupyter_workflows.widgets import ProcessWidget, ProcessListWidget
from tests.widgets._workflows import Slow

def ids(widget):
    return {{"pause": widget.pause_button.model_id, "play": widget.play_button.model_id,
            "kill": widget.kill_button.model_id, "confirm": widget.confirm_kill_button.model_id,
            "confirm_layout": widget.confirm_kill_button.layout.model_id, "head": widget.head.model_id}}
"""
SUBMIT = """
node = jw.submit(Slow, seconds=Float(30), n=Int(2))
widget = ProcessWidget(node)
display(widget)
print(json.dumps(ids(widget)))
"""


def badge(front: FrontEnd, head: str) -> str:
    value = front.value(head) or ""
    return value.split('data-state="', 1)[1].split('"', 1)[0] if 'data-state="' in value else ""


@pytest.fixture
def kernel_env(tmp_path) -> dict[str, str]:
    return {"JUPYTER_WORKFLOWS_STORE": f"sqlite:///{tmp_path / 'provenance.sqlite'}"}


@pytest.mark.parametrize("kernel_name", kernel_names())
def test_browser_clicks_pause_play_and_kill(kernel_name, kernel_env):
    with Kernel(kernel_name, env=kernel_env) as kernel:
        front = FrontEnd(kernel)
        front.run(SETUP)
        ids = front.ids(front.run(SUBMIT))
        front.pump_until(lambda: badge(front, ids["head"]) == "waiting")
        sent = front.click(ids["pause"])
        front.pump_until(lambda: badge(front, ids["head"]) == "paused")
        after = [state for at, model, state in front.updates if at >= sent and model == ids["head"]]
        badges = [state["value"] for state in after if "value" in state]
        assert 'data-state="paused"' in badges[0], badges  # pushed while idle: the badge's next change is the click's
        assert "True" in front.run("print(node.paused, widget.state)").stdout
        front.click(ids["play"])
        front.pump_until(lambda: badge(front, ids["head"]) == "waiting")
        front.click(ids["kill"])
        front.pump_until(lambda: front.value(ids["confirm_layout"], "display") == "")  # "Confirm kill" appeared
        front.click(ids["confirm"])
        front.pump_until(lambda: badge(front, ids["head"]) == "killed")
        out = front.run("print(node.is_killed, [c.process_state.value for c in node.called])").stdout
        assert out.strip() == "True ['killed', 'killed']"


def test_clicks_during_an_awaiting_cell_and_after_a_blocked_one(kernel_env):
    """ipykernel 7 handles comm messages while a cell awaits: the buttons work during ``await jw.wait_async``. A cell
    blocked in synchronous code holds them until it ends (they are handled then, not lost)."""
    with Kernel("python3", env=kernel_env) as kernel:
        front = FrontEnd(kernel)
        front.run(SETUP)
        ids = front.ids(front.run(SUBMIT))
        front.pump_until(lambda: badge(front, ids["head"]) == "waiting")
        awaiting = front.execute("await jw.wait_async(node)")
        sent = front.click(ids["pause"])
        front.pump_until(lambda: badge(front, ids["head"]) == "paused")
        assert front.cell(awaiting).status == "timeout"  # still awaiting: the click was handled during the cell
        front.click(ids["kill"])
        front.pump_until(lambda: front.value(ids["confirm_layout"], "display") == "")
        front.click(ids["confirm"])
        front.pump_until(lambda: front.cell(awaiting).status == "ok")  # the kill ended the awaited process
        front.pump_until(lambda: badge(front, ids["head"]) == "killed")
        assert front.cell(awaiting).finished_at > sent

        ids = front.ids(front.run(SUBMIT))
        front.pump_until(lambda: badge(front, ids["head"]) == "waiting")
        blocked = front.execute("time.sleep(1.5)")
        time.sleep(0.3)  # well inside the blocked cell
        front.click(ids["pause"])
        paused_at = front.pump_until(lambda: badge(front, ids["head"]) == "paused")
        assert front.cell(blocked).status == "ok" and paused_at >= front.cell(blocked).finished_at
        front.run("jw.kill(node)")


def test_monitor_bulk_actions_from_the_front_end(kernel_env):
    with Kernel("python3", env=kernel_env) as kernel:
        front = FrontEnd(kernel)
        front.run(SETUP)
        cell = front.run(
            "nodes = [jw.submit(Slow, seconds=Float(30), n=Int(1)) for _ in range(3)]\n"
            "while not all(n.process_state.value == 'waiting' for n in nodes):\n"
            "    await asyncio.sleep(0.05)\n"
            "monitor = ProcessListWidget(state='waiting', label='Slow')\n"
            "display(monitor)\n"
            "print(json.dumps({'rows': [s.select.model_id for s in monitor._slots[:3]], "
            "'pause': monitor.pause_button.model_id, 'play': monitor.play_button.model_id, "
            "'kill': monitor.killer.kill.model_id, 'confirm': monitor.killer.confirm.model_id, "
            "'message': monitor.message.model_id}))"
        )
        ids = front.ids(cell)
        for checkbox in ids["rows"][:2]:
            front.set_value(checkbox, value=True)
        front.click(ids["pause"])
        front.pump_until(lambda: "Paused 2 of 2." in (front.value(ids["message"]) or ""))
        out = front.run("print(sorted(n.paused for n in nodes))").stdout
        assert out.strip() == "[False, True, True]"
        front.click(ids["play"])
        front.pump_until(lambda: "Played 2 of 2." in (front.value(ids["message"]) or ""))
        front.click(ids["kill"])
        front.click(ids["confirm"])
        front.pump_until(lambda: "Killed 2 of 2." in (front.value(ids["message"]) or ""))
        out = front.run("await asyncio.sleep(0.2)\nprint(sorted(n.process_state.value for n in nodes))").stdout
        assert out.strip() == "['killed', 'killed', 'waiting']"


def test_a_displayed_node_has_a_widget_view_and_fallbacks_and_each_display_is_fresh(kernel_env):
    cells = [
        SETUP
        + "import jupyter_workflows.widgets\nnode = jw.run.get_node(Slow, seconds=Float(0.01), n=Int(1))[1]\nnode",
        "node",
        "print(repr(node))",
    ]
    nb = execute_notebook(notebook_from_cells(cells), env=kernel_env)
    assert [cell_error(cell) for cell in nb.cells] == [None, None, None]
    first, second = (nb.cells[i].outputs[0]["data"] for i in (0, 1))
    for data in (first, second):
        assert set(data) >= {VIEW, "text/html", "text/plain"}
        assert data["text/plain"].startswith("<WorkChainNode: Slow<") and "jw-process-card" in data["text/html"]
    assert first[VIEW]["model_id"] != second[VIEW]["model_id"]
    # nbconvert without saved widget state falls back to the static HTML card
    from nbconvert import HTMLExporter

    nb.metadata.pop("widgets", None)
    body, _ = HTMLExporter().from_notebook_node(nb)
    assert "jw-process-card" in body and "finished" in body


def test_importing_the_package_alone_gives_rich_display(kernel_env):
    import jupyter_workflows

    source = Path(jupyter_workflows.__file__).read_text()
    if "enable_rich_display" not in source:
        pytest.skip("jupyter_workflows/__init__.py does not call ipython.enable_rich_display() yet")
    nb = execute_notebook(
        notebook_from_cells([SETUP.replace("from jupyter_workflows.widgets import ProcessWidget, ProcessListWidget", "")
                             + "jw.run.get_node(Slow, seconds=Float(0.01), n=Int(1))[1]"]),
        env=kernel_env,
    )  # fmt: skip
    assert VIEW in nb.cells[0].outputs[0]["data"]
    assert json.dumps(nb.cells[0].outputs[0]["data"][VIEW])
