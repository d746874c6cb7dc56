"""``import_archive()``: an AiiDA 2.x archive into the store, once (nodes are known by their uuids)."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import tempfile
import uuid as uuid_module
import zipfile
from collections import Counter
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .._core import ArchiveError
from .._runtime import get_runtime, on_loop_thread
from ..store import LinkRow, LinkType, ReportRow, Store
from ._format import DB_FILENAME, REPO_FOLDER, from_aiida_time, read_metadata
from ._translate import AiidaNode, from_aiida, repository_files

__all__ = ["ImportSummary", "import_archive"]

_LOCK = "jupyter_workflows.archive.import"  # one import at a time per store: what it found missing stays missing
_LINK_TYPES = {link_type.value: link_type for link_type in LinkType}


@dataclass(frozen=True)
class ImportSummary:
    """What :func:`import_archive` did: nodes, links and logs it added, nodes it already had (by uuid), what came in
    as generic data (AiiDA type name: count), and what the store has no place for (left out, and counted here)."""

    path: Path
    nodes_added: int
    nodes_present: int
    links_added: int
    logs_added: int
    generic: dict[str, int] = field(default_factory=dict)
    process_files_left_out: int = 0
    comments_left_out: int = 0
    groups_left_out: int = 0

    def __str__(self) -> str:
        lines = [
            f"Imported {self.path}: {self.nodes_added} new nodes, {self.links_added} new links, {self.logs_added} logs"
            + (f"; {self.nodes_present} nodes were in the store already" if self.nodes_present else "")
        ]
        if self.generic:
            kinds = ", ".join(f"{name} ({count})" for name, count in sorted(self.generic.items()))
            count = sum(self.generic.values())
            lines.append(
                f"{count} node{'s' if count != 1 else ''} came in as generic data (types jupyter_workflows has no "
                f"class for), with all their attributes and files: {kinds}"
            )
        left = [
            (self.process_files_left_out, "files of process nodes (source files, raw inputs)"),
            (self.comments_left_out, "comments"),
            (self.groups_left_out, "groups"),
        ]
        lines += [f"Left out {count} {what}: the store has no place for them" for count, what in left if count]
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"<ImportSummary: {self}>"


@on_loop_thread
def import_archive(path: str | os.PathLike[str], *, store: Store | None = None) -> ImportSummary:
    """Read the AiiDA archive at ``path`` (``verdi archive create``'s ``.aiida`` file, aiida-core 2.x) into the store,
    so that ``load_node``, ``graph`` and the widgets show its provenance.

    Nodes keep their uuids: importing an archive again (or an archive that shares nodes with one imported before)
    adds only what is new. Int, Float, Str, Bool, Dict, List, ArrayData (of one array), EnumData, calcfunctions,
    workfunctions and WorkChains come in as this package's classes; data of any other type (a StructureData, say)
    comes in as generic data with all its attributes and files, and the summary names those types. Logs become
    reports. Raises ArchiveError for a missing path, a file that is no archive, or an archive version this package
    does not read (the message names the supported ones). Returns a summary of what came in.
    """
    store = store if store is not None else get_runtime().store
    archive_path = Path(path)
    read_metadata(archive_path)
    content = _read(archive_path)
    translated = [from_aiida(node) for node in content.nodes.values()]
    with store.serialized(_LOCK):
        present = store.pks_by_uuid(item.row.uuid for item in translated)
        new = [item for item in translated if item.row.uuid not in present]
        pk_of = dict(present)
        pk_of.update(zip((item.row.uuid for item in new), store.insert_nodes([item.row for item in new]), strict=True))
        links = _new_links(store, content, pk_of, {item.row.uuid for item in new})
        store.insert_links(links)
        reports = [
            ReportRow(pk_of[uuid], time, levelname, message)
            for uuid, time, levelname, message in content.logs
            if uuid not in present
        ]
        store.add_reports(reports)
    return ImportSummary(
        path=archive_path,
        nodes_added=len(new),
        nodes_present=len(present),
        links_added=len(links),
        logs_added=len(reports),
        generic=dict(Counter(item.generic for item in new if item.generic)),
        process_files_left_out=sum(len(item.files_dropped) for item in new),
        comments_left_out=content.comments,
        groups_left_out=content.groups,
    )


def _new_links(store: Store, content: _Content, pk_of: dict[str, int], new: set[str]) -> list[LinkRow]:
    """The archive's links the store lacks: every link touching a new node, and any other missing one."""
    wanted = [
        (LinkRow(pk_of[source], pk_of[target], link_type, label), source in new or target in new)
        for source, target, link_type, label in content.links
    ]
    between_old = [link for link, touches_new in wanted if not touches_new]
    existing = set(store.get_links(inputs_of={link.output_pk for link in between_old})) if between_old else set()
    result: list[LinkRow] = []
    seen: set[LinkRow] = set()
    for link, touches_new in wanted:
        if (touches_new or link not in existing) and link not in seen:
            seen.add(link)
            result.append(link)
    return result


# -- reading the archive ------------------------------------------------------------------------------------------
@dataclass
class _Content:
    nodes: dict[int, AiidaNode]  # by the archive's node id
    links: list[tuple[str, str, LinkType, str]]  # (input uuid, output uuid, type, label)
    logs: list[tuple[str, float, str, str]]  # (node uuid, time, levelname, message)
    comments: int
    groups: int


def _read(path: Path) -> _Content:
    with zipfile.ZipFile(path) as archive, _database(path, archive) as conn:
        nodes = _nodes(path, archive, conn)
        uuid_of = {node_id: node.uuid for node_id, node in nodes.items()}
        return _Content(
            nodes=nodes,
            links=_links(path, conn, uuid_of),
            logs=[
                (uuid_of[node_id], from_aiida_time(time), str(levelname), str(message))
                for node_id, time, levelname, message in conn.execute(
                    "SELECT dbnode_id, time, levelname, message FROM db_dblog ORDER BY time, id"
                )
                if node_id in uuid_of
            ],
            comments=_count(conn, "db_dbcomment"),
            groups=_count(conn, "db_dbgroup"),
        )


@contextmanager
def _database(path: Path, archive: zipfile.ZipFile) -> Iterator[sqlite3.Connection]:
    """The archive's database, extracted to a temporary file and opened read-only."""
    with tempfile.TemporaryDirectory(prefix="jw-import-") as work:
        database = Path(work) / DB_FILENAME
        try:
            with archive.open(DB_FILENAME) as source, database.open("wb") as target:
                shutil.copyfileobj(source, target)
        except KeyError:
            raise ArchiveError(f"{path} holds no {DB_FILENAME}: the archive is damaged or incomplete") from None
        with closing(sqlite3.connect(f"file:{database}?mode=ro", uri=True)) as conn:
            try:
                conn.execute("SELECT count(*) FROM db_dbnode").fetchone()
            except sqlite3.DatabaseError as error:
                raise ArchiveError(f"The database of {path} cannot be read ({error}); the archive is damaged") from None
            yield conn


def _nodes(path: Path, archive: zipfile.ZipFile, conn: sqlite3.Connection) -> dict[int, AiidaNode]:
    statement = (
        "SELECT id, uuid, node_type, process_type, label, description, ctime, mtime, attributes, extras, "
        "repository_metadata FROM db_dbnode ORDER BY id"
    )
    nodes: dict[int, AiidaNode] = {}
    for node_id, uuid, node_type, process_type, label, description, ctime, mtime, *documents in conn.execute(statement):
        attributes, extras, repository = (_document(path, node_id, text) for text in documents)
        node = AiidaNode(
            uuid=_uuid(path, uuid),
            node_type=str(node_type),
            process_type=process_type,
            label=label or "",
            description=description or "",
            ctime=from_aiida_time(ctime),
            mtime=from_aiida_time(mtime),
            attributes=attributes,
            extras=extras,
        )
        files = dict(repository_files(repository))
        if node.node_type.startswith("data."):
            node.files = {name: _object(path, archive, key) for name, key in files.items()}
        else:
            node.files = dict.fromkeys(files, b"")  # only their names: a process's files are not kept
        nodes[node_id] = node
    return nodes


def _links(path: Path, conn: sqlite3.Connection, uuid_of: dict[int, str]) -> list[tuple[str, str, LinkType, str]]:
    links = []
    for link_id, source, target, label, link_type in conn.execute(
        "SELECT id, input_id, output_id, label, type FROM db_dblink ORDER BY id"
    ):
        if link_type not in _LINK_TYPES:
            known = ", ".join(_LINK_TYPES)
            raise ArchiveError(f"Link {link_id} of {path} has the link type {link_type!r}; known types are {known}")
        if source not in uuid_of or target not in uuid_of:
            raise ArchiveError(f"Link {link_id} of {path} joins a node the archive does not hold; it is damaged")
        links.append((uuid_of[source], uuid_of[target], _LINK_TYPES[link_type], str(label)))
    return links


def _document(path: Path, node_id: int, text: str | bytes | None) -> dict[str, Any]:
    if text is None:
        return {}
    try:
        value = json.loads(text)
    except ValueError as error:
        raise ArchiveError(
            f"Node {node_id} of {path} holds JSON that cannot be read ({error}); it is damaged"
        ) from None
    return value if isinstance(value, dict) else {}


def _uuid(path: Path, text: str) -> str:
    try:
        return str(uuid_module.UUID(str(text)))
    except ValueError:
        raise ArchiveError(f"{path} holds a node whose uuid {text!r} is not a uuid; the archive is damaged") from None


def _object(path: Path, archive: zipfile.ZipFile, key: str) -> bytes:
    try:
        return archive.read(f"{REPO_FOLDER}/{key}")
    except KeyError:
        raise ArchiveError(f"{path} lacks the file object {key} that one of its nodes names; it is damaged") from None


def _count(conn: sqlite3.Connection, table: str) -> int:
    return int(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])  # a constant table name
