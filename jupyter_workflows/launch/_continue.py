"""``continue_process``: take over one process that nobody runs, and run it here (what a daemon worker does with a
``continue`` task, and with the processes of a worker that died).

It is skipped when it terminated, runs here already, or a live kernel or worker holds it. Otherwise it is claimed
with compare-and-set on its owner (of two workers, one wins; the other skips it) and started:

- a WorkChain from its last checkpoint (from the beginning if it has none), with ``resume``'s checks; the
  children it called after that checkpoint are killed wherever they run (the step runs again and calls them again);
  its other children are continued on their own, each by the worker that takes it, and those it waits for that are
  still queued get their task sent again (the first may have died with the dead worker);
- a process function from the start if it had not started, or if it is a calcfunction (nothing of a calcfunction
  reaches the store before its end, which writes its outputs and state together); a workfunction that had started is
  recorded as killed (running it again would call its children twice).

A process whose class cannot be loaded here (its module does not import, its stored code fails to load) is recorded
as excepted, with the reason and where (nothing else could run it), and its end is broadcast as its process's is.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import traceback
from typing import Any, NamedTuple

from .._core import (
    CheckpointError,
    CodeTravelError,
    NotResumableError,
    PreparedProcess,
    Process,
    ProcessState,
    WorkflowsError,
)
from .._core._inbox import waiting
from .._processes import end_orphan_tree, process_class_of, queue_again, record_end, steer_async
from .._runtime import get_runtime, owner_alive
from ..nodes import CalculationNode, ProcessNode, WorkChainNode
from ..nodes._node import node_from_row
from ..store import LinkRow, NodeRow
from ._resume import STEP_RAN_AGAIN, Plan, plan_from_checkpoint, queued_awaited, resolve_class, take_over

__all__ = ["Claims", "continue_process"]

_LOGGER = logging.getLogger("jupyter_workflows.worker")
WORKFUNCTION_STARTED = (
    "Its worker died while it ran; a workfunction cannot continue (its calls would be made twice): run it again."
)


class Taken(NamedTuple):
    """A queued process claimed to run here: its row as the claim left it, whether it had started before, and its
    inputs (each input link with its node)."""

    row: NodeRow
    started: bool
    inputs: list[tuple[LinkRow, NodeRow]]


def take(pks: list[int]) -> dict[int, Taken]:
    """Claim the queued processes ``pks`` for this runtime (one statement), announce those it records as running
    (their ``running`` goes out at once, before anything else is read), then read their inputs (one more)."""
    runtime = get_runtime()
    claimed = runtime.store.claim_to_run(pks, runtime.owner_id)
    running = ProcessState.RUNNING.value
    runtime.broker.announce_running(
        [pk for pk, (row, started) in claimed.items() if not started and row.process_state == running]
    )
    inputs = runtime.store.inputs_of(list(claimed)) if claimed else {}
    return {pk: Taken(row, started, inputs[pk]) for pk, (row, started) in claimed.items()}


class Claims:
    """Claims of queued processes, made together: those asked for in one turn of the event loop (the tasks a worker
    received at once) are claimed by one statement, and their inputs read by one more, not two each. A claim asked
    for while nothing else arrived from another thread (the broker's) is made at once: an idle worker takes a task
    without a turn more."""

    def __init__(self) -> None:
        self._asked: dict[int, list[asyncio.Future[Taken | None]]] | None = None

    async def claim(self, pk: int) -> Taken | None:
        """Claim queued process ``pk`` for this runtime (see :func:`take`), with the others asked for in this turn;
        None if it was not claimed (held, ended, or taken by another runtime). Of two asking for the same process in
        one turn, the first gets it."""
        loop = asyncio.get_running_loop()
        if self._asked is None and not waiting(loop):
            return take([pk]).get(pk)
        if self._asked is None:
            self._asked = {}
            loop.call_soon(self._claim_asked)
        future: asyncio.Future[Taken | None] = loop.create_future()
        self._asked.setdefault(pk, []).append(future)
        return await future

    def _claim_asked(self) -> None:
        asked, self._asked = self._asked or {}, None
        try:
            taken = take(list(asked))
        except Exception as error:  # each asker fails as its own claim would have
            for futures in asked.values():
                for future in futures:
                    if not future.done():
                        future.set_exception(error)
            return
        for pk, futures in asked.items():
            result = taken.get(pk)
            for future in futures:
                if not future.done():  # (one cancelled meanwhile: the next asker runs it)
                    future.set_result(result)
                    result = None  # the first asker runs it; another (a duplicate task) does not, twice


async def continue_process(pk: int, notify: str = "", claims: Claims | None = None) -> Process | None:
    """Claim process ``pk`` for this runtime and start it in the background; None if it was skipped (terminated,
    run here, held by a live owner, or taken by another runtime just now). ``notify``: the address its terminal
    state's broadcast also goes to (from its task); ``claims``: where to claim it with others (else alone)."""
    link = get_runtime().broker
    link.notify_at_end(pk, notify)  # before it may end
    process = await _take(pk, claims)
    if process is None:
        link.notify_at_end(pk, "")
    return process


async def _take(pk: int, claims: Claims | None) -> Process | None:
    runtime = get_runtime()
    store = runtime.store
    runtime.register_owner_in(store)
    # A queued process (held by nobody: the common case) is claimed by one commit, with the others claimed in the
    # same turn, which also reads its row and records it as running if it was created (a worker takes hundreds of
    # processes a second); any other is read first, to judge its owner.
    claimed = await claims.claim(pk) if claims is not None else take([pk]).get(pk)
    taken = claimed is not None
    row, started = (claimed.row, claimed.started) if claimed is not None else (store.get_node(pk), None)
    fresh = taken and not started  # it never started: nothing of a run to read
    node = node_from_row(row, store)
    if not isinstance(node, ProcessNode):
        raise WorkflowsError(f"Node {pk} is not a process; a continue task names a process.")
    if claimed is not None:
        node.claimed_as(row, claimed.inputs)
    owner = None if taken else row.owner
    if not taken and (node.process is not None or row.sealed or _held_by_a_live_owner(owner, runtime.owner_id)):
        return None
    try:
        plan = None
        if isinstance(node, WorkChainNode):
            plan = plan_from_checkpoint(node, owner, claimed=taken, fresh=fresh)
        cls = process_class_of(resolve_class(node.process_class_path, node)) if plan is None else plan.cls
    except (NotResumableError, CheckpointError, CodeTravelError) as error:
        _record_excepted(node, owner, error, claimed=taken)
        return None
    if plan is not None:
        return await _continue_workchain(plan)
    if started is None:
        started = row.process_state != ProcessState.CREATED.value
    return _continue_function(node, owner, cls, started=started, claimed=taken)


def _held_by_a_live_owner(owner: str | None, me: str) -> bool:
    if owner is None:
        return False
    if owner == me:
        return True
    row = get_runtime().store.get_owners([owner]).get(owner)
    return row is not None and owner_alive(row)


async def _continue_workchain(plan: Plan) -> Process | None:
    runtime = get_runtime()
    try:
        ((process, _),) = take_over(plan, runtime)
    except NotResumableError:  # another runtime took it just now
        return None
    done_until = plan.checkpoint.get("children_until", 0) if plan.checkpoint else 0
    for child in [] if plan.fresh else plan.node.called:  # children of steps that ran after the checkpoint
        if not child.is_terminated and (child.pk or 0) > done_until:
            try:
                await steer_async(child, "kill", STEP_RAN_AGAIN)
            except WorkflowsError as error:  # the rerun step calls it again: a duplicate, but nothing lost
                _LOGGER.error("Could not kill %s, called after the last checkpoint: %s", child, error)
    queue_again(queued_awaited(plan))
    runtime.runner.start(process)
    return process


def _continue_function(
    node: ProcessNode, owner: str | None, cls: type[Process], *, started: bool, claimed: bool
) -> Process | None:
    runtime = get_runtime()
    if not (claimed or node.claim(runtime.owner_id, expected=owner)):
        return None
    if started and not isinstance(node, CalculationNode):
        end_orphan_tree(node, WORKFUNCTION_STARTED)
        return None
    inputs: dict[str, Any] = dict(node.inputs)
    inputs["metadata"] = {"label": node.label, "description": node.description}
    taken_up = PreparedProcess(
        cls, inputs, node, runtime.runner, node.process_label, None, store_now=False, resumed=True
    )
    process = cls.from_prepared(taken_up)
    if node.paused:
        process.pause()
    runtime.runner.start(process)
    return process


def _record_excepted(node: ProcessNode, owner: str | None, error: Exception, *, claimed: bool) -> None:
    """End a process this runtime cannot run (its class does not load here, its checkpoint is unreadable), saying
    why, and announce its end as its process would have; claimed first (unless ``claimed`` already), so that a
    runtime that took it meanwhile keeps it."""
    runtime = get_runtime()
    if not (claimed or node.claim(runtime.owner_id, expected=owner)):
        return
    _LOGGER.error("%s<%s> cannot run here: %s", node.process_label, node.pk, error)
    record_end(
        node,
        ProcessState.EXCEPTED,
        f"The {runtime.kind} pid {os.getpid()} on {socket.gethostname()} could not run it: {error}",
        "".join(traceback.format_exception(type(error), error, error.__traceback__)),
    )
