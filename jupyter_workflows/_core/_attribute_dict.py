"""Dicts whose keys are also attributes: ``self.ctx`` (an AttributeDict) and ``self.inputs`` (frozen)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from ._errors import UsageError

__all__ = ["AttributeDict", "FrozenAttributeDict", "frozen_tree"]


class AttributeDict(dict[str, Any]):
    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            if name.startswith("__"):
                raise AttributeError(name) from None
            known = ", ".join(sorted(self)) or "nothing yet"
            raise AttributeError(f"{name!r} is not set; it holds: {known}.") from None

    def __setattr__(self, name: str, value: Any) -> None:
        self[name] = value

    def __delattr__(self, name: str) -> None:
        try:
            del self[name]
        except KeyError:
            raise AttributeError(name) from None

    def __dir__(self) -> list[str]:
        return [*super().__dir__(), *self.keys()]

    def __getstate__(self) -> dict[str, Any]:
        return dict(self)

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.update(state)

    def set_path(self, path: str, value: Any) -> None:
        """Set a dotted key ('a.b.c'), creating nested AttributeDicts on the way. UsageError if a key on the way holds
        something else than a dict (a key cannot be both a value and a namespace)."""
        *parents, last = path.split(".")
        target = self
        for depth, part in enumerate(parents):
            target = target.setdefault(part, AttributeDict())
            if not isinstance(target, dict):
                held = ".".join(parents[: depth + 1])
                raise UsageError(
                    f"Cannot set '{path}': '{held}' holds a {type(target).__name__}, not a namespace of keys. Use "
                    f"another key than '{path}', or keep '{held}' a namespace."
                )
        target[last] = value

    def get_path(self, path: str, default: Any = None) -> Any:
        target: Any = self
        for part in path.split("."):
            if not isinstance(target, dict) or part not in target:
                return default
            target = target[part]
        return target


class FrozenAttributeDict(Mapping[str, Any]):
    """A read-only mapping whose keys are also attributes: a process's ``self.inputs`` (AiiDA's
    ``AttributesFrozendict``). The inputs are recorded in the provenance, so changing them would make it lie;
    :meth:`thawed` gives a changeable copy."""

    __slots__ = ("_items",)

    def __init__(self, items: Mapping[str, Any] = ()) -> None:  # type: ignore[assignment]
        object.__setattr__(self, "_items", dict(items))

    def __getitem__(self, key: str) -> Any:
        return self._items[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __getattr__(self, name: str) -> Any:
        try:
            return self._items[name]
        except KeyError:
            if name.startswith("__"):
                raise AttributeError(name) from None
            if name in _MUTATORS:
                raise AttributeError(f"{name}() would change the inputs of a process; {_THAW}") from None
            known = ", ".join(sorted(self._items)) or "nothing"
            raise AttributeError(f"{name!r} is not set; it holds: {known}.") from None

    def __setitem__(self, key: str, value: Any) -> None:
        raise TypeError(_FROZEN.format(key=key))

    def __delitem__(self, key: str) -> None:
        raise TypeError(_FROZEN.format(key=key))

    def __setattr__(self, name: str, value: Any) -> None:
        raise TypeError(_FROZEN.format(key=name))

    def __delattr__(self, name: str) -> None:
        raise TypeError(_FROZEN.format(key=name))

    def __dir__(self) -> list[str]:
        return [*super().__dir__(), *self._items]

    def __repr__(self) -> str:
        return f"FrozenAttributeDict({self._items!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        return (FrozenAttributeDict, (self._items,))

    def get_path(self, path: str, default: Any = None) -> Any:
        """The value at a dotted key ('a.b.c'), or ``default``."""
        target: Any = self
        for part in path.split("."):
            if not isinstance(target, Mapping) or part not in target:
                return default
            target = target[part]
        return target

    def thawed(self) -> AttributeDict:
        """A changeable copy, namespaces included (AttributeDicts); the values themselves are not copied."""
        return AttributeDict({k: v.thawed() if isinstance(v, FrozenAttributeDict) else v for k, v in self.items()})


_THAW = "they are recorded as given. Keep what changes in self.ctx, or take a changeable copy: self.inputs.thawed()."
_FROZEN = "The inputs of a process cannot change ('{key}'): " + _THAW
_MUTATORS = frozenset({"pop", "popitem", "setdefault", "update", "clear"})


def frozen_tree(values: Mapping[str, Any]) -> FrozenAttributeDict:
    """``values`` with every dict in it, at any depth, as a FrozenAttributeDict."""
    return FrozenAttributeDict({k: frozen_tree(v) if isinstance(v, dict) else v for k, v in values.items()})
