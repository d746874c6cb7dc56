"""Where the provenance store lives by default, and how its URL is shown without secrets."""

from __future__ import annotations

import os
import re
from pathlib import Path
from urllib.parse import quote_plus

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

STORE_URL_ENV = "JUPYTER_WORKFLOWS_STORE"
"""Environment variable holding an SQLAlchemy URL that replaces the local SQLite file."""

_MASK = "***"
_SECRET_QUERY_KEYS = frozenset({"password", "passwd", "sslpassword"})
# For strings SQLAlchemy cannot parse: the password is whatever sits between "user:" and "@".
_USERINFO = re.compile(r"(?P<user>[^:/@\s]*):(?P<password>[^@/\s]+)@")


class SecretURL:
    """A store URL that never shows its password: ``repr`` and ``str`` redact it (so tracebacks, even under
    ``%xmode Verbose``, which prints every frame's locals, cannot leak it); :meth:`reveal` gives the text."""

    __slots__ = ("_text",)

    def __init__(self, text: str | SecretURL) -> None:
        self._text = text.reveal() if isinstance(text, SecretURL) else text

    def reveal(self) -> str:
        return self._text

    def __str__(self) -> str:
        return redact_url(self._text)

    def __repr__(self) -> str:
        return f"SecretURL({str(self)!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SecretURL) and other._text == self._text

    def __hash__(self) -> int:
        return hash(self._text)


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
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):  # ValueError: a port that is not a number
        return _USERINFO.sub(rf"\g<user>:{_MASK}@", str(url))
    # A placeholder that URL-encoding leaves alone, swapped for *** once the URL is rendered.
    placeholder = "JWREDACTEDSECRET"
    masked = {key: placeholder for key in parsed.query if key.lower() in _SECRET_QUERY_KEYS}
    if parsed.password is not None:
        parsed = parsed.set(password=placeholder)
    rendered = parsed.update_query_dict(masked).render_as_string(hide_password=False)
    return rendered.replace(placeholder, _MASK)


def scrub_secrets(text: str, url: str | URL) -> str:
    """``text`` with every password that ``url`` holds, raw or URL-encoded, replaced by ``***``."""
    for secret in _secrets(url):
        text = text.replace(secret, _MASK)
    return text


def _secrets(url: str | URL) -> list[str]:
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):
        return [match["password"] for match in _USERINFO.finditer(str(url))]
    values = [str(parsed.password)] if parsed.password else []
    for key, value in parsed.query.items():
        if key.lower() in _SECRET_QUERY_KEYS:
            values += [value] if isinstance(value, str) else list(value)
    encoded = [quote_plus(value) for value in values]
    # Longest first, so that a secret containing another is masked whole.
    return sorted({v for v in values + encoded if v}, key=len, reverse=True)
