"""``node.base``: AiiDA's namespace of a node's facets (``node.base.caching``, ...)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ._caching import NodeCaching

if TYPE_CHECKING:
    from ._node import Node

__all__ = ["NodeBase"]


class NodeBase:
    """``node.base``: ``caching`` (hash, cache source, whether it may serve as one)."""

    def __init__(self, node: Node) -> None:
        self._node = node

    @property
    def caching(self) -> NodeCaching:
        return NodeCaching(self._node)
