"""The provenance store: nodes, links, reports, checkpoints and owners in a database, through SQLAlchemy Core."""

from __future__ import annotations

import hashlib
import json
import re
import threading
import time as _time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from types import TracebackType
from typing import Any
from uuid import uuid4

from sqlalchemy import ColumnElement, Select, func, select, text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError, StatementError

from .._core._errors import CheckpointError, InternalError, NodeNotFoundError, NodeSealedError, StoreError
from .._core._secret_url import SecretURL
from .._core._transactions import transaction_scope
from . import _process_pages as pages
from ._driver import DriverStatements
from ._engine import describe_failure, open_connection, unreachable
from ._migrations import upgrade
from ._rows import (
    EXTRAS,
    INPUT_LINK_TYPES,
    CacheSource,
    ClaimedRun,
    LinkRow,
    LinkType,
    NodeRef,
    NodeRow,
    OwnerRow,
    ProcessWrite,
    ReportRow,
    Traversal,
)
from ._schema import SCHEMA_VERSION, identity, links, metadata, nodes, schema_version
from ._statements import LINK_COLUMNS, NODE_FIELDS, Statements, uuid_prefix_bounds
from ._traverse import check_direction, walk

UPDATABLE_COLUMNS = frozenset(NODE_FIELDS) - {"pk", "uuid", "node_type", "ctime"}
"""Node columns that :meth:`Store.update_node` may set."""

MIN_UUID_PREFIX = 4
_UUID_CHARS = re.compile(r"[0-9a-f-]+")
_INSERTED_FIELDS = NODE_FIELDS[1:]  # all but pk, which the database assigns
_LINK_TYPES: dict[LinkType | str, LinkType] = {**{t.value: t for t in LinkType}, **{t: t for t in LinkType}}
_BULK_FROM = 5  # fewer rows are inserted one by one: cheaper than an executemany plus a query for the new pks
_PG_SCHEMA_LOCK = 0x6A77_5354  # pg_advisory_xact_lock key: serialises concurrent first-time schema creation


class Store:
    """One open database, used from one thread: the thread that opened it (the runtime's loop thread), or the one
    it was handed to with :meth:`bind_to_this_thread`. Another thread gets a StoreError naming the fix.

    Writes outside ``transaction()`` commit at once (one transaction per call). A transaction is short and never
    spans a yield to the event loop (see ``_core._transactions``); an interrupt never cuts it in half. Reads never
    block writers (SQLite WAL; PostgreSQL MVCC). Use it as a context manager, or call ``close()``.
    """

    url: str  # the URL with any password replaced by ***
    dialect: str  # "sqlite" or "postgresql"
    identity: str  # a uuid made when the store was created: the same database has it under any URL

    def __init__(self, url: str | SecretURL) -> None:
        """Open (and create if needed) the store at an SQLAlchemy URL.

        Raises StoreUnreachableError (message names the redacted URL and the fix) when it cannot connect, and
        StoreError when the schema is of a newer version than this package understands.
        """
        url = SecretURL(url)  # from here on, no frame holds the password in a form a traceback would print
        self.url = str(url)
        self.secret_url = url
        """The URL it was opened with, as a SecretURL (to hand to a daemon worker: ``reveal()`` gives the text)."""
        self._engine, self._conn = open_connection(url)
        self.dialect = self._engine.dialect.name
        self._sql = Statements(self.dialect)
        self._driver = DriverStatements(self._conn, _INSERTED_FIELDS)
        self._depth = 0  # nesting of transaction() blocks
        self._closed = False
        self._thread = threading.get_ident()
        try:
            self._prepare_schema()
        except BaseException:
            self.close()
            raise

    def __repr__(self) -> str:
        return f"Store({self.url!r})"

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc_info: type[BaseException] | BaseException | TracebackType | None) -> None:
        self.close()

    @property
    def closed(self) -> bool:
        return self._closed

    def bind_to_this_thread(self) -> None:
        """Hand the store to the calling thread (the runtime does this when its loop moves to another thread)."""
        if self._depth:
            raise InternalError("a store cannot change threads in the middle of a transaction")
        self._thread = threading.get_ident()

    def open_another(self) -> Store:
        """A second, independent connection to the same database (for a thread of its own)."""
        return Store(SecretURL(self._engine.url.render_as_string(hide_password=False)))

    def close(self) -> None:
        """Close the connection. Idempotent."""
        if self._closed:
            return
        self._closed = True
        self._conn.close()
        self._engine.dispose()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Group writes into one transaction. Nestable: only the outermost block commits (or rolls back).

        The block must not wait for anything (no ``await``, no engine wait): the engine checks it."""
        if self._depth:
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
            return
        with transaction_scope():
            with self._errors("start a transaction"):
                self._begin()
            self._depth = 1
            try:
                yield
            except BaseException:
                self._conn.rollback()
                raise
            finally:
                self._depth = 0
            with self._errors("commit a transaction"):
                self._commit()

    @contextmanager
    def serialized(self, name: str) -> Iterator[None]:
        """A transaction (as :meth:`transaction`) that no other ``serialized(name)`` block runs beside, from any
        program: what it reads stays true until it commits (PostgreSQL: an advisory lock on ``name``; SQLite: the
        write lock that every transaction takes first)."""
        with self.transaction():
            if self.dialect == "postgresql":
                with self._write(f"take the lock {name!r}") as conn:
                    conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _advisory_key(name)})
            yield

    # -- writes -------------------------------------------------------------------------------------------------
    def insert_node(self, row: NodeRow) -> int:
        """Insert ``row`` (its ``pk`` is ignored) and return the new pk.

        A ``ctime`` of 0 means "now"; an ``mtime`` of 0 means "same as ctime".
        """
        with self._write("insert a node", one_statement=True):
            return self._driver.insert_node(_node_values(row, _time.time()))

    def insert_nodes(self, rows: Sequence[NodeRow]) -> list[int]:
        """Insert several nodes at once; pks are returned in the order of ``rows``."""
        if not rows:
            return []
        now = _time.time()
        values = [_node_values(row, now) for row in rows]
        uuids = [value["uuid"] for value in values]
        with self._write("insert nodes") as conn:
            if len(values) < _BULK_FROM:
                return self._driver.insert_nodes(values)
            # A plain executemany, then the new pks by uuid: several times faster than INSERT ... RETURNING in
            # parameter order, which SQLite runs row by row and psycopg re-parses for every batch.
            conn.execute(self._sql.insert_node, values)
            pk_of: dict[str, int] = {}
            for chunk in self._sql.chunks(uuids):
                pk_of.update(conn.execute(self._sql.pks_by_uuids, {"ids": chunk}).all())
        return [pk_of[uuid] for uuid in uuids]

    def insert_links(self, links: Iterable[LinkRow]) -> None:
        """Insert links (input_pk -> output_pk). Both nodes must exist, else StoreError."""
        values = [_link_values(link) for link in links]
        if values:
            with self._write("insert links"):
                self._driver.insert_links(values)

    def update_node(self, pk: int, **columns: Any) -> None:
        """Set columns of a node (any NodeRow field but pk/uuid/node_type/ctime); also sets mtime.

        Raises NodeNotFoundError when no node has this pk, NodeSealedError when it is sealed (a terminated process
        never changes again), StoreError for a column that cannot be set.
        """
        _check_updatable(columns)
        columns.setdefault("mtime", _time.time())
        _storable_columns(columns)
        with self._write("update a node", one_statement=True) as conn:  # the SELECT only when it failed
            result = conn.execute(self._sql.update_node(list(columns)), {**columns, "pk_": pk})
            if result.rowcount == 0:
                raise self._why_unchanged(conn, pk)

    def write_process(self, write: ProcessWrite) -> list[int]:
        """Write one flush of a process, all or nothing, and return the pks of ``write.nodes`` in order. With
        ``write.columns``, nothing is written unless the process is stored and not sealed: NodeNotFoundError,
        NodeSealedError. PostgreSQL runs it as one statement (one round trip, which commits by itself outside a
        transaction); SQLite, whose statements cost no round trip, as the plain statements in a transaction."""
        now = _time.time()
        columns = None
        if write.columns is not None:
            _check_updatable(write.columns)
            columns = _storable_columns({"mtime": now, **write.columns})
        prepared = replace(
            write,
            columns=columns,
            links=[(i, o, _link_type(t).value, label) for i, o, t, label in write.links],
            reports=[(at, levelname, storable_text(message)) for at, levelname, message in write.reports],
        )
        checkpoint = None if write.checkpoint is None else _encode_checkpoint(write.process, write.checkpoint)
        if self.dialect != "postgresql":
            return self._write_process_by_statements(prepared, checkpoint)
        values = [_node_values(row, now) for row in write.nodes]  # SQLite's insert_nodes makes its own
        with self._write("write a process", one_statement=True):
            found = self._driver.write_process(prepared, values, checkpoint, now)
        if found is None:  # its process matched nothing: nothing was written
            assert isinstance(write.process, int)
            with self._read("read a node") as conn:
                raise self._why_unchanged(conn, write.process)
        return found

    def _why_unchanged(self, conn: Connection, pk: int) -> StoreError:
        """Why an update of node ``pk``, guarded by ``sealed``, changed nothing."""
        found = conn.execute(self._sql.node_by_pk, {"pk": pk}).first()
        if found is None:
            return _node_not_found(pk)
        return NodeSealedError(
            f"Node {pk} is sealed ({found.process_state}): a terminated process is never changed again"
        )

    def _write_process_by_statements(self, write: ProcessWrite, checkpoint: str | None) -> list[int]:
        with self.transaction():
            if write.columns is not None:
                assert isinstance(write.process, int)
                self.update_node(write.process, **write.columns)
            pks = self.insert_nodes(write.nodes)
            pk_of = {row.uuid: pk for row, pk in zip(write.nodes, pks, strict=True)}

            def stored(ref: NodeRef) -> int:
                return pk_of[ref] if isinstance(ref, str) else ref

            self.insert_links(LinkRow(stored(i), stored(o), _link_type(t), label) for i, o, t, label in write.links)
            process = stored(write.process)
            self.add_reports([ReportRow(process, *report) for report in write.reports])
            if checkpoint is not None:
                self._save_encoded_checkpoint(process, checkpoint)
            elif write.drop_checkpoint:
                self.delete_checkpoint(process)
        return pks

    def update_attributes(self, pk: int, attributes: dict[str, Any]) -> None:
        """Merge ``attributes`` into the node's attributes (top-level keys replace)."""
        with self._write("update a node's attributes") as conn:
            current = conn.execute(self._sql.attributes_for_update, {"pk": pk}).scalar_one_or_none()
            if current is None:
                raise _node_not_found(pk)
            merged = {**current, **attributes}
            statement = self._sql.update_node(("attributes", "mtime"))
            conn.execute(statement, {"attributes": merged, "mtime": _time.time(), "pk_": pk})

    def update_extras(
        self, pk: int, *, values: dict[str, Any] | None = None, deleted: Iterable[str] = (), clear: bool = False
    ) -> dict[str, Any]:
        """Change the extras of node ``pk`` (its ``attributes["extras"]``), sealed or not, in one read-modify-write
        under the row's write lock: ``clear`` them all, then delete the keys ``deleted``, then set ``values``.
        Returns the extras as they are now. Raises NodeNotFoundError."""
        with self._write("update a node's extras") as conn:
            current = conn.execute(self._sql.attributes_for_update, {"pk": pk}).scalar_one_or_none()
            if current is None:
                raise _node_not_found(pk)
            extras = {} if clear else dict(current.get(EXTRAS, {}))
            for key in deleted:
                extras.pop(key, None)
            extras.update(values or {})
            attributes = {**current, EXTRAS: extras} if extras else {k: v for k, v in current.items() if k != EXTRAS}
            conn.execute(self._sql.set_attributes, {"attributes": attributes, "pk_": pk})
        return extras

    def add_report(self, pk: int, levelname: str, message: str, time: float | None = None) -> None:
        """Attach a log line to node ``pk`` (``time`` defaults to now)."""
        self.add_reports([ReportRow(pk, _time.time() if time is None else time, levelname, message)])

    def save_checkpoint(self, pk: int, data: dict[str, Any]) -> None:
        """Insert or replace the JSON checkpoint of a process. Raises CheckpointError if ``data`` is not JSON."""
        self._save_encoded_checkpoint(pk, _encode_checkpoint(pk, data))

    def _save_encoded_checkpoint(self, pk: int, encoded: str) -> None:
        values = {"node_pk": pk, "version": 1, "data": encoded, "mtime": _time.time()}
        with self._write("save a checkpoint") as conn:
            conn.execute(self._sql.save_checkpoint, values)

    def load_checkpoint(self, pk: int) -> dict[str, Any] | None:
        """The checkpoint, or None. Raises CheckpointError if the stored text is not valid JSON."""
        with self._read("load a checkpoint") as conn:
            stored = conn.execute(self._sql.load_checkpoint, {"pk": pk}).scalar_one_or_none()
        return None if stored is None else _decode_checkpoint(pk, stored)

    def delete_checkpoint(self, pk: int) -> None:
        """Remove the checkpoint of a process, if any."""
        with self._write("delete a checkpoint") as conn:
            conn.execute(self._sql.delete_checkpoint, {"pk": pk})

    def save_code(self, sha256: str, source: str) -> None:
        """Keep a source text (code that travels to other processes, a process function's source file) under its
        sha256 (once: saving it again, from here or from another program at the same time, changes nothing)."""
        values = {"sha256": sha256, "source": source, "ctime": _time.time()}
        with self._write("save code") as conn:
            conn.execute(self._sql.save_code, values)

    def load_code(self, sha256: str) -> str | None:
        """The source text kept under ``sha256``, or None."""
        with self._read("load code") as conn:
            source: str | None = conn.execute(self._sql.load_code, {"sha256": sha256}).scalar_one_or_none()
        return source

    def register_owner(self, owner: OwnerRow) -> None:
        """Insert the owner, or replace the row of an owner with the same id. Its heartbeat is the store's now."""
        values = {name: getattr(owner, name) for name in ("id", "hostname", "pid", "kind", "started")}
        with self._write("register an owner") as conn:
            conn.execute(self._sql.register_owner, values)

    def heartbeat(self, owner_id: str) -> None:
        """Record a sign of life of a registered owner, stamped with the store's clock."""
        with self._write("record a heartbeat", one_statement=True) as conn:
            if conn.execute(self._sql.heartbeat, {"owner_id": owner_id}).rowcount == 0:
                raise StoreError(f"No owner {owner_id!r} is registered in {self.url}; call register_owner() first")

    def claim_process(self, pk: int, owner: str | None, *, expected: str | None) -> NodeRow | None:
        """Make ``owner`` the owner of process ``pk`` if its owner is still ``expected`` and it is not sealed; the
        process's row as the claim left it, or None if it did not happen.

        A compare-and-set: of several runtimes claiming the same orphan at once, exactly one gets the row. Outside a
        transaction, PostgreSQL commits it without waiting for the disk (a worker claims hundreds a second): a claim
        lost in a crash of the database server is as if it had not happened, since every later durable write of
        its claimer (the process's end) comes after it in the log, and the process is queued again."""
        values = {"pk_": pk, "owner": owner, "expected": expected, "mtime": _time.time()}
        if self.dialect == "postgresql" and not self._depth:
            with self._errors("claim a process"):
                rows = self._driver.write_unflushed(self._sql.claim_process, values)
            return self._driver.node_row(rows[0]) if rows else None
        with self._write("claim a process", one_statement=True) as conn:
            row = conn.execute(self._sql.claim_process, values).first()
        return None if row is None else _node_row(row)

    def claim_to_run(self, pks: Sequence[int], owner: str) -> dict[int, ClaimedRun]:
        """Claim the processes ``pks``, held by nobody (queued for a daemon worker), for ``owner`` to run them now,
        each as :meth:`claim_process` does, in one statement; one still created and not paused is recorded as
        running by the same commit, so that it shows as running from the moment it is taken. For each process
        claimed: its row as the claim left it, and whether it had started before (it was not created). The
        processes not claimed (held, ended, or taken by another claimer just now) are absent."""
        ids = list(pks)
        several = len(ids) > 1
        values = {"ids": ids, "pk_": ids[0] if ids else 0, "owner": owner, "mtime": _time.time()}
        if self.dialect == "postgresql" and not self._depth:  # one statement, which returns the states before too
            with self._errors("claim processes"):
                rows = self._driver.write_unflushed(self._sql.claim_to_run[several], values)
            return {found[0]: ClaimedRun(self._driver.node_row(found), before != "created") for *found, before in rows}
        with self._write("claim processes") as conn:
            states: dict[int, str] = dict(conn.execute(self._sql.process_states_of, values).all())
            claims = conn.execute(self._sql.claim_to_run[True], values).all()
        return {claim[0]: ClaimedRun(_node_row(claim), states.get(claim[0]) != "created") for claim in claims}

    def inputs_of(self, pks: Sequence[int]) -> dict[int, list[tuple[LinkRow, NodeRow]]]:
        """The inputs of each process of ``pks``: its input links, each with its node, as :meth:`get_neighbours`
        gives them; in one query."""
        ids = list(pks)
        found: dict[int, list[tuple[LinkRow, NodeRow]]] = {pk: [] for pk in ids}
        if len(ids) == 1:  # the query PostgreSQL plans best for one
            found[ids[0]] = self.get_neighbours(ids[0], incoming=True, link_types=INPUT_LINK_TYPES)
            return found
        with self._read("read the inputs of processes") as conn:
            if self.dialect == "postgresql":
                rows = self._driver.select(self._sql.inputs_of, {"ids": ids})
            else:  # an expanding parameter (SQLAlchemy's), in chunks
                rows = [
                    row for chunk in self._sql.chunks(ids) for row in conn.execute(self._sql.inputs_of, {"ids": chunk})
                ]
        for link, node in self._neighbours(rows):
            found[link.output_pk].append((link, node))
        return found

    def processes_held_by(self, kind: str) -> list[tuple[int, OwnerRow]]:
        """The processes that are not sealed (not terminated) and held by an owner of ``kind`` ("worker"), each with
        its owner's row (``silence`` by the store's clock), oldest process first."""
        with self._read("read the processes of owners") as conn:
            return [(row[0], OwnerRow(*row[1:])) for row in conn.execute(self._sql.held_by_kind, {"kind": kind})]

    def queued_processes(self, before: float) -> list[int]:
        """The processes held by nobody (queued for a daemon worker) whose row last changed before ``before``
        (seconds since the epoch), oldest first."""
        with self._read("read the queued processes") as conn:
            return list(conn.execute(self._sql.queued_before, {"before": before}).scalars())

    def add_reports(self, reports: Sequence[ReportRow]) -> None:
        """Attach several log lines at once."""
        values = [
            {"node_pk": r.node_pk, "time": r.time, "levelname": r.levelname, "message": storable_text(r.message)}
            for r in reports
        ]
        if values:
            with self._write("add reports") as conn:
                conn.execute(self._sql.insert_report, values)

    def set_cache_valid(self, pk: int, valid: bool) -> None:
        """Whether process ``pk`` may serve as a cache source (sealed or not). Raises NodeNotFoundError."""
        with self._write("set whether a node is a cache source", one_statement=True) as conn:
            if conn.execute(self._sql.set_cache_valid, {"pk_": pk, "valid": valid}).rowcount == 0:
                raise _node_not_found(pk)

    # -- reads --------------------------------------------------------------------------------------------------
    def get_node(self, ident: int | str) -> NodeRow:
        """By pk (int) or uuid (str, full or a unique prefix of at least 4 characters). Raises NodeNotFoundError."""
        if isinstance(ident, str):
            return self._node_by_uuid(ident)
        with self._read("read a node"):
            rows = self._driver.select(self._sql.node_by_pk, {"pk": ident})
        if not rows:
            raise _node_not_found(ident)
        return self._driver.node_row(rows[0])

    def get_nodes(self, pks: Iterable[int]) -> dict[int, NodeRow]:
        """Many nodes in a few queries (chunked); missing pks are simply absent from the result."""
        found: dict[int, NodeRow] = {}
        with self._read("read nodes") as conn:
            for chunk in self._sql.chunks(set(pks)):
                for row in conn.execute(self._sql.nodes_by_pks, {"ids": chunk}):
                    found[row[0]] = _node_row(row)
        return found

    def pks_by_uuid(self, uuids: Iterable[str]) -> dict[str, int]:
        """The pk of every stored node among ``uuids`` (full uuids); unknown ones are absent from the result."""
        found: dict[str, int] = {}
        with self._read("look up nodes by uuid") as conn:
            for chunk in self._sql.chunks(set(uuids)):
                found.update(conn.execute(self._sql.pks_by_uuids, {"ids": chunk}).all())
        return found

    def get_links(
        self,
        *,
        inputs_of: Iterable[int] | None = None,
        outputs_of: Iterable[int] | None = None,
        link_types: Iterable[LinkType] | None = None,
    ) -> list[LinkRow]:
        """Links whose output is in ``inputs_of`` (incoming) and/or whose input is in ``outputs_of`` (outgoing).

        With both, the union; with neither, every link. Ordered by creation.
        """
        types = None if link_types is None else [_link_type(t).value for t in link_types]
        if inputs_of is None and outputs_of is None:
            return self._all_links(types)
        found: dict[int, LinkRow] = {}
        with self._read("read links"):
            for by_input, pks in ((False, inputs_of), (True, outputs_of)):
                if pks is not None:
                    found.update(self._links_touching(pks, by_input=by_input, types=types))
        return [found[key] for key in sorted(found)]

    def get_neighbours(
        self, pk: int, *, incoming: bool, link_types: Iterable[LinkType] | None = None
    ) -> list[tuple[LinkRow, NodeRow]]:
        """The links into (``incoming``) or out of node ``pk`` with the node at each one's other end, in one query;
        only links of ``link_types`` if given. Ordered by creation."""
        types = None if link_types is None else [_link_type(t).value for t in link_types]
        statement = self._sql.neighbours_of(incoming=incoming, types=types)
        with self._read("read linked nodes"):
            rows = self._driver.select(statement, {"pk": pk})
        return self._neighbours(rows)

    def _neighbours(self, rows: Iterable[Sequence[Any]]) -> list[tuple[LinkRow, NodeRow]]:
        """(link, node) pairs from the driver's rows of a link's columns followed by a node's."""
        width, node_row = len(LINK_COLUMNS), self._driver.node_row
        return [(LinkRow(row[0], row[1], _LINK_TYPES[row[2]], row[3]), node_row(row[width:])) for row in rows]

    def traverse(
        self,
        origins: Iterable[int],
        *,
        direction: str,
        link_types: Iterable[LinkType] | None = None,
        max_depth: int | None = None,
        max_nodes: int | None = None,
    ) -> Traversal:
        """Walk links ``"forward"`` (input -> output) or ``"backward"``, one set-based query per level.

        ``pks`` holds every node reached, origins included; ``links`` every link walked into a reached node.
        ``max_depth`` counts link hops (0: the origins only). ``max_nodes`` caps ``pks`` (origins always count
        in full); when it stops the walk, the lowest new pks of the last level are kept and ``truncated`` is True.
        """
        forward = check_direction(direction)
        types = None if link_types is None else [_link_type(t).value for t in link_types]

        def step(frontier: Sequence[int]) -> list[LinkRow]:
            return list(self._links_touching(frontier, by_input=forward, types=types).values())

        with self._read("traverse links"):
            return walk(origins, step, forward=forward, max_depth=max_depth, max_nodes=max_nodes)

    def query_processes(
        self,
        *,
        states: Iterable[str] | None = None,
        process_labels: Iterable[str] | None = None,
        owner: str | None = None,
        since: float | None = None,
        limit: int | None = None,
    ) -> list[NodeRow]:
        """Process nodes (node_type "process.*"), newest first.

        ``states``: process_state among these; ``process_labels``: process_label among these; ``owner``: run by
        that owner id; ``since``: created at or after this time; ``limit``: at most this many.
        """
        where = _process_filters(states=states, process_labels=process_labels, owner=owner, since=since)
        statement = select(nodes).where(*where).order_by(nodes.c.ctime.desc(), nodes.c.pk.desc()).limit(limit)
        return self._node_rows(statement, "query processes")

    def count_processes(
        self,
        *,
        states: Iterable[str] | None = None,
        process_labels: Iterable[str] | None = None,
        owner: str | None = None,
        since: float | None = None,
    ) -> int:
        """How many process nodes match the filters of :meth:`query_processes`."""
        where = _process_filters(states=states, process_labels=process_labels, owner=owner, since=since)
        with self._read("count processes") as conn:
            return int(conn.execute(select(func.count()).select_from(nodes).where(*where)).scalar_one())

    # -- pages of the process list (the Workflows panel); see _process_pages ----------------------------------------
    def page_processes(
        self, query: pages.ProcessQuery, *, before: int | None = None, after: int | None = None, limit: int = 50
    ) -> list[NodeRow]:
        """Up to ``limit`` processes matching ``query``, newest first: those older than pk ``before``, or the
        ``limit`` next newer than pk ``after`` (keyset pages: as fast on the last page as on the first)."""
        rows = self._node_rows(pages.page(query, before=before, after=after, limit=limit), "read a page of processes")
        return rows[::-1] if after is not None else rows

    def count_matching(self, query: pages.ProcessQuery) -> int:
        """How many processes match ``query``."""
        with self._read("count processes") as conn:
            statement = select(func.count()).select_from(nodes).where(*pages.matching(query))
            return int(conn.execute(statement).scalar_one())

    def count_process_states(self, states: Iterable[str] | None = None) -> dict[str, int]:
        """How many processes are in each state (``"running": 12``), unterminated paused ones counted under
        ``"paused"`` instead of their state; only ``states`` if given (``pages.ACTIVE``: an index read of the few
        unterminated ones)."""
        by_state, paused = pages.count_states(None if states is None else tuple(states))
        with self._read("count processes by state") as conn:
            counts = {str(state): int(n) for state, n in conn.execute(by_state)}
            for state, n in conn.execute(paused):
                counts[str(state)] -= int(n)
                counts["paused"] = counts.get("paused", 0) + int(n)
        return counts

    def count_called(self, pks: Iterable[int]) -> dict[int, int]:
        """How many processes each of ``pks`` called (those that called none are absent)."""
        found: dict[int, int] = {}
        statement = pages.count_called().where(self._sql.among(links.c.input_pk))
        with self._read("count called processes") as conn:
            for chunk in self._sql.chunks(set(pks)):
                found.update((int(pk), int(n)) for pk, n in conn.execute(statement, {"ids": chunk}))
        return found

    def change_probe(self) -> int:
        """A number that changes when another connection commits, read without touching a table: SQLite's
        ``data_version``; on PostgreSQL the next transaction id, which any write on the server moves. Commits of this
        connection do not move it (on SQLite), so a watcher that writes itself looks at :meth:`change_marker` too."""
        with self._read("probe for changes") as conn:
            return int(conn.execute(text(pages.probe_sql(self.dialect))).scalar_one())

    def change_marker(self) -> pages.ChangeMarker:
        """A cheap look (three index reads) that tells, compared with an earlier one, what may have changed."""
        with self._read("look for changes") as conn:
            newest_node, newest_report = conn.execute(pages.newest_ids()).one()
            active = {int(pk): (float(mtime), owner) for pk, mtime, owner in conn.execute(pages.unterminated())}
        return pages.ChangeMarker(int(newest_node), int(newest_report), active)

    def get_reports(self, pk: int) -> list[ReportRow]:
        """The reports of node ``pk``, oldest first."""
        with self._read("read reports") as conn:
            return [ReportRow(*row) for row in conn.execute(self._sql.reports_of, {"pk": pk})]

    def get_owners(self, ids: Iterable[str]) -> dict[str, OwnerRow]:
        """The registered owners among ``ids``; unknown ids are absent from the result."""
        found: dict[str, OwnerRow] = {}
        with self._read("read owners") as conn:
            for chunk in self._sql.chunks(set(ids)):
                found.update((row[0], OwnerRow(*row)) for row in conn.execute(self._sql.owners_by_ids, {"ids": chunk}))
        return found

    def owners_heard_from(self, kind: str, within: float) -> list[OwnerRow]:
        """The registered owners of ``kind`` ("worker") whose last heartbeat is less than ``within`` seconds old, by
        the store's clock."""
        with self._read("read owners") as conn:
            rows = conn.execute(self._sql.owners_heard_from, {"kind": kind, "within": within})
            return [OwnerRow(*row) for row in rows]

    def find_cache_source(self, hash: str, node_type: str) -> CacheSource | None:
        """The oldest process of this hash and node type that may serve as a cache source, with its outputs; one
        indexed query. None if there is none."""
        with self._read("look up a cache source"):
            rows = self._driver.select(self._sql.cache_source, {"hash": hash, "node_type": node_type})
        if not rows:
            return None
        pk, uuid, exit_status, exit_message = rows[0][:4]
        outputs = [(row[4], self._driver.node_row(row[5:])) for row in rows if row[4] is not None]
        return CacheSource(pk, uuid, exit_status, exit_message, outputs)

    def is_cache_source(self, pk: int) -> bool:
        """Whether node ``pk`` exists and may serve as a cache source now; one look-up by primary key."""
        with self._read("check a cache source"):
            rows = self._driver.select(self._sql.cache_valid, {"pk": pk})
        return bool(rows) and bool(rows[0][0])

    def cache_sources(self, hash: str, node_type: str) -> list[NodeRow]:
        """Every process of this hash and node type that may serve as a cache source, oldest first."""
        return self._node_rows(self._sql.cache_sources.params(hash=hash, node_type=node_type), "look up cache sources")

    def node_pks(self) -> list[int]:
        """The pk of every node, in order."""
        with self._read("list nodes") as conn:
            return list(conn.execute(select(nodes.c.pk).order_by(nodes.c.pk)).scalars())

    def count_nodes(self) -> int:
        """How many nodes the store holds."""
        with self._read("count nodes") as conn:
            return int(conn.execute(self._sql.count_nodes).scalar_one())

    # -- internals ----------------------------------------------------------------------------------------------
    def _node_by_uuid(self, ident: str) -> NodeRow:
        prefix = ident.strip().lower()
        if len(prefix) < MIN_UUID_PREFIX or not _UUID_CHARS.fullmatch(prefix):
            raise NodeNotFoundError(
                f"{ident!r} is not a uuid nor a uuid prefix of at least {MIN_UUID_PREFIX} hexadecimal characters; "
                "pass a pk as an int, or more characters of the uuid"
            )
        low, high = uuid_prefix_bounds(prefix)
        with self._read("read a node") as conn:
            rows = conn.execute(self._sql.nodes_by_uuid_prefix, {"low": low, "high": high, "limit": 6}).all()
        if not rows:
            raise NodeNotFoundError(f"No node has a uuid starting with {prefix!r} in {self.url}")
        if len(rows) > 1 and rows[0].uuid != prefix:
            shown = ", ".join(row.uuid for row in rows[:5]) + (", ..." if len(rows) > 5 else "")
            raise NodeNotFoundError(
                f"The uuid prefix {prefix!r} is ambiguous: it matches {shown}; pass more characters of the uuid"
            )
        return _node_row(rows[0])

    def now(self) -> float:
        """The store's clock, in seconds since the epoch."""
        with self._read("read the store's clock") as conn:
            return float(conn.execute(select(self._sql.now)).scalar_one())

    def _links_touching(self, pks: Iterable[int], *, by_input: bool, types: list[str] | None) -> dict[int, LinkRow]:
        """Links (by link id) whose input (``by_input``) or output is in ``pks``; within an open read or write."""
        statement = self._sql.links_of(by_input=by_input, typed=types is not None)
        found: dict[int, LinkRow] = {}
        for chunk in self._sql.chunks(pks):
            params: dict[str, Any] = {"ids": chunk} if types is None else {"ids": chunk, "types": types}
            for link_id, input_pk, output_pk, link_type, label in self._conn.execute(statement, params):
                found[link_id] = LinkRow(input_pk, output_pk, _LINK_TYPES[link_type], label)
        return found

    def _all_links(self, types: list[str] | None) -> list[LinkRow]:
        statement = select(links.c.input_pk, links.c.output_pk, links.c.link_type, links.c.link_label)
        if types is not None:
            statement = statement.where(links.c.link_type.in_(types))
        with self._read("read links") as conn:
            rows = conn.execute(statement.order_by(links.c.id))
            return [LinkRow(i, o, _LINK_TYPES[t], label) for i, o, t, label in rows]

    def _node_rows(self, statement: Select[Any], action: str) -> list[NodeRow]:
        with self._read(action) as conn:
            return [_node_row(row) for row in conn.execute(statement)]

    @contextmanager
    def _write(self, action: str, *, one_statement: bool = False) -> Iterator[Connection]:
        """A write transaction (joined when one is open already); StoreError if ``action`` fails. A write of
        ``one_statement`` needs none on PostgreSQL, where each statement outside a transaction commits by itself
        (one round trip instead of three)."""
        with self._errors(action):
            if self._depth:
                yield self._conn
                return
            with transaction_scope():
                try:
                    self._begin(statements=not one_statement)
                    yield self._conn
                except BaseException:
                    self._conn.rollback()
                    raise
                self._commit()

    def _begin(self, *, statements: bool = True) -> None:
        # On SQLite pysqlite's own BEGIN is disabled (see _engine._configure_sqlite), so take the write lock up
        # front: BEGIN IMMEDIATE waits for other writers instead of deadlocking later. PostgreSQL's connection is in
        # autocommit (see _engine._create_engine): a transaction of several statements begins here.
        if self.dialect == "sqlite":
            self._driver.begin_immediate()
            return
        if not self._conn.in_transaction():  # so that writes on the driver's cursor (_driver) are committed too
            self._conn.begin()
        if statements:
            self._driver.begin()

    def _commit(self) -> None:
        try:
            self._conn.commit()
        except BaseException:
            self._conn.rollback()  # leave no half-ended transaction behind for the next call
            raise

    @contextmanager
    def _read(self, action: str) -> Iterator[Connection]:
        """Reads; outside a transaction they end at once, so the next read sees other writers' commits."""
        with self._errors(action):
            try:
                yield self._conn
            finally:
                if not self._depth:
                    self._conn.rollback()

    @contextmanager
    def _errors(self, action: str) -> Iterator[None]:
        """Database failures of the store's own code as StoreError (never wrap a caller's code in this)."""
        if self._closed:
            raise StoreError(f"Cannot {action}: the store {self.url} is closed; open a new Store")
        if threading.get_ident() != self._thread:
            raise StoreError(
                f"Cannot {action} from thread {threading.current_thread().name}: the store {self.url} belongs to the "
                "thread of the event loop that runs the processes. Call jupyter_workflows functions (which pass "
                "the call to that thread), or loop.call_soon_threadsafe(...)."
            )
        try:
            yield
        except DBAPIError as exc:
            reason = describe_failure(exc, self._engine.url)
            if exc.connection_invalidated:
                raise unreachable(self._engine.url, reason) from None
            raise StoreError(f"Cannot {action} in {self.url}: {reason}") from exc
        except StatementError as exc:  # a value the database cannot take, such as attributes that are not JSON
            raise StoreError(f"Cannot {action}: {describe_failure(exc, self._engine.url)}") from exc
        except (TypeError, ValueError) as exc:  # the same, when the driver (psycopg) converts the values itself
            raise StoreError(f"Cannot {action}: {exc}") from exc

    def _prepare_schema(self) -> None:
        """Check the schema with a read (which never waits for other writers); create it only if it is missing."""
        with self._read("read the store's schema version") as conn:
            found = self._schema_version(conn)
        if found is None or found < SCHEMA_VERSION:
            action = "create the store's tables" if found is None else f"upgrade the store from schema version {found}"
            with self._write(action) as conn:
                if self.dialect == "postgresql":
                    conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_SCHEMA_LOCK})
                found = self._schema_version(conn)
                if found is None:  # nobody created it meanwhile
                    metadata.create_all(conn)
                    conn.execute(identity.insert(), {"id": 1, "uuid": str(uuid4())})
                    conn.execute(schema_version.insert(), {"id": 1, "version": SCHEMA_VERSION})
                    found = SCHEMA_VERSION
                elif found < SCHEMA_VERSION:  # made by an earlier version, and nobody upgraded it meanwhile
                    upgrade(conn, found)
                    found = SCHEMA_VERSION
        if found > SCHEMA_VERSION:
            raise StoreError(
                f"The store at {self.url} has schema version {found}, newer than this jupyter_workflows "
                f"understands ({SCHEMA_VERSION}); upgrade jupyter_workflows (pip install -U jupyter_workflows)"
            )
        with self._read("read the store's identity") as conn:
            self.identity = str(conn.execute(select(identity.c.uuid)).scalar_one())

    @staticmethod
    def _schema_version(conn: Connection) -> int | None:
        if not conn.dialect.has_table(conn, schema_version.name):
            return None
        return conn.execute(select(schema_version.c.version)).scalar_one_or_none()


def _advisory_key(name: str) -> int:
    """A PostgreSQL advisory lock key (a signed 64-bit integer) for a name."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


def _process_filters(
    *,
    states: Iterable[str] | None,
    process_labels: Iterable[str] | None,
    owner: str | None,
    since: float | None,
) -> list[ColumnElement[bool]]:
    where = [nodes.c.node_type.startswith("process.")]
    if states is not None:
        where.append(nodes.c.process_state.in_([str(state) for state in states]))
    if process_labels is not None:
        where.append(nodes.c.process_label.in_(list(process_labels)))
    if owner is not None:
        where.append(nodes.c.owner == owner)
    if since is not None:
        where.append(nodes.c.ctime >= since)
    return where


_TEXT_COLUMNS = ("label", "description", "process_label", "exit_message", "process_status", "step", "exception")


def storable_text(text: str) -> str:
    """``text`` as every database takes it: NUL (which PostgreSQL refuses) shown as ``\\x00``, lone surrogates
    (which no UTF-8 database takes) as ``\\udXXX`` escapes. The common case costs one ``isascii`` check."""
    if text.isascii():
        return text.replace("\x00", "\\x00") if "\x00" in text else text
    return text.encode("utf-8", "backslashreplace").decode("utf-8").replace("\x00", "\\x00")


def _storable_columns(columns: dict[str, Any]) -> dict[str, Any]:
    for name in _TEXT_COLUMNS:
        value = columns.get(name)
        if isinstance(value, str):
            columns[name] = storable_text(value)
    return columns


def _node_values(row: NodeRow, now: float) -> dict[str, Any]:
    values = {name: getattr(row, name) for name in _INSERTED_FIELDS}
    values["ctime"] = row.ctime or now
    values["mtime"] = row.mtime or values["ctime"]
    return _storable_columns(values)


def _node_row(row: Sequence[Any]) -> NodeRow:
    return NodeRow(*row)  # by position: the columns follow NodeRow's fields


def _link_values(link: LinkRow) -> tuple[int, int, str, str]:
    return link.input_pk, link.output_pk, _link_type(link.link_type).value, link.link_label


def _link_type(value: LinkType | str) -> LinkType:
    try:
        return _LINK_TYPES[value]
    except KeyError:
        choices = ", ".join(t.value for t in LinkType)
        raise StoreError(f"Unknown link type {value!r}; use a LinkType ({choices})") from None


def _check_updatable(columns: dict[str, Any]) -> None:
    wrong = sorted(set(columns) - UPDATABLE_COLUMNS)
    if wrong:
        raise StoreError(
            f"update_node() cannot set {', '.join(wrong)}; settable columns are {', '.join(sorted(UPDATABLE_COLUMNS))}"
        )


def _node_not_found(pk: int) -> NodeNotFoundError:
    return NodeNotFoundError(f"No node with pk {pk} exists in the store")


def _encode_checkpoint(pk: NodeRef, data: dict[str, Any]) -> str:
    try:
        return json.dumps(data)
    except (TypeError, ValueError) as exc:
        raise CheckpointError(
            f"The checkpoint of process {pk} cannot be saved: it is not JSON-serialisable ({exc}). "
            "Checkpoints hold only JSON types (dict, list, str, int, float, bool, None)"
        ) from exc


def _decode_checkpoint(pk: int, stored: str) -> dict[str, Any]:
    try:
        data = json.loads(stored)
    except ValueError as exc:
        raise CheckpointError(
            f"The checkpoint of process {pk} is corrupted (not valid JSON: {exc}); the process cannot be resumed "
            f"from it. Delete it with store.delete_checkpoint({pk}) and rerun the process"
        ) from None
    if not isinstance(data, dict):
        raise CheckpointError(
            f"The checkpoint of process {pk} is corrupted (a JSON {type(data).__name__}, not an object); delete it "
            f"with store.delete_checkpoint({pk}) and rerun the process"
        )
    return data
