"""What the panel's REST API and WebSocket send: JSON shapes typed in one place, and how they are made from rows.

Version 1. Times are seconds since the epoch; a badge is the widgets' (same keys, same colours: ``widgets._style``).
"""

from __future__ import annotations

import json
from typing import Any, Literal, TypedDict

from .._runtime import Ownership, OwnerStatus
from ..store import NodeRow, ReportRow
from ..widgets._style import BADGES, badge_of

__all__ = [
    "API_VERSION",
    "Badge",
    "DataDetail",
    "Detail",
    "NodeRef",
    "Owner",
    "Page",
    "ProcessItem",
    "Report",
    "Status",
    "badge_colours",
    "node_ref",
    "process_item",
    "report_item",
]

API_VERSION = 1
VALUE_WIDTH = 120


class Badge(TypedDict):
    key: str  # "running", "paused", "failed", "orphaned", ...: the colour (see GET /status badges)
    text: str


class Owner(TypedDict):
    """Who runs a process, as the server sees it."""

    ownership: Literal["server", "elsewhere", "orphaned", "done"]  # server: this Jupyter server runs it (resumed)
    kind: str | None  # "kernel", "worker", "script"
    pid: int | None
    host: str | None
    kernel_id: str | None  # the kernel of this Jupyter server that runs it, if it is one
    text: str


class ProcessItem(TypedDict):
    pk: int
    uuid: str
    process_label: str
    label: str
    node_type: str
    state: str
    paused: bool
    exit_status: int | None
    exit_message: str | None
    status: str
    ctime: float
    mtime: float
    badge: Badge
    owner: Owner
    called: int  # how many processes it called (for the tree view)


class Page(TypedDict):
    items: list[ProcessItem]
    before: int | None  # pass as ?before= for the next (older) page; None: this is the last
    after: int | None  # pass as ?after= for the previous (newer) page; None: this is the first
    total: int | None  # how many match in all (only when asked: ?total=1)


class NodeRef(TypedDict):
    link_label: str
    pk: int
    uuid: str
    type: str  # "Int", "Dict", "WorkChainNode", ...
    value: str  # a short text of a data node's value; the label and state of a process


class Report(TypedDict):
    time: float
    level: str
    message: str


class DataDetail(TypedDict):
    """A data node (the panel opens one from the graph): its value, and the process that made it."""

    kind: Literal["data"]
    node: NodeRef
    creator: ProcessItem | None


class Detail(TypedDict):
    kind: Literal["process"]
    process: ProcessItem
    description: str
    step: str | None
    exception: str | None
    inputs: list[NodeRef]
    outputs: list[NodeRef]
    caller: ProcessItem | None
    reports: list[Report]


class Status(TypedDict):
    version: int
    ok: bool
    store: str  # the store's URL, its password hidden
    error: str | None  # why the store cannot be opened, and the fix
    broker: str | None
    live: str  # how updates reach the panel: "broker" or "store"
    badges: dict[str, dict[str, str]]


def badge_colours() -> dict[str, dict[str, str]]:
    return {key: {"background": b.background, "foreground": b.foreground} for key, b in BADGES.items()}


def owner_item(status: OwnerStatus, kernel_id: str | None) -> Owner:
    owner = status.owner
    if status.ownership is Ownership.HERE:
        return {"ownership": "server", "kind": "server", "pid": None, "host": None, "kernel_id": None,
                "text": "this Jupyter server"}  # fmt: skip
    if status.ownership is Ownership.ELSEWHERE and owner is not None:
        text = "daemon worker" if owner.kind == "worker" else owner.kind
        return {"ownership": "elsewhere", "kind": owner.kind, "pid": owner.pid, "host": owner.hostname,
                "kernel_id": kernel_id, "text": f"{text} pid {owner.pid} on {owner.hostname}"}  # fmt: skip
    if status.ownership is Ownership.ORPHANED:
        return {"ownership": "orphaned", "kind": None, "pid": None, "host": None, "kernel_id": None,
                "text": "orphaned: the kernel or worker that ran it is gone"}  # fmt: skip
    return {"ownership": "done", "kind": None, "pid": None, "host": None, "kernel_id": None, "text": ""}


def process_item(row: NodeRow, owner: Owner, called: int = 0) -> ProcessItem:
    state = row.process_state or "created"
    terminated = state in {"finished", "excepted", "killed"}
    paused = bool(row.paused) and not terminated
    key, text = badge_of(state, paused=paused, exit_status=row.exit_status)
    if owner["ownership"] == "orphaned":
        key, text = "orphaned", f"{text} · orphaned"
    status = row.process_status or (f"step {row.step}" if row.step and not terminated else "")
    return {
        "pk": row.pk, "uuid": row.uuid, "process_label": row.process_label or "", "label": row.label,
        "node_type": row.node_type, "state": state, "paused": paused, "exit_status": row.exit_status,
        "exit_message": row.exit_message, "status": status, "ctime": row.ctime, "mtime": row.mtime,
        "badge": {"key": key, "text": text}, "owner": owner, "called": called,
    }  # fmt: skip


def node_ref(link_label: str, row: NodeRow) -> NodeRef:
    return {"link_label": link_label, "pk": row.pk, "uuid": row.uuid, "type": _type_name(row),
            "value": _value_text(row)}  # fmt: skip


def report_item(report: ReportRow) -> Report:
    return {"time": report.time, "level": report.levelname, "message": report.message}


_PROCESS_CLASSES = {"calcfunction": "CalcFunctionNode", "workfunction": "WorkFunctionNode",
                    "workchain": "WorkChainNode"}  # fmt: skip


def _type_name(row: NodeRow) -> str:
    kind, _, name = row.node_type.partition(".")
    return _PROCESS_CLASSES.get(name, name) if kind == "process" else name or row.node_type


def _value_text(row: NodeRow) -> str:
    if row.node_type.startswith("process."):
        return f"{row.process_label or ''} ({row.process_state or 'created'})"
    attributes = {k: v for k, v in row.attributes.items() if k != "extras"}
    value: Any = attributes["value"] if set(attributes) == {"value"} else attributes
    text = json.dumps(value, default=str, ensure_ascii=False)
    return text if len(text) <= VALUE_WIDTH else text[: VALUE_WIDTH - 1] + "…"
