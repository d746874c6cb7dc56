"""scripts/ensure-system-deps.sh installs a Debian package only when what it provides is missing (checked with
--dry-run, which changes nothing), and is silent when everything is there."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[2]
SCRIPT = PROJECT / "scripts" / "ensure-system-deps.sh"


def ensure(*args: str, path: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PATH": path} if path else None
    return subprocess.run([str(SCRIPT), *args], env=env, capture_output=True, text=True, check=False)


def test_what_is_found_is_not_installed():
    done = ensure("--dry-run")
    assert done.returncode == 0, done.stderr
    missing = [
        package
        for package, found in [
            ("graphviz", shutil.which("dot")),
            ("chromium", os.access("/usr/bin/chromium", os.X_OK)),
            ("postgresql", shutil.which("pg_ctlcluster") and list(Path("/usr/lib/postgresql").glob("*/bin/postgres"))),
            ("rabbitmq-server", shutil.which("rabbitmq-server") or os.access("/usr/sbin/rabbitmq-server", os.X_OK)),
        ]
        if not found
    ]
    expected = f"would apt-get install {' '.join(missing)}" if missing else "nothing to install"
    assert expected in done.stdout


def test_programs_not_on_path_are_installed(tmp_path):
    """With a PATH that has only a shell and coreutils, `dot` and PostgreSQL's tools count as missing."""
    for tool in ("bash", "ls", "sort", "tail", "id", "cat"):
        (tmp_path / tool).symlink_to(shutil.which(tool) or tool)
    done = ensure("--dry-run", "graphviz", "postgresql", path=str(tmp_path))
    assert done.returncode == 0, done.stderr
    assert done.stdout == "system-deps: would apt-get install graphviz postgresql\n"


def test_nothing_missing_is_silent_and_installs_nothing():
    assert shutil.which("dot"), "graphviz is needed by the suite: make system-deps"
    done = ensure("graphviz")
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")


def test_an_unknown_need_names_the_known_ones():
    done = ensure("postgres")
    assert done.returncode == 2
    assert "[graphviz|chromium|postgresql|rabbitmq]" in done.stderr
