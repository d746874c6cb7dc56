"""Broadcast subjects and the patterns that filter them, with AMQP topic rules (the same in every communicator).

A subject is dot-separated words (``state_changed.42``). In a pattern, ``*`` stands for exactly one word and ``#``
for zero or more: ``state_changed.*`` matches every state change, ``state_changed.42`` those of process 42 only.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable

from .._core import UsageError

__all__ = ["check_pattern", "check_subject", "subject_matches"]

_WORD = re.compile(r"[A-Za-z0-9_\-]+")
_MAX_LENGTH = 255  # AMQP's limit on a routing key


def check_subject(subject: object) -> str:
    """``subject`` if it is dot-separated words of letters, digits, ``_`` and ``-``; else UsageError."""
    return _checked(subject, "subject", lambda word: _WORD.fullmatch(word) is not None)


def check_pattern(pattern: object) -> str:
    """``pattern`` if it is a valid subject pattern (words, ``*``, ``#``); else UsageError."""
    return _checked(pattern, "subject pattern", lambda word: word in {"*", "#"} or _WORD.fullmatch(word) is not None)


def subject_matches(pattern: str, subject: str) -> bool:
    """Whether ``subject`` matches ``pattern`` (``*``: one word, ``#``: zero or more words)."""
    return _match(tuple(pattern.split(".")), tuple(subject.split(".")))


@functools.lru_cache(maxsize=4096)
def _match(pattern: tuple[str, ...], words: tuple[str, ...]) -> bool:
    if not pattern:
        return not words
    head, rest = pattern[0], pattern[1:]
    if head == "#":
        return any(_match(rest, words[skip:]) for skip in range(len(words) + 1))
    return bool(words) and head in {"*", words[0]} and _match(rest, words[1:])


def _checked(text: object, what: str, word_ok: Callable[[str], bool]) -> str:
    if not isinstance(text, str) or not text or len(text) > _MAX_LENGTH or not all(map(word_ok, text.split("."))):
        raise UsageError(
            f"Broadcast {what} {text!r} is not valid: write dot-separated words of letters, digits, '_' and '-'"
            + (" ('*' stands for one word, '#' for any number)" if what.endswith("pattern") else "")
            + f", at most {_MAX_LENGTH} characters."
        )
    return text
