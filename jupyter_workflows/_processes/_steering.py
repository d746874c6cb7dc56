"""Pause, play and kill a process wherever it is: run here, held by another kernel or daemon worker (over the
broker, to its owner), queued for a worker, or orphaned.

- Here: the process acts at once (pause and kill at its next step boundary or wait).
- Held elsewhere: an RPC to its owner (the broker routes it by owner id), answered by :func:`respond` on the owner's
  loop. A process that moved meanwhile (handed over by a stopping worker) is looked up again. On a daemon worker a
  kill also acts as it arrives (:func:`kill_at_once`), so that it ends a body that holds the loop. An owner that
  answers twice that it does not run a process the store says it holds (its start failed after the claim) runs it
  nowhere: a kill records it as killed, a pause or play says so.
- Queued (held by nobody, waiting for a worker): a kill records it as killed (a worker then skips it); a pause or
  play claims it for a moment (compare-and-set), sets the flag and queues it again.
- Orphaned (its owner died): a kill records it and its orphaned descendants as killed; pause and play are refused.

A kill reaches children on other workers: when a process of this runtime ends killed, its children that run
elsewhere are killed too (:func:`propagate_kills`), each by its own owner, and so on down the tree.
"""

from __future__ import annotations

import asyncio
import logging
import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from .._core import (
    Process,
    ProcessEvent,
    ProcessNotRunningHereError,
    ProcessState,
    RecipientNotFoundError,
    RemoteError,
    RpcTimeoutError,
    Runner,
    kill_signal_heard,
    killed_with_caller,
    send_kill_signal,
)
from .._runtime import Ownership, Runtime, get_runtime
from .._wire import ControlRequest
from ..nodes import ProcessNode, load_node
from ._orphans import end_orphan_tree

if TYPE_CHECKING:
    from ..broker import RabbitMQCommunicator

__all__ = ["Intent", "kill_at_once", "propagate_kills", "respond", "steer", "steer_async"]

Intent = Literal["pause", "play", "kill"]
_ATTEMPTS = 5  # looks at where a process is, when it keeps moving between owners meanwhile
_LOGGER = logging.getLogger("jupyter_workflows.control")
_KILLED_BY_USER = "Killed by the user."
_KILLED_AT_ONCE: dict[tuple[str, int], Process] = {}  # (runner id, pk): killed on arrival, answered by respond


@dataclass(frozen=True)
class _Remote:
    """The process is held by the live runtime ``owner``: ask it over the broker."""

    owner: str
    where: str  # "worker pid 12 on host"
    guessed: bool = False  # the owner the node named when last read, not looked up now


# -- acting on a process, wherever it is ---------------------------------------------------------------------------
def steer(node: ProcessNode, intent: Intent, message: str = "") -> bool:
    """Pause, play or kill ``node``'s process wherever it runs (a blocking RPC when it runs elsewhere). True if it
    was paused, played or killed; False if there was nothing to do (terminated, or not paused for play)."""
    guess = _last_owner(node)
    refused_by: str | None = None  # the owner that answered it does not run it
    for _ in range(_ATTEMPTS):
        action, guess = guess or _act_here(node, intent, message), None
        if not isinstance(action, _Remote):
            return action
        try:
            _connect()
            return bool(get_runtime().broker.rpc(action.owner, _request(intent, node, message)))
        except (RemoteError, RecipientNotFoundError, RpcTimeoutError) as error:
            refused, refused_by = refused_by, _check_moved(node, intent, action, error)
            if refused_by is not None and refused_by == refused:  # twice, the store naming it in between
                return _held_not_run(node, intent, message, action.where)
    raise _kept_moving(node, intent)


async def steer_async(node: ProcessNode, intent: Intent, message: str = "") -> bool:
    """:func:`steer`, awaiting the RPC (for handlers and tasks on the loop: a blocking call there could wait for
    an owner that waits for this loop)."""
    guess = _last_owner(node)
    refused_by: str | None = None  # the owner that answered it does not run it
    for _ in range(_ATTEMPTS):
        action, guess = guess or _act_here(node, intent, message), None
        if not isinstance(action, _Remote):
            return action
        communicator = _connect()
        if communicator is None:
            raise _no_broker(node, intent, action.where)
        try:
            return bool(await communicator.rpc_async(action.owner, _request(intent, node, message)))
        except (RemoteError, RecipientNotFoundError, RpcTimeoutError) as error:
            refused, refused_by = refused_by, _check_moved(node, intent, action, error)
            if refused_by is not None and refused_by == refused:  # twice, the store naming it in between
                return _held_not_run(node, intent, message, action.where)
    raise _kept_moving(node, intent)


def _last_owner(node: ProcessNode) -> _Remote | None:
    """The runtime that held the process when its node was last read, if another one: asked first, without reading
    the store (the node and its owner: two reads, most of a control's cost besides the RPC). If it no longer holds
    the process (it ended, moved, or that runtime is gone), its answer says so and the store is asked where it is."""
    runtime = get_runtime()
    owner = node.owner_when_read
    if node.process is not None or owner is None or owner == runtime.owner_id or runtime.broker.url is None:
        return None
    return _Remote(owner, "", guessed=True)


def _act_here(node: ProcessNode, intent: Intent, message: str) -> bool | _Remote:
    """Act on the process if this runtime can (it runs here, is queued or orphaned); else say whom to ask."""
    if node.process is not None:
        return _apply(node.process, intent, message)
    status = node.owner_status()  # one read of the node (and of its owner, if held): a control costs little
    if status.ownership is Ownership.DONE:
        return False
    if status.ownership is Ownership.ELSEWHERE:
        assert status.owner is not None
        if get_runtime().broker.url is None:
            raise _no_broker(node, intent, status.describe())
        return _Remote(status.owner.id, status.describe())
    if status.ownership is Ownership.QUEUED:
        return _act_on_queued(node, intent, message)
    if status.ownership is Ownership.ORPHANED:
        if intent != "kill":
            raise ProcessNotRunningHereError(
                f"Cannot {intent} {_name(node)}: the kernel or worker that ran it is gone (orphaned). A daemon "
                "worker continues the processes of a worker that died once its lease ran out; a kernel's orphan is "
                "continued with jw.resume(node). Or kill it."
            )
        _kill_orphan(node, message)
        return True
    raise ProcessNotRunningHereError(f"Cannot {intent} {_name(node)}: it is being taken over or handed over here.")


def _apply(process: Process, intent: Intent, message: str) -> bool:
    if intent == "pause":
        return process.pause()
    if intent == "play":
        return process.play()
    return process.kill(message or _KILLED_BY_USER)


def _act_on_queued(node: ProcessNode, intent: Intent, message: str) -> bool | _Remote:
    if intent == "kill":  # sealed first: a worker that takes it meanwhile finds it ended and stops
        end_orphan_tree(node, message or _KILLED_BY_USER)
        return True
    runtime = get_runtime()
    if not node.claim(runtime.owner_id, expected=None):  # a worker took it just now: ask it
        return _act_here(node, intent, message)
    try:
        changed = node.paused != (intent == "pause")
        if changed:
            node.record_paused(intent == "pause")
    finally:
        node.claim(None, expected=runtime.owner_id)
    from ._daemon import queue_continue  # a worker that saw it held here meanwhile dropped its task

    queue_continue(node)
    if changed:  # broadcast as a running process's pause is: a widget of it elsewhere shows it at once
        runtime.runner.events.publish(node.pk or 0, "paused", paused=intent == "pause", state=node.process_state.value)
    return changed


def _kill_orphan(node: ProcessNode, message: str, why: str = "its kernel or worker had died") -> None:
    """Record an orphan and its orphaned descendants as killed; a descendant that another live runtime runs is
    killed over the broker, or (without one) left to it with a warning."""
    reason = message or _KILLED_BY_USER
    for child in end_orphan_tree(node, f"{reason} ({why})"):
        if get_runtime().broker.url is not None:
            steer(child, "kill", killed_with_caller(reason, _name(node)))
            continue
        warnings.warn(
            f"{_name(child)} was left running: {child.owner_status().describe()} runs it. Kill it from there.",
            stacklevel=5,
        )


def _connect() -> RabbitMQCommunicator | None:
    from ._daemon import communicator

    return communicator()


def _request(intent: Intent, node: ProcessNode, message: str) -> ControlRequest:
    from ..broker import control_request

    return control_request(intent, node.pk or 0, message)


def _check_moved(node: ProcessNode, intent: Intent, action: _Remote, error: Exception) -> str | None:
    """A process its owner no longer holds (handed over, or it ended) is looked up again; other errors raise.
    The owner only guessed (the one the node named when last read) may have died just now without an answer: its
    queue outlives it for a moment. Then the store says where the process is (orphaned, or taken over). Returns
    the owner looked up in the store if it answered that it does not run the process (if it answers so again, the
    store naming it in between, it holds the process without running it: see :func:`_held_not_run`)."""
    if isinstance(error, RpcTimeoutError):
        if action.guessed:
            return None
        raise RpcTimeoutError(
            f"Cannot {intent} {_name(node)} now: {action.where}, which runs it, did not answer in time (its event loop "
            "is held, for example by a calcfunction's body or a notebook cell that computes without waiting); try "
            "again once it is free."
        ) from None
    if isinstance(error, RecipientNotFoundError):
        if not action.guessed and node.owner == action.owner and not node.is_terminated:
            raise ProcessNotRunningHereError(
                f"Cannot {intent} {_name(node)}: it runs in {action.where}, which does not listen to the broker (a "
                f"kernel without a broker configured, or connecting just now); {intent} it from there."
            ) from None
        return None
    if getattr(error, "error_type", "") != ProcessNotRunningHereError.__name__:
        raise error
    return None if action.guessed else action.owner


def _held_not_run(node: ProcessNode, intent: Intent, message: str, where: str) -> bool:
    """The live owner the store names answered twice that it does not run the process (a claim recorded it, then
    its start failed): nothing runs it, so a kill records it as killed, as an orphan's; a pause or play says so."""
    if intent != "kill":
        raise ProcessNotRunningHereError(
            f"Cannot {intent} {_name(node)}: {where} holds it but does not run it; kill it."
        )
    _kill_orphan(node, message, f"{where} held it but did not run it")
    return True


def _kept_moving(node: ProcessNode, intent: Intent) -> ProcessNotRunningHereError:
    return ProcessNotRunningHereError(
        f"Cannot {intent} {_name(node)}: it moved between owners {_ATTEMPTS} times while being asked; try again."
    )


def _no_broker(node: ProcessNode, intent: Intent, where: str) -> ProcessNotRunningHereError:
    return ProcessNotRunningHereError(
        f"Cannot {intent} {_name(node)}: it runs in {where}; {intent} it from there, or configure the broker it "
        "listens to (jw.configure(broker='amqp://...')) to steer it from here."
    )


def _name(node: ProcessNode) -> str:
    return f"{node.process_label}<{node.pk}>"


# -- answering the broker, and kills that go down the tree ----------------------------------------------------------
async def respond(runner: Runner, request: ControlRequest) -> Any:
    """Answer a control RPC for a process this runtime holds (runs on its loop)."""
    pk = request["pk"]
    killing = request["intent"] == "kill"
    marked = _KILLED_AT_ONCE.pop((runner.id, pk), None) if killing else None  # not an earlier pause's to take
    process = next((p for p in runner.live if p.pk == pk), None)
    if process is None:
        if marked is not None:  # it ended before the loop was free to answer
            return marked.state is ProcessState.KILLED  # killed by this request (see kill_at_once), or it finished
        raise ProcessNotRunningHereError(f"Process {pk} does not run here (any more).")
    if request["intent"] == "status":
        return {"pk": pk, "state": process.state.value, "paused": process.paused}
    return _apply(process, request["intent"], request["message"])


def kill_at_once(runner: Runner, request: ControlRequest) -> None:
    """On the communicator's thread, as a control request arrives: a kill marks its process (and its descendants
    here) to die, and ends its user code if that code holds the loop now, where kills reach user code (a daemon
    worker, see ``kills_reach_user_code``). A calcfunction's body never waits: the loop, and so the answer, would
    wait for its end. :func:`respond` then answers from the loop as usual."""
    if request["intent"] != "kill" or not kill_signal_heard():
        return
    live = [p for p in list(runner.live) if not p.state.is_terminal]  # a copy: the set is the loop's
    process = next((p for p in live if p.pk == request["pk"]), None)
    if process is None:
        return
    _KILLED_AT_ONCE[runner.id, request["pk"]] = process
    reason = request["message"] or _KILLED_BY_USER
    process.request_kill(reason)  # flags only: safe from any thread
    _mark_called_here(process, live, reason)
    send_kill_signal()  # after the flags: a step that starts later checks them before it runs user code


def _mark_called_here(process: Process, live: list[Process], reason: str) -> None:
    """Mark to die the descendants of ``process`` among ``live`` that run here as processes of their own (submitted
    to the daemon and taken from the queue by this worker: not among their caller's ``children``, which
    ``request_kill`` marks), following in memory the pks that each caller called."""
    callers, marked = [process], {id(process)}
    while callers:
        caller = callers.pop()
        for called in live:
            if id(called) not in marked and called.pk in caller.called_pks:
                marked.add(id(called))
                called.request_kill(reason, via=caller)
                callers.append(called)


def propagate_kills(runtime: Runtime, event: ProcessEvent) -> None:
    """When a process of ``runtime`` ends killed, kill its children that run elsewhere (or wait in the queue)."""
    if event.kind != "state" or event.data.get("new") != "killed":
        return
    reason = event.data.get("reason") or "Killed."
    runtime.broker.spawn(_kill_called_elsewhere(event.pk, reason))


async def _kill_called_elsewhere(pk: int, reason: str) -> None:
    node = load_node(pk)
    assert isinstance(node, ProcessNode)
    message = killed_with_caller(reason, _name(node))
    elsewhere: list[ProcessNode] = []
    for child in node.called:
        if child.is_terminated:
            continue
        if child.process is not None:  # here: killed with it by the engine, unless this worker took it from the queue
            child.process.kill(message)  # then it is killed now
            continue
        elsewhere.append(child)
    # All at once: an owner whose loop is held answers only once it is free, and a child asked after another one's
    # answer could meanwhile start a step (or a body that holds its owner's loop).
    await asyncio.gather(*(_kill_child(node, child, message) for child in elsewhere))


async def _kill_child(node: ProcessNode, child: ProcessNode, message: str) -> None:
    try:
        await steer_async(child, "kill", message)
    except Exception as error:
        _LOGGER.warning("The kill of %s did not reach its child %s: %s", _name(node), _name(child), error)
