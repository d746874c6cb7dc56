"""Names on the broker: a namespace, RPC identifiers, and the queues and exchanges a namespace owns.

Every name starts with the namespace (the store's identity), so several stores on one broker never see each other's
messages. The names are part of the wire format: kernels and workers of one namespace must agree on them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .._core import UsageError

__all__ = ["Names", "check_identifier", "check_namespace"]

_NAMESPACE = re.compile(r"[A-Za-z0-9_.:\-]{1,200}")
_IDENTIFIER = re.compile(r"[A-Za-z0-9_\-]{1,40}")


def check_namespace(namespace: object) -> str:
    """``namespace`` if it can prefix queue names (1 to 200 of letters, digits, ``_ . : -``); else UsageError."""
    if not isinstance(namespace, str) or not _NAMESPACE.fullmatch(namespace):
        raise UsageError(
            f"Broker namespace {namespace!r} is not valid: use 1 to 200 letters, digits, '_', '.', ':' or '-' "
            "(for example 'jw-' and the store's identity)."
        )
    return namespace


def check_identifier(identifier: object) -> str:
    """``identifier`` if it can name an RPC receiver (1 to 40 letters, digits, ``_``, ``-``: a pk); else UsageError."""
    if not isinstance(identifier, str) or not _IDENTIFIER.fullmatch(identifier):
        raise UsageError(
            f"RPC identifier {identifier!r} is not valid: use 1 to 40 letters, digits, '_' or '-' "
            "(a process's pk as a string, for example '42')."
        )
    return identifier


@dataclass(frozen=True)
class Names:
    """The queues and exchanges of one namespace on a RabbitMQ broker."""

    namespace: str

    @property
    def tasks(self) -> str:
        """The durable task queue (one of its consumers takes each task)."""
        return f"{self.namespace}.tasks"

    @property
    def rpc_exchange(self) -> str:
        """The direct exchange RPC requests go through, routed by identifier."""
        return f"{self.namespace}.rpc"

    def rpc_queue(self, identifier: str) -> str:
        """The exclusive queue of the one holder of ``identifier``."""
        return f"{self.namespace}.rpc.{identifier}"

    def reply_queue(self, communicator_id: str) -> str:
        """The exclusive queue one communicator gets its RPC replies on."""
        return f"{self.namespace}.reply.{communicator_id}"

    @property
    def broadcast_exchange(self) -> str:
        """The topic exchange broadcasts go through, routed by subject."""
        return f"{self.namespace}.broadcast"

    def broadcast_queue(self, communicator_id: str) -> str:
        """The exclusive queue one communicator gets its broadcasts on."""
        return f"{self.namespace}.broadcast.{communicator_id}"

    @staticmethod
    def address(communicator_id: str) -> str:
        """The routing key that reaches one communicator's broadcast queue, whatever it subscribed to: a broadcast
        sent to it carries this key in its ``BCC`` header (RabbitMQ's sender-selected distribution). The id is the
        communicator's own, or that of the kernel or worker it serves (its owner id: both keys reach it)."""
        return f"to.{communicator_id}"

    @property
    def dead_letter_exchange(self) -> str:
        """Where rejected messages of every queue of the namespace go."""
        return f"{self.namespace}.dead-letter"

    @property
    def dead_letters(self) -> str:
        """The durable queue that keeps rejected messages for inspection (bounded: the oldest are dropped)."""
        return f"{self.namespace}.dead-letters"
