"""The one build step setup.cfg cannot say: ship the prebuilt JupyterLab extension, when it has been built.

Everything else (metadata, the version, dependencies) is in setup.cfg. `jlpm build` in labextension/ writes the
prebuilt extension to jupyter_workflows/labextension/ (package.json, static/, ...): every file there is installed,
keeping its sub-folders, under share/jupyter/labextensions/jupyter-workflows/, where JupyterLab and Notebook 7 find
it; files under jupyter-config/ (e.g. jupyter_server_config.d/jupyter_workflows.json) go to etc/jupyter/. Without a
built extension the wheel is made without it.
"""

from __future__ import annotations

from pathlib import Path

from setuptools import setup

LABEXTENSION_NAME = "jupyter-workflows"
# (folder in the source tree, where its files are installed relative to sys.prefix)
DATA_FOLDERS = (
    ("jupyter_workflows/labextension", f"share/jupyter/labextensions/{LABEXTENSION_NAME}"),
    ("jupyter-config", "etc/jupyter"),
)
_SKIPPED = {"__pycache__", "__init__.py", ".gitignore"}


def data_files(root: Path = Path()) -> list[tuple[str, list[str]]]:
    """``setup(data_files=...)``: each file of the data folders that exist, grouped by its target folder."""
    groups: dict[str, list[str]] = {}
    for source, target in DATA_FOLDERS:
        folder = root / source
        if source.endswith("labextension") and not (folder / "package.json").is_file():
            continue  # not built: nothing to ship
        for path in sorted(folder.rglob("*")):
            if path.is_file() and not _SKIPPED.intersection(path.relative_to(folder).parts):
                target_folder = Path(target) / path.parent.relative_to(folder)
                groups.setdefault(target_folder.as_posix(), []).append(path.relative_to(root).as_posix())
    return sorted(groups.items())


if __name__ == "__main__":  # setuptools' build backend runs this file as __main__; tests import data_files()
    setup(data_files=data_files())
