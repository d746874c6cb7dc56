"""Where the store lives by default, and how URLs are shown."""

from __future__ import annotations

import builtins
import sys
from pathlib import Path
from typing import Any

import pytest

from jupyter_workflows.store import default_store_url, redact_url
from jupyter_workflows.store._config import STORE_URL_ENV, scrub_secrets


def test_environment_variable_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(STORE_URL_ENV, " postgresql+psycopg://me@db.example/workflows ")
    assert default_store_url() == "postgresql+psycopg://me@db.example/workflows"


def test_default_is_sqlite_under_the_jupyter_data_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(STORE_URL_ENV, "")
    monkeypatch.setenv("JUPYTER_DATA_DIR", str(tmp_path / "data"))
    assert default_store_url() == f"sqlite:///{tmp_path / 'data' / 'workflows' / 'provenance.sqlite'}"


def test_default_without_jupyter_core(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    real_import = builtins.__import__

    def no_jupyter_core(name: str, *args: Any, **kwargs: Any) -> Any:
        if name.startswith("jupyter_core"):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.delenv(STORE_URL_ENV, raising=False)
    monkeypatch.delitem(sys.modules, "jupyter_core.paths", raising=False)
    monkeypatch.setattr(builtins, "__import__", no_jupyter_core)
    monkeypatch.delenv("JUPYTER_DATA_DIR", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert default_store_url() == f"sqlite:///{tmp_path}/.local/share/jupyter/workflows/provenance.sqlite"
    monkeypatch.setenv("JUPYTER_DATA_DIR", str(tmp_path / "jd"))
    assert default_store_url() == f"sqlite:///{tmp_path}/jd/workflows/provenance.sqlite"


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("postgresql+psycopg://me:pw@host:5432/db", "postgresql+psycopg://me:***@host:5432/db"),
        ("postgresql://me:p%40ss%2Fw@host/db", "postgresql://me:***@host/db"),
        ("postgresql://me@host/db?password=pw&sslmode=require", "postgresql://me@host/db?password=***&sslmode=require"),
        ("postgresql://me@host/db", "postgresql://me@host/db"),
        ("sqlite:////tmp/provenance.sqlite", "sqlite:////tmp/provenance.sqlite"),
        ("postgresql://me:pw@host:port/db", "postgresql://me:***@host:port/db"),
        ("postgresql//me:pw@host/db", "postgresql//me:***@host/db"),
    ],
)
def test_redact_url(url: str, shown: str) -> None:
    assert redact_url(url) == shown


def test_scrub_secrets_masks_raw_and_encoded_passwords() -> None:
    url = "postgresql://me:p@ss/w@host/db?sslpassword=key"
    text = "failed for p@ss/w (p%40ss%2Fw), key"
    assert scrub_secrets(text, "postgresql://me:p%40ss%2Fw@host/db?sslpassword=key") == "failed for *** (***), ***"
    assert "p@ss" not in scrub_secrets(text, url)
