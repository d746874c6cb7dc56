"""The tutorial notebooks run top to bottom in a fresh kernel and show what they say."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from .._nbrun import cell_error, cell_text, execute_notebook

pytestmark = pytest.mark.kernel

NOTEBOOKS = Path(__file__).resolve().parent.parent.parent / "notebooks"
VIEW = "application/vnd.jupyter.widget-view+json"


def run(name: str, tmp_path: Path) -> list[nbformat.NotebookNode]:
    notebook = nbformat.read(NOTEBOOKS / name, as_version=4)
    executed = execute_notebook(
        notebook, cwd=NOTEBOOKS, env={"JUPYTER_WORKFLOWS_STORE": f"sqlite:///{tmp_path / 'provenance.sqlite'}"}
    )
    code = [cell for cell in executed.cells if cell.cell_type == "code"]
    errors = [(index, cell_error(cell)) for index, cell in enumerate(code) if cell_error(cell)]
    assert not errors, errors
    assert [cell.execution_count for cell in code] == list(range(1, len(code) + 1))  # every cell ran, in order
    return code


def shows_widget(cell: nbformat.NotebookNode) -> bool:
    return any(VIEW in output.get("data", {}) and "text/html" in output["data"] for output in cell.outputs)


def test_01_getting_started(tmp_path):
    code = run("01-getting-started.ipynb", tmp_path)
    text = [cell_text(cell) for cell in code]
    assert text[0] == "<Int: pk=4 value=3>\n"  # the very cell that imports the package runs a calcfunction
    assert "13 True" in text[1] and "created by <CalcFunctionNode: add<" in text[1]
    assert "result: 25" in text[2] and "called ['add', 'multiply']" in text[2]
    assert text[3] == "9\n"  # top-level await
    assert "Process label" in text[4]
    graph = next(cell for cell in code if "jw.graph(" in cell.source)
    assert any("image/svg+xml" in output.get("data", {}) for output in graph.outputs)
    assert "Input 'x' of add expects Int (got str 'one'); pass an int or Int(...)" in text[-1]


def test_02_workchains(tmp_path):
    code = run("02-workchains.ipynb", tmp_path)
    texts = [cell_text(cell) for cell in code]
    assert texts[0] == "result: 9\n"
    assert texts[1].startswith("finished 0 ['add', 'multiply']") and shows_widget(code[1])
    assert texts[2].startswith("steps from 6: 8\nreport: ['odd, went up to 10', 'odd, went up to 16']")
    assert shows_widget(code[3])  # the submitted WorkChain, live
    assert texts[4].startswith("finished total = 30\n") and texts[4].count("slow_square") == 4
    assert "status=410 message='The input is negative: no real square root.'" in texts[5] and shows_widget(code[5])
    assert texts[6].startswith("excepted - ZeroDivisionError: division by zero") and shows_widget(code[6])
    assert "jw-traceback" in code[6].outputs[-1]["data"]["text/html"]
    assert texts[7].startswith("root: 2.5\ntries: ['square_root<") and shows_widget(code[7])
    assert "exit status 410', 'square_root<" in texts[7] and "-6.25 is negative: trying its absolute value" in texts[7]


def test_03_steering(tmp_path):
    code = run("03-steering.ipynb", tmp_path)
    texts = [cell_text(cell) for cell in code]
    assert shows_widget(code[1])  # the submitted campaign as the last expression
    assert texts[2].startswith("ProcessWidget(") and VIEW in code[2].outputs[0]["data"]
    assert texts[3] == "paused: True | widget shows: paused\n"
    assert "campaign: running paused: True step: run_simulations" in texts[4]
    assert texts[4].endswith("after Play: finished total = 12.0 | widget shows: finished\n")
    assert texts[6] == (
        "asking: ['Confirm kill', 'Cancel']\nkilled - Killed from its widget.\nits simulations: ['killed', 'killed']\n"
    )
    assert texts[7].startswith("ProcessListWidget(") and VIEW in code[7].outputs[0]["data"]
    assert texts[8] == "paused: [True, True, True, False]\nPaused 3 of 3.\n"
    assert texts[9] == "states: ['killed', 'killed', 'killed', 'killed']\n"
    assert "Campaign" in texts[11] and "killed" in texts[11]
    assert "[Campaign] preparing" in texts[12] and "[Campaign] 3 simulations submitted" in texts[12]
    assert texts[13].startswith("Campaign<") and "\n├── simulate<" in texts[13]  # what it called, as a tree
    assert texts[13].splitlines()[-1].startswith("└── add_up<")
    assert texts[14].startswith("usage: %workflows pause")
