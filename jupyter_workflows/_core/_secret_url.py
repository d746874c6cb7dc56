"""URLs that carry a password (a store's database, a message broker) and never show it.

Standard library only, so that the store and the broker share one rule: the password in the user part
(``user:password@``) and in the query string (``?password=...``) is masked as ``***``.
"""

from __future__ import annotations

import re
from urllib.parse import quote_plus, unquote_plus

__all__ = ["MASK", "SecretURL", "redact_url", "scrub_secrets", "url_secrets"]

MASK = "***"
# The password is whatever sits between "user:" and "@" (no "/" inside: that would be a path or a port).
_USERINFO = re.compile(r"(?P<user>[^:/@\s]*):(?P<password>[^@/\s]+)@")
_QUERY_SECRET = re.compile(r"(?P<key>[?&](?:password|passwd|sslpassword)=)(?P<value>[^&#\s]*)", re.IGNORECASE)


class SecretURL:
    """A URL that never shows its password: ``repr`` and ``str`` redact it (so tracebacks, even under
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


def redact_url(text: str) -> str:
    """The URL with its password (in the user part or the query string) replaced by ``***``."""
    text = _USERINFO.sub(rf"\g<user>:{MASK}@", text, count=1)
    return _QUERY_SECRET.sub(rf"\g<key>{MASK}", text)


def url_secrets(text: str) -> list[str]:
    """Every password the URL holds, as written, decoded and URL-encoded; longest first, so that a secret containing
    another is masked whole."""
    found = [match["password"] for match in _USERINFO.finditer(text)][:1]
    found += [match["value"] for match in _QUERY_SECRET.finditer(text)]
    values = {variant for value in found for variant in (value, unquote_plus(value), quote_plus(unquote_plus(value)))}
    return sorted((value for value in values if value), key=len, reverse=True)


def scrub_secrets(text: str, url: str | SecretURL) -> str:
    """``text`` with every password that ``url`` holds, raw or URL-encoded, replaced by ``***``."""
    for secret in url_secrets(url.reveal() if isinstance(url, SecretURL) else url):
        text = text.replace(secret, MASK)
    return text
