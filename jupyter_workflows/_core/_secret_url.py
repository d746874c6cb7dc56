"""URLs that carry a password (a store's database, a message broker) and never show it.

Standard library only (and the package's errors), so that the store and the broker share one rule: the password in
the user part (``user:password@``) and in the query string (``?password=...``) is masked as ``***``.
"""

from __future__ import annotations

import re
from urllib.parse import quote_plus, unquote_plus, urlsplit

from ._errors import UsageError

__all__ = ["MASK", "SecretURL", "amqp_url", "redact_url", "scrub_secrets", "url_secrets"]

MASK = "***"
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


def _password_span(text: str) -> tuple[int, int] | None:
    """Where the password of the URL's user part is: from the first ":" after ``scheme://`` to the last "@" of the
    URL. A password that holds "/", "@", "?" or "#" not percent-encoded makes the URL unreadable, and is masked all
    the same; what follows a later "@" in the path or query is masked too rather than risk showing a password."""
    scheme = text.find("://")
    start = scheme + 3 if scheme >= 0 else 0
    end = len(text) if not (rest := text[start:].split(maxsplit=1)) else start + len(rest[0])
    at = text.rfind("@", start, end)
    colon = text.find(":", start, at) if at > 0 else -1
    return (colon + 1, at) if colon >= 0 and at > colon + 1 else None


def redact_url(text: str) -> str:
    """The URL with its password (in the user part or the query string) replaced by ``***``."""
    span = _password_span(text)
    if span is not None:
        text = text[: span[0]] + MASK + text[span[1] :]
    return _QUERY_SECRET.sub(rf"\g<key>{MASK}", text)


def url_secrets(text: str) -> list[str]:
    """Every password the URL holds, as written, decoded and URL-encoded; longest first, so that a secret containing
    another is masked whole."""
    span = _password_span(text)
    found = [text[span[0] : span[1]]] if span is not None else []
    found += [match["value"] for match in _QUERY_SECRET.finditer(text)]
    values = {variant for value in found for variant in (value, unquote_plus(value), quote_plus(unquote_plus(value)))}
    return sorted((value for value in values if value), key=len, reverse=True)


def scrub_secrets(text: str, url: str | SecretURL) -> str:
    """``text`` with every password that ``url`` holds, raw or URL-encoded, replaced by ``***``."""
    for secret in url_secrets(url.reveal() if isinstance(url, SecretURL) else url):
        text = text.replace(secret, MASK)
    return text


def amqp_url(url: object) -> SecretURL:
    """``url`` as a broker URL, checked: UsageError (its password hidden) if it is not an AMQP URL or cannot be read."""
    secret = SecretURL(url) if isinstance(url, (str, SecretURL)) else None
    if secret is None or not secret.reveal().startswith(("amqp://", "amqps://")):
        shown = str(secret) if secret is not None else repr(url)
        raise UsageError(
            f"The broker URL {shown} is not an AMQP URL: write amqp://user:password@host:5672/vhost "
            "(or amqps:// for TLS), for example amqp://guest:guest@127.0.0.1:5672/."
        )
    parts = urlsplit(secret.reveal())
    try:
        parts.port  # noqa: B018 (reading it checks it)
        unreadable = "@" in parts.path or "@" in parts.query or not parts.hostname
    except ValueError:
        unreadable = True
    if unreadable:
        raise UsageError(
            f"The broker URL {secret} cannot be read as amqp://user:password@host:port/vhost (a port is a number). If "
            "the password holds / @ : ? or #, percent-encode it: urllib.parse.quote(password, safe='')."
        )
    return secret
