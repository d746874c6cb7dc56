"""How many processes a worker runs at once: a slot is taken before a process is claimed, and given back when its
task ends (terminated, or handed over)."""

from __future__ import annotations

from collections.abc import Callable

__all__ = ["Slots"]


class Slots:
    """``size`` slots. ``on_change()`` is called whenever one is taken or given back (and when they close)."""

    def __init__(self, size: int, on_change: Callable[[], None] = lambda: None) -> None:
        self.size = size
        self.used = 0
        self.closed = False  # the worker stops: no slot is given any more
        self._on_change = on_change

    def __repr__(self) -> str:
        return f"<Slots {self.used}/{self.size}{' closed' if self.closed else ''}>"

    @property
    def full(self) -> bool:
        return self.used >= self.size

    def take(self) -> bool:
        """Take a free slot (True); False when all are used or the worker stops."""
        if self.closed or self.full:
            return False
        self.used += 1
        self._on_change()
        return True

    def give(self) -> None:
        self.used -= 1
        self._on_change()

    def close(self) -> None:
        self.closed = True
        self._on_change()
