"""Where provenance is kept: nodes, links, reports, checkpoints and owners in SQLite (default) or PostgreSQL."""

from .._core._secret_url import SecretURL as SecretURL
from ._config import default_store_url as default_store_url, redact_url as redact_url
from ._engine import missing_sqlite_file as missing_sqlite_file
from ._process_pages import ChangeMarker as ChangeMarker, ProcessQuery as ProcessQuery
from ._rows import (
    CALL_LINK_TYPES as CALL_LINK_TYPES,
    DATA_LINK_TYPES as DATA_LINK_TYPES,
    EXTRAS as EXTRAS,
    INPUT_LINK_TYPES as INPUT_LINK_TYPES,
    LOGIC_LINK_TYPES as LOGIC_LINK_TYPES,
    CacheSource as CacheSource,
    ClaimedRun as ClaimedRun,
    LinkRow as LinkRow,
    LinkType as LinkType,
    NodeRef as NodeRef,
    NodeRow as NodeRow,
    OwnerRow as OwnerRow,
    ProcessWrite as ProcessWrite,
    ReportRow as ReportRow,
    Traversal as Traversal,
)
from ._sql import Store as Store, storable_text as storable_text

__all__ = [
    "CALL_LINK_TYPES",
    "DATA_LINK_TYPES",
    "EXTRAS",
    "INPUT_LINK_TYPES",
    "LOGIC_LINK_TYPES",
    "CacheSource",
    "ChangeMarker",
    "ClaimedRun",
    "LinkRow",
    "LinkType",
    "NodeRef",
    "NodeRow",
    "OwnerRow",
    "ProcessQuery",
    "ProcessWrite",
    "ReportRow",
    "SecretURL",
    "Store",
    "Traversal",
    "default_store_url",
    "missing_sqlite_file",
    "redact_url",
    "storable_text",
]
