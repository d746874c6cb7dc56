"""`python -m build` makes an sdist and a wheel that a user can install: the wheel, installed (not editable) into a
fresh venv, gives a kernel that runs the getting-started tutorial."""

from __future__ import annotations

import json
import re
import shutil
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

import jupyter_workflows

from .._nbrun import cell_text
from ._venvs import BUILD, PROJECT, fresh_venv, pip_install, register_kernel, run, run_tutorial

pytestmark = [pytest.mark.slow, pytest.mark.kernel, pytest.mark.timeout(900)]

VERSION = jupyter_workflows.__version__
SDIST_NAME = f"jupyter_workflows-{VERSION}"
WHEEL_NAME = f"jupyter_workflows-{VERSION}-py3-none-any.whl"


@pytest.fixture(scope="module")
def dist() -> Path:
    """The sdist and the wheel of this checkout, made as a release would make them: ``python -m build``."""
    outdir = BUILD / "test-dist"
    shutil.rmtree(outdir, ignore_errors=True)
    run([sys.executable, "-m", "build", "--outdir", outdir, PROJECT])
    return outdir


def test_build_makes_an_sdist_and_a_wheel_of_this_version(dist):
    assert {path.name for path in dist.iterdir()} == {f"{SDIST_NAME}.tar.gz", WHEEL_NAME}


def test_the_sdist_holds_the_sources_the_docs_and_the_tutorials(dist):
    with tarfile.open(dist / f"{SDIST_NAME}.tar.gz") as sdist:
        names = {name.removeprefix(f"{SDIST_NAME}/") for name in sdist.getnames()}
    for needed in ("README.md", "CHANGELOG.md", "setup.cfg", "setup.py", "pyproject.toml", "MANIFEST.in",
                   "jupyter_workflows/py.typed", "jupyter_workflows/_version.py", "docs/design.md",
                   "notebooks/01-getting-started.ipynb"):  # fmt: skip
        assert needed in names, needed
    tutorials = {path.relative_to(PROJECT).as_posix() for path in (PROJECT / "notebooks").glob("*.ipynb")}
    assert tutorials <= names
    assert "LICENSE" in names
    # The tests need this checkout's services, kernels and scripts: they are not part of a source release.
    assert not [name for name in names if name.startswith(("tests/", "wip/", "benchmarks/", "docs/_build/"))]
    assert not [name for name in names if "__pycache__" in name or ".ipynb_checkpoints" in name]


def test_the_wheel_holds_the_package_typed_and_no_tests(dist):
    with zipfile.ZipFile(dist / WHEEL_NAME) as wheel:
        names = set(wheel.namelist())
        metadata = wheel.read(f"jupyter_workflows-{VERSION}.dist-info/METADATA").decode()
        entry_points = wheel.read(f"jupyter_workflows-{VERSION}.dist-info/entry_points.txt").decode()
    assert "jupyter_workflows/py.typed" in names
    dist_info = f"jupyter_workflows-{VERSION}.dist-info/"
    # setuptools >= 77 writes it to dist-info/licenses/ (PEP 639), older ones to dist-info/.
    assert {f"{dist_info}licenses/LICENSE", f"{dist_info}LICENSE"} & names
    assert "jupyter_workflows/testing/__init__.py" in names  # the public test harness is part of the package
    top = {"jupyter_workflows", f"jupyter_workflows-{VERSION}.dist-info", f"jupyter_workflows-{VERSION}.data"}
    assert {name.split("/")[0] for name in names} <= top  # .data: the prebuilt labextension, once built
    assert f"\nVersion: {VERSION}\n" in metadata
    assert "\nLicense: BSD-3-Clause\n" in metadata and "\nLicense-File: LICENSE\n" in metadata
    assert "jupyter-workflows = jupyter_workflows.cli:main" in entry_points


def test_the_installed_wheel_runs_the_getting_started_tutorial(dist, tmp_path, monkeypatch):
    python = fresh_venv(BUILD / "test-venvs" / "wheel")
    pip_install(python, str(dist / WHEEL_NAME))
    site = run([python, "-c", "import jupyter_workflows as jw; print(jw.__file__)"], cwd=tmp_path).strip()
    assert site.startswith(str(python.parent.parent)) and "site-packages" in site  # installed, not this checkout
    cli = run([python.parent / "jupyter-workflows", "--version"], cwd=tmp_path)
    assert VERSION in cli

    register_kernel(python, "jw-wheel", tmp_path / "jupyter", monkeypatch)
    check = "import jupyter_workflows as jw, sys\nprint(jw.__version__, jw.__file__, sys.prefix)"
    executed = run_tutorial("01-getting-started.ipynb", "jw-wheel", store=tmp_path / "p.sqlite", extra_cells=[check])
    code = [cell for cell in executed.cells if cell.cell_type == "code"]
    assert cell_text(code[0]) == "<Int: pk=4 value=3>\n"  # the cell that imports the package runs a calcfunction
    assert any("image/svg+xml" in output.get("data", {}) for cell in code for output in cell.outputs)  # jw.graph
    version, module, prefix = cell_text(code[-1]).split()
    assert version == VERSION and module == site and Path(prefix) == python.parent.parent


def test_the_installed_wheel_gives_jupyter_the_panel_and_its_server_extension(dist, tmp_path):
    """``make test`` builds the labextension before the wheel; installed into a fresh venv (with JupyterLab), both
    halves of the Workflows panel are listed enabled and OK, as a user checks them."""
    if not (PROJECT / "jupyter_workflows" / "labextension" / "package.json").exists():
        pytest.fail(
            "The labextension is not built, so the wheel cannot carry it: run `make labextension` (make test does)."
        )
    python = fresh_venv(BUILD / "test-venvs" / "wheel-lab")
    pip_install(python, str(dist / WHEEL_NAME), "jupyterlab>=4.4")
    env = {"JUPYTER_CONFIG_DIR": str(tmp_path / "config"), "JUPYTER_DATA_DIR": str(tmp_path / "data")}
    servers = uncoloured(run([python.parent / "jupyter", "server", "extension", "list"], cwd=tmp_path, env=env))
    assert re.search(r"^\s*jupyter_workflows\.server enabled$", servers, re.M), servers
    assert re.search(r"^\s*jupyter_workflows\.server\s.*OK$", servers, re.M), servers
    labs = uncoloured(run([python.parent / "jupyter", "labextension", "list"], cwd=tmp_path, env=env))
    built = json.loads((PROJECT / "jupyter_workflows" / "labextension" / "package.json").read_text())
    listed = [line for line in labs.splitlines() if line.strip().startswith("jupyter-workflows ")]
    assert listed and f"v{built['version']}" in listed[0] and "enabled" in listed[0] and "OK" in listed[0], labs
    assert str(python.parent.parent) in labs  # found in the venv's share/jupyter, where the wheel put it


def uncoloured(text: str) -> str:
    """What ``jupyter ... list`` prints, without its ANSI colours."""
    return re.sub(r"\x1b\[[0-9;]*m", "", text)


def test_a_built_labextension_is_installed_where_jupyterlab_finds_it(tmp_path):
    """Once labextension/ is built (into jupyter_workflows/labextension), the wheel carries it as data files."""
    source = tmp_path / "source"
    skipped = shutil.ignore_patterns(".*", "build", "dist", "*.egg-info", "tests", "benchmarks", "wip", "__pycache__",
                                     "_build", "labextension", "jupyter-config")  # fmt: skip
    shutil.copytree(PROJECT, source, ignore=skipped)  # the checkout as a clean clone has it, without a labextension
    built = source / "jupyter_workflows" / "labextension"
    (built / "static").mkdir(parents=True)
    (built / "package.json").write_text(json.dumps({"name": "jupyter-workflows", "version": "0.1.0"}))
    (built / "static" / "remoteEntry.abc123.js").write_text("// prebuilt\n")
    (source / "jupyter-config" / "jupyter_server_config.d").mkdir(parents=True)
    (source / "jupyter-config" / "jupyter_server_config.d" / "jupyter_workflows.json").write_text("{}\n")

    run([sys.executable, "-m", "build", "--outdir", tmp_path / "dist", source])  # the wheel is built from the sdist
    with zipfile.ZipFile(tmp_path / "dist" / WHEEL_NAME) as wheel:
        data = {name for name in wheel.namelist() if ".data/" in name}
    prefix = f"jupyter_workflows-{VERSION}.data/data/"
    assert data == {
        f"{prefix}share/jupyter/labextensions/jupyter-workflows/package.json",
        f"{prefix}share/jupyter/labextensions/jupyter-workflows/static/remoteEntry.abc123.js",
        f"{prefix}etc/jupyter/jupyter_server_config.d/jupyter_workflows.json",
    }
