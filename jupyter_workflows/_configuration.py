"""Which provenance store this kernel uses: ``jw.configure(store=...)``, else ``JUPYTER_WORKFLOWS_STORE``, else
the SQLite file under the Jupyter data directory."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .store import Store

__all__ = ["configure", "get_store"]

_lock = threading.Lock()
_store: Store | None = None


def configure(*, store: str | Store | None = None) -> Store:
    """Select the provenance store: an SQLAlchemy URL (``"postgresql+psycopg://user@host/db"``,
    ``"sqlite:////path/file.sqlite"``) or an open :class:`~jupyter_workflows.store.Store`; ``None`` goes back to
    the default. Returns the store, opened (so a bad URL fails here, with the reason)."""
    from ._core import StoreError, get_runner
    from .store import Store, default_store_url

    live = get_runner().live
    if _store is not None and live:
        names = ", ".join(process.name for process in list(live.values())[:5])
        raise StoreError(
            f"{len(live)} process(es) still run on the current store ({names}); wait for them (jw.wait) or kill them "
            "before switching stores."
        )
    opened = store if isinstance(store, Store) else Store(store or default_store_url())
    previous = swap_store(opened)
    if previous is not None and previous is not opened:
        previous.close()
    return opened


def get_store() -> Store:
    """The current store, opening the default one on first use."""
    store = _store
    if store is not None:
        return store
    return configure()


def swap_store(store: Store | None) -> Store | None:
    """Make ``store`` current without closing the previous one, which is returned (for temporary stores)."""
    global _store  # the one place that switches the kernel's store
    with _lock:
        previous, _store = _store, store
    return previous
