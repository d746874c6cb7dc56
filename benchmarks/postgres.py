"""The machine's PostgreSQL as the benchmarks use it: an empty database of their own for the length of a run."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

ADMIN = "host=127.0.0.1 port=5432 user=postgres dbname=postgres"


@contextmanager
def fresh_database(prefix: str) -> Iterator[str]:
    """The name of a new, empty database (``prefix`` and a random suffix), dropped after, with any session left on
    it."""
    import psycopg

    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield name
    finally:
        with psycopg.connect(ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def store_url(database: str) -> str:
    """The store URL (SQLAlchemy's, with psycopg) of ``database``."""
    return f"postgresql+psycopg://postgres@127.0.0.1:5432/{database}"
