"""Opening the store's one database connection: URL normalisation, SQLite pragmas, and readable failures."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event
from sqlalchemy.engine import URL, Connection, Engine, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, SQLAlchemyError, StatementError

from .._core._errors import StoreUnreachableError
from ._config import STORE_URL_ENV, default_sqlite_path, redact_url, scrub_secrets

BUSY_TIMEOUT_S = 30.0
"""How long an SQLite writer waits for another process's write transaction before giving up."""

_PG_CONNECT_TIMEOUT_S = 10
_SQLALCHEMY_BACKGROUND = re.compile(r"\s*\(Background on this error at: [^)]*\)")


def open_connection(url: str) -> tuple[Engine, Connection]:
    """An engine and its connection for ``url``. Raises StoreUnreachableError naming the redacted URL and the fix."""
    engine: Engine | None = None
    try:
        engine = _create_engine(_normalise(make_url(url)))
        return engine, engine.connect()
    except NoSuchModuleError:  # before ArgumentError, its base class
        reason = f"SQLAlchemy knows no database dialect {make_url(url).drivername!r}"
    except (ArgumentError, ValueError):  # ValueError: a port that is not a number
        reason = "it is not a valid SQLAlchemy URL (expected e.g. sqlite:///path or postgresql://user@host:5432/db)"
    except ImportError as exc:
        reason = f"its database driver is not installed ({exc}); pip install it, e.g. 'psycopg[binary]' for PostgreSQL"
    except (SQLAlchemyError, OSError) as exc:
        reason = describe_failure(exc, url)
    if engine is not None:
        engine.dispose()
    # Raised outside the except blocks so that no chained exception can carry the URL's password.
    raise unreachable(url, reason)


def unreachable(url: str | URL, reason: str) -> StoreUnreachableError:
    """The error for a store that cannot be reached: the redacted URL, why, and what to do."""
    shown = redact_url(url)
    if shown.startswith("sqlite"):
        fix = "Check the file path in the URL (its folder must be creatable and writable)"
    else:
        fix = "Check that the database server is running and that the URL's host, port, database and login are right"
    default = f"sqlite:///{default_sqlite_path()}"
    if shown != default:
        fix += f", or unset {STORE_URL_ENV} to use the local SQLite file {default_sqlite_path()}"
    return StoreUnreachableError(f"Cannot open the provenance store at {shown}: {reason.rstrip('.?')}. {fix}.")


def describe_failure(exc: BaseException, url: str | URL) -> str:
    """The driver's own words for a failure, on one line, with any password of ``url`` masked."""
    source = exc.orig if isinstance(exc, StatementError) and exc.orig is not None else exc
    text = _SQLALCHEMY_BACKGROUND.sub("", str(source))
    text = " ".join(text.split()) or type(source).__name__
    return scrub_secrets(text, url)


def _normalise(url: URL) -> URL:
    if url.drivername == "postgres":  # Heroku-style spelling, which SQLAlchemy rejects
        url = url.set(drivername="postgresql")
    if url.drivername == "postgresql" and not _installed("psycopg2") and _installed("psycopg"):
        url = url.set(drivername="postgresql+psycopg")
    return url


def _installed(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


def _create_engine(url: URL) -> Engine:
    if url.get_backend_name() == "sqlite":
        return _create_sqlite_engine(url)
    connect_args: dict[str, Any] = {}
    if url.get_backend_name() == "postgresql":
        connect_args["connect_timeout"] = _PG_CONNECT_TIMEOUT_S
    return create_engine(url, connect_args=connect_args)


def _create_sqlite_engine(url: URL) -> Engine:
    path = _sqlite_file(url)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_S})
    event.listen(engine, "connect", _configure_sqlite)
    return engine


def _sqlite_file(url: URL) -> Path | None:
    """The database file of an SQLite URL, or None for an in-memory or ``file:`` URI database."""
    database = url.database or ""
    if database in {"", ":memory:"} or database.startswith("file:") or url.query.get("uri"):
        return None
    return Path(database).expanduser()


def _configure_sqlite(dbapi_connection: Any, _record: Any) -> None:
    # SQLAlchemy's documented recipe (docs: "sqlite_enabling_transactions"): stop pysqlite from emitting its own
    # deferred BEGIN, so the store can emit BEGIN IMMEDIATE for writes. A deferred transaction that later writes
    # fails at once with SQLITE_BUSY when another process wrote meanwhile; IMMEDIATE waits (busy_timeout) instead.
    # Reads then run outside any transaction and always see other processes' committed writes.
    dbapi_connection.isolation_level = None
    for pragma in (
        f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}",
        "PRAGMA journal_mode = WAL",  # readers never block the writer, nor the writer readers
        "PRAGMA synchronous = NORMAL",  # WAL + NORMAL: no fsync per commit; crash-safe, not power-loss-durable
        "PRAGMA foreign_keys = ON",
    ):
        dbapi_connection.execute(pragma).close()
