"""``export()``: nodes and their whole provenance into an AiiDA archive that ``verdi archive import`` takes."""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import tempfile
import uuid as uuid_module
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from .._core import ArchiveError, UsageError
from .._runtime import get_runtime, on_loop_thread
from .._version import __version__
from ..nodes import Node
from ..store import LinkRow, LinkType, NodeRow, Store
from ._format import (
    DB_FILENAME,
    EXPORT_TRAVERSAL_RULES,
    EXPORT_VERSION,
    META_FILENAME,
    REPO_FOLDER,
    SCHEMA,
    to_aiida_time,
)
from ._translate import TERMINAL, AiidaNode, repository_tree, to_aiida

__all__ = ["ExportSummary", "export", "provenance_closure"]

DEFAULT_EMAIL = "jupyter_workflows@localhost"
_LOG_NAMESPACE = uuid_module.UUID("8b1c5d0e-4d0a-4a57-9a3e-6a7c2f1e9b10")  # report uuids: the same in every export

NodeIdentifier = Node | int | str


@dataclass(frozen=True)
class ExportSummary:
    """What :func:`export` wrote: the archive's path and how many nodes, links, logs and files it holds."""

    path: Path
    nodes: int
    links: int
    logs: int
    files: int

    def __str__(self) -> str:
        return (
            f"Wrote {self.path}: {self.nodes} nodes, {self.links} links, {self.logs} logs, {self.files} files "
            f"(AiiDA archive {EXPORT_VERSION}: `verdi archive import {self.path}`)"
        )


@on_loop_thread
def export(
    *nodes: NodeIdentifier,
    path: str | os.PathLike[str],
    all_nodes: bool = False,
    overwrite: bool = False,
    user_email: str = DEFAULT_EMAIL,
    store: Store | None = None,
) -> ExportSummary:
    """Write ``nodes`` (nodes, pks or uuids) with their whole provenance to an AiiDA archive at ``path``
    (``results.aiida``), which aiida-core 2.x imports with ``verdi archive import``.

    The provenance follows AiiDA's default export rules: a process comes with its inputs, outputs, callers and
    calls; data with the process that created it; so the archive holds every workflow that made the nodes, whole.
    Reports come as AiiDA logs, process states and exit codes as AiiDA's process attributes. ``all_nodes=True``
    exports the whole store. ``overwrite``: replace an existing file (else ArchiveError). ``user_email``: the AiiDA
    user the nodes belong to. Processes must have terminated (as AiiDA requires). Returns a summary of what was written.
    """
    store = store if store is not None else get_runtime().store
    target = Path(path)
    _check_target(target, overwrite=overwrite)
    if all_nodes:
        pks = set(store.node_pks())
    elif not nodes:
        raise UsageError("export() needs the nodes to export (nodes, pks or uuids), or all_nodes=True for every node")
    else:
        pks = provenance_closure(store, [_pk_of(node, store) for node in nodes])
    rows = store.get_nodes(pks)
    _check_terminated(rows.values())
    links = [link for link in store.get_links(inputs_of=rows) if link.input_pk in rows]
    return _write(target, store, rows, links, user_email)


def provenance_closure(store: Store, origins: Iterable[int]) -> set[int]:
    """``origins`` and every node AiiDA's default export rules reach from them, one set-based query per round."""
    found = set(origins)
    frontier = set(found)
    while frontier:
        reached: set[int] = set()
        for link in store.get_links(inputs_of=frontier, outputs_of=frontier):
            name = LinkType(link.link_type).value
            if link.output_pk in frontier and EXPORT_TRAVERSAL_RULES[f"{name}_backward"]:
                reached.add(link.input_pk)
            if link.input_pk in frontier and EXPORT_TRAVERSAL_RULES[f"{name}_forward"]:
                reached.add(link.output_pk)
        frontier = reached - found
        found |= frontier
    return found


def _pk_of(node: NodeIdentifier, store: Store) -> int:
    if isinstance(node, Node):
        if node.pk is None:
            raise UsageError(f"{node!r} is not stored, so it has no provenance to export; store() it first")
        return node.pk
    if isinstance(node, bool) or not isinstance(node, (int, str)):
        raise UsageError(f"export() takes nodes, pks or uuids, not {type(node).__name__} {node!r}")
    return store.get_node(node).pk


def _check_target(target: Path, *, overwrite: bool) -> None:
    if target.is_dir():
        raise ArchiveError(f"{target} is a directory; pass the path of the archive file to write (results.aiida)")
    if target.exists() and not overwrite:
        raise ArchiveError(f"{target} exists already; pass overwrite=True to replace it, or another path")
    if not target.parent.is_dir():
        raise ArchiveError(f"Cannot write {target}: the directory {target.parent} does not exist; create it first")


def _check_terminated(rows: Iterable[NodeRow]) -> None:
    active = [row for row in rows if row.node_type.startswith("process.") and row.process_state not in TERMINAL]
    if active:
        shown = ", ".join(f"{row.process_label}<{row.pk}> ({row.process_state})" for row in active[:5])
        more = f" and {len(active) - 5} more" if len(active) > 5 else ""
        raise ArchiveError(
            f"Cannot export processes that have not terminated: {shown}{more}. AiiDA archives hold only terminated "
            "processes; wait for them (jw.wait(...)) or kill them, then export again"
        )


# -- writing ------------------------------------------------------------------------------------------------------
def _write(target: Path, store: Store, rows: dict[int, NodeRow], links: list[LinkRow], email: str) -> ExportSummary:
    ordered = sorted(rows.values(), key=lambda row: (row.ctime, row.pk))
    ids = {row.pk: index for index, row in enumerate(ordered, start=1)}
    nodes = [to_aiida(row) for row in ordered]
    with tempfile.TemporaryDirectory(prefix="jw-export-", dir=target.parent) as work:
        database = Path(work) / DB_FILENAME
        objects: dict[str, bytes] = {}
        with sqlite3.connect(database) as conn:
            for statement in SCHEMA:
                conn.execute(statement)
            conn.execute("INSERT INTO db_dbuser VALUES (1, ?, '', '', '')", (email,))
            conn.executemany(
                "INSERT INTO db_dbnode VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, 1)",
                [_node_values(ids[row.pk], node, objects) for row, node in zip(ordered, nodes, strict=True)],
            )
            conn.executemany(
                "INSERT INTO db_dblink VALUES (?, ?, ?, ?, ?)",
                [
                    (index, ids[link.input_pk], ids[link.output_pk], link.link_label, LinkType(link.link_type).value)
                    for index, link in enumerate(links, start=1)
                ],
            )
            logs = _log_values(store, ordered, nodes, ids)
            conn.executemany("INSERT INTO db_dblog VALUES (?, ?, ?, ?, ?, ?, ?, ?)", logs)
        conn.close()
        partial = Path(work) / target.name
        _zip(partial, database, objects)
        os.replace(partial, target)
    return ExportSummary(target, len(nodes), len(links), len(logs), len(objects))


def _node_values(index: int, node: AiidaNode, objects: dict[str, bytes]) -> tuple[Any, ...]:
    keys = {}
    for name, content in node.files.items():
        key = hashlib.sha256(content).hexdigest()
        objects[key] = content
        keys[name] = key
    return (
        index,
        node.uuid,
        node.node_type,
        node.process_type,
        node.label,
        node.description,
        to_aiida_time(node.ctime),
        to_aiida_time(node.mtime),
        _json(node.attributes),
        _json(node.extras),
        _json(repository_tree(keys)),
    )


def _log_values(
    store: Store, ordered: list[NodeRow], nodes: list[AiidaNode], ids: dict[int, int]
) -> list[tuple[Any, ...]]:
    values: list[tuple[Any, ...]] = []
    for row, node in zip(ordered, nodes, strict=True):
        if not row.node_type.startswith("process."):
            continue
        logger = "aiida.orm.nodes." + node.node_type.removesuffix(".")
        for position, report in enumerate(store.get_reports(row.pk)):
            log_uuid = uuid_module.uuid5(_LOG_NAMESPACE, f"{row.uuid}:{position}")
            when = to_aiida_time(report.time)
            values.append(
                (len(values) + 1, str(log_uuid), when, logger, report.levelname, ids[row.pk], report.message, "{}")
            )
    return values


def _zip(path: Path, database: Path, objects: dict[str, bytes]) -> None:
    metadata = {
        "export_version": EXPORT_VERSION,
        "aiida_version": "2.9.4",  # the aiida-core whose format this is, as `verdi archive info` shows it
        "key_format": "sha256",
        "compression": 6,
        "ctime": datetime.now(timezone.utc).isoformat(),
        "creation_parameters": {
            "entities_starting_set": None,
            "include_authinfos": False,
            "include_comments": True,
            "include_logs": True,
            "graph_traversal_rules": EXPORT_TRAVERSAL_RULES,
        },
        "written_by": f"jupyter_workflows {__version__}",
    }
    # metadata.json first and db.sqlite3 second, as aiida-core writes them: its readers look for them among the
    # first entries of the zip.
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as archive:
        archive.writestr(META_FILENAME, json.dumps(metadata), compress_type=zipfile.ZIP_STORED)
        archive.write(database, DB_FILENAME)
        for key, content in objects.items():
            archive.writestr(f"{REPO_FOLDER}/{key}", content)


def _json(value: Any) -> str:
    return json.dumps(value, allow_nan=True)
