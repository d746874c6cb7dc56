"""Sending processes to daemon workers, and this runtime's link to the broker.

``submit(..., daemon=True)`` stores the process as created and held by nobody, with its inputs and its caller's
link, then queues a ``continue`` task naming it: one worker takes it (compare-and-set on its owner) and runs it.
A run the cache serves is replayed here instead (one commit: not worth a worker).
"""

from __future__ import annotations

import functools
import logging
import warnings
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from .._code import capture_for_travel
from .._core import NoWorkerWarning, Process, UsageError
from .._runtime import get_runtime, live_workers
from ..nodes import ProcessNode
from ._instantiate import enqueue
from ._orphans import end_orphan_tree
from ._running import start
from ._steering import kill_at_once, propagate_kills, respond

if TYPE_CHECKING:
    from .._wire import ProcessTask
    from ..broker import RabbitMQCommunicator

__all__ = ["communicator", "queue_again", "queue_continue", "queue_continue_soon", "submit"]

_LOGGER = logging.getLogger("jupyter_workflows.daemon")
LOOK_FOR_WORKERS_EVERY = 60.0  # seconds: how often daemon submits look whether a worker runs


def communicator() -> RabbitMQCommunicator | None:
    """This runtime's communicator for the current store (made on first use: from then on the runtime answers the
    control RPCs of its processes and broadcasts their state changes); None when no broker is configured."""
    runtime = get_runtime()
    responder = functools.partial(respond, runtime.runner)
    observers = [functools.partial(propagate_kills, runtime)]
    on_request = functools.partial(kill_at_once, runtime.runner)
    return runtime.broker.connect(runtime.store, responder, observers=observers, on_request=on_request)


def submit(process_class: type[Process], inputs: dict[str, Any], *, daemon: bool | None = None) -> ProcessNode:
    """Start a process in the background and return its node: here, or on a daemon worker (``daemon``; None: the
    runtime's default, ``jw.configure(daemon=...)``, always on a worker)."""
    runtime = get_runtime()
    if not (runtime.daemon if daemon is None else daemon):
        return start(process_class, inputs).node  # type: ignore[return-value]
    if runtime.broker.url is None:
        raise UsageError(
            f"{process_class.__name__} cannot go to the daemon: no broker is configured. Configure the one the daemon "
            "workers use, jw.configure(broker='amqp://user:password@host:5672/') (or $JUPYTER_WORKFLOWS_BROKER), or "
            "submit it here with daemon=False."
        )
    sender = communicator()
    assert sender is not None
    sender.check_login()  # a wrong password is said now, before anything is stored (its process could never be sent)
    capture_for_travel(process_class)  # defined in a notebook: its code goes to the workers through the store
    node, here = enqueue(process_class, inputs)
    if here is not None:
        runtime.runner.start(here)
        return node
    queue_continue_soon(node)
    _say_if_no_worker_runs(node)
    return node


def _say_if_no_worker_runs(node: ProcessNode) -> None:
    """Warn (at most once a minute) when no daemon worker of the store runs: the process waits in the queue until
    one starts, as AiiDA's submit warns when its daemon is not running."""
    runtime = get_runtime()
    if runtime.kind == "worker" or not runtime.broker.look_for_workers_due(LOOK_FOR_WORKERS_EVERY):
        return
    if not live_workers(runtime.store):
        warnings.warn(
            f"No daemon worker of the store {runtime.store.url} runs: {node.process_label}<{node.pk}> waits in the "
            "queue until one takes it. Start the daemon with jw.daemon.start() (in a terminal: jupyter workflows "
            "daemon start), or submit with daemon=False to run it in this kernel.",
            NoWorkerWarning,
            stacklevel=2,
        )


def queue_continue_soon(node: ProcessNode) -> None:
    """Queue a ``continue`` task for ``node`` (a process held by nobody) without waiting for the broker to confirm
    it: a submit then costs one commit. A task lost all the same (this process died before the broker took it) is
    sent again by the worker that continues the caller (see ``continue_process``), or found by the workers' look for
    processes queued too long. If the broker refuses the task, the node is ended with the reason."""

    def failed(error: BaseException) -> None:  # nothing would ever run it: say so on the node
        _LOGGER.error("%s<%s> could not be sent to the daemon workers: %s", node.process_label, node.pk, error)
        end_orphan_tree(node, f"It could not be sent to the daemon workers: {error}")

    get_runtime().broker.send_task_soon(_continue_task(node), failed)


def queue_again(nodes: Iterable[ProcessNode]) -> None:
    """Send again the tasks of ``nodes``, processes queued for a daemon worker whose first task may have died with
    the runtime that submitted them (killed before the broker took it): what continues their caller after a crash
    calls this for the children it waits for. A duplicate task is skipped by the claim (compare-and-set on the
    owner). With no broker configured here, the workers' look for processes queued too long takes them."""
    nodes = list(nodes)
    if not nodes or get_runtime().broker.url is None:
        return
    communicator()
    for node in nodes:
        _LOGGER.info("Sending the task of %s<%s> again: it is still queued", node.process_label, node.pk)
        queue_continue_soon(node)


def queue_continue(node: ProcessNode, notify: str | None = None) -> None:
    """Queue a ``continue`` task for ``node`` (a process held by nobody), for one daemon worker to take; its end is
    sent to ``notify`` (an address; default: here). Raises BrokerUnreachableError if the broker cannot take it in
    time."""
    communicator()
    get_runtime().broker.send_task(_continue_task(node, notify))


def _continue_task(node: ProcessNode, notify: str | None = None) -> ProcessTask:
    """The task of ``node``. Its terminal state's broadcast goes to ``notify`` as well, by default to this runtime,
    which submitted it and may wait for it: then the wait needs no subscription on the broker."""
    from ..broker import process_task

    pk = node.pk or 0
    address = get_runtime().broker.notify_here(pk) if notify is None else notify
    return process_task("continue", pk, node.provenance_store.identity, address)
