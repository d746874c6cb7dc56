"""ToContext, append_ and assign_: how a WorkChain step waits for the processes it submitted."""

from __future__ import annotations

from typing import Any

from .._core import AttributeDict

__all__ = ["ToContext", "append_", "assign_"]


class _Append:
    __slots__ = ("node",)

    def __init__(self, node: Any) -> None:
        self.node = node


class _Assign:
    __slots__ = ("node",)

    def __init__(self, node: Any) -> None:
        self.node = node


def append_(node: Any) -> _Append:
    """Append the process (once terminated) to the list at this context key."""
    return _Append(node)


def assign_(node: Any) -> _Assign:
    """Put the process (once terminated) at this context key (the default)."""
    return _Assign(node)


class ToContext(AttributeDict):
    """Returned by a step: wait until these processes terminated, then put their nodes into ``self.ctx``.

    ``return ToContext(child=self.submit(Child, ...))``, ``ToContext(children=append_(node))``, or a list of
    nodes, ``ToContext(children=[self.submit(Child, x=x) for x in xs])`` (the key then holds their nodes in that
    order; aiida-core takes one node per key); keys may be dotted ('results.first') to fill nested context entries.
    """


def awaited(key: str, value: Any) -> tuple[str, Any, str]:
    """(key, node, mode) for one ToContext entry; mode is 'append' or 'assign'."""
    if isinstance(value, _Append):
        return key, value.node, "append"
    if isinstance(value, _Assign):
        return key, value.node, "assign"
    return key, value, "assign"
