"""Writing new nodes: pks are handed out only for rows that really reached the store."""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING

from .._runtime import get_runtime
from ..store import EXTRAS, NodeRow
from ._data import Data
from ._node import Node

if TYPE_CHECKING:
    from ..store import Store

__all__ = ["node_row", "store_nodes", "unassign_on_failure"]


def node_row(node: Node, **columns: object) -> NodeRow:
    now = time.time()
    attributes = getattr(node, "attributes", {})
    if isinstance(node, Data):
        columns.setdefault("hash", node.content_hash(attributes))
    if node.unstored_extras:  # after the hash: extras are no part of the content
        attributes = {**attributes, EXTRAS: dict(node.unstored_extras)}
    return NodeRow(
        pk=0,
        uuid=node.uuid,
        node_type=node.node_type,
        label=node.label,
        description=node.description,
        ctime=node.ctime,
        mtime=now,
        attributes=attributes,
        **columns,  # type: ignore[arg-type]
    )


def store_nodes(nodes: Sequence[Node], store: Store | None = None) -> None:
    """Store the unstored ``nodes`` in one statement; already stored ones are skipped."""
    store = store if store is not None else get_runtime().store
    new = [node for node in nodes if node.pk is None]
    if not new:
        return
    with unassign_on_failure(new), store.transaction():
        pks = store.insert_nodes([node_row(node) for node in new])
        for node, pk in zip(new, pks, strict=True):
            node.bind(store, pk)


@contextmanager
def unassign_on_failure(nodes: Sequence[Node]) -> Iterator[None]:
    """If the block fails (and its transaction rolls back), the nodes go back to unstored."""
    try:
        yield
    except BaseException:
        for node in nodes:
            node.unbind()
        raise
