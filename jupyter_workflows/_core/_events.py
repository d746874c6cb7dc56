"""Push-based process events: state changes, pause flags, reports, steps, calls, outputs.

Widgets and other observers subscribe here instead of polling the store. Callbacks run synchronously on the
loop's thread, in the order they subscribed; one that raises is logged and never disturbs the engine.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

__all__ = ["EventBus", "ProcessEvent"]

_LOGGER = logging.getLogger("jupyter_workflows.events")


@dataclass(frozen=True, slots=True)
class ProcessEvent:
    """Something happened to process ``pk``.

    ``kind`` is one of ``"state"`` (data: ``old``, ``new``, ``committed``: whether the store holds it already,
    ``paused``; a terminal one has ``exit_status``), ``"paused"`` (data: ``paused``, ``state``), ``"report"``
    (data: ``levelname``, ``message``), ``"step"`` (data: ``step``), ``"called"`` (data: ``child``: the child's pk),
    ``"output"`` (data: ``label``), ``"status"`` (data: ``status``).
    """

    pk: int
    kind: str
    data: dict[str, Any] = field(default_factory=dict)


Callback = Callable[[ProcessEvent], None]


class EventBus:
    def __init__(self) -> None:
        self._everything: list[Callback] = []
        self._by_pk: dict[int, list[Callback]] = {}

    def subscribe(self, callback: Callback, *, pk: int | None = None) -> Callable[[], None]:
        """Call ``callback(event)`` for every event (or only those of process ``pk``); returns an unsubscriber."""
        bucket = self._everything if pk is None else self._by_pk.setdefault(pk, [])
        bucket.append(callback)

        def unsubscribe() -> None:
            if callback in bucket:
                bucket.remove(callback)
            if pk is not None and not bucket:
                self._by_pk.pop(pk, None)

        return unsubscribe

    @property
    def has_subscribers(self) -> bool:
        return bool(self._everything or self._by_pk)

    def publish(self, pk: int, kind: str, **data: Any) -> None:
        if not (self._everything or self._by_pk):
            return  # the hot path: nobody listens
        event = ProcessEvent(pk, kind, data)
        for callback in (*self._everything, *self._by_pk.get(pk, ())):
            try:
                callback(event)
            except Exception:
                _LOGGER.exception("A process event subscriber failed on %s", event)
