"""Sphinx configuration: `make docs` builds the HTML into docs/_build/html, warnings as errors.

The API reference comes from the docstrings (autodoc); the tutorials are notebooks/*.ipynb, copied into
docs/tutorials/ and executed during the build (myst-nb) on a fresh SQLite store. See docs/about-these-docs.md.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent
PROJECT_ROOT = DOCS.parent
sys.path.insert(0, str(PROJECT_ROOT))  # document this checkout, whatever is installed

import jupyter_workflows  # noqa: E402

project = "jupyter_workflows"
author = "the jupyter_workflows developers"
copyright = "the jupyter_workflows developers"
release = jupyter_workflows.__version__
version = release

extensions = ["sphinx.ext.autodoc", "myst_nb"]
exclude_patterns = ["_build", "**/.ipynb_checkpoints"]
source_suffix = {".rst": "restructuredtext", ".md": "myst-nb", ".ipynb": "myst-nb"}
suppress_warnings = ["myst.header"]  # the changelog and design notes start below level 1 in places

# The API reference: signatures as written, type hints shown short, members in the order of the source.
autodoc_member_order = "bysource"
autodoc_typehints_format = "short"
autodoc_preserve_defaults = True
autodoc_default_options = {"members": True}
add_module_names = False

# The tutorials: copied fresh from notebooks/ at each build (docs/tutorials/ is generated, not kept in git), then
# executed in the `python3` kernel, so what the pages show is what this version of the code does. A cell that
# raises fails the build. Every notebook of the build writes to one fresh store, as one visitor's session would.
TUTORIALS = DOCS / "tutorials"
shutil.rmtree(TUTORIALS, ignore_errors=True)
TUTORIALS.mkdir()
for notebook in sorted((PROJECT_ROOT / "notebooks").glob("*.ipynb")):
    shutil.copy2(notebook, TUTORIALS / notebook.name)
STORE = DOCS / "_build" / "tutorials-store"
shutil.rmtree(STORE, ignore_errors=True)
STORE.mkdir(parents=True)
os.environ["JUPYTER_WORKFLOWS_STORE"] = f"sqlite:///{STORE / 'provenance.sqlite'}"
DAEMONS = DOCS / "_build" / "tutorials-daemons"  # 05-daemon starts (and stops) daemon workers: their files go here
os.environ["JUPYTER_WORKFLOWS_DAEMON_DIR"] = str(DAEMONS)
os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(PROJECT_ROOT), os.environ.get("PYTHONPATH")]))

nb_execution_mode = "force"
nb_execution_raise_on_error = True
nb_execution_timeout = 300
nb_merge_streams = True
# Widgets cannot be live without a kernel: pages show their static HTML form (the one nbconvert shows), and load
# no widget JavaScript from a CDN.
nb_mime_priority_overrides = [("html", "application/vnd.jupyter.widget-view+json", None)]
nb_ipywidgets_js: dict[str, dict[str, str]] = {}

myst_enable_extensions = ["colon_fence"]
myst_heading_anchors = 3

html_theme = "furo"
html_title = f"jupyter_workflows {release}"
html_static_path: list[str] = []


def _stop_tutorial_daemons(app: object, exception: BaseException | None) -> None:
    """A tutorial that failed half-way may leave its daemon running: stop it (its workers hand over and exit)."""
    import signal
    import time

    from jupyter_workflows.daemon._files import DaemonFiles

    for folder in DAEMONS.iterdir() if DAEMONS.is_dir() else []:
        files = DaemonFiles(folder.name, DAEMONS)
        pid = files.supervisor_pid()
        if pid is not None and pid > 0:
            os.kill(pid, signal.SIGTERM)
            deadline = time.monotonic() + 120
            while files.supervisor_pid() is not None and time.monotonic() < deadline:
                time.sleep(0.1)


def setup(app: object) -> None:
    app.connect("build-finished", _stop_tutorial_daemons)  # type: ignore[attr-defined]
