"""The test harness: a throw-away runtime or store for a test, restored afterwards."""

from __future__ import annotations

import asyncio
import concurrent.futures
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .._runtime import Runtime, get_runtime, namespace_of, swap_runtime
from ..store import Store

__all__ = ["isolated_runtime", "temporary_store"]


@contextmanager
def temporary_store(url: str | None = None) -> Iterator[Store]:
    """Use a fresh store inside the block (an SQLite file in a temporary directory unless ``url`` is given), then
    go back to the store that was current before. The store is closed at the end."""
    with tempfile.TemporaryDirectory(prefix="jw-store-") as directory:
        store = Store(url or f"sqlite:///{Path(directory) / 'provenance.sqlite'}")
        runtime = get_runtime()
        previous = runtime.adopt_store(store)
        try:
            yield store
        finally:
            get_runtime().adopt_store(previous)
            store.close()


@contextmanager
def isolated_runtime(url: str | None = None, *, broker: str | None = None) -> Iterator[Runtime]:
    """A fresh runtime inside the block: its own runner on the running loop (or a private one), its own owner id
    and lease, and a fresh store (an SQLite file in a temporary directory unless ``url`` is given). The runtime
    that was current before comes back afterwards; the new one's stores are closed.

    ``broker``: an AMQP URL the runtime uses (as ``jw.configure(broker=...)``); the store's queues and exchanges are
    deleted from it afterwards (stop the workers of the store first)."""
    with tempfile.TemporaryDirectory(prefix="jw-runtime-") as directory:
        previous = swap_runtime(None)
        namespace = None
        try:
            runtime = get_runtime()
            store = runtime.use_store(url or f"sqlite:///{Path(directory) / 'provenance.sqlite'}")
            if broker is not None:
                runtime.broker.configure(broker)
                namespace = namespace_of(store)
            yield runtime
        finally:
            current = swap_runtime(previous)
            if current is not None:
                current.close()
            if broker is not None and namespace is not None:
                _delete_namespace(broker, namespace)
            restored = get_runtime()  # the previous runtime again (or a new one): its loop is this thread's loop
            if restored.runner.private_loop:
                asyncio.set_event_loop(restored.runner.loop)


def _delete_namespace(broker: str, namespace: str) -> None:
    """Delete a namespace's queues and exchanges, on a thread of its own (the caller may be inside a running loop)
    with a loop of its own (not ``asyncio.run``: nest-asyncio2, once applied, makes that leave its loop open)."""
    from ..broker import delete_namespace_async

    def delete() -> None:
        loop = asyncio.new_event_loop()
        try:
            loop.run_until_complete(delete_namespace_async(broker, namespace))
        finally:
            loop.close()

    with concurrent.futures.ThreadPoolExecutor(1) as thread:
        thread.submit(delete).result()
