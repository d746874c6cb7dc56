"""The store's tables, as SQLAlchemy Core metadata. Column order of ``nodes`` follows :class:`NodeRow`'s fields."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Double,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    and_,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.types import JSON

SCHEMA_VERSION = 4
"""Bump when the tables change (and add the step from the previous version to ``_migrations``); a store whose
``schema_version`` is newer than this refuses to open. 2: the nodes' ``hash`` and ``cache_valid`` (caching).
3: the ``code`` table (notebook code that travels to other processes). 4: the store's ``identity``, and an index of
the processes each owner holds."""

# SQLite only aliases the rowid (fast, autoincrementing) for a column declared exactly INTEGER PRIMARY KEY.
_PK = BigInteger().with_variant(Integer(), "sqlite")
# Byte-wise collation on PostgreSQL so that the uuid range scan used for prefix look-ups means "starts with".
_UUID = String(36).with_variant(String(36, collation="C"), "postgresql")
_JSON = JSON().with_variant(JSONB(), "postgresql")

metadata = MetaData()

nodes = Table(
    "nodes",
    metadata,
    Column("pk", _PK, primary_key=True, autoincrement=True),
    Column("uuid", _UUID, nullable=False, unique=True),
    Column("node_type", String(255), nullable=False, index=True),
    Column("label", Text, nullable=False, default=""),
    Column("description", Text, nullable=False, default=""),
    Column("ctime", Double, nullable=False, index=True),
    Column("mtime", Double, nullable=False),
    Column("attributes", _JSON, nullable=False),
    Column("process_label", String(255), index=True),
    Column("process_state", String(32), index=True),
    Column("exit_status", Integer),
    Column("exit_message", Text),
    Column("paused", Boolean, nullable=False, default=False),
    Column("process_status", Text),
    Column("step", Text),
    Column("exception", Text),
    Column("owner", String(255)),
    Column("sealed", Boolean, nullable=False, default=False),
    # Caching (schema version 2): a node's hash (data: its content; a process: its code and its inputs' hashes), and
    # for a process whether it may serve as a cache source (True), was withdrawn by the user (False), or never can.
    Column("hash", String(64)),
    Column("cache_valid", Boolean),
)
_CACHE_SOURCE = nodes.c.cache_valid.is_(True)
# Partial: only cache sources are indexed, so storing other nodes costs nothing; by (hash, pk), so that the look-up
# of the oldest source of a hash is one index probe.
cache_source_index = Index(
    "ix_nodes_cache_source", nodes.c.hash, nodes.c.pk, sqlite_where=_CACHE_SOURCE, postgresql_where=_CACHE_SOURCE
)

_HELD = and_(nodes.c.owner.is_not(None), nodes.c.sealed.is_(False))
# Partial (schema version 3): the processes an owner holds now, so that looking for a dead worker's processes reads
# the active processes only, however large the store.
held_index = Index("ix_nodes_held", nodes.c.owner, sqlite_where=_HELD, postgresql_where=_HELD)

links = Table(
    "links",
    metadata,
    Column("id", _PK, primary_key=True, autoincrement=True),
    Column("input_pk", _PK, ForeignKey("nodes.pk"), nullable=False),
    Column("output_pk", _PK, ForeignKey("nodes.pk"), nullable=False),
    Column("link_type", String(32), nullable=False),
    Column("link_label", String(255), nullable=False),
    Index("ix_links_input", "input_pk", "link_type"),
    Index("ix_links_output", "output_pk", "link_type"),
)

reports = Table(
    "reports",
    metadata,
    Column("id", _PK, primary_key=True, autoincrement=True),
    Column("node_pk", _PK, ForeignKey("nodes.pk"), nullable=False, index=True),
    Column("time", Double, nullable=False),
    Column("levelname", String(32), nullable=False),
    Column("message", Text, nullable=False),
)

checkpoints = Table(
    "checkpoints",
    metadata,
    Column("node_pk", _PK, ForeignKey("nodes.pk"), primary_key=True, autoincrement=False),
    Column("version", Integer, nullable=False),  # revision: 1 for the first save, +1 on each later save
    Column("data", Text, nullable=False),  # JSON text, parsed on load so corruption is reported, not hidden
    Column("mtime", Double, nullable=False),
)

# Code of processes defined in a notebook (or a script's __main__), captured so that another process can run them
# (schema version 3), and the source files of process functions that ran (node.get_source_code_file()): one row per
# distinct source text, keyed by its sha256. Never updated, never deleted.
code = Table(
    "code",
    metadata,
    Column("sha256", String(64), primary_key=True),
    Column("source", Text, nullable=False),
    Column("ctime", Double, nullable=False),
)

owners = Table(
    "owners",
    metadata,
    Column("id", String(255), primary_key=True),
    Column("hostname", String(255), nullable=False),
    Column("pid", Integer, nullable=False),
    Column("kind", String(32), nullable=False),
    Column("started", Double, nullable=False),
    Column("heartbeat", Double, nullable=False),
)

# Schema version 3: the store's identity, a uuid made once when the store is created (or upgraded to version 3). It
# tells stores apart wherever a URL cannot (the same database reached by two URLs): broker namespaces derive from it.
identity = Table(
    "identity",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),  # always 1: the table holds one row
    Column("uuid", String(36), nullable=False),
)

schema_version = Table(
    "schema_version",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),  # always 1: the table holds one row
    Column("version", Integer, nullable=False),
)
