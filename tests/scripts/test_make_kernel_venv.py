"""An extra test kernel whose Python is not installed is skipped with a notice that names how to add it, so that
`make test` goes on; with CI=true it fails, since CI tests every kernel."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[2]
SCRIPT = PROJECT / "scripts" / "make-kernel-venv.sh"
MISSING = "3.99"  # no such Python, from pyenv or on PATH
KERNEL = "py399-ipykernel7"


def environment(ci: bool) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key != "CI"}
    return {**env, "CI": "true"} if ci else env


def make_kernel_venv(folder: Path, *, ci: bool) -> subprocess.CompletedProcess[str]:
    argv = [str(SCRIPT), str(folder), MISSING, "ipykernel>=7,<8"]
    return subprocess.run(argv, env=environment(ci), capture_output=True, text=True, check=False)


def make_kernels(tmp_path: Path, *, ci: bool) -> subprocess.CompletedProcess[str]:
    """`make kernels` with one extra kernel on the missing Python, and a stand-in project venv in tmp_path (a link to
    this interpreter and an install stamp newer than setup.cfg, so make installs nothing)."""
    venv = tmp_path / "venv"
    if not venv.exists():
        (venv / "bin").mkdir(parents=True)
        (venv / "bin" / "python").symlink_to(sys.executable)
        (tmp_path / "installed-stamp").touch()
    argv = ["make", "-C", str(PROJECT), "kernels", f"VENV={venv}", f"KERNELS_DIR={tmp_path / 'kernels'}",
            f"INSTALL_STAMP={tmp_path / 'installed-stamp'}", f"KERNEL_NAMES={KERNEL}",
            f"KERNEL_{KERNEL}={MISSING} ipykernel>=7,<8"]  # fmt: skip
    return subprocess.run(argv, env=environment(ci), capture_output=True, text=True, check=False)


def test_a_missing_python_skips_the_kernel_with_a_notice(tmp_path):
    done = make_kernel_venv(tmp_path / KERNEL, ci=False)
    assert done.returncode == 0, done.stderr
    assert f"kernels: SKIPPED {KERNEL}: no Python {MISSING} here" in done.stderr
    assert f"To add it: pyenv install {MISSING}" in done.stderr and "then make kernels" in done.stderr
    assert not (tmp_path / KERNEL).exists()  # nothing half-made


def test_with_ci_a_missing_python_fails(tmp_path):
    done = make_kernel_venv(tmp_path / KERNEL, ci=True)
    assert done.returncode == 1
    assert f"kernels: cannot make {KERNEL}: no Python {MISSING} here" in done.stderr
    assert f"CI=true tests every kernel: pyenv install {MISSING}" in done.stderr


def test_make_kernels_goes_on_without_that_python(tmp_path):
    done = make_kernels(tmp_path, ci=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"SKIPPED {KERNEL}" in done.stderr
    assert not (tmp_path / "venv" / "share" / "jupyter" / "kernels").exists()  # no kernel registered
    again = make_kernels(tmp_path, ci=False)  # idempotent: the notice again, still no failure
    assert again.returncode == 0 and f"SKIPPED {KERNEL}" in again.stderr


def test_make_kernels_fails_without_that_python_in_ci(tmp_path):
    done = make_kernels(tmp_path, ci=True)
    assert done.returncode != 0
    assert f"cannot make {KERNEL}" in done.stderr
