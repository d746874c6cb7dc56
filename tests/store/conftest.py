"""Fixtures of the store tests: an open store on SQLite and on PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from jupyter_workflows.store import Store


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    """An empty store, once on an SQLite file and once on a fresh PostgreSQL database."""
    with Store(store_url) as opened:
        yield opened
