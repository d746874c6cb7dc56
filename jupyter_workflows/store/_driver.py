"""The writes every process makes, run on the database driver's cursor directly.

SQLAlchemy Core spends about 70 µs of CPU on each execution (an execution context, parameter processing, a result
object), several times what SQLite itself takes to insert one row. A calcfunction writes a node per new input and
output, its own node and its links, so these statements (and only these) go to the cursor of the connection's open
transaction, as SQL text made once per store. A driver error is raised as SQLAlchemy's ``DBAPIError``, so that the
store reports it as it reports any other.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import Select, func
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError

from .._core._errors import InternalError
from ._rows import NodeRef, NodeRow, ProcessWrite

__all__ = ["DriverStatements"]

_CACHED_PARAMETERS = 50  # psycopg parses a statement once only if it has at most this many parameters


def _several_rows(insert: str, rows: Sequence[Sequence[Any]]) -> Iterator[tuple[str, list[Any]]]:
    """``insert`` (``INSERT ... VALUES (<marks>)``, one row) as statements of several rows each, with their flat
    parameters: as many rows as keep a statement within the parameters whose parsing psycopg caches. A statement
    parsed again each time, or psycopg's executemany (a pipeline), costs more than a round trip more."""
    head, _, marks = insert.partition(" VALUES ")
    per_statement = max(1, _CACHED_PARAMETERS // len(rows[0])) if rows else 1
    for start in range(0, len(rows), per_statement):
        chunk = rows[start : start + per_statement]
        yield f"{head} VALUES {', '.join([marks] * len(chunk))}", [value for row in chunk for value in row]


def _json_if(condition: bool, value: Any) -> Any:
    return json.dumps(value) if condition else value


def _ends(input_ref: NodeRef, output_ref: NodeRef) -> dict[str, Any]:
    """A link's two nodes as a row of JSON: each by pk (``ip``, ``op``) or by the uuid of a node inserted with it."""
    ends: dict[str, Any] = {}
    for ref, pk, uuid in ((input_ref, "ip", "iu"), (output_ref, "op", "ou")):
        ends[pk if isinstance(ref, int) else uuid] = ref
    return ends


class _WriteStatement:
    """The parts (CTEs) of one statement that writes a process, and its parameters in the order of their marks."""

    def __init__(self) -> None:
        self.ctes: list[str] = []
        self.parameters: list[Any] = []
        self.guard = ""  # what each part's rows need: that the update of the process matched it
        self.inserts_nodes = False

    def add(self, cte: str) -> None:
        self.ctes.append(cte)

    def node(self, ref: NodeRef) -> str:
        """The pk of the node ``ref`` as SQL: a parameter, or the pk the statement's insert returned for a uuid."""
        self.parameters.append(ref)
        return "CAST(%s AS BIGINT)" if isinstance(ref, int) else "(SELECT pk FROM n WHERE n.uuid = %s)"

    def node_of(self, pk: str, uuid: str) -> str:
        """The pk of a node given in a row of JSON by its pk (column ``pk``) or, if the statement inserts it, by its
        uuid (column ``uuid``)."""
        return f"COALESCE({pk}, (SELECT pk FROM n WHERE n.uuid = {uuid}))" if self.inserts_nodes else pk


class DriverStatements:
    """Inserts of nodes and links on ``conn``'s driver connection; call them inside a transaction the store began."""

    def __init__(self, conn: Connection, node_columns: Sequence[str]) -> None:
        self._conn = conn
        self._postgresql = conn.dialect.name == "postgresql"
        mark = "%s" if self._postgresql else "?"
        self._node_columns = tuple(node_columns)
        self._attributes_at = self._node_columns.index("attributes")
        marks = [
            f"CAST({mark} AS JSONB)" if self._postgresql and column == "attributes" else mark
            for column in self._node_columns
        ]
        self._insert_node = f"INSERT INTO nodes ({', '.join(self._node_columns)}) VALUES ({', '.join(marks)})" + (
            " RETURNING pk" if self._postgresql else ""
        )
        self._insert_link = (
            f"INSERT INTO links (input_pk, output_pk, link_type, link_label) VALUES ({mark}, {mark}, {mark}, {mark})"
        )
        self._error: type[Exception] = conn.dialect.dbapi.Error  # type: ignore[union-attr]
        self._selects: dict[int, tuple[str, tuple[str, ...] | None, dict[str, Any]]] = {}
        self._unflushed_of: dict[int, tuple[Any, Any]] = {}

    def begin_immediate(self) -> None:
        """SQLite: begin a transaction that holds the write lock from its start (see ``_engine._configure_sqlite``),
        straight on the driver, with the connection's own transaction begun around it."""
        if not self._conn.in_transaction():
            self._conn.begin()
        cursor = self._conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        try:
            cursor.execute("BEGIN IMMEDIATE")
        except self._error as error:
            raise DBAPIError.instance("BEGIN IMMEDIATE", (), error, self._error) from None
        finally:
            cursor.close()

    def begin(self) -> None:
        """PostgreSQL (a connection in autocommit): begin a transaction of several statements, straight on the
        driver, inside the connection's own transaction (which commits it)."""
        try:
            self._conn.connection.dbapi_connection.execute("BEGIN")  # type: ignore[union-attr]
        except self._error as error:
            raise DBAPIError.instance("BEGIN", (), error, self._error) from None

    def insert_node(self, values: dict[str, Any]) -> int:
        """Insert one node (``values`` by column, its attributes not yet JSON) and return its pk."""
        parameters = [values[column] for column in self._node_columns]
        parameters[self._attributes_at] = json.dumps(parameters[self._attributes_at])
        cursor = self._cursor()
        try:
            cursor.execute(self._insert_node, parameters)
            return int(cursor.fetchone()[0] if self._postgresql else cursor.lastrowid)
        except self._error as error:
            raise DBAPIError.instance(self._insert_node, parameters, error, self._error) from None
        finally:
            cursor.close()

    def insert_nodes(self, rows: Sequence[dict[str, Any]]) -> list[int]:
        """Insert a few nodes and return their pks in order (PostgreSQL: in statements of several rows, see
        :func:`_several_rows`)."""
        if not self._postgresql or len(rows) == 1:
            return [self.insert_node(values) for values in rows]
        parameters = []
        for values in rows:
            row = [values[column] for column in self._node_columns]
            row[self._attributes_at] = json.dumps(row[self._attributes_at])
            parameters.append(row)
        pk_of: dict[str, int] = {}
        cursor = self._cursor()
        try:
            for sql, flat in _several_rows(self._insert_node.removesuffix(" RETURNING pk"), parameters):
                cursor.execute(f"{sql} RETURNING uuid, pk", flat)  # the rows come back in any order
                pk_of.update((str(uuid), int(pk)) for uuid, pk in cursor.fetchall())
        except self._error as error:
            raise DBAPIError.instance(self._insert_node, parameters, error, self._error) from None
        finally:
            cursor.close()
        return [pk_of[str(values["uuid"])] for values in rows]

    def insert_links(self, rows: Sequence[tuple[int, int, str, str]]) -> None:
        """Insert links, each ``(input_pk, output_pk, link_type, link_label)`` (PostgreSQL: in statements of several
        rows, see :func:`_several_rows`)."""
        cursor = self._cursor()
        try:
            if self._postgresql:
                for sql, flat in _several_rows(self._insert_link, rows):
                    cursor.execute(sql, flat)
            else:
                cursor.executemany(self._insert_link, rows)
        except self._error as error:
            raise DBAPIError.instance(self._insert_link, rows, error, self._error) from None
        finally:
            cursor.close()

    def write_process(
        self, write: ProcessWrite, nodes: Sequence[dict[str, Any]], checkpoint: str | None, now: float
    ) -> list[int] | None:
        """PostgreSQL: one flush of a process (see ``Store.write_process``: ``write`` with its values as the store
        prepared them, the new ``nodes`` by column, the ``checkpoint`` as JSON text) as one statement of data-modifying
        CTEs: a fifth of the round trips of the plain statements, and less CPU on both sides. The rows of each table
        go as one JSON parameter (``json_populate_recordset``), so that the statement's text depends only on which
        parts it has, not on how many rows: the server prepares it once, and psycopg converts it once. The pks of
        ``nodes`` in order; None if ``write.columns`` matched no process that is not sealed, and then the statement
        wrote nothing (each part is guarded by the update). A node the write inserts is referred to by its uuid, found
        in the insert's RETURNING: the parts of one statement see each other's rows only through it."""
        statement = _WriteStatement()
        if write.columns is not None:
            names = sorted(write.columns)
            marks = {name: "CAST(%s AS JSONB)" if name == "attributes" else "%s" for name in names}
            assignments = ", ".join(f"{name} = {mark}" for name, mark in marks.items())
            statement.add(f"u AS (UPDATE nodes SET {assignments} WHERE pk = %s AND NOT sealed RETURNING pk)")
            statement.parameters += [_json_if(name == "attributes", write.columns[name]) for name in names]
            statement.parameters.append(write.process)
            statement.guard = " WHERE EXISTS (SELECT FROM u)"
        if nodes:
            columns = ", ".join(self._node_columns)
            statement.add(
                f"n AS (INSERT INTO nodes ({columns}) SELECT {columns} FROM json_populate_recordset(NULL::nodes, %s)"
                f"{statement.guard} RETURNING uuid, pk)"
            )
            statement.parameters.append(json.dumps([{c: values[c] for c in self._node_columns} for values in nodes]))
            statement.inserts_nodes = True
        node = statement.node
        if write.links:
            pk_in, pk_out = statement.node_of("v.ip", "v.iu"), statement.node_of("v.op", "v.ou")
            statement.add(
                f"l AS (INSERT INTO links (input_pk, output_pk, link_type, link_label) SELECT {pk_in}, {pk_out}, v.t, "
                "v.l FROM json_to_recordset(%s) AS v(ip BIGINT, iu TEXT, op BIGINT, ou TEXT, t TEXT, l TEXT)"
                f"{statement.guard})"
            )
            statement.parameters.append(
                json.dumps([_ends(i, o) | {"t": t, "l": label} for i, o, t, label in write.links])
            )
        if write.reports:
            owner = node(write.process)
            statement.add(
                f"r AS (INSERT INTO reports (node_pk, time, levelname, message) SELECT {owner}, v.t, v.n, v.m FROM "
                f"json_to_recordset(%s) AS v(t DOUBLE PRECISION, n TEXT, m TEXT){statement.guard})"
            )
            statement.parameters.append(json.dumps([{"t": t, "n": n, "m": m} for t, n, m in write.reports]))
        if checkpoint is not None:
            owner = node(write.process)
            statement.parameters += [checkpoint, now]
            statement.add(
                f"c AS (INSERT INTO checkpoints (node_pk, version, data, mtime) SELECT {owner}, 1, CAST(%s AS TEXT), "
                f"CAST(%s AS DOUBLE PRECISION){statement.guard} ON CONFLICT (node_pk) DO UPDATE SET "
                "version = checkpoints.version + 1, data = excluded.data, mtime = excluded.mtime)"
            )
        elif write.drop_checkpoint:
            guard = statement.guard.replace(" WHERE ", " AND ")
            statement.add(f"d AS (DELETE FROM checkpoints WHERE node_pk = {node(write.process)}{guard})")
        returned = ["SELECT uuid, pk FROM n"] if nodes else []
        if write.columns is not None:
            returned.append("SELECT NULL, pk FROM u")
        sql = f"WITH {', '.join(statement.ctes)} {' UNION ALL '.join(returned or ['SELECT NULL, NULL WHERE FALSE'])}"
        cursor = self._cursor()
        try:
            cursor.execute(sql, statement.parameters)
            rows = cursor.fetchall()
        except self._error as error:
            raise DBAPIError.instance(sql, statement.parameters, error, self._error) from None
        finally:
            cursor.close()
        pk_of = {None if uuid is None else str(uuid): int(pk) for uuid, pk in rows}
        if write.columns is not None and None not in pk_of:
            return None
        return [pk_of[str(values["uuid"])] for values in nodes]

    def select(self, statement: Select[Any], parameters: dict[str, Any]) -> list[tuple[Any, ...]]:
        """The rows of a SELECT built with SQLAlchemy (compiled once per statement), as the driver returns them: JSON
        columns as text on SQLite, booleans as 0/1 (see ``node_row``). Inside a transaction the store began, or on
        PostgreSQL one begun here, which the store's read ends; on SQLite, outside one, the SELECT is a transaction of
        its own (pysqlite's implicit BEGIN is off, see ``_engine._configure_sqlite``), with nothing to begin or end."""
        lone = not self._conn.in_transaction()
        if lone and self._postgresql:
            self._conn.begin()
            lone = False
        sql, names, constants = self._compiled(statement)
        values = {**constants, **parameters}
        bound: Any = values if names is None else [values[name] for name in names]
        cursor: Any = self._conn.connection.dbapi_connection.cursor() if lone else self._cursor()  # type: ignore[union-attr]
        try:
            cursor.execute(sql, bound)
            return cursor.fetchall()  # type: ignore[no-any-return]
        except self._error as error:
            raise DBAPIError.instance(sql, bound, error, self._error) from None
        finally:
            cursor.close()

    def write_unflushed(self, statement: Any, parameters: dict[str, Any]) -> list[tuple[Any, ...]]:
        """PostgreSQL: run one write statement (with RETURNING) as a transaction of its own that commits without
        waiting for the write-ahead log to reach the disk; its rows. For writes whose loss in a crash of the database
        server is harmless (see Store.claim_process): other sessions see the commit at once, and any later durable
        commit flushes it first. The statement turns ``synchronous_commit`` off for its own transaction
        (``set_config(..., true)`` in its WHERE clause), so that it stays one statement, which psycopg prepares once
        it has run a few times: PostgreSQL then neither parses nor plans it again, as it did when the statement went
        as text between a BEGIN, a SET LOCAL and a COMMIT."""
        sql, names, constants = self._compiled(self._unflushed(statement))
        values = {**constants, **parameters}
        bound: Any = values if names is None else [values[name] for name in names]
        cursor: Any = self._conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        try:  # the connection is in autocommit: the statement commits, or rolls back, by itself
            cursor.execute(sql, bound)
            return cursor.fetchall()  # type: ignore[no-any-return]
        except self._error as error:
            raise DBAPIError.instance(sql, bound, error, self._error) from None
        finally:
            cursor.close()

    def _unflushed(self, statement: Any) -> Any:
        """``statement`` with ``synchronous_commit`` off for its transaction (made once per statement)."""
        found = self._unflushed_of.get(id(statement))  # the statement kept with it: its id is not reused
        if found is None:
            asynchronous = func.set_config("synchronous_commit", "off", True).is_not(None)
            found = self._unflushed_of[id(statement)] = (statement, statement.where(asynchronous))
        return found[1]

    def node_row(self, values: Sequence[Any]) -> NodeRow:
        """A node row from the driver's values, in NodeRow's column order."""
        row = NodeRow(*values)
        attributes: Any = row.attributes
        if isinstance(attributes, str):
            row.attributes = json.loads(attributes)
        row.paused, row.sealed = bool(row.paused), bool(row.sealed)
        if row.cache_valid is not None:
            row.cache_valid = bool(row.cache_valid)
        return row

    def _compiled(self, statement: Any) -> tuple[str, tuple[str, ...] | None, dict[str, Any]]:
        """SQL text, the order of its positional parameters (None: named), and the values of its literals."""
        found = self._selects.get(id(statement))
        if found is None:
            compiled = statement.compile(dialect=self._conn.dialect)
            names = tuple(compiled.positiontup) if compiled.positional and compiled.positiontup else None
            constants = {key: value for key, value in compiled.params.items() if value is not None}
            found = self._selects[id(statement)] = (compiled.string, names, constants)
        return found

    def _cursor(self) -> Any:
        if not self._conn.in_transaction():  # the store's own transaction, which commits or rolls it all back
            raise InternalError("DriverStatements run inside a transaction of the store")
        return self._conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
