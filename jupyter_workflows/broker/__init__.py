"""Messages between kernels and daemon workers: tasks, RPC and broadcasts, over RabbitMQ or in-process.

One protocol, :class:`Communicator`, two implementations run by the same tests: :class:`LocalCommunicator`
(asyncio, one OS process) and :class:`RabbitMQCommunicator` (aio-pika, on a thread of its own). Every queue and
exchange is prefixed by a namespace (the store's identity). Message formats are typed in
:mod:`jupyter_workflows._wire` and made with :func:`process_task`, :func:`control_request` and
:func:`state_changed`.
"""

from .._core import (
    BrokerUnreachableError as BrokerUnreachableError,
    CommunicatorError as CommunicatorError,
    DuplicateSubscriberError as DuplicateSubscriberError,
    MessageError as MessageError,
    RecipientNotFoundError as RecipientNotFoundError,
    RemoteError as RemoteError,
    RpcTimeoutError as RpcTimeoutError,
)
from ._communicator import (
    RPC_TIMEOUT as RPC_TIMEOUT,
    BroadcastHandler as BroadcastHandler,
    Communicator as Communicator,
    ControlHandler as ControlHandler,
    Subscription as Subscription,
    TaskHandler as TaskHandler,
)
from ._connection import Backoff as Backoff
from ._local import LocalBroker as LocalBroker, LocalCommunicator as LocalCommunicator
from ._messages import (
    control_reply as control_reply,
    control_request as control_request,
    decode as decode,
    decode_broadcasts as decode_broadcasts,
    encode as encode,
    encode_broadcasts as encode_broadcasts,
    process_task as process_task,
    state_changed as state_changed,
)
from ._names import Names as Names
from ._rabbitmq import RabbitMQCommunicator as RabbitMQCommunicator, delete_namespace_async as delete_namespace_async
from ._subjects import subject_matches as subject_matches

__all__ = [
    "RPC_TIMEOUT",
    "Backoff",
    "BroadcastHandler",
    "BrokerUnreachableError",
    "Communicator",
    "CommunicatorError",
    "ControlHandler",
    "DuplicateSubscriberError",
    "LocalBroker",
    "LocalCommunicator",
    "MessageError",
    "Names",
    "RabbitMQCommunicator",
    "RecipientNotFoundError",
    "RemoteError",
    "RpcTimeoutError",
    "Subscription",
    "TaskHandler",
    "control_reply",
    "control_request",
    "decode",
    "decode_broadcasts",
    "delete_namespace_async",
    "encode",
    "encode_broadcasts",
    "process_task",
    "state_changed",
    "subject_matches",
]
