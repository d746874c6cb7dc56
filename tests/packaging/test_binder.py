"""binder/ makes the tutorials run on mybinder.org, without a broker: a fresh venv built by repo2docker's steps for
binder/ runs every notebook in notebooks/, as a visitor would, one after the other on the default SQLite store.

repo2docker reads binder/ and nothing at the root when binder/ exists: apt.txt (apt-get install, as root), runtime.txt
(the Python of the image's one environment, where JupyterLab and the kernel run), requirements.txt
(`pip install -r binder/requirements.txt` from the repository's root), then postBuild (`./binder/postBuild` from the
root, that environment's bin first on PATH). The differences here: apt packages are checked, not installed (`make
system-deps` installs them), and pip keeps its cache (repo2docker passes --no-cache-dir).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys

import pytest

from .._nbrun import cell_text
from ..conftest import IN_CI
from ._venvs import BUILD, NOTEBOOKS, PROJECT, fresh_venv, pip_install, register_kernel, run, run_tutorial

pytestmark = [pytest.mark.slow, pytest.mark.kernel, pytest.mark.timeout(1200)]

BINDER = PROJECT / "binder"


def binder_python() -> str:
    """An interpreter of the version runtime.txt names: this one, or pythonX.Y on PATH."""
    runtime = (BINDER / "runtime.txt").read_text().strip()
    match = re.fullmatch(r"python-(\d+\.\d+)", runtime)
    assert match, f"binder/runtime.txt should read python-X.Y (got {runtime!r})"
    wanted = match[1]
    if f"{sys.version_info.major}.{sys.version_info.minor}" == wanted:
        return sys.executable
    found = shutil.which(f"python{wanted}")
    if found is None:
        message = f"binder/runtime.txt asks for Python {wanted}, which is not installed here: pyenv install {wanted}"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    return found


def test_apt_txt_names_installed_packages():
    packages = [line.strip() for line in (BINDER / "apt.txt").read_text().splitlines()]
    packages = [package for package in packages if package and not package.startswith("#")]
    assert "graphviz" in packages  # jw.graph draws with Graphviz's dot
    missing = [
        package
        for package in packages
        if subprocess.run(["dpkg-query", "-W", package], capture_output=True, check=False).returncode != 0
    ]
    assert not missing, f"binder/apt.txt names {missing}, not installed here: apt-get install {' '.join(missing)}"


def test_every_tutorial_runs_in_an_environment_built_as_binder_builds_it(tmp_path, monkeypatch):
    venv = BUILD / "test-venvs" / "binder"
    python = fresh_venv(venv, binder_python())
    # pip builds "." in the checkout, through setuptools' build/lib: a clean clone (as on Binder) has none, and an
    # old one could hold modules that were deleted since.
    shutil.rmtree(BUILD / "lib", ignore_errors=True)
    pip_install(python, "-r", str(BINDER / "requirements.txt"), cwd=PROJECT)
    built = run([BINDER / "postBuild"], cwd=PROJECT, env={"PATH": f"{venv / 'bin'}{os.pathsep}{os.environ['PATH']}"})
    assert "postBuild: jupyter_workflows" in built

    register_kernel(python, "jw-binder", tmp_path / "jupyter", monkeypatch)
    monkeypatch.delenv("JUPYTER_WORKFLOWS_STORE", raising=False)  # Binder sets no store: the default SQLite file
    monkeypatch.setenv("JUPYTER_DATA_DIR", str(tmp_path / "data"))  # a visitor's fresh home
    check = "import jupyter_workflows as jw\nprint(jw.__file__)\nprint(jw.store.default_store_url())"
    notebooks = sorted(NOTEBOOKS.glob("*.ipynb"))
    assert len(notebooks) >= 4
    for notebook in notebooks:
        executed = run_tutorial(notebook.name, "jw-binder", store=None, extra_cells=[check])
        module, store = cell_text(executed.cells[-1]).split()
        assert module.startswith(str(venv)), module  # the installed package, not this checkout
        assert store == f"sqlite:///{tmp_path / 'data' / 'workflows' / 'provenance.sqlite'}"
    assert (tmp_path / "data" / "workflows" / "provenance.sqlite").is_file()
