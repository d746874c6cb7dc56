"""The store's SQL statements, built once per store so that SQLAlchemy's compiled cache serves every call."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import fields
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Delete,
    Double,
    Insert,
    Select,
    Update,
    and_,
    any_,
    bindparam,
    case,
    cast,
    extract,
    false,
    func,
    or_,
    select,
)
from sqlalchemy.dialects import postgresql, sqlite

from .._core._errors import InternalError
from ._rows import INPUT_LINK_TYPES, NodeRow
from ._schema import checkpoints, code, links, nodes, owners, reports

NODE_FIELDS = tuple(f.name for f in fields(NodeRow))
if tuple(nodes.c.keys()) != NODE_FIELDS:
    raise InternalError("the nodes table's columns must follow NodeRow's fields: rows are built by position")

SQLITE_CHUNK = 900
"""Ids per IN (...) list on SQLite; old SQLite builds allow at most 999 bound parameters per statement."""

LINK_COLUMNS = (links.c.input_pk, links.c.output_pk, links.c.link_type, links.c.link_label)


class Statements:
    """Every statement the store runs, for one dialect. Sets of ids are bound as one parameter named ``ids``."""

    def __init__(self, dialect: str) -> None:
        self.postgresql = dialect == "postgresql"
        self.insert_node: Insert = nodes.insert()
        self.insert_link: Insert = links.insert()
        self.insert_report: Insert = reports.insert()
        self.node_by_pk: Select[Any] = select(nodes).where(nodes.c.pk == bindparam("pk"))
        self.process_state_of: Select[Any] = select(nodes.c.process_state).where(nodes.c.pk == bindparam("pk_"))
        # A range scan over the unique uuid index; the bounds are computed from the prefix (see uuid_prefix_bounds).
        self.nodes_by_uuid_prefix: Select[Any] = (
            select(nodes)
            .where(nodes.c.uuid >= bindparam("low"), nodes.c.uuid < bindparam("high"))
            .order_by(nodes.c.uuid)
            .limit(bindparam("limit"))
        )
        self.nodes_by_pks: Select[Any] = select(nodes).where(self.among(nodes.c.pk))
        self.pks_by_uuids: Select[Any] = select(nodes.c.uuid, nodes.c.pk).where(self.among(nodes.c.uuid, strings=True))
        self.attributes_for_update: Select[Any] = (
            select(nodes.c.attributes).where(nodes.c.pk == bindparam("pk")).with_for_update()
        )
        # Not guarded by ``sealed``: what may change on a sealed node (its extras) is written through this.
        self.set_attributes: Update = (
            nodes.update().where(nodes.c.pk == bindparam("pk_")).values(attributes=bindparam("attributes"))
        )
        self.count_nodes: Select[Any] = select(func.count()).select_from(nodes)
        self.reports_of: Select[Any] = (
            select(reports.c.node_pk, reports.c.time, reports.c.levelname, reports.c.message)
            .where(reports.c.node_pk == bindparam("pk"))
            .order_by(reports.c.time, reports.c.id)
        )
        self.load_checkpoint: Select[Any] = select(checkpoints.c.data).where(checkpoints.c.node_pk == bindparam("pk"))
        self.delete_checkpoint: Delete = checkpoints.delete().where(checkpoints.c.node_pk == bindparam("pk"))
        self.save_checkpoint: Insert = self._upsert_checkpoint()
        self.now = self._clock()
        self.register_owner: Insert = self._upsert_owner()
        self.heartbeat: Update = owners.update().where(owners.c.id == bindparam("owner_id")).values(heartbeat=self.now)
        self.owners_by_ids: Select[Any] = select(owners, (self.now - owners.c.heartbeat).label("silence")).where(
            self.among(owners.c.id, strings=True)
        )
        self.owners_heard_from: Select[Any] = select(owners, (self.now - owners.c.heartbeat).label("silence")).where(
            owners.c.kind == bindparam("kind"), self.now - owners.c.heartbeat < bindparam("within")
        )
        # Unsealed processes held by owners of one kind, with the owner (where workers look for a dead worker's).
        self.held_by_kind: Select[Any] = (
            select(nodes.c.pk, owners, (self.now - owners.c.heartbeat).label("silence"))
            .join(owners, nodes.c.owner == owners.c.id)
            .where(owners.c.kind == bindparam("kind"), nodes.c.sealed.is_(False))
            .order_by(nodes.c.pk)
        )
        # Processes held by nobody (queued for a worker) since before a time: where workers look for lost tasks.
        self.queued_before: Select[Any] = (
            select(nodes.c.pk)
            .where(
                nodes.c.process_state.in_(["created", "running", "waiting"]),
                nodes.c.owner.is_(None),
                nodes.c.sealed.is_(False),
                nodes.c.mtime < bindparam("before"),
            )
            .order_by(nodes.c.pk)
        )
        # Compare-and-set of a process's owner: only if it still has the owner the claimer saw, and is not sealed
        # (nor data: a claim never touches a data node).
        self.claim_process: Update = (
            nodes.update()
            .where(
                and_(
                    nodes.c.pk == bindparam("pk_"),
                    nodes.c.owner.is_not_distinct_from(bindparam("expected")),
                    nodes.c.sealed.is_(False),
                    nodes.c.node_type.startswith("process."),
                )
            )
            .values(owner=bindparam("owner"), mtime=bindparam("mtime"))
            .returning(*nodes.c)
        )
        # The claim of one process, by pk, and of several, in ``ids``: one is claimed by the statement that PostgreSQL
        # plans best for it (an idle worker takes one at a time), several by one statement.
        self.claim_to_run = {several: self._claim_to_run(several=several) for several in (False, True)}
        self.process_states_of: Select[Any] = select(nodes.c.pk, nodes.c.process_state).where(self.among(nodes.c.pk))
        # The inputs of the processes in ``ids``: their incoming INPUT links, each with its node.
        self.inputs_of: Select[Any] = (
            select(*LINK_COLUMNS, nodes)
            .join(nodes, nodes.c.pk == links.c.input_pk)
            .where(self.among(links.c.output_pk), or_(*(links.c.link_type == t.value for t in INPUT_LINK_TYPES)))
            .order_by(links.c.id)
        )
        # Content-addressed: of several programs storing the same code at once, one row results.
        self.save_code: Insert = (postgresql.insert if self.postgresql else sqlite.insert)(code).on_conflict_do_nothing(
            index_elements=[code.c.sha256]
        )
        self.load_code: Select[Any] = select(code.c.source).where(code.c.sha256 == bindparam("sha256"))
        self.cache_source: Select[Any] = self._select_cache_source()
        self.cache_sources: Select[Any] = select(nodes).where(self._is_cache_source()).order_by(nodes.c.pk)
        self.cache_valid: Select[Any] = select(nodes.c.cache_valid).where(nodes.c.pk == bindparam("pk"))
        # The one column a sealed node may still change: whether it serves as a cache source.
        self.set_cache_valid: Update = (
            nodes.update().where(nodes.c.pk == bindparam("pk_")).values(cache_valid=bindparam("valid"))
        )
        self._update_node: dict[tuple[str, ...], Update] = {}
        self._links_of = {
            (by_input, typed): self._select_links(by_input=by_input, typed=typed)
            for by_input in (False, True)
            for typed in (False, True)
        }
        self._neighbours_of: dict[tuple[bool, tuple[str, ...] | None], Select[Any]] = {}

    def _clock(self) -> ColumnElement[float]:
        """The database's own time in seconds since the epoch: owners on several hosts are judged by one clock."""
        if self.postgresql:
            return cast(extract("epoch", func.clock_timestamp()), Double)
        return (func.julianday("now") - 2440587.5) * 86400.0

    def among(self, column: ColumnElement[Any], *, strings: bool = False) -> ColumnElement[bool]:
        """``column`` is one of the ``ids`` parameter: ``= ANY(array)`` on PostgreSQL, an expanding IN on SQLite."""
        if self.postgresql:
            item_type: Any = postgresql.TEXT() if strings else BigInteger()
            return column == any_(bindparam("ids", type_=postgresql.ARRAY(item_type)))
        return column.in_(bindparam("ids", expanding=True))

    def chunks(self, ids: Iterable[Any]) -> Iterator[list[Any]]:
        """``ids`` split into the lists that one ``ids`` parameter can take (one list on PostgreSQL)."""
        items = list(ids)
        size = len(items) if self.postgresql else SQLITE_CHUNK
        for start in range(0, len(items), max(size, 1)):
            yield items[start : start + size]

    def links_of(self, *, by_input: bool, typed: bool) -> Select[Any]:
        """Links whose input (``by_input``) or output is in ``ids``, and whose type is in ``types`` if ``typed``."""
        return self._links_of[by_input, typed]

    def _select_links(self, *, by_input: bool, typed: bool) -> Select[Any]:
        column = links.c.input_pk if by_input else links.c.output_pk
        statement = select(links.c.id, *LINK_COLUMNS).where(self.among(column))
        if typed:
            statement = statement.where(links.c.link_type.in_(bindparam("types", expanding=True)))
        return statement

    def neighbours_of(self, *, incoming: bool, types: Sequence[str] | None) -> Select[Any]:
        """The links into (``incoming``) or out of node ``pk``, each with the node at its other end, by link id;
        only links whose type is one of ``types`` if given. Cached per direction and types, with the types in the
        statement (no expanding parameter: the store's driver runs it as SQL compiled once)."""
        key = (incoming, None if types is None else tuple(sorted(types)))
        statement = self._neighbours_of.get(key)
        if statement is None:
            here, there = (links.c.output_pk, links.c.input_pk) if incoming else (links.c.input_pk, links.c.output_pk)
            statement = (
                select(*LINK_COLUMNS, nodes)
                .join(nodes, nodes.c.pk == there)
                .where(here == bindparam("pk"))
                .order_by(links.c.id)
            )
            if key[1] is not None:
                statement = statement.where(or_(false(), *(links.c.link_type == value for value in key[1])))
            self._neighbours_of[key] = statement
        return statement

    def update_node(self, columns: Sequence[str]) -> Update:
        """``UPDATE nodes SET <columns> WHERE pk = :pk_ AND NOT sealed``, cached per set of columns: a sealed node
        (a terminated process) never changes again."""
        key = tuple(sorted(columns))
        statement = self._update_node.get(key)
        if statement is None:
            values: dict[str, Any] = {name: bindparam(name) for name in key}
            where = and_(nodes.c.pk == bindparam("pk_"), nodes.c.sealed.is_(False))
            statement = nodes.update().where(where).values(values)
            self._update_node[key] = statement
        return statement

    @staticmethod
    def _is_cache_source() -> ColumnElement[bool]:
        return and_(
            nodes.c.hash == bindparam("hash"),
            nodes.c.node_type == bindparam("node_type"),
            nodes.c.cache_valid.is_(True),
        )

    def _claim_to_run(self, *, several: bool) -> Update:
        """The claim of the queued processes (held by nobody) in ``ids`` (``several``), else of process ``pk_``,
        which their claimer runs at once: one still created and not paused is recorded as running. Their rows as
        the claim left them, and (last column) the state before, which PostgreSQL reads from the row as the
        statement found it; SQLite, whose RETURNING sees only the updated table, gets the states before from a
        SELECT in the same transaction (see Store.claim_to_run)."""
        starts = and_(nodes.c.process_state == "created", nodes.c.paused.is_(False))
        claim = (
            nodes.update()
            .where(
                and_(
                    self.among(nodes.c.pk) if several else nodes.c.pk == bindparam("pk_"),
                    nodes.c.owner.is_(None),
                    nodes.c.sealed.is_(False),
                    nodes.c.node_type.startswith("process."),
                )
            )
            .values(
                owner=bindparam("owner"),
                mtime=bindparam("mtime"),
                process_state=case((starts, "running"), else_=nodes.c.process_state),
            )
        )
        if not self.postgresql:
            return claim.returning(*nodes.c)
        which = self.among(nodes.c.pk) if several else nodes.c.pk == bindparam("pk_")
        before = select(nodes.c.pk, nodes.c.process_state).where(which).subquery("before")
        return claim.where(nodes.c.pk == before.c.pk).returning(*nodes.c, before.c.process_state)

    def _select_cache_source(self) -> Select[Any]:
        """The oldest valid cache source of ``hash`` and ``node_type`` with its CREATE outputs, one row per output
        (one row of NULL outputs when it has none): one query over the ``hash`` index."""
        oldest = select(nodes.c.pk).where(self._is_cache_source()).order_by(nodes.c.pk).limit(1).scalar_subquery()
        output = nodes.alias("output")
        created = and_(links.c.input_pk == nodes.c.pk, links.c.link_type == "create")
        return (
            select(nodes.c.pk, nodes.c.uuid, nodes.c.exit_status, nodes.c.exit_message, links.c.link_label, output)
            .select_from(nodes.outerjoin(links, created).outerjoin(output, output.c.pk == links.c.output_pk))
            .where(nodes.c.pk == oldest)
            .order_by(links.c.id)
        )

    def _upsert_checkpoint(self) -> Insert:
        insert = (postgresql.insert if self.postgresql else sqlite.insert)(checkpoints)
        return insert.on_conflict_do_update(
            index_elements=[checkpoints.c.node_pk],
            set_={
                "version": checkpoints.c.version + 1,
                "data": insert.excluded.data,
                "mtime": insert.excluded.mtime,
            },
        )

    def _upsert_owner(self) -> Insert:
        insert = (postgresql.insert if self.postgresql else sqlite.insert)(owners)
        insert = insert.values(heartbeat=self.now)
        updated = ("hostname", "pid", "kind", "started")
        return insert.on_conflict_do_update(
            index_elements=[owners.c.id],
            set_={**{name: insert.excluded[name] for name in updated}, "heartbeat": self.now},
        )


def uuid_prefix_bounds(prefix: str) -> tuple[str, str]:
    """``(low, high)`` such that ``low <= uuid < high`` exactly when ``uuid`` starts with ``prefix`` (bytewise)."""
    return prefix, prefix[:-1] + chr(ord(prefix[-1]) + 1)
