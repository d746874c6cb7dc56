"""Opening the store's one database connection: URL normalisation, SQLite pragmas, and readable failures."""

from __future__ import annotations

import importlib.util
import os
import re
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event
from sqlalchemy.engine import URL, Connection, Engine, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, SQLAlchemyError, StatementError

from .._core._errors import StoreUnreachableError
from .._core._secret_url import SecretURL
from ._config import STORE_URL_ENV, default_sqlite_path, redact_url, scrub_secrets

BUSY_TIMEOUT_S = 30.0
"""How long an SQLite writer waits for another process's write transaction before giving up."""

_PG_CONNECT_TIMEOUT_S = 10
_SQLALCHEMY_BACKGROUND = re.compile(r"\s*\(Background on this error at: [^)]*\)")


SUPPORTED_BACKENDS = ("sqlite", "postgresql")
_DRIVER_PACKAGES = {
    "psycopg": "'psycopg[binary]'",
    "psycopg2": "psycopg2-binary (or write postgresql+psycopg:// to use psycopg 3)",
}


def open_connection(url: SecretURL) -> tuple[Engine, Connection]:
    """An engine and its connection for ``url``. Raises StoreUnreachableError naming the redacted URL and the fix.

    Only URL objects whose repr hides the password are kept in locals: a traceback never shows it."""
    engine: Engine | None = None
    parsed: URL | None = None
    try:
        parsed = _normalise(make_url(url.reveal()))
        engine = _create_engine(parsed)
        return engine, engine.connect()
    except _BadOption as exc:
        reason, fix = str(exc), ""  # the reason says what to write instead
    except NoSuchModuleError:  # before ArgumentError, its base class
        reason, fix = f"SQLAlchemy knows no database dialect {parsed.drivername if parsed else '?'!r}", None
    except (ArgumentError, ValueError):  # ValueError: a port that is not a number
        reason = "it is not a valid SQLAlchemy URL"
        fix = "Write it as sqlite:////absolute/path/file.sqlite or postgresql+psycopg://user@host:5432/database"
    except ImportError as exc:
        driver = parsed.get_driver_name() if parsed is not None else ""
        package = _DRIVER_PACKAGES.get(driver, f"the {driver or 'database'} driver")
        reason, fix = f"its database driver is not installed ({exc})", f"pip install {package}"
    except (SQLAlchemyError, OSError) as exc:
        reason, fix = describe_failure(exc, url.reveal()), None
    if engine is not None:
        engine.dispose()
    # Raised outside the except blocks so that no chained exception can carry the URL's password.
    raise unreachable(url, reason, fix)


def unreachable(url: SecretURL | URL, reason: str, fix: str | None = None) -> StoreUnreachableError:
    """The error for a store that cannot be reached: the redacted URL, why, and what to do."""
    shown = str(url) if isinstance(url, SecretURL) else redact_url(url)
    if fix is None:
        if shown.startswith("sqlite"):
            fix = "Check the file path in the URL (its folder must be creatable and writable)"
        else:
            fix = (
                "Check that the database server is running and that the URL's host, port, database and login are right"
            )
    configured = os.environ.get(STORE_URL_ENV, "").strip()
    default = default_sqlite_path()
    if configured and redact_url(configured) == shown:
        fix += f"{', or' if fix else 'Or'} unset {STORE_URL_ENV} (it names this URL) to use the local SQLite file"
        fix += f" {default}"
    elif shown != f"sqlite:///{default}":
        fix += f"{' (' if fix else '('}jw.configure() with no store goes back to the local SQLite file {default})"
    ending = f" {fix}." if fix else ""
    return StoreUnreachableError(f"Cannot open the provenance store at {shown}: {reason.rstrip('.?')}.{ending}")


def describe_failure(exc: BaseException, url: str | URL) -> str:
    """The driver's own words for a failure, on one line, with any password of ``url`` masked."""
    source = exc.orig if isinstance(exc, StatementError) and exc.orig is not None else exc
    text = _SQLALCHEMY_BACKGROUND.sub("", str(source))
    text = " ".join(text.split()) or type(source).__name__
    return scrub_secrets(text, url)


class _BadOption(Exception):
    """A store URL option this package reads itself has a wrong value."""


def _normalise(url: URL) -> URL:
    if url.drivername == "postgres":  # Heroku-style spelling, which SQLAlchemy rejects
        url = url.set(drivername="postgresql")
    if url.drivername == "postgresql" and not _installed("psycopg2") and _installed("psycopg"):
        url = url.set(drivername="postgresql+psycopg")
    return url


def _installed(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


def _create_engine(url: URL) -> Engine:
    backend = url.get_backend_name()
    if backend not in SUPPORTED_BACKENDS:
        raise _BadOption(
            f"jupyter_workflows keeps provenance in SQLite or PostgreSQL, not {backend}; use a sqlite:/// or a "
            "postgresql:// URL"
        )
    if backend == "sqlite":
        return _create_sqlite_engine(url)
    connect_args: dict[str, Any] = {}
    if url.get_backend_name() == "postgresql":
        connect_args["connect_timeout"] = _PG_CONNECT_TIMEOUT_S
        # Autocommit: a read, or a write of one statement, is one round trip, not three (BEGIN, it, ROLLBACK or
        # COMMIT); the store sends BEGIN itself for a transaction of several statements (Store._begin).
        return create_engine(url, connect_args=connect_args, isolation_level="AUTOCOMMIT")
    return create_engine(url, connect_args=connect_args)


SQLITE_SYNCHRONOUS = ("NORMAL", "FULL")
"""``?synchronous=`` values an SQLite store URL may carry. NORMAL (the default): with WAL, a commit survives a crash
of the program but the last commits may be lost if the machine loses power. FULL: every commit is fsynced, so it
survives power loss too, at the cost of one fsync per commit."""


WAL_CHECKPOINT_PAGES = 4000
"""An SQLite store's write-ahead log is copied into the database file when it reaches this many pages (16 MB)."""


def _create_sqlite_engine(url: URL) -> Engine:
    synchronous = str(url.query.get("synchronous", "NORMAL")).upper()
    if synchronous not in SQLITE_SYNCHRONOUS:
        raise _BadOption(f"synchronous={synchronous} is not supported; use ?synchronous=normal or ?synchronous=full")
    url = url.difference_update_query(["synchronous"])
    path = _sqlite_file(url)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_S})
    event.listen(engine, "connect", lambda connection, _record: _configure_sqlite(connection, synchronous))
    return engine


def missing_sqlite_file(url: str | SecretURL) -> Path | None:
    """The file of an SQLite store URL when it does not exist (None: it exists, or the store is no SQLite file):
    a command that only reads a store says so, rather than make an empty one where a path was mistyped."""
    try:
        parsed = make_url(SecretURL(url).reveal())
    except ArgumentError:
        return None  # opening it says what is wrong
    path = _sqlite_file(parsed) if parsed.get_backend_name() == "sqlite" else None
    return path if path is not None and not path.exists() else None


def _sqlite_file(url: URL) -> Path | None:
    """The database file of an SQLite URL, or None for an in-memory or ``file:`` URI database."""
    database = url.database or ""
    if database in {"", ":memory:"} or database.startswith("file:") or url.query.get("uri"):
        return None
    return Path(database).expanduser()


def _configure_sqlite(dbapi_connection: Any, synchronous: str) -> None:
    # SQLAlchemy's documented recipe (docs: "sqlite_enabling_transactions"): stop pysqlite from emitting its own
    # deferred BEGIN, so the store can emit BEGIN IMMEDIATE for writes. A deferred transaction that later writes
    # fails at once with SQLITE_BUSY when another process wrote meanwhile; IMMEDIATE waits (busy_timeout) instead.
    # Reads then run outside any transaction and always see other processes' committed writes.
    dbapi_connection.isolation_level = None
    for pragma in (
        f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}",
        "PRAGMA journal_mode = WAL",  # readers never block the writer, nor the writer readers
        f"PRAGMA synchronous = {synchronous}",  # see SQLITE_SYNCHRONOUS
        "PRAGMA foreign_keys = ON",
        # The commit that fills the WAL to this many pages copies them into the database file and fsyncs both (with
        # synchronous=NORMAL the only fsyncs). SQLite's 1000 pages (4 MB) made that every ~50th calcfunction call
        # (one call writes ~20 pages): a fifth of the wall time of a cached call. At 4000 (16 MB), pages written
        # again and again (index leaves) are copied once per checkpoint: a cached call 0.74 -> 0.57 ms wall,
        # 0.51 -> 0.46 ms CPU (benchmarks/engine.py caching, 2 shared CPUs, load 4.4).
        f"PRAGMA wal_autocheckpoint = {WAL_CHECKPOINT_PAGES}",
    ):
        dbapi_connection.execute(pragma).close()
