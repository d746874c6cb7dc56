"""aiida-core 2.9.4 in a venv of its own (build/aiida-2.9.4, made once by scripts/ensure-aiida-peer.sh and reused)
with a profile of its own in a temporary AIIDA_PATH (``verdi presto``: SQLite storage, no broker): the other side of
the archive tests, driven through ``verdi`` and the scripts in ``aiida_side/``."""

from __future__ import annotations

import json
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from ..conftest import service_missing

ROOT = Path(__file__).resolve().parents[2]
AIIDA_VERSION = "2.9.4"
AIIDA_VENV = ROOT / "build" / f"aiida-{AIIDA_VERSION}"
AIIDA_SIDE = Path(__file__).resolve().parent / "aiida_side"
PROFILE = "jwtest"


@dataclass
class Aiida:
    """One AiiDA profile: run ``verdi`` and the scripts of ``aiida_side/`` in aiida-core's venv."""

    aiida_path: Path
    profile: str

    @property
    def environment(self) -> dict[str, str]:
        return {**os.environ, "AIIDA_PATH": str(self.aiida_path), "PYTHONWARNINGS": "ignore"}

    def verdi(self, *arguments: str, cwd: Path | None = None) -> str:
        return self._run([str(AIIDA_VENV / "bin" / "verdi"), "-p", self.profile, *arguments], cwd)

    def script(self, name: str, *arguments: str, cwd: Path | None = None) -> str:
        return self._run([str(AIIDA_VENV / "bin" / "python"), str(AIIDA_SIDE / name), *arguments], cwd)

    def dump(self) -> dict[str, Any]:
        """Every node, link and log of the profile, as aiida-core reads them (``aiida_side/profile.py dump``)."""
        return json.loads(self.script("profile.py", "dump", self.profile))

    def _run(self, command: list[str], cwd: Path | None) -> str:
        done = subprocess.run(
            command, env=self.environment, cwd=cwd, capture_output=True, text=True, timeout=600, check=False
        )
        assert done.returncode == 0, f"{' '.join(command)} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
        return done.stdout


def ensure_aiida_profile(aiida_path: Path, profile: str) -> Aiida:
    """The venv (made once, reused) and a profile in ``aiida_path``; a skip (CI: a failure) when pip cannot get it."""
    done = subprocess.run(
        [str(ROOT / "scripts" / "ensure-aiida-peer.sh"), str(AIIDA_VENV), str(aiida_path), AIIDA_VERSION, profile],
        capture_output=True,
        text=True,
        timeout=1200,
        check=False,
    )
    if done.returncode != 0:
        service_missing(f"aiida-core {AIIDA_VERSION}", f"its venv could not be made:\n{done.stdout}\n{done.stderr}")
    return Aiida(aiida_path, profile)


@pytest.fixture(scope="session")
def aiida(tmp_path_factory: pytest.TempPathFactory) -> Aiida:
    """A profile for the whole session: tests tell their nodes apart by uuid."""
    return ensure_aiida_profile(tmp_path_factory.mktemp("aiida-home"), PROFILE)


@pytest.fixture(scope="session")
def aiida_archive(aiida: Aiida, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str], dict]:
    """An archive made by aiida-core (``aiida_side/make_archive.py``) in a profile of its own: (path, the uuids of
    its notable nodes, what that profile holds as aiida-core reads it)."""
    maker = ensure_aiida_profile(tmp_path_factory.mktemp("aiida-maker"), "maker")
    path = tmp_path_factory.mktemp("archives") / "made-by-aiida.aiida"
    uuids = json.loads(maker.script("make_archive.py", maker.profile, str(path)).strip().splitlines()[-1])
    return path, uuids, maker.dump()
