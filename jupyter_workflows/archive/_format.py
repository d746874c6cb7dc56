"""AiiDA's archive format (``.aiida``, aiida-core 2.x): what is in the zip and how to check a file is one we read.

An archive is a zip file: ``metadata.json`` first (its ``export_version`` is the schema revision of the database),
then ``db.sqlite3`` (an SQLite database with the tables of an AiiDA profile: ``db_dbnode``, ``db_dblink``,
``db_dblog``, ``db_dbuser``, ...) and ``repo/<sha256>`` for every file object a node holds (its
``repository_metadata`` names its files by those keys). Times are naive UTC (``2024-05-01 12:00:00.000000``), uuids
have their dashes, JSON columns are JSON text. See aiida-core's ``aiida/storage/sqlite_zip`` and
``aiida/tools/archive``.
"""

from __future__ import annotations

import json
import zipfile
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from .._core import ArchiveError

__all__ = [
    "DB_FILENAME",
    "EXPORT_TRAVERSAL_RULES",
    "EXPORT_VERSION",
    "META_FILENAME",
    "READABLE_VERSIONS",
    "REPO_FOLDER",
    "SCHEMA",
    "from_aiida_time",
    "read_metadata",
    "to_aiida_time",
]

META_FILENAME = "metadata.json"
DB_FILENAME = "db.sqlite3"
REPO_FOLDER = "repo"

EXPORT_VERSION = "main_0001"
"""The schema revision this package writes: the head of aiida-core 2.x's archive format (2.0 to 2.9)."""

READABLE_VERSIONS = ("main_0000", "main_0000a", "main_0000b", "main_0001")
"""Schema revisions this package reads: every revision of the 2.x format (their tables have the same columns)."""

LEGACY_VERSIONS = ("0.4", "0.5", "0.6", "0.7", "0.8", "0.9", "0.10", "0.11", "0.12", "0.13")
"""The JSON-based format of aiida-core 1.x: ``verdi archive migrate`` turns these into the 2.x format."""

EXPORT_TRAVERSAL_RULES = {
    "input_calc_forward": False,
    "input_calc_backward": True,
    "create_forward": True,
    "create_backward": True,
    "return_forward": True,
    "return_backward": False,
    "input_work_forward": False,
    "input_work_backward": True,
    "call_calc_forward": True,
    "call_calc_backward": True,
    "call_work_forward": True,
    "call_work_backward": True,
}
"""AiiDA's default export rules (``GraphTraversalRules.EXPORT``): which links an export follows, each way, to make the
provenance of the exported nodes complete."""

# The tables of aiida-core's sqlite_zip storage (aiida/storage/sqlite_zip/models.py), as aiida-core 2.9 creates them.
# Every table must exist, even when empty: aiida's importer queries each of them.
SCHEMA = (
    """CREATE TABLE db_dbcomputer (
    id INTEGER NOT NULL, uuid VARCHAR(32) NOT NULL, label VARCHAR(255) NOT NULL, hostname VARCHAR(255) NOT NULL,
    description TEXT NOT NULL, scheduler_type VARCHAR(255) NOT NULL, transport_type VARCHAR(255) NOT NULL,
    metadata JSON NOT NULL,
    CONSTRAINT db_dbcomputer_pkey PRIMARY KEY (id), CONSTRAINT uq_db_dbcomputer_uuid UNIQUE (uuid),
    CONSTRAINT uq_db_dbcomputer_label UNIQUE (label))""",
    """CREATE TABLE db_dbsetting (
    id INTEGER NOT NULL, "key" VARCHAR(1024) NOT NULL, val JSON, description TEXT NOT NULL, time DATETIME NOT NULL,
    CONSTRAINT db_dbsetting_pkey PRIMARY KEY (id), CONSTRAINT uq_db_dbsetting_key UNIQUE ("key"))""",
    """CREATE TABLE db_dbuser (
    id INTEGER NOT NULL, email VARCHAR(254) NOT NULL, first_name VARCHAR(254) NOT NULL,
    last_name VARCHAR(254) NOT NULL, institution VARCHAR(254) NOT NULL,
    CONSTRAINT db_dbuser_pkey PRIMARY KEY (id), CONSTRAINT uq_db_dbuser_email UNIQUE (email))""",
    """CREATE TABLE db_dbauthinfo (
    id INTEGER NOT NULL, aiidauser_id INTEGER NOT NULL, dbcomputer_id INTEGER NOT NULL, metadata JSON NOT NULL,
    auth_params JSON NOT NULL, enabled BOOLEAN NOT NULL,
    CONSTRAINT db_dbauthinfo_pkey PRIMARY KEY (id),
    CONSTRAINT fk_db_dbauthinfo_dbcomputer_id_db_dbcomputer FOREIGN KEY(dbcomputer_id) REFERENCES db_dbcomputer (id)
        ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,
    CONSTRAINT fk_db_dbauthinfo_aiidauser_id_db_dbuser FOREIGN KEY(aiidauser_id) REFERENCES db_dbuser (id)
        ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,
    CONSTRAINT uq_db_dbauthinfo_aiidauser_id_dbcomputer_id UNIQUE (aiidauser_id, dbcomputer_id))""",
    "CREATE INDEX ix_db_dbauthinfo_db_dbauthinfo_aiidauser_id ON db_dbauthinfo (aiidauser_id)",
    "CREATE INDEX ix_db_dbauthinfo_db_dbauthinfo_dbcomputer_id ON db_dbauthinfo (dbcomputer_id)",
    """CREATE TABLE db_dbgroup (
    id INTEGER NOT NULL, uuid VARCHAR(32) NOT NULL, label VARCHAR(255) NOT NULL, type_string VARCHAR(255) NOT NULL,
    time DATETIME NOT NULL, description TEXT NOT NULL, extras JSON NOT NULL, user_id INTEGER NOT NULL,
    CONSTRAINT db_dbgroup_pkey PRIMARY KEY (id), CONSTRAINT uq_db_dbgroup_uuid UNIQUE (uuid),
    CONSTRAINT uq_db_dbgroup_label_type_string UNIQUE (label, type_string),
    CONSTRAINT fk_db_dbgroup_user_id_db_dbuser FOREIGN KEY(user_id) REFERENCES db_dbuser (id)
        ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED)""",
    "CREATE INDEX ix_db_dbgroup_db_dbgroup_type_string ON db_dbgroup (type_string)",
    "CREATE INDEX ix_db_dbgroup_db_dbgroup_label ON db_dbgroup (label)",
    "CREATE INDEX ix_db_dbgroup_db_dbgroup_user_id ON db_dbgroup (user_id)",
    """CREATE TABLE db_dbnode (
    id INTEGER NOT NULL, uuid VARCHAR(32) NOT NULL, node_type VARCHAR(255) NOT NULL, process_type VARCHAR(255),
    label VARCHAR(255) NOT NULL, description TEXT NOT NULL, ctime DATETIME NOT NULL, mtime DATETIME NOT NULL,
    attributes JSON, extras JSON, repository_metadata JSON NOT NULL, dbcomputer_id INTEGER, user_id INTEGER NOT NULL,
    CONSTRAINT db_dbnode_pkey PRIMARY KEY (id), CONSTRAINT uq_db_dbnode_uuid UNIQUE (uuid),
    CONSTRAINT fk_db_dbnode_user_id_db_dbuser FOREIGN KEY(user_id) REFERENCES db_dbuser (id)
        ON DELETE RESTRICT DEFERRABLE INITIALLY DEFERRED,
    CONSTRAINT fk_db_dbnode_dbcomputer_id_db_dbcomputer FOREIGN KEY(dbcomputer_id) REFERENCES db_dbcomputer (id)
        ON DELETE RESTRICT DEFERRABLE INITIALLY DEFERRED)""",
    "CREATE INDEX ix_db_dbnode_db_dbnode_mtime ON db_dbnode (mtime)",
    "CREATE INDEX ix_db_dbnode_db_dbnode_node_type ON db_dbnode (node_type)",
    "CREATE INDEX ix_db_dbnode_db_dbnode_user_id ON db_dbnode (user_id)",
    "CREATE INDEX ix_db_dbnode_db_dbnode_dbcomputer_id ON db_dbnode (dbcomputer_id)",
    "CREATE INDEX ix_db_dbnode_db_dbnode_label ON db_dbnode (label)",
    "CREATE INDEX ix_db_dbnode_db_dbnode_ctime ON db_dbnode (ctime)",
    "CREATE INDEX ix_db_dbnode_db_dbnode_process_type ON db_dbnode (process_type)",
    """CREATE TABLE db_dbcomment (
    id INTEGER NOT NULL, uuid VARCHAR(32) NOT NULL, dbnode_id INTEGER NOT NULL, ctime DATETIME NOT NULL,
    mtime DATETIME NOT NULL, user_id INTEGER NOT NULL, content TEXT NOT NULL,
    CONSTRAINT db_dbcomment_pkey PRIMARY KEY (id), CONSTRAINT uq_db_dbcomment_uuid UNIQUE (uuid),
    CONSTRAINT fk_db_dbcomment_dbnode_id_db_dbnode FOREIGN KEY(dbnode_id) REFERENCES db_dbnode (id)
        ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,
    CONSTRAINT fk_db_dbcomment_user_id_db_dbuser FOREIGN KEY(user_id) REFERENCES db_dbuser (id)
        ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED)""",
    "CREATE INDEX ix_db_dbcomment_db_dbcomment_user_id ON db_dbcomment (user_id)",
    "CREATE INDEX ix_db_dbcomment_db_dbcomment_dbnode_id ON db_dbcomment (dbnode_id)",
    """CREATE TABLE db_dbgroup_dbnodes (
    id INTEGER NOT NULL, dbnode_id INTEGER NOT NULL, dbgroup_id INTEGER NOT NULL,
    CONSTRAINT db_dbgroup_dbnodes_pkey PRIMARY KEY (id),
    CONSTRAINT fk_db_dbgroup_dbnodes_dbgroup_id_db_dbgroup FOREIGN KEY(dbgroup_id) REFERENCES db_dbgroup (id)
        DEFERRABLE INITIALLY DEFERRED,
    CONSTRAINT fk_db_dbgroup_dbnodes_dbnode_id_db_dbnode FOREIGN KEY(dbnode_id) REFERENCES db_dbnode (id)
        DEFERRABLE INITIALLY DEFERRED,
    CONSTRAINT uq_db_dbgroup_dbnodes_dbgroup_id_dbnode_id UNIQUE (dbgroup_id, dbnode_id))""",
    "CREATE INDEX ix_db_dbgroup_dbnodes_db_dbgroup_dbnodes_dbnode_id ON db_dbgroup_dbnodes (dbnode_id)",
    "CREATE INDEX ix_db_dbgroup_dbnodes_db_dbgroup_dbnodes_dbgroup_id ON db_dbgroup_dbnodes (dbgroup_id)",
    """CREATE TABLE db_dblink (
    id INTEGER NOT NULL, input_id INTEGER NOT NULL, output_id INTEGER NOT NULL, label VARCHAR(255) NOT NULL,
    type VARCHAR(255) NOT NULL,
    CONSTRAINT db_dblink_pkey PRIMARY KEY (id),
    CONSTRAINT fk_db_dblink_input_id_db_dbnode FOREIGN KEY(input_id) REFERENCES db_dbnode (id)
        DEFERRABLE INITIALLY DEFERRED,
    CONSTRAINT fk_db_dblink_output_id_db_dbnode FOREIGN KEY(output_id) REFERENCES db_dbnode (id)
        ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED)""",
    "CREATE INDEX ix_db_dblink_db_dblink_type ON db_dblink (type)",
    "CREATE INDEX ix_db_dblink_db_dblink_label ON db_dblink (label)",
    "CREATE INDEX ix_db_dblink_db_dblink_input_id ON db_dblink (input_id)",
    "CREATE INDEX ix_db_dblink_db_dblink_output_id ON db_dblink (output_id)",
    """CREATE TABLE db_dblog (
    id INTEGER NOT NULL, uuid VARCHAR(32) NOT NULL, time DATETIME NOT NULL, loggername VARCHAR(255) NOT NULL,
    levelname VARCHAR(50) NOT NULL, dbnode_id INTEGER NOT NULL, message TEXT NOT NULL, metadata JSON NOT NULL,
    CONSTRAINT db_dblog_pkey PRIMARY KEY (id), CONSTRAINT uq_db_dblog_uuid UNIQUE (uuid),
    CONSTRAINT fk_db_dblog_dbnode_id_db_dbnode FOREIGN KEY(dbnode_id) REFERENCES db_dbnode (id)
        ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED)""",
    "CREATE INDEX ix_db_dblog_db_dblog_dbnode_id ON db_dblog (dbnode_id)",
    "CREATE INDEX ix_db_dblog_db_dblog_levelname ON db_dblog (levelname)",
    "CREATE INDEX ix_db_dblog_db_dblog_loggername ON db_dblog (loggername)",
)

_TIME_FORMAT = "%Y-%m-%d %H:%M:%S.%f"


def to_aiida_time(seconds: float) -> str:
    """Seconds since the epoch as the archive's naive UTC text."""
    return datetime.fromtimestamp(seconds, timezone.utc).strftime(_TIME_FORMAT)


def from_aiida_time(text: str | None) -> float:
    """The archive's time text (naive UTC, with or without microseconds or an offset) as seconds since the epoch."""
    if not text:
        return 0.0
    moment = datetime.fromisoformat(str(text))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.timestamp()


def read_metadata(path: Path) -> dict[str, Any]:
    """The ``metadata.json`` of the archive at ``path``, once its version was checked to be one this package reads.

    Raises ArchiveError naming the problem: no such file, not a zip file (or an archive of aiida-core 1.x, a tar
    file), no metadata, or a version that is too old or too new (with what is supported and what to do).
    """
    if not path.exists():
        raise ArchiveError(f"No archive at {path}: the file does not exist; check the path (relative to {Path.cwd()})")
    if path.is_dir():
        raise ArchiveError(f"{path} is a directory, not an archive file; pass the path of an .aiida file")
    if not zipfile.is_zipfile(path):
        raise ArchiveError(
            f"{path} is not an AiiDA archive: it is not a zip file. An AiiDA 2.x archive (`verdi archive create`) is a "
            "zip file holding metadata.json and db.sqlite3; an archive of aiida-core 1.x (a tar file) must be migrated "
            "first with `verdi archive migrate`"
        )
    try:
        with zipfile.ZipFile(path) as archive:
            metadata = json.loads(archive.read(META_FILENAME))
    except KeyError:
        raise ArchiveError(
            f"{path} is a zip file but no AiiDA archive: it holds no {META_FILENAME}; pass a file written by "
            "`verdi archive create` or jupyter_workflows.export()"
        ) from None
    except (ValueError, zipfile.BadZipFile, OSError) as error:
        raise ArchiveError(f"The {META_FILENAME} of {path} cannot be read ({error}); the archive is damaged") from None
    if not isinstance(metadata, dict) or "export_version" not in metadata:
        raise ArchiveError(f"The {META_FILENAME} of {path} names no export_version; the archive is damaged")
    check_version(path, str(metadata["export_version"]))
    return metadata


def check_version(path: Path, version: str) -> None:
    """ArchiveError unless ``version`` is one this package reads; the message names the supported versions."""
    if version in READABLE_VERSIONS:
        return
    supported = f"this jupyter_workflows reads the aiida-core 2.x format ({', '.join(READABLE_VERSIONS)})"
    if version in LEGACY_VERSIONS:
        raise ArchiveError(
            f"{path} is an archive of the aiida-core 1.x format (version {version}), which is too old: {supported}. "
            f"Migrate it with aiida-core 2.x first: verdi archive migrate {path} migrated.aiida"
        )
    raise ArchiveError(
        f"{path} is an archive of version {version}, which is newer than {supported}, written by aiida-core 2.0 to "
        "2.9. Upgrade jupyter_workflows (pip install -U jupyter_workflows), or write the archive with aiida-core 2.9"
    )
