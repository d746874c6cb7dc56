"""Wire formats: every JSON document jupyter_workflows writes for another process to read, typed in one place.

Each carries a ``version``; readers refuse versions they do not know instead of guessing. Never pickle.
"""

from __future__ import annotations

from typing import Any, Literal, TypedDict

__all__ = [
    "BROKER_MESSAGE_VERSION",
    "CHECKPOINT_VERSION",
    "MAX_BROKER_MESSAGE_BYTES",
    "AwaitedChild",
    "Checkpoint",
    "ControlReply",
    "ControlRequest",
    "ProcessTask",
    "StateChanged",
]

CHECKPOINT_VERSION = 2  # 2: unstored data is {"__data__": [node_type, attributes]}, one codec


class AwaitedChild(TypedDict):
    key: str  # the ctx key (dotted) the child's node goes to
    pk: int  # the child's process node
    mode: str  # "assign" or "append"


class Checkpoint(TypedDict):
    """A WorkChain's state between two steps, saved after every step but the last (whose end comes next, unless it
    pauses or is handed over first) (table ``checkpoints``)."""

    version: int
    process_class: str  # "module:QualName"; "__main__:X" for a notebook class; "code:<sha256>:X" for stored code
    outline: str  # fingerprint of the compiled outline; resuming with a changed outline is refused
    pc: int  # the next instruction of the compiled outline
    ctx: Any  # the encoded context (see workchains._checkpoint)
    awaiting: list[AwaitedChild]  # children to wait for before going on
    children_until: int  # the highest pk among the children it called so far: later ones belong to the next step
    unresumable: str | None  # why this checkpoint cannot be resumed (a context value that is not storable)


# Messages over the broker (jupyter_workflows.broker): JSON objects, UTF-8, at most MAX_BROKER_MESSAGE_BYTES.
BROKER_MESSAGE_VERSION = 4  # 2: a task names who is notified of its process's end (notify); 3: broadcasts in batches;
# 4: a state change says whether the process is paused (a pause or play is broadcast too)
MAX_BROKER_MESSAGE_BYTES = 1 << 20  # 1 MiB: these messages name things in the store, they never carry data


class ProcessTask(TypedDict):
    """A task: one worker takes it and runs a new process (``launch``) or resumes one (``continue``)."""

    version: int
    kind: Literal["launch", "continue"]
    pk: int  # the process node, already in the store
    store: str  # the identity of the store that pk belongs to (a worker of another store refuses the task)
    notify: str  # the address of the communicator its terminal state's broadcast also goes to ("" for none)


class ControlRequest(TypedDict):
    """An RPC to the runtime that holds a process (its identifier is that runtime's owner id, as the store names it)."""

    version: int
    intent: Literal["pause", "play", "kill", "status"]
    pk: int  # the process
    message: str  # why, in the user's words ("" for none); a kill or pause records it


class ControlReply(TypedDict):
    """The answer to a ControlRequest: a JSON result, or the receiver's error."""

    version: int
    result: Any  # JSON; None when error is set
    error: str | None  # the receiver's exception message
    error_type: str | None  # the receiver's exception class name ("ProcessNotRunningHereError")


class StateChanged(TypedDict):
    """A broadcast on every state change of a process, and on every pause and play (its state again, with ``paused``
    changed), with the subject ``state_changed.<pk>``."""

    version: int
    kind: Literal["state_changed"]
    pk: int
    from_state: str | None  # None for a process that was just created
    to_state: str
    exit_status: int | None  # set once the process terminated
    paused: bool  # whether it is paused after the change
