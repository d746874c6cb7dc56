"""A store made by an earlier version opens, is upgraded in place (once, also when several programs open it at once),
keeps everything it held, and works as a new one from then on."""

from __future__ import annotations

import hashlib
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from sqlalchemy import MetaData, Table, create_engine, func, inspect, select

import jupyter_workflows as jw
from jupyter_workflows.store import LinkRow, LinkType, NodeRow, Store
from jupyter_workflows.store._schema import SCHEMA_VERSION, code, metadata, schema_version
from jupyter_workflows.testing import temporary_store

ROOT = Path(__file__).resolve().parent.parent.parent
CACHING_COLUMNS = ("hash", "cache_valid")
# Tables an old schema version did not have yet (and before version 4, the nodes had no index of held processes).
LATER_TABLES = {1: {"code", "identity"}, 2: {"code", "identity"}, 3: {"identity"}}


def make_version_1_store(url: str, version: int = 1) -> dict[str, str]:
    """The tables exactly as schema version 1 (or 2, 3) had them (version 1: the nodes without the caching columns
    and their index; before 3 no code table; none with the identity table), holding a finished calcfunction
    add(x=1, y=2) -> 3 as version 1 wrote it; returns the uuids by role."""
    old = MetaData()
    for table in metadata.sorted_tables:
        if table.name in LATER_TABLES[version]:
            continue
        if table.name == "nodes" and version == 1:
            columns = [column._copy() for column in table.c if column.name not in CACHING_COLUMNS]
            Table("nodes", old, *columns)
        elif table.name == "nodes":  # versions 2 and 3: without the index of held processes
            copied = table.to_metadata(old)
            copied.indexes = {index for index in copied.indexes if index.name != "ix_nodes_held"}
        else:
            table.to_metadata(old)
    uuids = {role: str(uuid.uuid4()) for role in ("x", "y", "add", "result")}
    engine = create_engine(url)
    with engine.begin() as conn:
        old.create_all(conn)
        conn.execute(old.tables["schema_version"].insert(), {"id": 1, "version": version})
        nodes = old.tables["nodes"]
        rows = [
            {"uuid": uuids["x"], "node_type": "data.Int", "attributes": {"value": 1}},
            {"uuid": uuids["y"], "node_type": "data.Int", "attributes": {"value": 2}},
            {
                "uuid": uuids["add"],
                "node_type": "process.calcfunction",
                "attributes": {"process_class": "tests.store.test_migrations:add.process_class"},
                "process_label": "add",
                "process_state": "finished",
                "exit_status": 0,
                "sealed": True,
            },
            {"uuid": uuids["result"], "node_type": "data.Int", "attributes": {"value": 3}},
        ]
        for row in rows:
            conn.execute(nodes.insert(), {"label": "", "description": "", "ctime": 1.0, "mtime": 1.0, **row})
        pk = dict(conn.execute(select(nodes.c.uuid, nodes.c.pk)).all())
        links = old.tables["links"]
        for source, target, link_type, label in [
            ("x", "add", "input_calc", "x"),
            ("y", "add", "input_calc", "y"),
            ("add", "result", "create", "result"),
        ]:
            conn.execute(
                links.insert(),
                {"input_pk": pk[uuids[source]], "output_pk": pk[uuids[target]], "link_type": link_type,
                 "link_label": label},
            )  # fmt: skip
    engine.dispose()
    return uuids


@jw.calcfunction
def add(x, y):
    return x + y


def test_a_version_1_store_is_upgraded_and_keeps_its_provenance(store_url: str) -> None:
    uuids = make_version_1_store(store_url)
    with Store(store_url) as store:
        engine = create_engine(store_url)
        try:
            columns = {column["name"] for column in inspect(engine).get_columns("nodes")}
            indexes = {index["name"] for index in inspect(engine).get_indexes("nodes")}
            with engine.connect() as conn:
                version = conn.execute(select(schema_version.c.version)).scalar_one()
        finally:
            engine.dispose()
        assert set(CACHING_COLUMNS) <= columns and "ix_nodes_cache_source" in indexes
        assert version == SCHEMA_VERSION
        old = store.get_node(uuids["add"])
        assert (old.process_state, old.hash, old.cache_valid) == ("finished", None, None)
        assert store.get_links(inputs_of=[old.pk]) == [
            LinkRow(store.get_node(uuids["x"]).pk, old.pk, LinkType.INPUT_CALC, "x"),
            LinkRow(store.get_node(uuids["y"]).pk, old.pk, LinkType.INPUT_CALC, "y"),
        ]
        with temporary_store(store_url) as current:
            x, y = jw.load_node(uuids["x"]), jw.load_node(uuids["y"])
            assert x.base.caching.get_hash() == jw.Int(1).base.caching.get_hash()  # computed: none was stored
            assert not jw.load_node(uuids["add"]).base.caching.is_valid_cache  # stored before hashes
            with jw.enable_caching():
                _, ran = add.run_get_node(x, y)
                _, cached = add.run_get_node(x, y)
            assert not ran.base.caching.is_created_from_cache
            assert cached.base.caching.get_cache_source() == ran.uuid
            assert current.get_node(ran.pk).hash is not None


@pytest.mark.parametrize("version", [2, 3])
def test_an_older_store_gets_an_identity_that_stays(store_url: str, version: int) -> None:
    uuids = make_version_1_store(store_url, version=version)
    with Store(store_url) as store:
        identity = store.identity
        assert uuid.UUID(identity) and store.get_node(uuids["add"]).process_state == "finished"
        engine = create_engine(store_url)
        try:
            assert "ix_nodes_held" in {index["name"] for index in inspect(engine).get_indexes("nodes")}
        finally:
            engine.dispose()
    with Store(store_url) as again:
        assert again.identity == identity  # made once, by the upgrade


def test_every_new_store_has_an_identity_of_its_own(tmp_path: Path) -> None:
    with Store(f"sqlite:///{tmp_path / 'a.sqlite'}") as first, Store(f"sqlite:///{tmp_path / 'b.sqlite'}") as second:
        assert first.identity != second.identity
        with Store(f"sqlite:///{tmp_path / 'a.sqlite'}") as first_again:
            assert first_again.identity == first.identity


def test_programs_opening_an_old_store_at_once_upgrade_it_once(sqlite_url: str) -> None:
    make_version_1_store(sqlite_url)
    code = (
        "import sys; from jupyter_workflows.store import Store\n"
        "with Store(sys.argv[1]) as store: print(store.count_nodes(), store.identity)"
    )
    openers = [
        subprocess.Popen([sys.executable, "-c", code, sqlite_url], cwd=ROOT, stdout=subprocess.PIPE, text=True)
        for _ in range(4)
    ]
    printed = [opener.communicate(timeout=120)[0].split() for opener in openers]
    assert all(opener.returncode == 0 for opener in openers)
    assert [count for count, _ in printed] == ["4"] * 4
    assert len({identity for _, identity in printed}) == 1  # one upgrade made one identity
    with Store(sqlite_url) as store:
        store.insert_nodes([NodeRow(0, str(uuid.uuid4()), "data.Int", attributes={"value": 5}, hash="h")])
        assert store.count_nodes() == 5


def make_version_2_store(url: str) -> None:
    """The tables exactly as schema version 2 had them (no ``code`` table), holding one data node."""
    old = MetaData()
    for table in metadata.sorted_tables:
        if table.name in LATER_TABLES[2]:
            continue
        copied = table.to_metadata(old)
        copied.indexes = {index for index in copied.indexes if index.name != "ix_nodes_held"}
    engine = create_engine(url)
    with engine.begin() as conn:
        old.create_all(conn)
        conn.execute(old.tables["schema_version"].insert(), {"id": 1, "version": 2})
        conn.execute(
            old.tables["nodes"].insert(),
            {"uuid": str(uuid.uuid4()), "node_type": "data.Int", "attributes": {"value": 7}, "label": "",
             "description": "", "ctime": 1.0, "mtime": 1.0},
        )  # fmt: skip
    engine.dispose()


def test_a_version_2_store_gets_the_code_table(store_url: str) -> None:
    make_version_2_store(store_url)
    sha = hashlib.sha256(b"X = 1\n").hexdigest()
    with Store(store_url) as store:
        assert store.count_nodes() == 1
        assert store.load_code(sha) is None
        store.save_code(sha, "X = 1\n")
        store.save_code(sha, "X = 1\n")  # content addressed: kept once
        assert store.load_code(sha) == "X = 1\n"
    engine = create_engine(store_url)
    try:
        assert "code" in inspect(engine).get_table_names()
        with engine.connect() as conn:
            assert conn.execute(select(schema_version.c.version)).scalar_one() == SCHEMA_VERSION
            assert conn.execute(select(func.count()).select_from(code)).scalar_one() == 1
    finally:
        engine.dispose()
