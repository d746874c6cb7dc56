"""In JupyterLab 4 (and Notebook 7) with a real browser: a notebook submits a slow WorkChain, its widget renders, and
clicking Pause, Play, Kill and Confirm kill steers it; the children die with it. Screenshots and click-to-visible
latencies are kept in the artefacts directory. JupyterLab runs with comms over subshells (its default) and without."""

from __future__ import annotations

import json
import re
import statistics
from pathlib import Path

import nbformat
import pytest

from ._lab import jupyter_lab, open_and_run_all

pytestmark = [pytest.mark.browser, pytest.mark.slow]

NOTEBOOK_CELLS = [
    """\
import asyncio
import jupyter_workflows as jw
import jupyter_workflows.widgets
from jupyter_workflows import Float, Int, WorkChain, append_, calcfunction

@calcfunction
async def sleepy(seconds):
    await asyncio.sleep(seconds.value)
    return seconds + 0

class Slow(WorkChain):
    @classmethod
    def define(cls, spec):
        super().define(spec)
        spec.input("seconds", valid_type=Float)
        spec.outline(cls.launch, cls.collect)

    def launch(self):
        self.report("launching two slow children")
        for _ in range(2):
            self.to_context(children=append_(self.submit(sleepy, self.inputs.seconds)))

    def collect(self):
        self.report("done")""",
    "node = jw.submit(Slow, seconds=Float(120))\nnode",
    "from jupyter_workflows.widgets import monitor\nmonitor()",
    # a plain ipywidgets button, as a yardstick for what any widget round trip costs here
    "import ipywidgets\nplain = ipywidgets.Button(description='Plain')\nplain_text = ipywidgets.HTML('0')\n"
    "plain.on_click(lambda _: setattr(plain_text, 'value', str(int(plain_text.value) + 1)))\n"
    "ipywidgets.HBox([plain, plain_text])",
]

# Milliseconds from a click on the plain button to its text changing.
PLAIN_ROUND_TRIP = """
async () => {
  const button = [...document.querySelectorAll('button')].find(b => b.textContent.trim() === 'Plain');
  const text = button.parentElement.querySelector('.widget-html-content');
  const before = text.textContent;
  const changed = new Promise(resolve => new MutationObserver(() => {
    if (text.textContent !== before) resolve(performance.now());
  }).observe(text, {subtree: true, childList: true, characterData: true}));
  const start = performance.now();
  button.click();
  return (await changed) - start;
}
"""

# Records, in the page, when a click happens and each change of the first process widget's badge.
WATCH_BADGE = """
() => {
  const widget = document.querySelector('.jw-process-widget');
  const state = () => widget.querySelector('.jw-badge')?.dataset.state;
  window.__jw = {clicks: [], changes: [], last: state()};
  document.addEventListener('click', () => window.__jw.clicks.push(performance.now()), true);
  new MutationObserver(() => {
    const now = state();
    if (now !== window.__jw.last) { window.__jw.last = now; window.__jw.changes.push([now, performance.now()]); }
  }).observe(widget, {subtree: true, childList: true, characterData: true, attributes: true});
}
"""


def button(scope, label: str):
    """The visible button whose text reads ``label`` (its accessible name also holds the icon's glyph)."""
    return scope.locator("button:visible", has_text=re.compile(rf"^\s*{re.escape(label)}\s*$")).first


def since_click(page) -> list[tuple[str, float]]:
    """The badge's changes since the last click: each state, and milliseconds from the click to it."""
    record = page.evaluate("() => window.__jw")
    clicked = record["clicks"][-1]
    return [(state, round(t - clicked, 1)) for state, t in record["changes"] if t >= clicked]


def latency(page, state: str) -> float:
    """Milliseconds from the last click to the badge first showing ``state`` after it."""
    return next(ms for shown, ms in since_click(page) if shown == state)


@pytest.mark.parametrize(
    ("app", "comms"), [("jupyterlab", "perCommTarget"), ("jupyterlab", "disabled"), ("notebook", "perCommTarget")]
)
def test_pause_play_and_kill_by_clicking_in_the_browser(app, comms, chromium, artifacts, tmp_path):
    if app == "notebook":
        pytest.importorskip("notebook", minversion="7", reason="Notebook 7 is not installed (pip install notebook)")
    notebook = tmp_path / "steer.ipynb"
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source) for source in NOTEBOOK_CELLS])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
    nbformat.write(nb, notebook)
    shots = artifacts / f"{app}-{comms}"
    shots.mkdir(exist_ok=True)
    env = {"JUPYTER_WORKFLOWS_STORE": f"sqlite:///{tmp_path / 'provenance.sqlite'}"}
    with jupyter_lab(tmp_path, [notebook], env, comms_over_subshells=comms, app=app) as lab:
        page = chromium.new_page(viewport={"width": 1300, "height": 1000})
        errors: list[str] = []
        page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
        try:
            steer(page, lab, shots)
        except Exception:
            page.screenshot(path=str(shots / "failure.png"), full_page=True)
            raise
        finally:
            page.close()
    widget_errors = [text for text in errors if "widget" in text.lower()]
    assert not widget_errors, widget_errors


def steer(page, lab, shots: Path) -> None:
    open_and_run_all(page, lab, "steer.ipynb")
    widget = page.locator(".jw-process-widget").first
    badge = widget.locator(".jw-badge").first
    widget.locator('.jw-badge[data-state="waiting"]').first.wait_for(timeout=60_000)
    page.locator(".jw-process-list .jw-process-row").first.wait_for(timeout=30_000)  # the monitor rendered too
    page.evaluate(WATCH_BADGE)
    page.screenshot(path=str(shots / "1-waiting.png"), full_page=True)

    timings: dict[str, list[float]] = {"pause": [], "play": []}
    for _ in range(3):
        for label, state in (("Pause", "paused"), ("Play", "waiting")):
            button(widget, label).click()
            widget.locator(f'.jw-badge[data-state="{state}"]').first.wait_for(timeout=10_000)
            changes = since_click(page)
            assert changes[0][0] == state, changes  # the badge's next change is the click's, nothing in between
            timings[label.lower()].append(changes[0][1])
    button(widget, "Pause").click()
    widget.locator('.jw-badge[data-state="paused"]').first.wait_for(timeout=10_000)
    assert badge.inner_text() == "paused"
    page.screenshot(path=str(shots / "2-paused.png"), full_page=True)
    button(widget, "Play").click()
    widget.locator('.jw-badge[data-state="waiting"]').first.wait_for(timeout=10_000)

    button(widget, "Kill").click()
    confirm = button(widget, "Confirm kill")
    confirm.wait_for(timeout=10_000)
    page.screenshot(path=str(shots / "3-confirm-kill.png"), full_page=True)
    confirm.click()
    # the widget's own badge (a child's badge in the called tree may turn killed first)
    page.wait_for_function("() => window.__jw.last === 'killed'", timeout=10_000)
    kill_ms = latency(page, "killed")
    children = widget.locator('.jw-called-row .jw-badge[data-state="killed"]')
    children.nth(1).wait_for(timeout=10_000)  # both children died with it
    assert children.count() == 2
    # nothing left to steer: the buttons go (their layout updates may reach the page just after the badge's)
    widget.locator("button", has_text="Pause").first.wait_for(state="hidden", timeout=10_000)
    assert widget.locator("button:visible", has_text="Pause").count() == 0
    page.screenshot(path=str(shots / "4-killed.png"), full_page=True)
    plain = []
    for _ in range(5):
        plain.append(round(page.evaluate(PLAIN_ROUND_TRIP), 1))
        page.wait_for_timeout(200)
    (shots / "latency.json").write_text(
        json.dumps(
            {
                "click_to_visible_ms": {
                    "pause_median": statistics.median(timings["pause"]),
                    "play_median": statistics.median(timings["play"]),
                    "kill_confirmed": kill_ms,
                    "runs": timings,
                },
                "plain_ipywidgets_button_round_trip_ms": {"median": statistics.median(plain), "runs": plain},
            },
            indent=2,
        )
    )
