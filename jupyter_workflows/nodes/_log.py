"""``node.base.log``: a process's reports as log entries, shaped like AiiDA's ``Log`` objects."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from .._core import REPORT_LOGGER_NAME
from ._node import Node
from ._process_node import ProcessNode

__all__ = ["LogEntry", "NodeLog"]


@dataclass(frozen=True)
class LogEntry:
    """One entry of a node's log (a ``self.report(...)`` of its process): when, how severe, what."""

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
