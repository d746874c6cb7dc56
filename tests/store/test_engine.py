"""Opening stores: SQLite settings, several writing processes, driver choice, and unreachable URLs."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import make_url

import jupyter_workflows.store
from jupyter_workflows._core._errors import StoreError, StoreUnreachableError
from jupyter_workflows.store import NodeRow, Store
from jupyter_workflows.store._config import STORE_URL_ENV
from jupyter_workflows.store._engine import WAL_CHECKPOINT_PAGES, _normalise

SECRET = "s3cr3t-Pa55"
PACKAGE_ROOT = Path(jupyter_workflows.store.__file__).resolve().parents[2]


def pragma(store: Store, name: str) -> object:
    value = store._conn.exec_driver_sql(f"PRAGMA {name}").scalar()
    store._conn.rollback()
    return value


def test_sqlite_store_is_configured_for_several_processes(sqlite_url: str) -> None:
    with Store(sqlite_url) as store:
        assert pragma(store, "journal_mode") == "wal"
        assert pragma(store, "synchronous") == 1  # NORMAL
        assert pragma(store, "busy_timeout") == 30_000
        assert pragma(store, "foreign_keys") == 1
        assert pragma(store, "wal_autocheckpoint") == WAL_CHECKPOINT_PAGES


def test_sqlite_write_ahead_log_is_checkpointed_so_it_stays_bounded(sqlite_url: str) -> None:
    path = Path(make_url(sqlite_url).database or "")
    batch = 0
    with Store(sqlite_url) as store:
        # Every page of the database went through the log at least once: without checkpoints the log would hold
        # at least as many pages as the database has.
        while pragma(store, "page_count") < 2 * WAL_CHECKPOINT_PAGES:
            rows = [NodeRow(0, f"abcd-{batch}-{i}", "data.Str", attributes={"v": "x" * 3000}) for i in range(8)]
            store.insert_nodes(rows)
            batch += 1
        frames = (path.with_name(path.name + "-wal").stat().st_size - 32) // (4096 + 24)
        assert frames <= WAL_CHECKPOINT_PAGES + 64 and store.count_nodes() == 8 * batch


def test_sqlite_parent_directory_is_created(tmp_path: Path) -> None:
    path = tmp_path / "new" / "dir" / "provenance.sqlite"
    with Store(f"sqlite:///{path}") as store:
        assert store.count_nodes() == 0
    assert path.is_file()


def test_in_memory_sqlite_works() -> None:
    with Store("sqlite://") as store:
        store.insert_node(NodeRow(0, "abcd-1", "data.Int"))
        assert store.count_nodes() == 1


def test_write_lock_held_too_long_is_a_store_error(sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("jupyter_workflows.store._engine.BUSY_TIMEOUT_S", 0.2)
    with Store(sqlite_url) as store, Store(sqlite_url) as other:
        with other.transaction():
            other.insert_node(NodeRow(0, "abcd-1", "data.Int"))
            with pytest.raises(StoreError, match=r"Cannot insert a node in sqlite:.*database is locked"):
                store.insert_node(NodeRow(0, "abcd-2", "data.Int"))
            assert store.count_nodes() == 0  # readers are not blocked by the writer
        store.insert_node(NodeRow(0, "abcd-2", "data.Int"))
        assert store.count_nodes() == 2


# -- several OS processes writing one store ----------------------------------------------------------------------
COUNTER_UUID = "00000000-0000-4000-8000-000000000000"
WRITER = textwrap.dedent(
    f"""
    import sys, time, uuid
    from pathlib import Path
    from jupyter_workflows.store import LinkRow, LinkType, NodeRow, Store

    url, name, start, count = sys.argv[1], sys.argv[2], Path(sys.argv[3]), int(sys.argv[4])
    while not start.exists():
        time.sleep(0.001)
    with Store(url) as store:
        if count == 0:  # only open the store (creating its tables) and leave a mark
            store.insert_node(NodeRow(0, str(uuid.uuid4()), "data.Int"))
            sys.exit()
        counter = store.get_node("{COUNTER_UUID}").pk
        for i in range(count):
            row = NodeRow(0, str(uuid.uuid4()), "data.Int", attributes={{"writer": name, "i": i}})
            if i % 2:
                pk = store.insert_node(row)
                store.update_node(pk, label=f"{{name}}-{{i}}")
            else:
                with store.transaction():
                    if store.dialect == "sqlite":  # read-modify-write: BEGIN IMMEDIATE serialises the writers
                        n = store.get_node(counter).attributes["n"]
                        store.update_attributes(counter, {{"n": n + 1}})
                    pk = store.insert_node(row)
                    store.insert_links([LinkRow(counter, pk, LinkType.CREATE, f"{{name}}_{{i}}")])
            store.update_attributes(counter, {{f"{{name}}_last": i}})
    """
)


def run_writers(url: str, count: int, names: Sequence[str], start: Path) -> list[tuple[int, str]]:
    """Run one WRITER process per name, released together; their exit codes and standard errors."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(PACKAGE_ROOT), os.environ.get("PYTHONPATH", "")])}
    command = [sys.executable, "-c", WRITER, url]
    writers = [
        subprocess.Popen(
            [*command, name, str(start), str(count)], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for name in names
    ]
    start.touch()
    return [(writer.wait(timeout=100), writer.communicate()[1]) for writer in writers]


@pytest.mark.timeout(120)
def test_two_processes_write_one_store_without_losses(store_url: str, tmp_path: Path) -> None:
    with Store(store_url) as store:
        counter = store.insert_node(NodeRow(0, COUNTER_UUID, "data.Int", attributes={"n": 0}))
    count = 300
    assert run_writers(store_url, count, ["a", "b"], tmp_path / "start") == [(0, ""), (0, "")]
    with Store(store_url) as store:
        assert store.count_nodes() == 1 + 2 * count
        attributes = store.get_node(counter).attributes
        assert attributes == {"n": count if store.dialect == "sqlite" else 0, "a_last": count - 1, "b_last": count - 1}
        assert len(store.get_links(outputs_of=[counter])) == count


@pytest.mark.timeout(120)
def test_processes_creating_the_tables_at_once(store_url: str, tmp_path: Path) -> None:
    outcomes = run_writers(store_url, 0, ["a", "b", "c"], tmp_path / "start")
    assert outcomes == [(0, "")] * 3
    with Store(store_url) as store:
        assert store.count_nodes() == 3


# -- PostgreSQL driver choice ------------------------------------------------------------------------------------
def test_plain_postgresql_url_uses_psycopg3(postgres_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Without psycopg2, a driverless postgresql:// URL uses psycopg (3) rather than failing."""
    monkeypatch.setattr("jupyter_workflows.store._engine._installed", lambda module: module == "psycopg")
    plain = postgres_url.replace("postgresql+psycopg://", "postgresql://")
    assert _normalise(make_url(plain)).drivername == "postgresql+psycopg"
    assert _normalise(make_url(plain.replace("postgresql://", "postgres://"))).drivername == "postgresql+psycopg"
    with Store(plain) as store:
        assert store.dialect == "postgresql"
        assert store.url == plain


def test_plain_postgresql_url_keeps_psycopg2_when_installed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("jupyter_workflows.store._engine._installed", lambda module: True)
    assert _normalise(make_url("postgresql://u@h/db")).drivername == "postgresql"


# -- unreachable stores ------------------------------------------------------------------------------------------
def with_secret(url: str, **parts: Any) -> str:
    """``url`` with the password SECRET and other ``parts`` (port, database, ...) replaced."""
    return make_url(url).set(password=SECRET, **parts).render_as_string(hide_password=False)


def open_fails(url: str) -> StoreUnreachableError:
    with pytest.raises(StoreUnreachableError) as caught:
        Store(url)
    return caught.value


def assert_no_secret(error: BaseException) -> None:
    """Neither the message, the repr, the traceback nor any chained exception shows the password."""
    assert error.__cause__ is None
    assert error.__context__ is None
    shown = "".join(traceback.format_exception(error)) + repr(error) + str(error)
    assert SECRET not in shown


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        (f"postgresql+psycopg://user:{SECRET}@127.0.0.1:1/db", "Connection refused"),
        (f"postgresql+nosuchdriver://user:{SECRET}@127.0.0.1/db", "SQLAlchemy knows no database dialect"),
        (f"nosuchdialect://user:{SECRET}@127.0.0.1/db", "keeps provenance in SQLite or PostgreSQL, not nosuchdialect"),
        (f"postgresql+psycopg2://user:{SECRET}@127.0.0.1/db", "driver is not installed"),
        (f"postgresql//user:{SECRET}@127.0.0.1/db", "not a valid SQLAlchemy URL"),
        (f"postgresql://user:{SECRET}@127.0.0.1:port/db", "not a valid SQLAlchemy URL"),
    ],
)
def test_unreachable_url_names_redacted_url_reason_and_fix(url: str, reason: str) -> None:
    if "psycopg2" in url and _installed_psycopg2():
        pytest.skip("psycopg2 is installed here")
    error = open_fails(url)
    message = str(error)
    assert message.startswith("Cannot open the provenance store at ")
    assert reason in message
    assert STORE_URL_ENV not in message  # it is not set: no advice to unset it
    assert "jw.configure() with no store goes back to the local SQLite file" in message
    assert_no_secret(error)


def test_unreachable_url_from_the_environment_advises_unsetting_it(monkeypatch: pytest.MonkeyPatch) -> None:
    url = f"postgresql+psycopg://user:{SECRET}@127.0.0.1:1/db"
    monkeypatch.setenv(STORE_URL_ENV, url)
    error = open_fails(url)
    assert f"unset {STORE_URL_ENV} (it names this URL) to use the local SQLite file" in str(error)
    assert_no_secret(error)


def test_unsupported_databases_are_named_without_advice_for_another_driver() -> None:
    message = str(open_fails(f"mysql+pymysql://user:{SECRET}@127.0.0.1/db"))
    assert "keeps provenance in SQLite or PostgreSQL, not mysql" in message
    assert "psycopg" not in message


def test_unknown_postgres_database_is_unreachable(postgres_admin_url: str) -> None:
    error = open_fails(with_secret(postgres_admin_url, database="jw_no_such_database"))
    assert 'database "jw_no_such_database" does not exist' in str(error)
    assert f"{make_url(postgres_admin_url).username}:***@" in str(error)
    assert_no_secret(error)


def test_password_in_the_query_string_is_hidden() -> None:
    error = open_fails(f"postgresql+psycopg://user@127.0.0.1:1/db?password={SECRET}")
    assert "password=***" in str(error)
    assert_no_secret(error)


def test_bad_sqlite_path_is_unreachable(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    error = open_fails(f"sqlite:///{blocker}/sub/provenance.sqlite")
    assert str(blocker) in str(error)
    assert "Not a directory" in str(error)
    assert_no_secret(error)


def test_sqlite_file_that_is_not_a_database_is_unreachable(tmp_path: Path) -> None:
    garbage = tmp_path / "garbage.sqlite"
    garbage.write_bytes(b"this is not an SQLite database, " * 100)
    assert "file is not a database" in str(open_fails(f"sqlite:///{garbage}"))


def test_store_repr_and_url_hide_the_password(postgres_url: str) -> None:
    with Store(with_secret(postgres_url)) as store:  # trust authentication: the password is not checked
        assert SECRET not in repr(store)
        assert SECRET not in store.url
        assert store.url == postgres_url.replace("postgres@", "postgres:***@")


def _installed_psycopg2() -> bool:
    import importlib.util

    return importlib.util.find_spec("psycopg2") is not None
