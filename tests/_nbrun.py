"""Run notebooks in real kernels for the tests, and read what the cells printed.

    nb = execute_notebook(notebook_from_cells(["x = 6 * 7", "print(x)"]), kernel_name="jw-py310-ipykernel6")
    assert cell_error(nb.cells[1]) is None
    assert cell_text(nb.cells[1]) == "42\n"

Errors in cells are recorded in the notebook (``allow_errors=True``), never raised, so a test can assert on them.
``kernel_names()`` lists the kernels to parametrize over: ``python3`` (this venv: Python 3.11, ipykernel 7) and the
``jw-*`` kernels that ``make kernels`` registers in this venv (other Pythons, ipykernel 6 and 7).
"""

from __future__ import annotations

import copy
import json
import os
import platform
import sys
from collections.abc import Mapping, Sequence
from importlib.metadata import version
from pathlib import Path

import nbformat
from jupyter_client.kernelspec import KernelSpecManager
from nbclient import NotebookClient
from nbformat import NotebookNode

MAIN_KERNEL = "python3"
EXTRA_KERNEL_PREFIX = "jw-"


def execute_notebook(
    notebook: NotebookNode | str | os.PathLike[str],
    kernel_name: str = MAIN_KERNEL,
    *,
    timeout: float = 120,
    startup_timeout: float = 60,
    cwd: str | os.PathLike[str] | None = None,
    env: Mapping[str, str] | None = None,
) -> NotebookNode:
    """Execute every cell in a fresh kernel and return the executed notebook (the input is not modified).

    ``timeout`` bounds each cell, ``startup_timeout`` the kernel's start. ``cwd`` is the kernel's working directory
    (default: the notebook's folder for a path, this process's for a notebook object). ``env`` holds variables added
    to this process's environment for the kernel.
    """
    if isinstance(notebook, NotebookNode):
        nb = copy.deepcopy(notebook)
    else:
        path = Path(notebook)
        nb = nbformat.read(path, as_version=4)
        cwd = path.parent if cwd is None else cwd
    client = NotebookClient(
        nb,
        kernel_name=kernel_name,
        timeout=timeout,
        startup_timeout=startup_timeout,
        allow_errors=True,
        resources={"metadata": {"path": str(cwd)}} if cwd is not None else {},
    )
    client.execute(env={**os.environ, **(env or {})})
    return nb


def notebook_from_cells(sources: Sequence[str]) -> NotebookNode:
    """A v4 notebook with one code cell per source string."""
    return nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source) for source in sources])


def cell_text(cell: NotebookNode) -> str:
    """What a code cell showed, in order: stdout, ``text/plain`` results and displays, and ``ename: evalue`` errors."""
    parts = []
    for output in cell.get("outputs", []):
        kind = output["output_type"]
        if kind == "stream" and output["name"] == "stdout":
            parts.append(output["text"])
        elif kind in {"execute_result", "display_data"} and "text/plain" in output["data"]:
            parts.append(output["data"]["text/plain"].rstrip("\n") + "\n")
        elif kind == "error":
            parts.append(f"{output['ename']}: {output['evalue']}\n")
    return "".join(parts)


def cell_error(cell: NotebookNode) -> tuple[str, str] | None:
    """``(ename, evalue)`` of the first error a code cell raised, or None."""
    for output in cell.get("outputs", []):
        if output["output_type"] == "error":
            return output["ename"], output["evalue"]
    return None


def kernel_names() -> list[str]:
    """The kernels to test on: ``python3`` first, then each installed ``jw-*`` kernel whose interpreter exists."""
    specs = KernelSpecManager().find_kernel_specs()
    extra = sorted(name for name in specs if name.startswith(EXTRA_KERNEL_PREFIX) and _interpreter_exists(name))
    return [MAIN_KERNEL, *extra]


def claimed_versions(kernel_name: str) -> tuple[str, str]:
    """``(python, ipykernel)`` versions a kernel says it runs, e.g. ``("3.10.13", "6.31.0")``.

    ``python3`` is this venv's own interpreter; a ``jw-*`` kernel states them in its kernel.json metadata.
    """
    if kernel_name == MAIN_KERNEL:
        return platform.python_version(), version("ipykernel")
    claim = KernelSpecManager().get_kernel_spec(kernel_name).metadata["jupyter_workflows"]
    return claim["python"], claim["ipykernel"]


def kernel_prefix(kernel_name: str) -> Path:
    """The environment (``sys.prefix``) a kernel runs in."""
    if kernel_name == MAIN_KERNEL:
        return Path(sys.prefix)
    return Path(KernelSpecManager().get_kernel_spec(kernel_name).argv[0]).parent.parent


def _interpreter_exists(kernel_name: str) -> bool:
    spec_file = Path(KernelSpecManager().find_kernel_specs()[kernel_name]) / "kernel.json"
    argv = json.loads(spec_file.read_text()).get("argv", [])
    return bool(argv) and Path(argv[0]).is_file()
