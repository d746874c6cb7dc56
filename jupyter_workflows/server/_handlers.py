"""The REST handlers and the WebSocket of the panel, under ``<base_url>/workflows/api/``.

Every handler is authenticated by the server (its token or login cookie; ``@web.authenticated``) and authorized on
the resource ``workflows`` (``@authorized``: read for GET, write for POST); POST requests also need the XSRF token
(JupyterHandler checks it, as for every API of the server).
"""

from __future__ import annotations

import functools
import json
from typing import Any

from jupyter_core.utils import ensure_async
from jupyter_server.auth.decorator import authorized, ws_authenticated
from jupyter_server.base.handlers import APIHandler, JupyterHandler
from jupyter_server.base.websocket import WebSocketMixin
from tornado import web
from tornado.websocket import WebSocketHandler

from .._core import NodeNotFoundError, ValidationError, WorkflowsError
from ..store import ProcessQuery
from ._kernels import ServerKernels
from ._live import ChangeFeed
from ._service import Action, ControlResult, PanelService, StoreUnavailable

__all__ = ["AUTH_RESOURCE", "handlers"]

AUTH_RESOURCE = "workflows"
MAX_LIMIT = 500
ACTIONS = ("pause", "play", "kill", "resume")
_STATES = ("created", "running", "waiting", "finished", "excepted", "killed")
_OWNERS = ("server", "kernel", "worker", "script", "orphaned")
_GRAPH_INTS = ("ancestors", "descendants")
_GRAPH_FLAGS = ("process_inputs", "process_outputs")


class _Base(APIHandler):
    auth_resource = AUTH_RESOURCE

    @property
    def service(self) -> PanelService:
        return self.settings["jupyter_workflows_service"]  # type: ignore[no-any-return]

    @property
    def kernels(self) -> ServerKernels:
        return self.settings["jupyter_workflows_kernels"]  # type: ignore[no-any-return]

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        """Errors as JSON ``{"message": ...}`` with the reason and the fix, which the panel shows as it is."""
        error = kwargs.get("exc_info", (None, None, None))[1]
        message = str(error.log_message if isinstance(error, web.HTTPError) else error or self._reason)
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps({"message": message}))

    async def answer(self, function: Any, *args: Any) -> Any:
        """The service's answer, with its errors as HTTP statuses the panel shows."""
        try:
            return await self.service.call(function, *args)
        except StoreUnavailable as error:
            raise web.HTTPError(503, str(error)) from None
        except NodeNotFoundError as error:
            raise web.HTTPError(404, str(error)) from None
        except (ValidationError, ValueError) as error:
            raise web.HTTPError(400, str(error)) from None
        except WorkflowsError as error:
            raise web.HTTPError(500, str(error)) from None

    def int_argument(self, name: str, default: int | None = None) -> int | None:
        text = self.get_argument(name, "")
        if not text:
            return default
        try:
            return int(text)
        except ValueError:
            raise web.HTTPError(400, f"?{name}= takes a whole number (got {text!r})") from None

    def float_argument(self, name: str) -> float | None:
        text = self.get_argument(name, "")
        try:
            return float(text) if text else None
        except ValueError:
            raise web.HTTPError(400, f"?{name}= takes seconds since the epoch (got {text!r})") from None


class StatusHandler(_Base):
    """GET: the store (its URL, password hidden), whether it opens (else why, and the fix), the badge colours."""

    @web.authenticated
    @authorized
    async def get(self) -> None:
        self.finish(await self.service.call(self.service.status))


class CountsHandler(_Base):
    """GET: how many processes are in each state; paused unterminated ones under "paused"."""

    @web.authenticated
    @authorized
    async def get(self) -> None:
        self.finish(await self.answer(self.service.counts))


class ProcessesHandler(_Base):
    """GET: a page of processes, newest first.

    ``?state=running,paused`` (states, and "paused"), ``?text=`` (in the process label or label), ``?owner=orphaned``
    (server, kernel, worker, script, orphaned), ``?since=``/``?until=`` (seconds since the epoch), ``?top=1`` (only
    processes no other process called), ``?before=PK``/``?after=PK`` (the cursors of the previous answer),
    ``?limit=`` (at most 500), ``?total=1`` (also count every match)."""

    @web.authenticated
    @authorized
    async def get(self) -> None:
        query = await self._query()
        limit = min(max(self.int_argument("limit", 50) or 50, 1), MAX_LIMIT)
        before, after = self.int_argument("before"), self.int_argument("after")
        total = self.get_argument("total", "") in {"1", "true"}
        pids = self.kernels.pids()
        page = functools.partial(self.service.page, before=before, after=after, limit=limit, total=total)
        self.finish(await self.answer(page, query, pids))

    async def _query(self) -> ProcessQuery:
        words = [w for w in self.get_argument("state", "").split(",") if w]
        unknown = [w for w in words if w not in (*_STATES, "paused", "active")]
        if unknown:
            raise web.HTTPError(400, f"Unknown state(s) {unknown}: use {', '.join((*_STATES, 'paused', 'active'))}")
        paused: bool | None = None
        states = [w for w in words if w in _STATES] + (["created", "running", "waiting"] if "active" in words else [])
        if "paused" in words:
            paused = True
            if not states:
                states = ["created", "running", "waiting"]
        elif words and not [w for w in words if w not in ("created", "running", "waiting", "active")]:
            paused = False  # "running" without "paused": running and not paused, as the counts show them
        owners, ownerless = await self._owners()
        return ProcessQuery(
            states=tuple(dict.fromkeys(states)) or None,
            paused=paused,
            text=self.get_argument("text", "").strip() or None,
            owners=owners,
            ownerless=ownerless,
            since=self.float_argument("since"),
            until=self.float_argument("until"),
            top_level=self.get_argument("top", "") in {"1", "true"},
        )

    async def _owners(self) -> tuple[tuple[str, ...] | None, bool]:
        wanted = [w for w in self.get_argument("owner", "").split(",") if w]
        if not wanted:
            return None, False
        unknown = [w for w in wanted if w not in _OWNERS]
        if unknown:
            raise web.HTTPError(400, f"Unknown owner kind(s) {unknown}: use {', '.join(_OWNERS)}")
        owners: tuple[tuple[str, ...], bool] = await self.answer(self.service.owner_ids, tuple(wanted))
        return owners


class ProcessHandler(_Base):
    """GET: one process: its row, inputs, outputs, caller, report log and traceback."""

    @web.authenticated
    @authorized
    async def get(self, pk: str) -> None:
        self.finish(await self.answer(self.service.detail, int(pk), self.kernels.pids()))


class ChildrenHandler(_Base):
    """GET: the processes a process called (one level of the tree), oldest first."""

    @web.authenticated
    @authorized
    async def get(self, pk: str) -> None:
        self.finish({"items": await self.answer(self.service.children, int(pk), self.kernels.pids())})


class GraphHandler(_Base):
    """GET: the provenance graph of a process as SVG; options as ``jw.graph``'s: ``?ancestors=1&descendants=1``,
    ``?link_types=logic``, ``?highlight_classes=Int,Float``, ``?identifier=pk``, ``?process_inputs=1``."""

    @web.authenticated
    @authorized
    async def get(self, pk: str) -> None:
        options: dict[str, Any] = {}
        for name in _GRAPH_INTS:
            value = self.int_argument(name)
            if value is not None:
                options[name] = value
        for name in _GRAPH_FLAGS:
            if self.get_argument(name, "") in {"1", "true"}:
                options[name] = True
        for name in ("link_types", "identifier"):
            if self.get_argument(name, ""):
                options[name] = self.get_argument(name)
        classes = [c for c in self.get_argument("highlight_classes", "").split(",") if c]
        if classes:
            options["highlight_classes"] = classes
        svg = await self.answer(self.service.graph_svg, int(pk), options)
        self.set_header("Cache-Control", "no-store")
        self.finish(svg, set_content_type="image/svg+xml")


class ControlHandler(_Base):
    """POST ``{"action": "pause"|"play"|"kill"|"resume", "pks": [..], "message": "..."}``: steer processes. Each gets
    a result (``ok``, ``done``, ``message``): carried out by this server (it runs the process, or the process is
    orphaned, or the broker reaches its owner), or by the kernel of this server that runs it."""

    @web.authenticated
    @authorized
    async def post(self) -> None:
        body = self.get_json_body() or {}
        action, pks, message = body.get("action"), body.get("pks"), str(body.get("message") or "")
        if action not in ACTIONS:
            raise web.HTTPError(400, f"'action' must be one of {', '.join(ACTIONS)} (got {action!r})")
        if not isinstance(pks, list) or not pks or not all(isinstance(pk, int) for pk in pks):
            raise web.HTTPError(400, "'pks' must be a non-empty list of process pks (numbers)")
        results = [await self._one(action, pk, message) for pk in pks]
        self.settings["jupyter_workflows_feed"].wake()  # this server's own writes do not move the store's probe
        self.finish({"results": results})

    async def _one(self, action: Action, pk: int, message: str) -> ControlResult:
        pids = self.kernels.pids()
        result: ControlResult = await self.answer(self.service.control, action, pk, message, pids)
        kernel_id = result["kernel_id"]
        if result["ok"] or kernel_id is None or action == "resume":
            return result
        ok, done, text = await self.kernels.steer(kernel_id, action, pk, message)
        return {"pk": pk, "ok": ok, "done": done, "message": text, "kernel_id": kernel_id}


class EventsHandler(WebSocketMixin, WebSocketHandler, JupyterHandler):
    """WebSocket: ``{"type": "changed", "pks": [...], "created": bool, "reported": bool, "items": [...]}`` whenever
    processes change (``items``: the changed rows, as pages show them), and ``{"type": "status", "ok": bool,
    "error": ...}`` when the store goes away or comes back."""

    auth_resource = AUTH_RESOURCE

    def set_default_headers(self) -> None:
        """No JupyterHandler headers on a WebSocket upgrade (as the server's own kernel WebSocket)."""

    @property
    def feed(self) -> ChangeFeed:
        return self.settings["jupyter_workflows_feed"]  # type: ignore[no-any-return]

    @ws_authenticated
    async def get(self, *args: Any, **kwargs: Any) -> None:
        allowed = await ensure_async(self.authorizer.is_authorized(self, self.current_user, "read", AUTH_RESOURCE))
        if not allowed:
            raise web.HTTPError(403)
        await super().get(*args, **kwargs)

    def open(self, *args: Any, **kwargs: Any) -> None:
        super().open(*args, **kwargs)
        self._key = self.feed.add(self._forward)  # which says hello once it has looked at the store

    def _forward(self, text: str) -> None:
        if self.ws_connection is not None and not self.ws_connection.is_closing():
            self.write_message(text)

    def on_message(self, message: str | bytes) -> None:
        """Panels only listen."""

    def on_close(self) -> None:
        self.feed.remove(self._key)


def handlers(base_url: str) -> list[tuple[str, type]]:
    prefix = base_url.rstrip("/") + "/workflows/api"
    return [
        (f"{prefix}/status", StatusHandler),
        (f"{prefix}/counts", CountsHandler),
        (f"{prefix}/processes", ProcessesHandler),
        (f"{prefix}/processes/control", ControlHandler),
        (rf"{prefix}/processes/(\d+)", ProcessHandler),
        (rf"{prefix}/processes/(\d+)/children", ChildrenHandler),
        (rf"{prefix}/processes/(\d+)/graph\.svg", GraphHandler),
        (f"{prefix}/events", EventsHandler),
    ]
