"""A throw-away provenance store for a test."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .. import _configuration
from ..store import Store

__all__ = ["temporary_store"]


@contextmanager
def temporary_store(url: str | None = None) -> Iterator[Store]:
    """Use a fresh store inside the block (an SQLite file in a temporary directory unless ``url`` is given), then
    go back to the store that was configured before."""
    with tempfile.TemporaryDirectory(prefix="jw-store-") as directory:
        store = Store(url or f"sqlite:///{Path(directory) / 'provenance.sqlite'}")
        previous = _configuration.swap_store(store)
        try:
            yield store
        finally:
            _configuration.swap_store(previous)
            store.close()
