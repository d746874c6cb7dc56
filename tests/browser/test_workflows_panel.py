"""The Workflows panel in a real browser, in JupyterLab 4 and Notebook 7: a notebook submits a slow WorkChain; the
panel shows it running (owned by "this kernel"); Pause in the panel turns the notebook's widget paused, Play in the
widget turns the panel's row back (and the reverse); Kill from the panel (after its confirmation) kills it; its detail
view draws the provenance graph, and clicking a node of the graph opens that node. Screenshots and the latency from
a click in the widget to the panel's row changing are kept as artefacts."""

from __future__ import annotations

import json
import re
import shutil
import statistics
from pathlib import Path

import nbformat
import pytest

from ._lab import jupyter_lab, open_and_run_all

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
BUILT = ROOT / "jupyter_workflows" / "labextension"
SERVER_CONFIG = ROOT / "jupyter-config" / "jupyter_server_config.d" / "jupyter_workflows.json"

CELLS = [
    "import jupyter_workflows as jw\nimport jupyter_workflows.widgets\nfrom jupyter_workflows import Float\n"
    "from jupyter_workflows.testing.workflows import Slow",
    "node = jw.submit(Slow, seconds=Float(120))\nnode",
]

# Records when the panel's row of a process changes state (for the latency of a widget click to the panel).
WATCH_ROW = """
(pk) => {
  const table = document.querySelector('.jw-panel-table');
  const state = () => table.querySelector(`tr[data-pk="${pk}"] .jw-panel-badge`)?.dataset.state;
  window.__panel = {clicks: [], changes: [], last: state()};
  document.addEventListener('click', () => window.__panel.clicks.push(performance.now()), true);
  new MutationObserver(() => {
    const now = state();
    if (now === window.__panel.last) return;
    window.__panel.last = now;
    window.__panel.changes.push([now, performance.now()]);
  }).observe(table, {subtree: true, childList: true, characterData: true, attributes: true});
}
"""


def panel_environment(tmp_path: Path) -> dict[str, str]:
    """The prebuilt labextension and the server extension's config, found through JUPYTER_PATH and
    JUPYTER_CONFIG_PATH (as an installed package has them in share/jupyter and etc/jupyter)."""
    if not (BUILT / "package.json").exists():
        pytest.fail("The labextension is not built: run `make labextension` (make test does).")
    labextensions = tmp_path / "panel-data" / "labextensions"
    labextensions.mkdir(parents=True)
    (labextensions / "jupyter-workflows").symlink_to(BUILT)
    config = tmp_path / "panel-config" / "jupyter_server_config.d"
    config.mkdir(parents=True)
    shutil.copy(SERVER_CONFIG, config)
    return {
        "JUPYTER_PATH": str(tmp_path / "panel-data"),
        "JUPYTER_CONFIG_PATH": str(tmp_path / "panel-config"),
        "JUPYTER_WORKFLOWS_STORE": f"sqlite:///{tmp_path / 'provenance.sqlite'}",
    }


def button(scope, label: str):
    return scope.locator("button:visible", has_text=re.compile(rf"^\s*{re.escape(label)}\s*$")).first


def run_command(page, label: str) -> None:
    """Run a command from the command palette, as a user does (Ctrl+Shift+C, type, Enter)."""
    page.keyboard.press("Control+Shift+C")
    search = page.locator(".lm-CommandPalette-input:visible").first
    search.wait_for(timeout=10_000)
    search.fill(label)
    page.locator(".lm-CommandPalette-item:visible", has_text=label).first.click()


@pytest.mark.parametrize("app", ["jupyterlab", "notebook"])
def test_the_panel_shows_and_steers_a_notebook_process(app, chromium, artifacts, tmp_path):
    if app == "notebook":
        pytest.importorskip("notebook", minversion="7", reason="Notebook 7 is not installed (pip install notebook)")
    notebook = tmp_path / "panel.ipynb"
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source) for source in CELLS])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
    nbformat.write(nb, notebook)
    shots = artifacts / f"panel-{app}"
    shots.mkdir(exist_ok=True)
    with jupyter_lab(tmp_path, [notebook], panel_environment(tmp_path), app=app) as lab:
        page = chromium.new_page(viewport={"width": 1400, "height": 1000})
        errors: list[str] = []
        page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
        try:
            pk, widget_to_panel = steer_from_the_panel(page, lab, shots)
            open_its_graph(page, pk, shots)
        except Exception:
            page.screenshot(path=str(shots / "failure.png"), full_page=True)
            raise
        finally:
            page.close()
    latencies = {"median": statistics.median(widget_to_panel), "runs": widget_to_panel}
    (shots / "latency.json").write_text(json.dumps({"widget_click_to_panel_row_ms": latencies}, indent=2))
    panel_errors = [text for text in errors if "workflows" in text.lower()]
    assert not panel_errors, panel_errors


def steer_from_the_panel(page, lab, shots: Path) -> tuple[int, list[float]]:
    open_and_run_all(page, lab, "panel.ipynb")
    widget = page.locator(".jw-process-widget").first
    widget.locator('.jw-badge[data-state="waiting"]').first.wait_for(timeout=60_000)
    pk = int(re.search(r"<(\d+)>", widget.locator(".jw-title").first.inner_text()).group(1))

    run_command(page, "Open the Workflows panel")
    panel = page.locator("#jupyter-workflows-panel")
    row = panel.locator(f'tr[data-pk="{pk}"]')
    row.locator('.jw-panel-badge[data-state="waiting"]').wait_for(timeout=20_000)
    assert row.locator(".jw-panel-owner-cell").inner_text() == "this kernel"
    assert "waiting" in panel.locator(".jw-panel-counts").inner_text()
    if lab.app == "jupyterlab":  # Notebook 7 has no status bar
        page.locator(".jw-status-item[data-running='3']").wait_for(timeout=10_000)  # Slow and its two children
    page.screenshot(path=str(shots / "1-panel-running.png"), full_page=True)

    # Pause in the panel: the notebook's widget shows paused; Play in the widget: the panel's row plays again.
    row.locator("input[type=checkbox]").check()
    panel.locator(".jw-panel-pause").click()
    widget.locator('.jw-badge[data-state="paused"]').first.wait_for(timeout=10_000)
    row.locator('.jw-panel-badge[data-state="paused"]').wait_for(timeout=10_000)
    page.screenshot(path=str(shots / "2-paused-from-panel.png"), full_page=True)
    page.evaluate(WATCH_ROW, pk)
    widget_to_panel: list[float] = []
    for label, state in (("Play", "waiting"), ("Pause", "paused"), ("Play", "waiting"), ("Pause", "paused")):
        button(widget, label).click()
        row.locator(f'.jw-panel-badge[data-state="{state}"]').wait_for(timeout=10_000)
        record = page.evaluate("() => window.__panel")
        clicked = record["clicks"][-1]
        widget_to_panel.append(round(next(t for s, t in record["changes"] if s == state and t >= clicked) - clicked, 1))
    page.screenshot(path=str(shots / "3-paused-from-widget.png"), full_page=True)
    panel.locator(".jw-panel-play").click()
    widget.locator('.jw-badge[data-state="waiting"]').first.wait_for(timeout=10_000)

    # Kill from the panel, after its confirmation.
    panel.locator(".jw-panel-kill").click()
    dialog = page.locator(".jp-Dialog")
    dialog.wait_for(timeout=10_000)
    assert "Kill this process?" in dialog.inner_text()
    page.screenshot(path=str(shots / "4-confirm-kill.png"), full_page=True)
    button(dialog, "Kill").click()
    widget.locator('.jw-badge[data-state="killed"]').first.wait_for(timeout=10_000)
    row.locator('.jw-panel-badge[data-state="killed"]').wait_for(timeout=10_000)
    page.screenshot(path=str(shots / "5-killed.png"), full_page=True)

    tree_and_palette(page, pk, shots)
    return pk, widget_to_panel


def tree_and_palette(page, pk: int, shots: Path) -> None:
    panel = page.locator("#jupyter-workflows-panel")
    row = panel.locator(f'tr[data-pk="{pk}"]')
    # The tree view: the WorkChain is one row that opens to the two processes it called.
    panel.locator(".jw-panel-tree-toggle").check()
    panel.locator("tbody tr").first.wait_for(timeout=10_000)
    page.wait_for_function("() => document.querySelectorAll('#jupyter-workflows-panel tbody tr').length === 1")
    row.locator(".jw-panel-twisty").click()
    page.wait_for_function("() => document.querySelectorAll('#jupyter-workflows-panel tbody tr').length === 3")
    page.screenshot(path=str(shots / "6-tree.png"), full_page=True)
    panel.locator(".jw-panel-tree-toggle").uncheck()

    # The palette command that opens the process of the current cell's output.
    page.locator(".jp-Cell").nth(1).locator(".jp-InputArea").click()
    run_command(page, "Open the process of the current cell")
    detail = page.locator(f"#jupyter-workflows-process-{pk}")
    detail.locator(".jw-detail-head h2").wait_for(timeout=10_000)


def open_its_graph(page, pk: int, shots: Path) -> None:
    # Its detail view and provenance graph; a click on a node of the graph opens that node.
    panel = page.locator("#jupyter-workflows-panel")
    panel.locator(f'tr[data-pk="{pk}"] .jw-panel-open').click()
    detail = page.locator(f"#jupyter-workflows-process-{pk}")
    detail.locator(".jw-detail-head h2").wait_for(timeout=10_000)
    assert "killed" in detail.locator(".jw-detail-head").inner_text()
    detail.locator(".jw-detail-show-graph").click()
    nodes = detail.locator(".jw-detail-graph g.jw-graph-node")
    nodes.first.wait_for(timeout=20_000)
    page.screenshot(path=str(shots / "7-graph.png"), full_page=True)
    other = next(n for n in nodes.all() if n.get_attribute("data-pk") != str(pk))
    other_pk = other.get_attribute("data-pk")
    other.click()
    page.locator(f"#jupyter-workflows-process-{other_pk} .jw-detail-head h2").wait_for(timeout=10_000)
    page.screenshot(path=str(shots / "8-graph-node-opened.png"), full_page=True)
