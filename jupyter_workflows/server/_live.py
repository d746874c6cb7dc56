"""Pushing changes to open panels: the store's change marker, looked at every ``poll_interval`` while a panel is
connected (a few index reads; nothing while none is), and each change sent to every connected panel at once.

With a broker configured, the state broadcasts of the processes' owners (``state_changed.<pk>``) make the service
look at once instead of at the next tick.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Callable, Iterable, Mapping

from .._core import set_within
from ..store import ChangeMarker
from ._service import PanelService, StoreUnavailable

__all__ = ["ChangeFeed"]

MAX_ITEMS = 100  # changed rows sent with a change message; a panel reads the others itself
Listener = Callable[[str], None]  # gets a JSON message, on the server's loop
_LOGGER = logging.getLogger("jupyter_workflows.server")


class ChangeFeed:
    """The listeners (open WebSockets) and the watch that feeds them, on the service's loop."""

    def __init__(self, service: PanelService, poll_interval: float, pids: Callable[[], dict[int, str]]) -> None:
        self._service = service
        self._pids = pids
        self._interval = poll_interval
        self._listeners: dict[int, tuple[asyncio.AbstractEventLoop, Listener]] = {}
        # Listeners added since the watch last looked: they get their hello once it has, so that every change
        # after the hello reaches them (a change between the two would be in the watch's first look, unseen).
        self._joining: dict[int, tuple[asyncio.AbstractEventLoop, Listener]] = {}
        self._task: asyncio.Task[None] | None = None
        self._wake = asyncio.Event()
        self._error: str | None = None
        service.on_broadcast(self._wake.set)

    def add(self, listener: Listener) -> int:
        """Send ``listener`` (called on the calling loop) a hello once the watch has taken its look, then every change
        after it; returns a key for remove()."""
        key = id(listener)
        self._joining[key] = (asyncio.get_running_loop(), listener)
        self._service.loop.call_soon_threadsafe(self._start)
        return key

    def remove(self, key: int) -> None:
        self._joining.pop(key, None)
        self._listeners.pop(key, None)

    def wake(self) -> None:
        """Look now (a broadcast said something changed)."""
        self._service.loop.call_soon_threadsafe(self._wake.set)

    def _start(self) -> None:
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._watch())
        else:
            self._wake.set()  # the listener that joined waits for the next look

    async def _watch(self) -> None:
        last: ChangeMarker | None = None
        probe: int | None = None
        looked = 0.0
        while self._listeners or self._joining:
            joining = dict(self._joining)
            try:
                now, probed = time.monotonic(), self._service.probe()
                # The full look reads the unterminated processes; the probe reads nothing: look only when another
                # connection committed, when this server's own connection may have (it runs resumed processes, or
                # a broadcast or a control woke the feed), and once a second anyway.
                if (probed != probe or joining or self._wake.is_set() or self._service.hosts_processes()
                        or now - looked > 1.0):  # fmt: skip
                    marker, looked = self._service.marker(), now
                    if last is not None:
                        self._compare(last, marker)
                    last = marker
                probe = probed
            except StoreUnavailable as error:
                if self._error != str(error):
                    self._error = str(error)
                    self._send({"type": "status", "ok": False, "error": self._error})
            else:
                if self._error is not None:
                    self._error = None
                    self._send({"type": "status", "ok": True, "error": None})
            self._welcome(joining)  # after the look
            self._wake.clear()
            if self._joining:  # joined during this look: look again now
                continue
            await set_within(self._wake, self._interval)

    def _compare(self, last: ChangeMarker, marker: ChangeMarker) -> None:
        changed = marker.changed_since(last)
        created = marker.newest_node != last.newest_node
        reported = marker.newest_report != last.newest_report
        if changed or created or reported:
            pks = sorted(changed)
            # The changed rows go with the message, so that a panel shows them without asking (one round trip less).
            items = self._service.items(pks[:MAX_ITEMS], self._pids()) if pks else []
            message = {"type": "changed", "pks": pks, "created": created, "reported": reported, "items": items}
            self._send(message)

    def _welcome(self, joining: dict[int, tuple[asyncio.AbstractEventLoop, Listener]]) -> None:
        """Move the listeners that joined before this look to the others, each with its hello."""
        for key, entry in joining.items():
            if self._joining.pop(key, None) is not None:
                self._listeners[key] = entry
        self._send({"type": "hello", "time": time.time()}, joining.values())
        if self._error is not None:
            self._send({"type": "status", "ok": False, "error": self._error}, joining.values())

    def _send(
        self,
        message: Mapping[str, object],
        to: Iterable[tuple[asyncio.AbstractEventLoop, Listener]] | None = None,
    ) -> None:
        text = json.dumps(message)
        for loop, listener in list(self._listeners.values() if to is None else to):
            try:
                loop.call_soon_threadsafe(listener, text)
            except RuntimeError:  # that loop closed
                _LOGGER.debug("a panel's loop closed before its update", exc_info=True)
