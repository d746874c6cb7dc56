"""The public surface of jupyter_workflows.store: exactly these names, each importable."""

from __future__ import annotations

import jupyter_workflows.store

PUBLIC = [
    "CALL_LINK_TYPES",
    "CacheSource",
    "ChangeMarker",
    "ClaimedRun",
    "DATA_LINK_TYPES",
    "EXTRAS",
    "INPUT_LINK_TYPES",
    "LOGIC_LINK_TYPES",
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


def test_public_names_are_pinned() -> None:
    assert sorted(jupyter_workflows.store.__all__) == PUBLIC
    for name in PUBLIC:
        assert getattr(jupyter_workflows.store, name) is not None
