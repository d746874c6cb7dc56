"""binder/ makes the tutorials and the Workflows panel work on mybinder.org, without a broker: a fresh venv built by
repo2docker's steps for binder/, from the files a clone of this checkout has, runs every notebook in notebooks/, as a
visitor would, one after the other on the default SQLite store; then its JupyterLab serves the panel, whose REST API
counts the processes the tutorials ran.

repo2docker reads binder/ and nothing at the root when binder/ exists: apt.txt (apt-get install, as root), runtime.txt
(the Python of the image's one conda environment, where JupyterLab, Notebook, ipywidgets and Node.js already are, and
where JupyterLab and the kernel run), requirements.txt (`pip install -r binder/requirements.txt` from the
repository's root), then postBuild (`./binder/postBuild` from the root, that environment's bin first on PATH). The
differences here: apt packages are checked, not installed (`make system-deps` installs them); the environment's
packages are pip-installed at the newest versions repo2docker's pins allow, not its conda lock; Node.js is this
machine's (20, as in repo2docker's environment.yml), not conda's; pip and npm keep their caches.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from jupyter_workflows.broker import delete_namespace_async
from jupyter_workflows.store import Store

from .._nbrun import cell_text
from ..browser._lab import jupyter_lab
from ..conftest import IN_CI, RABBITMQ_URL, service_missing
from ._venvs import BUILD, NOTEBOOKS, PROJECT, fresh_venv, pip_install, register_kernel, run, run_tutorial

pytestmark = [pytest.mark.slow, pytest.mark.kernel, pytest.mark.timeout(1200)]

BINDER = PROJECT / "binder"
# The packages of repo2docker's conda environment (buildpacks/conda/environment.py-3.11.yml) that the tutorials and
# the panel use; its nodejs=20 is this machine's node here.
REPO2DOCKER_ENVIRONMENT = ["jupyterlab==4.*", "notebook==7.*", "ipywidgets==8.*", "jupyter_server==2.*"]


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


def clone_of_this_checkout(destination: Path) -> Path:
    """The files a clone of this checkout has (tracked ones, and new ones git does not ignore), copied to
    ``destination``: no build output (the prebuilt labextension, node_modules, build/) comes along."""
    listed = run(["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"], cwd=PROJECT)
    for name in filter(None, listed.split("\0")):
        source = PROJECT / name
        if source.is_file():  # not a file deleted since its last commit
            (destination / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, destination / name)
    return destination


def get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=30) as answer:
        assert answer.status == 200, url
        return str(answer.read().decode())


def test_every_tutorial_runs_and_the_panel_is_served_in_an_environment_built_as_binder_builds_it(tmp_path, monkeypatch):
    if shutil.which("npm") is None:
        service_missing("npm", "Node.js builds the Workflows panel on Binder as here: apt-get install nodejs npm")
    clone = clone_of_this_checkout(tmp_path / "clone")
    assert not (clone / "jupyter_workflows" / "labextension" / "package.json").exists()  # a clone has no build
    venv = BUILD / "test-venvs" / "binder"
    python = fresh_venv(venv, binder_python())
    pip_install(python, *REPO2DOCKER_ENVIRONMENT)
    pip_install(python, "-r", str(clone / "binder" / "requirements.txt"), cwd=clone)
    built = run(
        [clone / "binder" / "postBuild"], cwd=clone, env={"PATH": f"{venv / 'bin'}{os.pathsep}{os.environ['PATH']}"}
    )
    assert "postBuild: jupyter_workflows" in built and "postBuild: JupyterLab has the Workflows panel" in built, built

    register_kernel(python, "jw-binder", tmp_path / "jupyter", monkeypatch)
    monkeypatch.delenv("JUPYTER_WORKFLOWS_STORE", raising=False)  # Binder sets no store: the default SQLite file
    monkeypatch.setenv("JUPYTER_DATA_DIR", str(tmp_path / "data"))  # a visitor's fresh home
    check = "import jupyter_workflows as jw\nprint(jw.__file__)\nprint(jw.store.default_store_url())"
    notebooks = sorted(NOTEBOOKS.glob("*.ipynb"))
    assert len(notebooks) >= 4
    default_store = tmp_path / "data" / "workflows" / "provenance.sqlite"
    try:
        for notebook in notebooks:
            executed = run_tutorial(notebook.name, "jw-binder", store=None, extra_cells=[check])
            module, store = cell_text(executed.cells[-1]).split()
            assert module.startswith(str(venv)), module  # the installed package, not this checkout
            assert store == f"sqlite:///{default_store}"
    finally:  # 05-daemon leaves a process queued for the next start: its tasks go with the store's namespace
        if default_store.is_file():
            with Store(f"sqlite:///{default_store}") as opened:
                namespace = f"jw-{opened.identity}"
            asyncio.run(delete_namespace_async(RABBITMQ_URL, namespace))
    assert default_store.is_file()

    (tmp_path / "lab").mkdir()
    with jupyter_lab(tmp_path / "lab", [], {}, python=str(python)) as lab:
        page = get(f"{lab.url}/lab?token={lab.token}")
        config = re.search(r'<script id="jupyter-config-data" type="application/json">(.*?)</script>', page, re.S)
        assert config, page[:2000]
        extensions = {ext["name"]: ext for ext in json.loads(config[1])["federated_extensions"]}
        assert "jupyter-workflows" in extensions, sorted(extensions)  # JupyterLab loads the panel's front end
        panel = extensions["jupyter-workflows"]
        assert "_JUPYTERLAB" in get(f"{lab.url}/lab/extensions/jupyter-workflows/{panel['load']}?token={lab.token}")
        counts = json.loads(get(f"{lab.url}/workflows/api/counts?token={lab.token}"))  # and its server extension
    assert counts.get("finished", 0) > 10, counts  # the processes the tutorials ran, in the visitor's store
