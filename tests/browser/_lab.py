"""JupyterLab (or Notebook 7) for browser tests: a server on a free port with its own config, runtime, workspace and
settings directories (nothing from ~/.jupyter, no restored tabs), and the page helpers every test needs."""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run",
]  # fmt: skip


@dataclass
class Lab:
    url: str
    token: str
    root: Path
    log: Path
    app: str  # "jupyterlab" or "notebook" (Notebook 7 loads the same widget front end)

    def notebook_url(self, name: str) -> str:
        where = "lab/tree" if self.app == "jupyterlab" else "notebooks"
        return f"{self.url}/{where}/{name}?token={self.token}"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _write_settings(settings: Path, comms_over_subshells: str) -> None:
    """User settings: how comms reach the kernel, and no news toasts over the page."""
    plugin = settings / "@jupyterlab" / "apputils-extension"
    plugin.mkdir(parents=True, exist_ok=True)
    (plugin / "kernels-settings.jupyterlab-settings").write_text(
        json.dumps({"commsOverSubshells": comms_over_subshells})
    )
    (plugin / "notification.jupyterlab-settings").write_text(
        json.dumps({"fetchNews": "false", "checkForUpdates": False})
    )


@contextmanager
def jupyter_lab(
    tmp: Path,
    notebooks: list[Path],
    env: dict[str, str],
    *,
    comms_over_subshells: str = "perCommTarget",
    app: str = "jupyterlab",
    python: str = sys.executable,
) -> Iterator[Lab]:
    """Start JupyterLab (``app="notebook"``: Notebook 7) of the environment of ``python``, serving copies of
    ``notebooks`` from a fresh root directory; stop it (and its kernels) afterwards."""
    root = tmp / "root"
    root.mkdir()
    for notebook in notebooks:
        shutil.copy(notebook, root / notebook.name)
    dirs = {name: tmp / name.lower() for name in ("JUPYTER_CONFIG_DIR", "JUPYTER_RUNTIME_DIR",
                                                   "JUPYTERLAB_WORKSPACES_DIR", "JUPYTERLAB_SETTINGS_DIR")}  # fmt: skip
    for directory in dirs.values():
        directory.mkdir()
    _write_settings(dirs["JUPYTERLAB_SETTINGS_DIR"], comms_over_subshells)
    port, token = _free_port(), uuid.uuid4().hex
    bin_dir = str(Path(python).parent)
    server_env = {**os.environ, **env, **{k: str(v) for k, v in dirs.items()}}
    server_env["PATH"] = bin_dir + os.pathsep + server_env.get("PATH", "")
    command = [
        *(python, "-m", app, "--no-browser", f"--port={port}", "--ServerApp.ip=127.0.0.1"),
        *(f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}", "--ServerApp.port_retries=0"),
    ]
    if os.geteuid() == 0:
        command.append("--allow-root")  # otherwise the server exits at once as root
    log = tmp / "jupyterlab.log"
    with (
        log.open("w") as log_file,
        subprocess.Popen(command, stdout=log_file, stderr=subprocess.STDOUT, env=server_env, cwd=root) as server,
    ):
        lab = Lab(url=f"http://127.0.0.1:{port}", token=token, root=root, log=log, app=app)
        try:
            _wait_for_server(lab, server)
            yield lab
        finally:
            server.terminate()  # shuts its kernels down too
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait(timeout=10)


def _wait_for_server(lab: Lab, server: subprocess.Popen[Any], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"JupyterLab exited with {server.returncode}:\n{lab.log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"{lab.url}/api/status?token={lab.token}", timeout=2) as answer:
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"JupyterLab did not answer in {timeout} s:\n{lab.log.read_text()[-3000:]}")


def open_and_run_all(page: Any, lab: Lab, name: str) -> None:
    """Open a notebook, wait for its kernel to be idle, then Run All Cells (through the menu, as a user does).

    An idle indicator can show before the kernel connection is really ready, and then Run All does nothing (or asks
    for a kernel): so check that every cell ran, and ask again if one did not.
    """
    page.goto(lab.notebook_url(name))
    page.wait_for_selector(".jp-NotebookPanel .jp-Cell", timeout=60_000)
    if lab.app == "jupyterlab":
        # Waiting for the toolbar's indicator is not enough: Run All can still raise a "Select Kernel" dialog then.
        page.wait_for_selector("#jp-main-statusbar >> text=Idle", timeout=60_000)
    else:  # Notebook 7 has no status bar: its kernel indicator says idle
        page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']", timeout=60_000)
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    prompts = page.locator(".jp-Cell .jp-InputPrompt")
    for _ in range(4):
        _accept_kernel_dialog(page, timeout=500)  # one that showed after the last try, over the menu
        try:  # a "Select Kernel" dialog that shows meanwhile takes the click: accept it and try again
            page.click(".lm-MenuBar-itemLabel:text-is('Run')", timeout=5_000)
            page.click(".lm-Menu-itemLabel:text-is('Run All Cells')", timeout=5_000)
        except PlaywrightTimeout:
            page.keyboard.press("Escape")  # an open menu
            continue
        # Until every cell has run (each prompt shows its number; the cells of these notebooks are quick): queued
        # cells ("[*]") may wait behind a dialog that asks for a kernel (accepted here), and on a loaded machine
        # Notebook 7 may drop the cells after the first (then the next try runs them all again).
        deadline = time.monotonic() + 30
        while not (ran := _all_ran(prompts)) and time.monotonic() < deadline:
            _accept_kernel_dialog(page, timeout=200)
        if ran:
            return
    raise AssertionError("Run All Cells did not run the notebook (four tries)")


def _all_ran(prompts: Any) -> bool:
    return all(re.fullmatch(r"\[\d+\]:", text.strip()) for text in prompts.all_inner_texts())


def _accept_kernel_dialog(page: Any, timeout: float = 1500) -> bool:
    """Accept a "Select Kernel" dialog if one shows within ``timeout`` ms; say whether one did."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    dialog = page.locator(".jp-Dialog")
    try:
        dialog.wait_for(timeout=timeout)
    except PlaywrightTimeout:  # no dialog: the usual case
        return False
    if "Select Kernel" not in dialog.inner_text():
        return False
    dialog.locator("button.jp-mod-accept").click()
    return True
