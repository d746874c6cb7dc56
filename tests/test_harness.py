"""The notebook harness and the kernel matrix it runs on: this checks the set-up, not the engine."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import nbformat
import pytest

from ._nbrun import (
    MAIN_KERNEL,
    cell_error,
    cell_text,
    claimed_versions,
    execute_notebook,
    kernel_names,
    kernel_prefix,
    notebook_from_cells,
)

PROJECT_ROOT = Path(__file__).resolve().parent.parent
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}

# What the suite must cover (the jw-* kernels come from `make kernels`): Python minor -> ipykernel major.
REQUIRED_MATRIX = {("3.10", "6"), ("3.11", "7"), ("3.12", "7"), ("3.13", "7")}

REPORT_VERSIONS = """\
import json, sys, ipykernel, jupyter_workflows
print(json.dumps({
    "python": "%d.%d.%d" % sys.version_info[:3],
    "ipykernel": ipykernel.__version__,
    "prefix": sys.prefix,
    "package": jupyter_workflows.__file__,
    "answer": answer,
}))
"""


def _minor(version: str) -> str:
    return ".".join(version.split(".")[:2])


def _major(version: str) -> str:
    return version.split(".", 1)[0]


def test_cell_helpers_read_outputs() -> None:
    nb = notebook_from_cells(["print('a')", "1 / 0"])
    nb.cells[0].outputs = [
        nbformat.v4.new_output("stream", name="stdout", text="a\n"),
        nbformat.v4.new_output("stream", name="stderr", text="a warning\n"),
        nbformat.v4.new_output("execute_result", data={"text/plain": "3"}, execution_count=1),
    ]
    nb.cells[1].outputs = [
        nbformat.v4.new_output("error", ename="ZeroDivisionError", evalue="division by zero", traceback=[]),
    ]
    nbformat.validate(nb)

    assert [cell.source for cell in nb.cells] == ["print('a')", "1 / 0"]
    assert cell_text(nb.cells[0]) == "a\n3\n"
    assert cell_error(nb.cells[0]) is None
    assert cell_text(nb.cells[1]) == "ZeroDivisionError: division by zero\n"
    assert cell_error(nb.cells[1]) == ("ZeroDivisionError", "division by zero")


@pytest.mark.kernel
@pytest.mark.parametrize("kernel_name", kernel_names())
def test_two_cells_run_on_kernel_that_reports_its_claimed_versions(kernel_name: str) -> None:
    nb = execute_notebook(notebook_from_cells(["answer = 6 * 7", REPORT_VERSIONS]), kernel_name, timeout=60)

    assert [cell_error(cell) for cell in nb.cells] == [None, None], [cell_text(cell) for cell in nb.cells]
    report = json.loads(cell_text(nb.cells[1]))
    assert report["answer"] == 42, "the second cell must see the first cell's variables"
    assert (report["python"], report["ipykernel"]) == claimed_versions(kernel_name)
    assert Path(report["prefix"]).resolve() == kernel_prefix(kernel_name).resolve()
    assert Path(report["package"]).resolve().is_relative_to(PROJECT_ROOT), "the project must be installed with -e"


@pytest.mark.kernel
def test_cell_errors_are_recorded_and_later_cells_still_run(tmp_path: Path) -> None:
    (tmp_path / "data.txt").write_text("from the cwd")
    cells = ["raise ValueError('boom')", "import os; print(open('data.txt').read(), os.environ['JW_X'])"]
    nb = execute_notebook(notebook_from_cells(cells), MAIN_KERNEL, cwd=tmp_path, env={"JW_X": "from env"})

    assert cell_error(nb.cells[0]) == ("ValueError", "boom")
    assert cell_text(nb.cells[1]) == "from the cwd from env\n"


def test_kernel_matrix_covers_python_310_to_313_and_ipykernel_6_and_7() -> None:
    """The names, the kernel.json claims and the matrix the re-entrancy tests need all agree."""
    installed = {}
    for name in kernel_names():
        python, ipykernel = claimed_versions(name)
        installed[_minor(python), _major(ipykernel)] = name
        match = re.fullmatch(r"jw-py3(\d+)-ipykernel(\d+)", name)
        if match:
            assert (_minor(python), _major(ipykernel)) == (f"3.{match[1]}", match[2]), f"{name} claims otherwise"

    missing = sorted(REQUIRED_MATRIX - installed.keys())
    if missing:
        message = f"no kernel for (Python, ipykernel major) {missing}; installed: {installed}. Run `make kernels`."
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
