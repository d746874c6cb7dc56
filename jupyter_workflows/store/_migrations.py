"""Bringing a store made by an earlier jupyter_workflows up to :data:`SCHEMA_VERSION`, inside the transaction that
opens it (so that of several programs opening an old store at once, one upgrades it and the others find it done)."""

from __future__ import annotations

import uuid
from collections.abc import Callable

from sqlalchemy import text, update
from sqlalchemy.engine import Connection

from .._core._errors import InternalError
from ._schema import SCHEMA_VERSION, cache_source_index, code, held_index, identity, nodes, schema_version

__all__ = ["upgrade"]


def upgrade(conn: Connection, found: int) -> None:
    """Run every step from schema version ``found`` to the current one, then record the new version."""
    for version in range(found, SCHEMA_VERSION):
        step = _STEPS.get(version)
        if step is None:
            raise InternalError(f"no upgrade step of the store's schema from version {version} to {version + 1}")
        step(conn)
    conn.execute(update(schema_version).values(version=SCHEMA_VERSION))


def _add_node_columns(conn: Connection, *names: str) -> None:
    """``ALTER TABLE nodes ADD COLUMN`` for columns declared in ``_schema`` (nullable, no default)."""
    quote = conn.dialect.identifier_preparer.quote
    for name in names:
        declared = nodes.c[name].type.compile(dialect=conn.dialect)
        conn.execute(text(f"ALTER TABLE {quote(nodes.name)} ADD COLUMN {quote(name)} {declared}"))


def _caching(conn: Connection) -> None:
    """1 -> 2: the nodes' ``hash`` and ``cache_valid``; nodes stored before have no hash (never a cache source)."""
    _add_node_columns(conn, "hash", "cache_valid")
    cache_source_index.create(conn)


def _stored_code(conn: Connection) -> None:
    """2 -> 3: the ``code`` table, where notebook code that travels to other processes is kept."""
    code.create(conn)


def _daemon(conn: Connection) -> None:
    """3 -> 4: the store's identity (a new uuid), and the index of the processes each owner holds."""
    identity.create(conn)
    conn.execute(identity.insert(), {"id": 1, "uuid": str(uuid.uuid4())})
    held_index.create(conn)


_STEPS: dict[int, Callable[[Connection], None]] = {1: _caching, 2: _stored_code, 3: _daemon}
