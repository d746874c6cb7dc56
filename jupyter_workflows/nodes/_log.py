"""``node.base.log``: a process's reports as log entries, shaped like AiiDA's ``Log`` objects."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from operator import attrgetter
from typing import Any, ClassVar

from .._core import REPORT_LOGGER_NAME, UsageError
from ._node import Node
from ._process_node import ProcessNode

__all__ = ["LogCollection", "LogEntry", "NodeLog"]


@dataclass(frozen=True)
class LogEntry:
    """One entry of a node's log (a ``self.report(...)`` of its process): when, how severe, what. AiiDA's ``Log``:
    ``LogEntry.collection.get_logs_for(node)`` reads a node's log as ``orm.Log.collection.get_logs_for(node)``
    does."""

    collection: ClassVar[LogCollection]

    time: datetime
    levelname: str
    message: str
    loggername: str = REPORT_LOGGER_NAME
    dbnode_id: int | None = None
    metadata: dict[str, Any] = field(default_factory=dict)


class NodeLog:
    """The log of a node: ``get_logs()``, oldest first (for a process running here, also what it has not stored)."""

    def __init__(self, node: Node) -> None:
        self._node = node

    def get_logs(self) -> list[LogEntry]:
        node = self._node
        if isinstance(node, ProcessNode):
            reports = node.reports
        elif node.pk is not None:
            reports = node.provenance_store.get_reports(node.pk)
        else:
            reports = []
        return [
            LogEntry(datetime.fromtimestamp(r.time, timezone.utc), r.levelname, r.message, dbnode_id=node.pk)
            for r in reports
        ]


_ORDER_FIELDS = ("time", "levelname", "message", "loggername", "dbnode_id")


class LogCollection:
    """``LogEntry.collection``, AiiDA's ``Log.collection``: the log entries of nodes."""

    def get_logs_for(self, entity: Node, order_by: Sequence[Any] | Mapping[str, str] | None = None) -> list[LogEntry]:
        """The log entries of ``entity``, oldest first, or sorted by ``order_by`` as AiiDA's: ``{field: 'asc' or
        'desc'}`` mappings or ``(field, direction)`` pairs (one, or a list), over ``time``, ``levelname``,
        ``message``, ``loggername`` and ``dbnode_id``."""
        if not isinstance(entity, Node):
            raise UsageError(f"Only nodes have logs; got {type(entity).__name__} {entity!r}.")
        logs = entity.base.log.get_logs()
        for name, descending in reversed(_order_keys(order_by)):  # stable sorts, last key first
            logs.sort(key=attrgetter(name), reverse=descending)
        return logs


def _order_keys(order_by: Sequence[Any] | Mapping[str, str] | None) -> list[tuple[str, bool]]:
    """(field, descending) pairs of an AiiDA ``order_by``."""
    if order_by is None:
        return []
    items = [order_by] if isinstance(order_by, (Mapping, tuple)) else list(order_by)
    pairs = [pair for item in items for pair in (item.items() if isinstance(item, Mapping) else [item])]
    keys = []
    for name, direction in pairs:
        if name not in _ORDER_FIELDS or str(direction).lower() not in ("asc", "desc"):
            raise UsageError(
                f"Cannot order log entries by {name!r} {direction!r}: order_by takes {{field: 'asc' or 'desc'}} "
                f"with a field of {', '.join(_ORDER_FIELDS)}."
            )
        keys.append((name, str(direction).lower() == "desc"))
    return keys


LogEntry.collection = LogCollection()
