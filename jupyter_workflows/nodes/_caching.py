"""Node hashes, and ``node.base.caching`` (AiiDA's ``NodeCaching``): a node's hash, where a cached run took its result
from, and whether a finished calculation may serve as a cache source.

A data node's hash covers its type and content; a process node's hash covers its type, its process's code (for a
process function, the function's source) and its inputs' hashes by link label. Equal hashes: the same code on the same
inputs, so a finished calculation of that hash holds the result a new run would compute.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from .._core import UsageError

if TYPE_CHECKING:
    from .._core import Process
    from ..store import NodeRow
    from ._node import Node
    from ._process_node import ProcessNode

__all__ = ["NodeCaching", "content_hash", "keeps_cache", "process_hash"]

CACHED_FROM = "cached_from"
"""The process node attribute that holds the uuid of the cache source of a run taken from the cache."""


def content_hash(node_type: str, attributes: Mapping[str, Any]) -> str:
    """The hash of a data node: its type and its stored attributes (canonical JSON: key order does not matter)."""
    text = json.dumps(attributes, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(f"{node_type}\0{text}".encode()).hexdigest()


def process_hash(node_type: str, code: str, inputs: Iterable[tuple[str, str]]) -> str:
    """The hash of a process node: its type, its code's digest, and (link label, hash) of each input."""
    parts = [node_type, code, *(f"{label}\1{digest}" for label, digest in sorted(inputs))]
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()


def keeps_cache(process: Process | None, exit_status: int | None) -> bool:
    """Whether a run that finished with ``exit_status`` may serve as a cache source: exit status 0, or an exit code
    whose ``invalidates_cache`` is False (as returned, and as the process's spec declares that status)."""
    if not exit_status:
        return True
    if process is None:
        return False
    returned = process.exit_code
    if returned is not None and returned.invalidates_cache:
        return False
    try:
        declared = process.spec().exit_codes(exit_status)
    except UsageError:  # a status the spec does not declare
        return True
    return not declared.invalidates_cache


class NodeCaching:
    """``node.base.caching``: the caching side of a node, as AiiDA's ``NodeCaching``."""

    def __init__(self, node: Node) -> None:
        self._node = node

    def __repr__(self) -> str:
        return f"<NodeCaching of {self._node!r}>"

    def get_hash(self) -> str | None:
        """The node's hash: for data of its type and content, for a process of its code and its inputs' hashes
        (None for a process not stored yet, or stored before this version of jupyter_workflows)."""
        from ._data import Data

        if isinstance(self._node, Data):
            return self._node.content_hash()
        row = self._row()
        return row.hash if row is not None else None

    def get_cache_source(self) -> str | None:
        """The uuid of the process this run was taken from (it was cached), or None (it ran)."""
        row = self._row()
        if row is None or not row.node_type.startswith("process."):
            return None
        source = row.attributes.get(CACHED_FROM)
        return str(source) if source is not None else None

    @property
    def is_created_from_cache(self) -> bool:
        """Whether this run was taken from the cache instead of running."""
        return self.get_cache_source() is not None

    @property
    def is_valid_cache(self) -> bool:
        """Whether this node may serve as a cache source: a calculation that finished with exit status 0 (or an
        exit code whose ``invalidates_cache`` is False), unless set to False."""
        row = self._row()
        return row is not None and row.cache_valid is True

    @is_valid_cache.setter
    def is_valid_cache(self, valid: bool) -> None:
        """Withdraw a finished calculation from serving as a cache source (False), or let it again (True)."""
        if not isinstance(valid, bool):
            raise UsageError(f"is_valid_cache takes True or False, not {type(valid).__name__} {valid!r}.")
        node = self._process_node("is_valid_cache")
        row = self._row()
        if row is None or not row.sealed:
            raise UsageError(
                f"{node!r} has not terminated yet: set is_valid_cache once it has (jw.wait(node) waits for it)."
            )
        if row.cache_valid is None:
            if not valid:
                return  # it never was a cache source
            raise UsageError(
                f"{node!r} cannot serve as a cache source: only a calculation (calcfunction) that finished with "
                "exit status 0, or with an exit code declared with invalidates_cache=False, can."
            )
        node.provenance_store.set_cache_valid(_stored_pk(node), valid)

    def get_all_same_nodes(self) -> list[Node]:
        """Every stored process of the same type and hash that may serve as a cache source, oldest first (this node
        too, if it may)."""
        from ._node import node_from_row

        node = self._process_node("get_all_same_nodes()")
        row = self._row()
        if row is None or row.hash is None or not node.cachable:
            return []
        store = node.provenance_store
        return [node_from_row(same, store) for same in store.cache_sources(row.hash, row.node_type)]

    def _get_same_node(self) -> Node | None:
        """The oldest of :meth:`get_all_same_nodes`, the one a new run with this hash would be taken from."""
        same = self.get_all_same_nodes()
        return same[0] if same else None

    def _row(self) -> NodeRow | None:
        """The node's row as stored now (None while unstored): ``cache_valid`` changes even after a node is sealed."""
        pk = self._node.pk
        return self._node.provenance_store.get_node(pk) if pk is not None else None

    def _process_node(self, what: str) -> ProcessNode:
        from ._process_node import ProcessNode

        node = self._node
        if not isinstance(node, ProcessNode):
            raise UsageError(f"{what} is about process nodes; {node!r} is data, which is never a cache source.")
        return node


def _stored_pk(node: Node) -> int:
    pk = node.pk
    if pk is None:
        raise UsageError(f"{node!r} is not stored.")
    return pk
