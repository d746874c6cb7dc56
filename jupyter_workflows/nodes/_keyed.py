"""What ``node.base.attributes`` and ``node.base.extras`` share: a node's named values, read like AiiDA's."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._node import Node

__all__ = ["NamedValues"]

_NO_DEFAULT: Any = object()


class NamedValues:
    """``get(key, default)``, ``get_many``, ``keys()``, ``items()``, ``in`` over ``all`` (a dict made by the
    subclass); ``noun`` names one value in messages ("attribute", "extra")."""

    noun = "value"

    def __init__(self, node: Node) -> None:
        self._node = node

    @property
    def all(self) -> dict[str, Any]:
        raise NotImplementedError

    def get(self, key: str, default: Any = _NO_DEFAULT) -> Any:
        """The value of ``key``; ``default`` if there is none, or AttributeError without a default."""
        values = self.all
        if key in values:
            return values[key]
        if default is _NO_DEFAULT:
            raise AttributeError(f"{self._node!r} has no {self.noun} {key!r}; it has: {', '.join(values) or 'none'}.")
        return default

    def get_many(self, keys: Iterable[str]) -> list[Any]:
        values = self.all
        return [values[key] if key in values else self.get(key) for key in keys]

    def keys(self) -> Iterator[str]:
        return iter(self.all)

    def items(self) -> Iterator[tuple[str, Any]]:
        return iter(self.all.items())

    def __contains__(self, key: object) -> bool:
        return key in self.all

    def __iter__(self) -> Iterator[str]:
        return self.keys()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.all!r}>"
