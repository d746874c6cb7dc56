"""Where the provenance store lives by default, and how its URL is shown without secrets."""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy.engine import URL

from .._core._secret_url import redact_url as core_redact_url, scrub_secrets as core_scrub_secrets

STORE_URL_ENV = "JUPYTER_WORKFLOWS_STORE"
"""Environment variable holding an SQLAlchemy URL that replaces the local SQLite file."""


def default_store_url() -> str:
    """``$JUPYTER_WORKFLOWS_STORE`` if set, else the SQLite file ``<jupyter data dir>/workflows/provenance.sqlite``."""
    configured = os.environ.get(STORE_URL_ENV, "").strip()
    if configured:
        return configured
    return f"sqlite:///{default_sqlite_path()}"


def default_sqlite_path() -> Path:
    """The local SQLite file used when ``$JUPYTER_WORKFLOWS_STORE`` is not set (its folder may not exist yet)."""
    return _jupyter_data_dir() / "workflows" / "provenance.sqlite"


def _jupyter_data_dir() -> Path:
    try:
        from jupyter_core.paths import jupyter_data_dir
    except ImportError:
        return Path(os.environ.get("JUPYTER_DATA_DIR") or "~/.local/share/jupyter").expanduser()
    return Path(jupyter_data_dir())


def redact_url(url: str | URL) -> str:
    """The URL as text with its password (in the user part or the query string) replaced by ``***``."""
    return core_redact_url(_text_of(url))


def scrub_secrets(text: str, url: str | URL) -> str:
    """``text`` with every password that ``url`` holds, raw or URL-encoded, replaced by ``***``."""
    return core_scrub_secrets(text, _text_of(url))


def _text_of(url: str | URL) -> str:
    return url.render_as_string(hide_password=False) if isinstance(url, URL) else str(url)
