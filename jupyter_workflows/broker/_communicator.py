"""The Communicator protocol: the three kinds of messages process hosts and clients exchange, whatever carries them.

- **Tasks** (``launch``/``continue`` a process): each goes to exactly one of the task subscribers of the namespace;
  a task sent while nobody subscribes waits in a durable queue. A task counts as taken when the handler *returns*:
  a handler takes ownership (claims the process in the store) and returns, it does not run the process. A handler
  that raises gives the task back once; a second failure dead-letters it.
- **RPC** to an identifier (the owner id of the runtime that holds a process): the one holder of the identifier
  answers; nobody holding it is a :class:`RecipientNotFoundError` at once, a holder that does not answer in time an
  :class:`RpcTimeoutError`, a handler that raises a :class:`RemoteError`.
- **Broadcasts** (``state_changed``, subject ``state_changed.<pk>``): every subscriber whose pattern matches gets
  it (``state_changed.*``: all). Fire and forget: a broadcast nobody listens to is dropped. A broadcast may also be
  sent *to* one communicator (its :attr:`~Communicator.address`): then its *addressed* subscriptions get it too.
  These bind nothing on the broker, so they cost nothing to make and stop: the way to wait for the end of a process
  whose task named this communicator's address (a submitter waiting for what it submitted).

Handlers are coroutine functions; each runs on the event loop that subscribed it, whatever thread received the
message. Messages are checked on the way out and on the way in (:mod:`._messages`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from .._wire import ControlRequest, ProcessTask, StateChanged

__all__ = [
    "RPC_TIMEOUT",
    "BroadcastHandler",
    "Communicator",
    "ControlHandler",
    "Subscription",
    "TaskHandler",
]

RPC_TIMEOUT = 10.0
"""Seconds an RPC waits for its answer by default."""

TaskHandler = Callable[[ProcessTask], Awaitable["bool | None"]]  # False: declined, the task goes back to the queue
ControlHandler = Callable[[ControlRequest], Awaitable[Any]]  # returns a JSON value, the RPC's result
BroadcastHandler = Callable[[StateChanged], Awaitable[None]]


@dataclass(frozen=True)
class Subscription:
    """What a subscribe call returns; pass it to ``unsubscribe_async``."""

    kind: Literal["task", "rpc", "broadcast"]
    key: str  # the RPC identifier, or a unique id for task and broadcast subscriptions


class Communicator(Protocol):
    """Tasks, RPC and broadcasts within one namespace. Implementations: LocalCommunicator (in-process, asyncio only)
    and RabbitMQCommunicator (RabbitMQ, on a thread of its own)."""

    @property
    def namespace(self) -> str:
        """The prefix of every queue and exchange (the store's identity): other namespaces see nothing of this one."""
        ...

    @property
    def address(self) -> str:
        """Where a broadcast sent ``to`` this communicator goes (unique within the namespace)."""
        ...

    async def send_task_async(self, task: ProcessTask) -> None:
        """Queue ``task`` durably for one task subscriber (now or later)."""
        ...

    async def subscribe_tasks_async(self, handler: TaskHandler) -> Subscription:
        """Take tasks with ``handler`` (on the calling loop) from now on, in turn with the namespace's other
        subscribers. A task is done with once the handler returned; if it returns False, it declined the task,
        which goes back to the queue for any subscriber (this one too, while it stays subscribed). A handler that
        raises gets the task once more; if it raises again, the task is dead-lettered."""
        ...

    async def waiting_tasks_async(self) -> int:
        """How many tasks wait in the namespace's queue, not given to any subscriber yet."""
        ...

    async def rpc_async(self, identifier: str, request: ControlRequest, *, timeout: float = RPC_TIMEOUT) -> Any:
        """Send ``request`` to the holder of ``identifier`` and return its answer."""
        ...

    async def serve_rpc_async(self, identifier: str, handler: ControlHandler) -> Subscription:
        """Answer the RPCs to ``identifier`` with ``handler``; DuplicateSubscriberError if someone holds it already."""
        ...

    async def broadcast_async(self, message: StateChanged, *, to: str = "") -> None:
        """Send ``message`` to every subscriber whose pattern matches its subject; and, if ``to`` is the
        :attr:`address` of a communicator, to that communicator (its addressed subscriptions that match get it)."""
        ...

    async def subscribe_broadcasts_async(
        self, pattern: str, handler: BroadcastHandler, *, addressed: bool = False
    ) -> Subscription:
        """Get the broadcasts whose subject matches ``pattern`` (``*``: one word, ``#``: any number). ``addressed``:
        only those that reach this communicator anyway (sent to its :attr:`address`, or bound by another of its
        subscriptions), with no binding of its own on the broker."""
        ...

    async def unsubscribe_async(self, subscription: Subscription) -> None:
        """Stop a subscription (an unknown or already stopped one is ignored)."""
        ...

    async def close_async(self) -> None:
        """Stop every subscription and release the connection; sending afterwards raises CommunicatorError."""
        ...
