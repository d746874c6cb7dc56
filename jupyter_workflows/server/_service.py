"""The panel's engine side: the store, and the runtime that steers processes, on a thread of their own.

The store is used from one thread (its rule), and the server's event loop must never wait for a database: so the
service runs an asyncio loop on a thread ("jupyter_workflows panel"), opens the store and this server's runtime
there, and the handlers await its answers. Processes the panel resumes run on that loop too: this server is then
their owner (shown as "this Jupyter server"). A store that cannot be opened is reported, with its reason, by every
call, and opened again at the next call after a short pause.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import logging
import socket
import threading
import time
import warnings
from collections.abc import Callable
from typing import Any, Literal, TypedDict, TypeVar

from .._core import ACTIVE_STATES, ProcessNotRunningHereError, WorkflowsError
from .._runtime import Ownership, OwnerStatus, Runtime, get_runtime, ownership_of, swap_runtime
from ..store import (
    CALL_LINK_TYPES,
    ChangeMarker,
    LinkType,
    NodeRow,
    OwnerRow,
    ProcessQuery,
    SecretURL,
    Store,
)
from . import _payloads as p

__all__ = ["Action", "ControlResult", "PanelService", "StoreUnavailable"]

T = TypeVar("T")
Action = Literal["pause", "play", "kill", "resume"]
_ACTIVE = sorted(state.value for state in ACTIVE_STATES)
_TERMINAL = frozenset({"finished", "excepted", "killed"})
_REOPEN_AFTER = 2.0  # seconds before a store that could not be opened is tried again
_INPUT_TYPES = (LinkType.INPUT_CALC, LinkType.INPUT_WORK)
_OUTPUT_TYPES = (LinkType.CREATE, LinkType.RETURN)
_LOGGER = logging.getLogger("jupyter_workflows.server")


class StoreUnavailable(Exception):
    """The store cannot be opened; the message says why and what to do."""


class ControlResult(TypedDict):
    pk: int
    ok: bool  # the request was carried out (or there was nothing to do)
    done: bool  # the process changed (paused, played, killed, resumed)
    message: str
    kernel_id: str | None  # set when the process runs in a kernel of this server that could carry it out instead


class PanelService:
    """The store and this server's runtime on the service thread; every public coroutine runs its work there."""

    def __init__(self, store_url: str, broker_url: str | None) -> None:
        self._url = SecretURL(store_url)
        self.store_text = str(self._url)
        self._broker = SecretURL(broker_url) if broker_url else None
        self.broker_text = str(self._broker) if self._broker else None
        self.live = "store"  # how changes are noticed: "store" (the change marker), "broker" (its broadcasts too)
        self._on_broadcast: list[Callable[[], None]] = []
        self._counted: tuple[int, frozenset[int]] | None = None  # the store's state when terminal counts were read
        self._terminal: dict[str, int] = {}
        self._runtime: Runtime | None = None
        self._previous: Runtime | None = None  # the runtime current before this service made its own
        self._error: str | None = None
        self._failed_at = 0.0
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._serve, name="jupyter_workflows panel", daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        asyncio.set_event_loop(self._loop)
        try:
            self._loop.run_forever()
        finally:  # stopped by close(): end what still waits (the change feed), then close the loop
            pending = asyncio.all_tasks(self._loop)
            for task in pending:
                task.cancel()
            self._loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
            self._loop.close()

    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        return self._loop

    async def call(self, function: Callable[..., T], *args: Any) -> T:
        """Run ``function(*args)`` on the service thread and return its result (or raise its error)."""
        future: concurrent.futures.Future[T] = concurrent.futures.Future()

        def run() -> None:
            try:
                future.set_result(function(*args))
            except BaseException as error:  # handed to the awaiting handler
                future.set_exception(error)

        self._loop.call_soon_threadsafe(run)
        return await asyncio.wrap_future(future)

    def close(self) -> None:
        def stop() -> None:
            if self._runtime is not None:
                self._runtime.close()
                swap_runtime(self._previous)
            self._loop.stop()

        if self._loop.is_running():
            self._loop.call_soon_threadsafe(stop)
            self._thread.join(timeout=10)

    # -- the store (on the service thread) ------------------------------------------------------------------------
    def store(self) -> Store:
        """The open store, opened now if needed. Raises StoreUnavailable with the reason and the fix."""
        if self._runtime is not None:
            return self._runtime.store
        if self._error is not None and time.monotonic() - self._failed_at < _REOPEN_AFTER:
            raise StoreUnavailable(self._error)
        # This server's own runtime, on this thread (in a test process, another thread may hold one already).
        previous = swap_runtime(None)
        runtime = get_runtime()
        try:
            runtime.use_store(self._url)
        except WorkflowsError as error:
            runtime.close()
            swap_runtime(previous)
            self._error, self._failed_at = str(error), time.monotonic()
            raise StoreUnavailable(self._error) from None
        self._runtime, self._previous, self._error = runtime, previous, None
        if self._broker is not None:
            runtime.broker.configure(self._broker)
            self._loop.create_task(self._listen())
        return runtime.store

    def on_broadcast(self, callback: Callable[[], None]) -> None:
        """Call ``callback`` (on the service thread) whenever the broker says a process changed state."""
        self._on_broadcast.append(callback)

    async def _listen(self) -> None:
        """With a broker: answer control RPCs to this server's processes, and hear every state change at once."""
        from .._processes import communicator

        try:
            connection = communicator()
            if connection is not None:
                await connection.subscribe_broadcasts_async("state_changed.*", self._broadcast)
                self.live = "broker"
        except WorkflowsError as error:
            _LOGGER.warning("The Workflows panel does not hear the broker %s: %s", self.broker_text, error)

    async def _broadcast(self, message: object) -> None:
        for callback in self._on_broadcast:
            callback()

    def status(self) -> p.Status:
        with contextlib.suppress(StoreUnavailable):
            self.store()
        return {"version": p.API_VERSION, "ok": self._error is None, "store": self.store_text, "error": self._error,
                "broker": self.broker_text, "live": self.live, "badges": p.badge_colours()}  # fmt: skip

    # -- reads ----------------------------------------------------------------------------------------------------
    def page(
        self,
        query: ProcessQuery,
        pids: dict[int, str],
        *,
        before: int | None,
        after: int | None,
        limit: int,
        total: bool,
    ) -> p.Page:
        store = self.store()
        rows = store.page_processes(query, before=before, after=after, limit=limit + 1)
        more = len(rows) > limit  # one row past the page: there is another page that way
        if after is not None:  # newest first; the extra row is the newest
            items = rows[1:] if more else rows
            newer, older = more, bool(items)
        else:
            items = rows[:limit]
            newer, older = before is not None, more
        return {
            "items": self._items(items, pids, with_called=query.top_level),
            "before": items[-1].pk if items and older else None,
            "after": items[0].pk if items and newer else None,
            "total": store.count_matching(query) if total else None,
        }

    def counts(self) -> dict[str, int]:
        """Counts per state. Those of terminated states cost a read of every process: they are read again only
        when a process was created or ended (the change marker tells); the unterminated ones are read each time."""
        store = self.store()
        marker = store.change_marker()
        key = (marker.newest_node, frozenset(marker.active))
        if key != self._counted:
            everything = store.count_process_states()
            self._terminal = {state: n for state, n in everything.items() if state in _TERMINAL}
            self._counted = key
            return everything
        return {**self._terminal, **store.count_process_states(_ACTIVE)}

    def children(self, pk: int, pids: dict[int, str]) -> list[p.ProcessItem]:
        store = self.store()
        links = store.get_links(outputs_of=[pk], link_types=CALL_LINK_TYPES)
        rows = store.get_nodes(link.output_pk for link in links)
        return self._items([rows[link.output_pk] for link in links if link.output_pk in rows], pids, with_called=True)

    def detail(self, pk: int, pids: dict[int, str]) -> p.Detail | p.DataDetail:
        store = self.store()
        row = store.get_node(pk)
        if not row.node_type.startswith("process."):
            made_by = store.get_neighbours(pk, incoming=True, link_types=_OUTPUT_TYPES)
            creator = self._items([node for _, node in made_by[:1]], pids)
            return {"kind": "data", "node": p.node_ref("", row), "creator": creator[0] if creator else None}
        incoming = store.get_neighbours(pk, incoming=True)
        outgoing = store.get_neighbours(pk, incoming=False, link_types=_OUTPUT_TYPES)
        caller_rows = [node for link, node in incoming if link.link_type in CALL_LINK_TYPES]
        (item,) = self._items([row], pids, with_called=True)
        return {
            "kind": "process",
            "process": item,
            "description": row.description,
            "step": row.step,
            "exception": row.exception,
            "inputs": [p.node_ref(link.link_label, node) for link, node in incoming if link.link_type in _INPUT_TYPES],
            "outputs": [p.node_ref(link.link_label, node) for link, node in outgoing],
            "caller": self._items(caller_rows[:1], pids)[0] if caller_rows else None,
            "reports": [p.report_item(report) for report in store.get_reports(pk)],
        }

    def graph_svg(self, pk: int, options: dict[str, Any]) -> str:
        from ..graph import graph

        return graph(pk, store=self.store(), **options).svg()

    def owner_ids(self, wanted: tuple[str, ...]) -> tuple[tuple[str, ...], bool]:
        """The ids of the owners of unterminated processes that are of the kinds ``wanted`` ("server", "kernel",
        "worker", "script", "orphaned"), and whether processes held by nobody count (they do for "orphaned")."""
        store = self.store()
        mine = self._runtime.owner_id if self._runtime is not None else ""
        held = {owner for _, owner in store.change_marker().active.values() if owner}
        rows = store.get_owners(held)
        chosen = []
        for owner_id in sorted(held):
            row = rows.get(owner_id)
            ownership = ownership_of(owner_id, row, terminated=False, my_id=mine)
            kind = {Ownership.HERE: "server", Ownership.ORPHANED: "orphaned"}.get(ownership, row.kind if row else "")
            if kind in wanted:
                chosen.append(owner_id)
        return tuple(chosen), "orphaned" in wanted

    def items(self, pks: list[int], pids: dict[int, str]) -> list[p.ProcessItem]:
        """The rows of these processes as a page shows them (those that exist)."""
        rows = self.store().get_nodes(pks)
        return self._items([rows[pk] for pk in pks if pk in rows], pids, with_called=True)

    def marker(self) -> ChangeMarker:
        return self.store().change_marker()

    def probe(self) -> int:
        return self.store().change_probe()

    def hosts_processes(self) -> bool:
        """Whether this server runs processes (resumed from the panel): its own commits do not move the probe."""
        return self._runtime is not None and bool(self._runtime.runner.live)

    def _items(self, rows: list[NodeRow], pids: dict[int, str], *, with_called: bool = False) -> list[p.ProcessItem]:
        store = self.store()
        mine = self._runtime.owner_id if self._runtime is not None else ""
        owners = store.get_owners({row.owner for row in rows if row.owner and not row.sealed})
        called = store.count_called(row.pk for row in rows) if with_called else {}
        items = []
        for row in rows:
            owner = owners.get(row.owner or "")
            terminated = (row.process_state or "created") in {"finished", "excepted", "killed"}
            ownership = ownership_of(row.owner, owner, terminated=terminated, my_id=mine)
            status = _status(ownership, owner)
            kernel_id = pids.get(owner.pid) if owner is not None and _same_host(owner.hostname) else None
            items.append(p.process_item(row, p.owner_item(status, kernel_id), called.get(row.pk, 0)))
        return items

    # -- control --------------------------------------------------------------------------------------------------
    def control(self, action: Action, pk: int, message: str, pids: dict[int, str]) -> ControlResult:
        """Carry out ``action`` here if this server can (it runs the process, the process is orphaned, or a broker
        reaches its owner); else say which kernel of this server runs it (``kernel_id``), or why it cannot."""
        from .. import control, launch

        self.store()
        name = f"process {pk}"
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                if action == "resume":
                    launch.resume(pk)
                    done = True
                elif action == "kill":
                    done = bool(control.kill(pk, message=message or "Killed from the Workflows panel."))
                else:
                    done = bool(getattr(control, action)(pk))
            except ProcessNotRunningHereError as error:
                kernel_id = self._kernel_running(pk, pids)
                return {"pk": pk, "ok": False, "done": False, "message": str(error), "kernel_id": kernel_id}
            except WorkflowsError as error:
                return {"pk": pk, "ok": False, "done": False, "message": str(error), "kernel_id": None}
        notes = " ".join(str(warning.message) for warning in caught)
        text = f"{action} of {name}: {'done' if done else 'nothing to do'}" + (f". {notes}" if notes else "")
        return {"pk": pk, "ok": True, "done": done, "message": text, "kernel_id": None}

    def _kernel_running(self, pk: int, pids: dict[int, str]) -> str | None:
        row = self.store().get_node(pk)
        owner = self.store().get_owners([row.owner]).get(row.owner) if row.owner else None
        if owner is None or owner.kind != "kernel" or not _same_host(owner.hostname):
            return None
        return pids.get(owner.pid)


def _status(ownership: Ownership, owner: OwnerRow | None) -> OwnerStatus:
    return OwnerStatus(ownership, owner if ownership is Ownership.ELSEWHERE else None)


def _same_host(hostname: str) -> bool:
    return hostname == socket.gethostname()
