"""The runtime: this OS process's engine, as one object: the store it writes to, the runner on its event loop, and
its lease as an owner.

It is made on first use, bound to the thread that made it and to the event loop running there (the kernel's), or to
a private loop in a script. Another thread's calls are passed to that thread (:meth:`Runtime.call_on_loop_thread`).
When the loop it was bound to is gone (a script's ``asyncio.run`` ended), the next use binds a new runner. Which
store: ``jw.configure(store=...)``, else ``$JUPYTER_WORKFLOWS_STORE``, else the SQLite file under the Jupyter data
directory. Stores switched away from stay open, so nodes loaded from them keep working, and switching back to the
same URL gives the same store (and the same node objects).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import functools
import hashlib
import logging
import threading
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from .._core import UNSPECIFIED, Runner, StoreError, WorkflowsError
from .._core._inbox import call_soon_threadsafe
from ..store import SecretURL, Store, default_store_url
from ._broker import BrokerLink
from ._caching import configure_caching
from ._lease import Lease

__all__ = ["Runtime", "configure", "get_runtime", "on_loop_thread", "swap_runtime"]

T = TypeVar("T")
UNSET: Any = UNSPECIFIED  # an argument of configure() that was not given
IDLE_LOOP_GRACE = 2.0
"""Seconds another thread's call waits for a loop that is not running to take it, before it is withdrawn."""
_LOGGER = logging.getLogger("jupyter_workflows.runtime")


class Runtime:
    """The store, runner and owner lease of this OS process (see the module's docstring)."""

    def __init__(
        self,
        runner: Runner,
        *,
        store: Store | None = None,
        opened: dict[str, Store] | None = None,
        kind: str | None = None,
    ) -> None:
        self.runner = runner
        self.thread = threading.current_thread()
        self.kind = kind or ("script" if runner.private_loop else "kernel")  # or "worker": a daemon worker
        self.lease = Lease(runner.id, self.kind, self._live_stores)
        self.broker = BrokerLink(runner)
        self.daemon = self.kind == "worker"  # whether submit() sends processes to daemon workers by default
        self._store = store
        self._opened: dict[str, Store] = dict(opened or {})  # stores this runtime opened, by a digest of their URL
        if store is not None:
            self._opened.setdefault(_key(SecretURL(store.url)), store)

    def __repr__(self) -> str:
        return f"<Runtime store={self._store.url if self._store else None!r} runner={self.runner!r}>"

    @property
    def owner_id(self) -> str:
        return self.runner.id

    def get_runner(self) -> Runner:
        """The runner of this runtime (AiiDA's ``get_manager().get_runner()``): what ``Process(runner=...)`` takes."""
        return self.runner

    def _live_stores(self) -> set[Store]:
        """The stores this runtime's live processes write to (read from the heartbeat thread: retried if the set of
        live processes changes while it is read)."""
        for _ in range(5):
            try:
                processes = tuple(self.runner.live)
            except RuntimeError:  # changed size during iteration
                continue
            return {store for process in processes if (store := _store_of(process)) is not None}
        return set()

    # -- the store ------------------------------------------------------------------------------------------------
    @property
    def store(self) -> Store:
        """The current store, opening the configured or default one on first use."""
        store = self._store
        if store is None or store.closed:
            store = self.use_store(None)
        return store

    def use_store(self, spec: str | SecretURL | Store | None) -> Store:
        """Make ``spec`` (a URL, an open Store, or None for the default) the current store; returns it, opened."""
        live = [process for process in self.runner.live if process.node.pk is not None]
        if self._store is not None and live:
            names = ", ".join(process.name for process in live[:5])
            raise StoreError(
                f"{len(live)} process(es) still run on the current store ({names}); wait for them (jw.wait) or kill "
                "them before switching stores."
            )
        if isinstance(spec, Store):
            store = spec
        else:
            url = SecretURL(spec or default_store_url())
            key = _key(url)
            found = self._opened.get(key)
            store = found if found is not None and not found.closed else Store(url)
            self._opened[key] = store
        if store is not self._store:
            self.broker.close()  # its namespace is the store's: the next use connects for the new one
        self._store = store
        return store

    @property
    def opened_stores(self) -> dict[str, Store]:
        """The stores this runtime opened (kept open for the nodes loaded from them), by a digest of their URL."""
        return dict(self._opened)

    def adopt_store(self, store: Store | None) -> Store | None:
        """Make ``store`` current as it is (None: the default, opened on next use); returns the previous one."""
        previous, self._store = self._store, store
        return previous

    def register_owner_in(self, store: Store) -> None:
        self.lease.register_in(store)

    # -- threads ----------------------------------------------------------------------------------------------
    def call_on_loop_thread(self, function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Call ``function`` on the loop's thread and wait for its result, from any thread.

        A running loop (a kernel's) takes the call at its next turn. A loop that is not running (a script's, between
        two blocking calls) gets :data:`IDLE_LOOP_GRACE` seconds to run it; then the call is withdrawn, not done,
        and a WorkflowsError says why."""
        if self.runner.on_loop_thread:
            return function(*args, **kwargs)
        loop = self.runner.loop
        done: concurrent.futures.Future[T] = concurrent.futures.Future()

        def call() -> None:
            if done.set_running_or_notify_cancel():
                try:
                    done.set_result(function(*args, **kwargs))
                except BaseException as error:
                    done.set_exception(error)

        if not loop.is_closed():
            call_soon_threadsafe(loop, call)  # counted: a synchronous run lets it in at its next step
            if loop.is_running():
                return done.result()
            try:
                return done.result(timeout=IDLE_LOOP_GRACE)
            except concurrent.futures.TimeoutError:
                if not done.cancel():
                    return done.result()
        raise WorkflowsError(
            f"jupyter_workflows runs on the event loop of thread {self.thread.name!r}, which is not running now, so "
            f"thread {threading.current_thread().name!r} cannot reach it (nothing was done). Call this from thread "
            f"{self.thread.name!r}, or while it runs the loop (jw.wait, jw.run, an awaiting cell)."
        )

    def await_from_thread(self, awaitable: Awaitable[T]) -> T:
        """Wait from another thread for ``awaitable`` to complete on the loop (started as a :meth:`call_on_loop_thread`
        call, so a loop that does not run gives the same clear error)."""
        done: concurrent.futures.Future[T] = concurrent.futures.Future()

        def finished(task: asyncio.Future[T]) -> None:
            if task.cancelled():
                done.cancel()
            elif task.exception() is not None:
                done.set_exception(task.exception())
            else:
                done.set_result(task.result())

        self.call_on_loop_thread(lambda: asyncio.ensure_future(awaitable).add_done_callback(finished))
        return done.result()

    def fits_here(self, loop: asyncio.AbstractEventLoop | None) -> bool:
        """Whether this runtime serves code on this thread running ``loop`` (None: no loop is running)."""
        return (
            threading.current_thread() is self.thread
            and not self.runner.loop.is_closed()
            and (loop is None or loop is self.runner.loop)
        )

    def close(self) -> None:
        """End the lease and the broker link, close the stores this runtime opened and its private loop (a
        script's)."""
        self.lease.end()
        self.broker.close()
        for store in self._opened.values():
            store.close()
        loop = self.runner.loop
        if self.runner.private_loop and not loop.is_running() and not loop.is_closed():
            if loop is _current_event_loop():
                asyncio.set_event_loop(None)
            loop.close()


def _store_of(process: Any) -> Store | None:
    node = process.node
    return node.provenance_store if node.pk is not None else None


def _key(url: SecretURL) -> str:
    return hashlib.sha256(url.reveal().encode()).hexdigest()


class _Current:
    runtime: Runtime | None = None


_current = _Current()
_lock = threading.RLock()


def get_runtime() -> Runtime:
    """The runtime of this OS process, made on first use (see the module's docstring)."""
    runtime = _current.runtime
    try:
        loop: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
    except RuntimeError:
        loop = None
    if runtime is not None and runtime.fits_here(loop):
        return runtime
    with _lock:
        return _rebind(_current.runtime, loop)


def _rebind(previous: Runtime | None, loop: asyncio.AbstractEventLoop | None) -> Runtime:
    if previous is not None and previous.fits_here(loop):
        return previous
    if previous is not None and threading.current_thread() is not previous.thread and previous.thread.is_alive():
        return previous  # another thread: callers pass their calls to the runtime's thread, or get a clear error
    if loop is None:
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        runner = Runner(loop, private_loop=True)
    else:
        runner = Runner(loop, private_loop=False)
    store = None
    if previous is not None:
        _retire(previous)
        store = previous.adopt_store(None)
        if store is not None:
            store.bind_to_this_thread()
    runtime = Runtime(runner, store=store)
    if previous is not None:
        runtime._opened.update(previous._opened)
        runtime.daemon = previous.daemon
        if previous.broker.url is not None:
            runtime.broker.configure(previous.broker.url)
    _current.runtime = runtime
    _close_retired_loops()  # asyncio.set_event_loop above may have replaced one
    return runtime


def _retire(previous: Runtime) -> None:
    runner = previous.runner
    previous.lease.end()
    previous.broker.close()
    if runner.live:  # made (MyWorkChain(inputs=...)) or started there; the loop is closed all the same
        _LOGGER.warning(
            "%d process(es) made or started on another event loop will not go on: that loop no longer runs (%s).",
            len(runner.live),
            ", ".join(p.name for p in list(runner.live)[:5]),
        )
    if runner.private_loop and not runner.loop.is_running() and not runner.loop.is_closed():
        if runner.loop is _current_event_loop():  # still this thread's loop: closed once something replaces it
            _retired_loops.append((threading.current_thread(), runner.loop))
        else:
            runner.loop.close()
    _close_retired_loops()


_retired_loops: list[tuple[threading.Thread, asyncio.AbstractEventLoop]] = []
"""Private loops of retired runtimes that were still their thread's current loop; held (so that they are never
garbage-collected open) until :func:`_close_retired_loops` finds them replaced."""


def _close_retired_loops() -> None:
    """Close the retired private loops that are no longer their thread's current loop (or whose thread ended)."""
    here, current = threading.current_thread(), _current_event_loop()
    for entry in list(_retired_loops):
        thread, loop = entry
        if loop.is_running() or (thread is here and loop is current) or (thread is not here and thread.is_alive()):
            continue
        _retired_loops.remove(entry)
        if not loop.is_closed():
            loop.close()


def _current_event_loop() -> asyncio.AbstractEventLoop | None:
    """This thread's current event loop as the policy holds it, without making one (``get_event_loop`` would)."""
    local = getattr(asyncio.get_event_loop_policy(), "_local", None)
    return getattr(local, "_loop", None)


def swap_runtime(runtime: Runtime | None) -> Runtime | None:
    """Make ``runtime`` the current one (None: a new one on next use); returns the previous one (testing harness)."""
    with _lock:
        previous, _current.runtime = _current.runtime, runtime
    return previous


def configure(
    *, store: str | Store | None = UNSET, caching: Any = UNSET, broker: str | None = UNSET, daemon: bool = UNSET
) -> Store:
    """Select the provenance store: an SQLAlchemy URL (``"postgresql+psycopg://user@host/db"``,
    ``"sqlite:////path/file.sqlite"``) or an open :class:`~jupyter_workflows.store.Store`; ``None`` goes back to
    the default. Returns the store, opened (so a bad URL fails here, with the reason).

    ``caching``: which calculations take their result from the cache (off by default): True or False for all, a
    list of process functions, classes or identifier patterns (``"*.add"``) to cache, or a mapping of those to
    True/False (``{"*": True, slow_but_random: False}``; the most specific pattern wins).

    ``broker``: the RabbitMQ broker daemon workers take processes from (``"amqp://user:password@host:5672/"``;
    default ``$JUPYTER_WORKFLOWS_BROKER``; None: none). With a broker, processes of other kernels and of workers can
    be steered from here, and this kernel's from anywhere. ``daemon``: whether ``submit`` sends processes to the
    daemon workers by default (``submit(..., daemon=...)`` decides for one call)."""
    keep_store = store is UNSET and (caching is not UNSET or broker is not UNSET or daemon is not UNSET)
    spec = None if store is UNSET else SecretURL(store) if isinstance(store, str) else store
    broker_url = broker if broker is UNSET or broker is None else SecretURL(broker)
    del store, broker  # no password in a traceback's locals
    if caching is not UNSET:
        configure_caching(caching)
    runtime = get_runtime()
    if daemon is not UNSET:
        runtime.daemon = bool(daemon)
    if broker_url is not UNSET:
        runtime.call_on_loop_thread(runtime.broker.configure, broker_url)
    if keep_store:
        return runtime.call_on_loop_thread(lambda: runtime.store)
    if not runtime.runner.on_loop_thread:
        return runtime.call_on_loop_thread(runtime.use_store, spec)
    return runtime.use_store(spec)


def on_loop_thread(function: Callable[..., T]) -> Callable[..., T]:
    """Decorate a public function: called from another thread, it runs on the runtime's loop thread and the caller
    waits for it (or gets a clear error when that loop is not running)."""

    @functools.wraps(function)
    def marshalled(*args: Any, **kwargs: Any) -> T:
        runtime = _current.runtime
        if runtime is None or runtime.runner.on_loop_thread or not runtime.thread.is_alive():
            return function(*args, **kwargs)
        return runtime.call_on_loop_thread(function, *args, **kwargs)

    return marshalled
