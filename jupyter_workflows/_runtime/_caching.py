"""Which processes may take their result from the cache: ``jw.configure(caching=...)`` rules, and
``enable_caching()`` / ``disable_caching()`` blocks on top of them (AiiDA's ``aiida.manage.caching``).

A process is named by its identifier, ``module.qualname`` of its code (``__main__.add`` for a function defined in a
notebook, ``mypackage.workflows.MyCalculation`` for a class). Patterns match identifiers whole, with ``*`` for any
text (``*.add``, ``mypackage.*``). Caching is off unless enabled.
"""

from __future__ import annotations

import importlib
import re
import threading
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from .._core import Process, UsageError

__all__ = ["configure_caching", "disable_caching", "enable_caching", "identifier_of", "use_cache"]

_PATTERN = re.compile(r"[\w.*<>:]+")


@dataclass(frozen=True, eq=False)
class _Rule:
    pattern: str  # "*" matches every identifier
    enabled: bool
    regex: re.Pattern[str]


class _Rules:
    """The configured rules and the blocks open now (innermost last). Blocks are shared by every thread, as AiiDA's:
    a run passed to the loop's thread from another one follows the block its caller opened."""

    def __init__(self) -> None:
        self.configured: tuple[_Rule, ...] = ()
        self.blocks: tuple[_Rule, ...] = ()
        self.lock = threading.Lock()


_RULES = _Rules()


def identifier_of(process: Any) -> str:
    """The caching identifier of a process function, a Process class, or a pattern (checked, returned as it is)."""
    candidate = getattr(process, "process_class", process)
    if isinstance(candidate, type) and issubclass(candidate, Process):
        return candidate.build_process_type()
    if not isinstance(process, str):
        raise UsageError(
            f"A caching identifier is a process function, a process class or a pattern such as '*.add' or "
            f"'mypackage.*', not {type(process).__name__} {process!r}."
        )
    if not _PATTERN.fullmatch(process) or not process.strip("."):
        raise UsageError(
            f"{process!r} is not a caching identifier: write module.qualname of a process function or class "
            "('__main__.add' for one defined in a notebook, 'mypackage.calculations.add'), with * for any text "
            "('*.add', 'mypackage.*'), or pass the function or class itself."
        )
    return process


def use_cache(identifier: str) -> bool:
    """Whether a process of this identifier may take its result from the cache now: the innermost open block that
    names it (or all) decides; else the most specific configured rule that matches; else False."""
    for rule in reversed(_RULES.blocks):
        if rule.regex.fullmatch(identifier):
            return rule.enabled
    matching = [rule for rule in _RULES.configured if rule.regex.fullmatch(identifier)]
    if not matching:
        return False
    if len(matching) == 1:
        return matching[0].enabled
    return _most_specific(identifier, matching).enabled


def _most_specific(identifier: str, matching: list[_Rule]) -> _Rule:
    """The matching rule whose pattern every other matching pattern also matches (AiiDA's rule)."""
    specific = [rule for rule in matching if all(other.regex.fullmatch(rule.pattern) for other in matching)]
    if len({rule.enabled for rule in specific}) == 1:
        return specific[0]
    shown = ", ".join(f"{rule.pattern!r}: {rule.enabled}" for rule in matching)
    raise UsageError(
        f"The caching configuration is ambiguous for {identifier!r}: it matches {shown}, and none of them is more "
        "specific than the others. Add a rule for that identifier itself: jw.configure(caching={...})."
    )


def _rule(identifier: Any, enabled: bool, *, strict: bool = False) -> _Rule:
    pattern = "*" if identifier is None else identifier_of(identifier)
    if strict and isinstance(identifier, str) and "*" not in pattern:
        _check_importable(pattern)
    regex = re.compile(".*".join(re.escape(part) for part in pattern.split("*")))
    return _Rule(pattern, enabled, regex)


def _check_importable(identifier: str) -> None:
    """``strict=True``: the identifier must name something importable (module, then attribute path)."""
    parts = identifier.split(".")
    for split in range(len(parts) - 1, 0, -1):
        try:
            found: Any = importlib.import_module(".".join(parts[:split]))
        except ImportError:
            continue
        try:
            for name in parts[split:]:
                found = getattr(found, name)
        except AttributeError:
            break
        return
    raise UsageError(
        f"The caching identifier {identifier!r} names nothing importable (strict=True); check its spelling, or pass "
        "the process function or class itself."
    )


@contextmanager
def _block(identifier: Any, enabled: bool, strict: bool) -> Iterator[None]:
    rule = _rule(identifier, enabled, strict=strict)
    with _RULES.lock:
        _RULES.blocks = (*_RULES.blocks, rule)
    try:
        yield
    finally:
        with _RULES.lock:  # its own rule only: blocks of concurrent tasks may close in any order
            _RULES.blocks = tuple(block for block in _RULES.blocks if block is not rule)


@contextmanager
def enable_caching(*, identifier: Any = None, strict: bool = False) -> Iterator[None]:
    """Inside the block (or the decorated function), runs of calculations take their result from the cache when a
    finished run of the same code on the same inputs exists: all of them, or those of ``identifier`` (a process
    function, a process class, or a pattern such as ``'*.add'``). ``strict``: the identifier must be importable."""
    with _block(identifier, True, strict):
        yield


@contextmanager
def disable_caching(*, identifier: Any = None, strict: bool = False) -> Iterator[None]:
    """Inside the block (or the decorated function), runs never take their result from the cache: none of them, or
    none of ``identifier`` (a process function, a process class, or a pattern such as ``'*.add'``)."""
    with _block(identifier, False, strict):
        yield


def configure_caching(caching: Any) -> None:
    """The standing rules: True/False for every process, identifiers (or patterns) to enable, or a mapping of
    identifiers (or patterns) to True/False, where ``'*'`` gives the default and the most specific pattern wins."""
    if isinstance(caching, bool):
        rules = [_rule(None, caching)]
    elif isinstance(caching, Mapping):
        rules = []
        for identifier, enabled in caching.items():
            if not isinstance(enabled, bool):
                raise UsageError(
                    f"jw.configure(caching={{...}}) maps identifiers to True or False; {identifier!r} maps to "
                    f"{type(enabled).__name__} {enabled!r}."
                )
            rules.append(_rule(None if identifier == "*" else identifier, enabled))
    elif isinstance(caching, Iterable) and not isinstance(caching, str):
        rules = [_rule(identifier, True) for identifier in caching]
    else:
        raise UsageError(
            f"jw.configure(caching=...) takes True, False, a list of process functions, classes or patterns to "
            f"cache, or a mapping of them to True/False; got {type(caching).__name__} {caching!r}."
        )
    with _RULES.lock:
        _RULES.configured = tuple(rules)
