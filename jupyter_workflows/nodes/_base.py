"""``node.base``: AiiDA's namespace of a node's less used parts, ``links``, ``log``, ``attributes``, ``extras``
and ``caching``.

Each part is one ``cached_property`` of :class:`NodeBase`, made on first use; adding a part is adding one more.
"""

from __future__ import annotations

from functools import cached_property
from typing import Any

from ._caching import NodeCaching
from ._data import Data, Dict, List
from ._extras import NodeExtras
from ._generic import GenericData
from ._keyed import NamedValues
from ._links import NodeLinks
from ._log import NodeLog
from ._node import Node
from ._process_node import ProcessNode

__all__ = ["NodeAttributes", "NodeBase"]


class NodeBase:
    """The ``base`` namespace of a node: ``node.base.links``, ``.log``, ``.attributes``, ``.extras``, ``.caching``."""

    def __init__(self, node: Node) -> None:
        self._node = node

    def __repr__(self) -> str:
        return f"<NodeBase of {self._node!r}>"

    @cached_property
    def links(self) -> NodeLinks:
        return NodeLinks(self._node)

    @cached_property
    def log(self) -> NodeLog:
        return NodeLog(self._node)

    @cached_property
    def attributes(self) -> NodeAttributes:
        return NodeAttributes(self._node)

    @cached_property
    def extras(self) -> NodeExtras:
        return NodeExtras(self._node)

    @cached_property
    def caching(self) -> NodeCaching:
        return NodeCaching(self._node)


class NodeAttributes(NamedValues):
    """A node's attributes as AiiDA names them, read-only: ``get(key, default)``, ``all``, ``keys()``, ``items()``.
    A data node has its ``value`` (a Dict its keys, a List its ``list``); a process node its process columns
    (``process_state``, ``exit_status``, ``exit_message``, ...)."""

    noun = "attribute"

    @property
    def all(self) -> dict[str, Any]:
        """Every attribute (a copy)."""
        node = self._node
        if isinstance(node, ProcessNode):
            return node.attribute_values()
        if isinstance(node, GenericData):
            return node.attributes
        if isinstance(node, Dict):
            return dict(node.value)
        if isinstance(node, List):
            return {"list": list(node.value)}
        if isinstance(node, Data):
            return {"value": node.value}
        return {}
