"""Node: the common base of data and process nodes, the node-type registry and ``load_node``."""

from __future__ import annotations

import os
import time
import weakref
from functools import cached_property
from typing import TYPE_CHECKING, Any, ClassVar

from .._core import UsageError
from .._runtime import get_runtime, on_loop_thread

if TYPE_CHECKING:
    from ..store import LinkType, NodeRow, Store
    from ._base import NodeBase

__all__ = ["Node", "load_node", "node_class_for"]

_NODE_CLASSES: dict[str, type[Node]] = {}
# One Python object per stored node and store, so that every view of a node shows the same live truth.
_IDENTITY: weakref.WeakKeyDictionary[Store, weakref.WeakValueDictionary[int, Node]] = weakref.WeakKeyDictionary()


class Node:
    """A node of the provenance graph. ``pk`` is None until the node is stored."""

    node_type: ClassVar[str] = "node"

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "node_type" not in cls.__dict__:
            prefix = cls.node_type.split(".", 1)[0]
            module = "" if cls.__module__.startswith("jupyter_workflows.") else f"{cls.__module__}."
            cls.node_type = f"{prefix}.{module}{cls.__qualname__}"
        _NODE_CLASSES.setdefault(cls.node_type, cls)

    def __init__(self, *, label: str = "", description: str = "") -> None:
        self._pk: int | None = None
        self._uuid = new_uuid()
        self._store: Store | None = None
        self.label = label
        self.description = description
        self.ctime = time.time()
        self.unstored_extras: dict[str, Any] = {}  # node.base.extras before the node is stored (JSON form)

    @property
    def pk(self) -> int | None:
        return self._pk

    @property
    def uuid(self) -> str:
        return self._uuid

    @property
    def is_stored(self) -> bool:
        return self._pk is not None

    def __hash__(self) -> int:
        return hash(self._uuid)

    @cached_property
    def base(self) -> NodeBase:
        """AiiDA's namespace of the node's less used parts: ``base.links``, ``base.log``, ``base.attributes``,
        ``base.extras``, ``base.caching``."""
        from ._base import NodeBase  # _base builds on every node module, this one included

        return NodeBase(self)

    def __repr__(self) -> str:
        where = f"pk={self._pk}" if self._pk is not None else "unstored"
        return f"<{type(self).__name__}: {where}>"

    # -- loading and storing ------------------------------------------------------------------------------------------
    @classmethod
    def from_row(cls, row: NodeRow, store: Store) -> Node:
        """The node of a stored row (not registered in the identity map: use :func:`node_from_row`)."""
        node = cls.__new__(cls)
        node._pk = row.pk
        node._uuid = row.uuid
        node._store = store
        node.label = row.label
        node.description = row.description
        node.ctime = row.ctime
        node.unstored_extras = {}  # a stored node's extras are read from the store
        node._load_row(row)
        return node

    def _load_row(self, row: NodeRow) -> None:
        """Take over the class-specific columns of a freshly loaded row."""

    def bind(self, store: Store, pk: int) -> None:
        """The node was written to ``store`` as ``pk``: it is stored from now on (one object per stored node)."""
        self._store = store
        self._pk = pk
        nodes = _IDENTITY.get(store)
        if nodes is None:
            nodes = _IDENTITY[store] = weakref.WeakValueDictionary()
        nodes[pk] = self

    def unbind(self) -> None:
        """Back to unstored: the transaction that stored it rolled back."""
        nodes = _IDENTITY.get(self._store) if self._store is not None else None
        if nodes is not None and self._pk is not None:
            nodes.pop(self._pk, None)
        self._pk = None
        self._store = None

    def unstored_links(self, *, incoming: bool) -> list[tuple[Node, LinkType, str]]:
        """(node, link type, label) of links that exist but are not stored yet (see ProcessNode)."""
        return []

    @property
    def provenance_store(self) -> Store:
        """The store this node lives in (for an unstored node: the store it will be written to)."""
        return self._store if self._store is not None else get_runtime().store


def new_uuid() -> str:
    """A random (version 4) UUID as text: what ``str(uuid.uuid4())`` gives, in a quarter of its time (every node
    needs one)."""
    digits = os.urandom(16).hex()
    variant = "89ab"[int(digits[16], 16) & 3]
    return f"{digits[:8]}-{digits[8:12]}-4{digits[13:16]}-{variant}{digits[17:20]}-{digits[20:]}"


def node_class_for(node_type: str) -> type[Node]:
    """The class for a stored node type; unknown data types (a class not defined here, an AiiDA type from an
    archive) load as GenericData, unknown process types as ProcessNode."""
    cls = _NODE_CLASSES.get(node_type)
    if cls is not None:
        return cls
    return _NODE_CLASSES["data.GenericData"] if node_type.startswith("data.") else _NODE_CLASSES["process.ProcessNode"]


def cached_node(store: Store, pk: int) -> Node | None:
    nodes = _IDENTITY.get(store)
    return nodes.get(pk) if nodes is not None else None


def node_from_row(row: NodeRow, store: Store) -> Node:
    node = cached_node(store, row.pk)
    if node is None:
        node = node_class_for(row.node_type).from_row(row, store)
        node.bind(store, row.pk)
    return node


@on_loop_thread
def load_node(
    identifier: int | str | None = None, *, pk: int | None = None, uuid: str | None = None, store: Store | None = None
) -> Node:
    """Load a node by pk, by uuid or by a unique uuid prefix (``load_node(5)``, or AiiDA's ``load_node(pk=5)``,
    ``load_node(uuid=...)``); the same object comes back for the same node."""
    given = [value for value in (identifier, pk, uuid) if value is not None]
    if len(given) != 1:
        raise UsageError(
            f"load_node() takes one of identifier, pk= or uuid= (got {len(given)}): load_node(5), load_node(pk=5) "
            "or load_node(uuid='...')."
        )
    identifier = given[0]
    if isinstance(identifier, Node):
        return identifier
    store = store if store is not None else get_runtime().store
    if isinstance(identifier, int) and not isinstance(identifier, bool):
        node = cached_node(store, identifier)
        if node is not None:
            return node
    elif not isinstance(identifier, str):
        raise UsageError(
            f"load_node() takes a pk (int) or a uuid (str), not {type(identifier).__name__} {identifier!r}."
        )
    return node_from_row(store.get_node(identifier), store)
