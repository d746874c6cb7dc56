"""The statements behind pages of a process list (the Workflows panel): filters, keyset pages, counts per state,
and the cheap look that tells whether anything changed.

Every statement stays fast with 100,000 processes: pages walk the primary key backwards from a cursor (keyset
pagination: no OFFSET), a state filter uses the process_state index (SQLite keeps its entries of one state in pk
order), and the change marker reads only the unterminated processes through that index.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, exists, func, or_, select

from ._rows import CALL_LINK_TYPES
from ._schema import links, nodes, reports

__all__ = [
    "ACTIVE",
    "ChangeMarker",
    "ProcessQuery",
    "count_called",
    "count_states",
    "matching",
    "newest_ids",
    "page",
    "probe_sql",
    "unterminated",
]

ACTIVE = ("created", "running", "waiting")
_CALLS = [str(t) for t in CALL_LINK_TYPES]


@dataclass(slots=True, frozen=True)
class ProcessQuery:
    """Which processes a page of a process list shows: every given field must hold (None: any)."""

    states: tuple[str, ...] | None = None  # process_state among these ("running", "finished", ...)
    paused: bool | None = None  # True: only paused unterminated processes; False: only those not paused
    text: str | None = None  # in the process label or the node's label, case-insensitive
    owners: tuple[str, ...] | None = None  # held by one of these owner ids (unterminated processes only)
    ownerless: bool = False  # with ``owners``: also unterminated processes that no owner holds
    since: float | None = None  # created at or after (seconds since the epoch)
    until: float | None = None  # created before
    top_level: bool = False  # not called by another process


@dataclass(slots=True, frozen=True)
class ChangeMarker:
    """What a cheap look at the store tells about its processes, to find out that something changed: the newest
    node and report, and the unterminated processes with their last modification and owner."""

    newest_node: int
    newest_report: int
    active: dict[int, tuple[float, str | None]]  # pk -> (mtime, owner)

    def changed_since(self, earlier: ChangeMarker) -> set[int]:
        """The unterminated processes (now or then) whose row changed, appeared or ended between the two looks."""
        now, then = self.active, earlier.active
        return {pk for pk in now.keys() | then.keys() if now.get(pk) != then.get(pk)}


def matching(query: ProcessQuery) -> list[ColumnElement[bool]]:
    """The WHERE clauses of ``query``."""
    where: list[ColumnElement[bool]] = [nodes.c.node_type.startswith("process.")]
    if query.states is not None:
        where.append(nodes.c.process_state.in_(list(query.states)))
    if query.paused is not None:
        where.append(nodes.c.process_state.in_(ACTIVE))
        where.append(nodes.c.paused.is_(query.paused))
    if query.text:
        pattern = "%" + query.text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        where.append(or_(nodes.c.process_label.ilike(pattern, escape="\\"), nodes.c.label.ilike(pattern, escape="\\")))
    if query.owners is not None:
        held = nodes.c.owner.in_(list(query.owners))
        where.append(nodes.c.process_state.in_(ACTIVE))
        where.append(or_(held, nodes.c.owner.is_(None)) if query.ownerless else held)
    if query.since is not None:
        where.append(nodes.c.ctime >= query.since)
    if query.until is not None:
        where.append(nodes.c.ctime < query.until)
    if query.top_level:
        called = exists().where(links.c.output_pk == nodes.c.pk, links.c.link_type.in_(_CALLS))
        where.append(~called)
    return where


def page(query: ProcessQuery, *, before: int | None, after: int | None, limit: int) -> Select[Any]:
    """Up to ``limit`` matching processes, newest first, older than pk ``before`` (or newer than pk ``after``: then
    the ``limit`` oldest of those, which the caller shows newest first)."""
    where = matching(query)
    if after is not None:
        return select(nodes).where(*where, nodes.c.pk > after).order_by(nodes.c.pk.asc()).limit(limit)
    if before is not None:
        where.append(nodes.c.pk < before)
    return select(nodes).where(*where).order_by(nodes.c.pk.desc()).limit(limit)


def count_states(states: tuple[str, ...] | None) -> tuple[Select[Any], Select[Any]]:
    """How many processes are in each state (of ``states``; None: all); how many unterminated ones are paused."""
    chosen = nodes.c.process_state.is_not(None) if states is None else nodes.c.process_state.in_(states)
    by_state = select(nodes.c.process_state, func.count()).where(chosen).group_by(nodes.c.process_state)
    paused = (
        select(nodes.c.process_state, func.count())
        .where(nodes.c.process_state.in_(ACTIVE), nodes.c.paused.is_(True))
        .group_by(nodes.c.process_state)
    )
    return by_state, paused


def count_called() -> Select[Any]:
    """How many processes each process of the ``ids`` parameter called (see ``Statements.among``)."""
    return select(links.c.input_pk, func.count()).where(links.c.link_type.in_(_CALLS)).group_by(links.c.input_pk)


def newest_ids() -> Select[Any]:
    """The newest node's pk and the newest report's id (0 when there are none)."""
    return select(
        select(func.coalesce(func.max(nodes.c.pk), 0)).scalar_subquery(),
        select(func.coalesce(func.max(reports.c.id), 0)).scalar_subquery(),
    )


def probe_sql(dialect: str) -> str:
    """SQL of a cheap number that moves when another connection commits (see ``Store.change_probe``)."""
    if dialect == "postgresql":
        return "SELECT txid_snapshot_xmax(txid_current_snapshot())"
    return "PRAGMA data_version"


def unterminated() -> Select[Any]:
    """pk, mtime and owner of every process that has not terminated (through the process_state index)."""
    return select(nodes.c.pk, nodes.c.mtime, nodes.c.owner).where(and_(nodes.c.process_state.in_(ACTIVE)))
