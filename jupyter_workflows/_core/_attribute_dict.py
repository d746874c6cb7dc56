"""A dict whose keys are also attributes, for ``self.inputs`` and ``self.ctx``."""

from __future__ import annotations

from typing import Any

__all__ = ["AttributeDict"]


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
        """Set a dotted key ('a.b.c'), creating nested AttributeDicts on the way."""
        *parents, last = path.split(".")
        target = self
        for part in parents:
            target = target.setdefault(part, AttributeDict())
        target[last] = value

    def get_path(self, path: str, default: Any = None) -> Any:
        target: Any = self
        for part in path.split("."):
            if not isinstance(target, dict) or part not in target:
                return default
            target = target[part]
        return target
