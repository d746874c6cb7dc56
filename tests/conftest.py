"""Fixtures shared by the whole suite: real services, or a skip with the reason (a failure when CI=true)."""

from __future__ import annotations

import asyncio
import os
import socket
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}

POSTGRES_HOST = os.environ.get("JW_TEST_POSTGRES_HOST", "127.0.0.1")
POSTGRES_PORT = int(os.environ.get("JW_TEST_POSTGRES_PORT", "5432"))
POSTGRES_USER = os.environ.get("JW_TEST_POSTGRES_USER", "postgres")
RABBITMQ_URL = os.environ.get("JW_TEST_RABBITMQ_URL", "amqp://guest:guest@127.0.0.1:5672/")

TESTS = Path(__file__).resolve().parent
HEAVIEST_FIRST = (
    "scripts/test_check_fresh_debian.py",
    "packaging/test_binder.py",
    "stress/test_concurrency.py",
    "worker/test_broker_faults.py",
    "crash/test_crash_and_resume.py",
    "daemon/test_in_flight.py",
    "control/test_blocked_kernel.py",
    "browser/test_process_widget_in_lab.py",
    "archive/test_import_from_aiida.py",
    "notebooks/test_reentrancy.py",
    "packaging/test_wheel.py",
)
"""The test files that take minutes (``--durations``), heaviest first: ``make test``'s pytest-xdist workers take
whole files in the order collected, so these start first and none is left running alone at the end."""


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    rank = {name: place for place, name in enumerate(HEAVIEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.relative_to(TESTS).as_posix(), len(rank)))  # stable: files whole


def _port_open(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1.0):
            return True
    except OSError:
        return False


def service_missing(name: str, reason: str) -> None:
    """Skip the test, printing why; under CI=true a missing service is a failure, never a skip."""
    message = f"{name} is not available: {reason}"
    if IN_CI:
        pytest.fail(f"{message} (CI=true: services must be running, see `make services`)")
    print(f"SKIP: {message}")
    pytest.skip(message)


@pytest.fixture(scope="session")
def postgres_admin_url() -> str:
    if not _port_open(POSTGRES_HOST, POSTGRES_PORT):
        service_missing("PostgreSQL", f"nothing listens on {POSTGRES_HOST}:{POSTGRES_PORT}")
    try:
        import psycopg  # noqa: F401
    except ImportError:
        service_missing("PostgreSQL", "the psycopg driver is not installed (pip install 'psycopg[binary]')")
    return f"postgresql+psycopg://{POSTGRES_USER}@{POSTGRES_HOST}:{POSTGRES_PORT}/postgres"


@pytest.fixture
def postgres_url(postgres_admin_url: str) -> Iterator[str]:
    """A fresh, empty PostgreSQL database for one test, dropped afterwards."""
    import psycopg

    name = f"jw_test_{uuid.uuid4().hex[:12]}"
    dsn = f"host={POSTGRES_HOST} port={POSTGRES_PORT} user={POSTGRES_USER} dbname=postgres"
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield postgres_admin_url.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'provenance.sqlite'}"


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest) -> str:
    """Run a test once against an SQLite file and once against a real PostgreSQL database."""
    if request.param == "sqlite":
        return request.getfixturevalue("sqlite_url")
    return request.getfixturevalue("postgres_url")


@pytest.fixture(scope="session")
def rabbitmq_url() -> str:
    host, port = "127.0.0.1", 5672
    if not _port_open(host, port):
        service_missing("RabbitMQ", f"nothing listens on {host}:{port}")
    return RABBITMQ_URL


@pytest.fixture
def store(sqlite_url: str):
    """A fresh SQLite provenance store, current for the duration of the test."""
    from jupyter_workflows.testing import temporary_store

    with temporary_store(sqlite_url) as opened:
        yield opened


@pytest.fixture
def any_store(store_url: str):
    """The test runs twice: on a fresh SQLite store and on a fresh PostgreSQL database."""
    from jupyter_workflows.testing import temporary_store

    with temporary_store(store_url) as opened:
        yield opened


@pytest.fixture(autouse=True)
def _a_current_event_loop_that_is_open() -> Iterator[None]:
    """pytest-jupyter leaves its closed loop as the thread's current one, and once nest_asyncio2 has patched
    ``asyncio.run`` (a blocking ``jw.run`` inside a running loop does), ``asyncio.run`` takes the current loop on
    Python < 3.12: a test that follows those in the same pytest worker gets a fresh loop instead."""
    current = thread_loop()
    if current is None or not current.is_closed():
        yield
        return
    fresh = asyncio.new_event_loop()
    asyncio.set_event_loop(fresh)
    try:
        yield
    finally:
        if not fresh.is_running():
            fresh.close()


def thread_loop() -> asyncio.AbstractEventLoop | None:
    """The loop set for this thread, without making one (``asyncio.get_event_loop`` would, and a loop nobody closes
    is a ResourceWarning later): the policy's own record, as nest_asyncio2 reads it."""
    return getattr(getattr(asyncio.get_event_loop_policy(), "_local", None), "_loop", None)
