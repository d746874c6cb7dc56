"""Fresh virtual environments under build/ for the packaging tests, and notebooks run in their kernels.

Each test makes its venv anew (a stale one would hide a missing dependency); pip keeps its ordinary cache
(~/.cache/pip), so a second run downloads nothing and takes seconds.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import nbformat
import pytest
from nbformat import NotebookNode

from .._nbrun import cell_error, execute_notebook

PROJECT = Path(__file__).resolve().parents[2]
BUILD = PROJECT / "build"
NOTEBOOKS = PROJECT / "notebooks"


def run(argv: Sequence[str | os.PathLike[str]], *, cwd: Path = PROJECT, env: dict[str, str] | None = None) -> str:
    """Run a command to its end; a failure shows the command and everything it printed."""
    completed = subprocess.run(
        [str(arg) for arg in argv],
        cwd=cwd,
        env={**clean_environment(), **(env or {})},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        check=False,
    )
    if completed.returncode != 0:
        pytest.fail(f"{' '.join(map(str, argv))} exited {completed.returncode}:\n{completed.stdout[-6000:]}")
    return completed.stdout


def clean_environment() -> dict[str, str]:
    """This process's environment without what would make a venv see this checkout (PYTHONPATH) or this venv."""
    dropped = {"PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME"}
    return {key: value for key, value in os.environ.items() if key not in dropped}


def fresh_venv(path: Path, python: str = sys.executable) -> Path:
    """A new venv at ``path`` (any old one is removed) made by ``python``; returns the venv's python."""
    shutil.rmtree(path, ignore_errors=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    run([python, "-m", "venv", path])
    return path / "bin" / "python"


def pip_install(python: Path, *args: str, cwd: Path = PROJECT) -> str:
    """``pip install`` into the venv of ``python``; no byte-compiling of every module (a third of the time): the
    kernel compiles what it imports."""
    quiet = ["--quiet", "--disable-pip-version-check", "--no-compile"]
    return run([python, "-m", "pip", "install", *quiet, *args], cwd=cwd)


def register_kernel(python: Path, name: str, jupyter_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Register the venv's ipykernel as kernel ``name`` in ``jupyter_dir``, which this test's Jupyter then searches."""
    run([python, "-m", "ipykernel", "install", "--prefix", jupyter_dir, "--name", name, "--display-name", name])
    monkeypatch.setenv("JUPYTER_PATH", str(jupyter_dir / "share" / "jupyter"))
    monkeypatch.delenv("PYTHONPATH", raising=False)  # the kernel must import the installed package, not this checkout


def run_tutorial(name: str, kernel_name: str, *, store: Path | None, extra_cells: Sequence[str] = ()) -> NotebookNode:
    """Run notebooks/<name> (plus ``extra_cells`` at its end) in the kernel, in notebooks/, on the SQLite file
    ``store`` (None: the default store); fail on any cell error, and return the executed notebook."""
    notebook = nbformat.read(NOTEBOOKS / name, as_version=4)
    notebook.cells.extend(nbformat.v4.new_code_cell(source) for source in extra_cells)
    env = {"JUPYTER_WORKFLOWS_STORE": f"sqlite:///{store}"} if store else {}
    executed = execute_notebook(notebook, kernel_name, cwd=NOTEBOOKS, env=env, timeout=180)
    code = [cell for cell in executed.cells if cell.cell_type == "code"]
    errors = [(cell.source.splitlines()[0], cell_error(cell)) for cell in code if cell_error(cell)]
    assert not errors, f"{name} in kernel {kernel_name}: {errors}"
    assert [cell.execution_count for cell in code] == list(range(1, len(code) + 1)), name  # every cell ran, in order
    return executed
