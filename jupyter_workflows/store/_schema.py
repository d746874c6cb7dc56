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
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.types import JSON

SCHEMA_VERSION = 1
"""Bump when the tables change; a store whose ``schema_version`` is newer than this refuses to open."""

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
)

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

schema_version = Table(
    "schema_version",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),  # always 1: the table holds one row
    Column("version", Integer, nullable=False),
)
