"""Wire formats: every JSON document jupyter_workflows writes for another process to read, typed in one place.

Each carries a ``version``; readers refuse versions they do not know instead of guessing. Never pickle.
"""

from __future__ import annotations

from typing import Any, TypedDict

__all__ = ["CHECKPOINT_VERSION", "AwaitedChild", "Checkpoint"]

CHECKPOINT_VERSION = 2  # 2: unstored data is {"__data__": [node_type, attributes]}, one codec


class AwaitedChild(TypedDict):
    key: str  # the ctx key (dotted) the child's node goes to
    pk: int  # the child's process node
    mode: str  # "assign" or "append"


class Checkpoint(TypedDict):
    """A WorkChain's state between two steps, saved after every step (table ``checkpoints``)."""

    version: int
    process_class: str  # "module:QualName"; "__main__:X" for a class defined in a notebook
    outline: str  # fingerprint of the compiled outline; resuming with a changed outline is refused
    pc: int  # the next instruction of the compiled outline
    ctx: Any  # the encoded context (see workchains._checkpoint)
    awaiting: list[AwaitedChild]  # children to wait for before going on
    children_until: int  # the highest pk among the children it called so far: later ones belong to the next step
    unresumable: str | None  # why this checkpoint cannot be resumed (a context value that is not storable)
