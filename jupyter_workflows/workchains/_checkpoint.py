"""Encoding a WorkChain's context as JSON for its checkpoint, and decoding it again. No pickle.

The context goes through the one codec (``_core._codec``) with two extensions: a stored node is kept as a reference,
``{"__node__": uuid}``, and unstored data by value, ``{"__data__": [node_type, attributes]}``. Anything else JSON
cannot hold makes the checkpoint unresumable, with the reason recorded, instead of failing the run.
"""

from __future__ import annotations

from typing import Any

from .._core import CheckpointError, SerializationError, StoreError, UsageError
from .._core._codec import Codec, Extension, UnreadableValue
from ..nodes import Data, Node, load_node

__all__ = ["Unencodable", "decode_context", "encode_context"]


class Unencodable(Exception):
    """A context value that a checkpoint cannot hold; the message names it."""


def encode_context(value: Any, path: str = "ctx") -> Any:
    """The JSON form of a context; raises Unencodable naming the first value that has none."""
    try:
        return _CODEC.encode(value, path)
    except SerializationError as error:
        raise Unencodable(str(error)) from None


def decode_context(value: Any, path: str = "ctx") -> Any:
    """The context ``value`` encodes; raises CheckpointError naming where it is corrupted."""
    try:
        return _CODEC.decode(value, path)
    except UnreadableValue as error:
        raise CheckpointError(f"The checkpoint's context is corrupted: {error}") from None


def _encode_node(node: Node, path: str) -> Any:
    if node.pk is None:
        raise SerializationError(f"{path} holds an unstored {type(node).__name__}, which a checkpoint cannot refer to")
    return node.uuid


def _decode_node(uuid: Any, path: str) -> Node:
    if not isinstance(uuid, str):
        raise UnreadableValue(path, f"holds a node reference that is not a uuid: {uuid!r}")
    return load_node(uuid)


def _encode_unstored_data(node: Data, path: str) -> Any:
    return [node.node_type, node.attributes]


def _decode_unstored_data(payload: Any, path: str) -> Data:
    node_type, attributes = payload
    if not isinstance(node_type, str) or not isinstance(attributes, dict):
        raise UnreadableValue(path, f"holds unstored data that is not [node_type, attributes]: {payload!r}")
    try:
        return Data.from_attributes(node_type, attributes)  # a new unstored node: only the value comes back
    except UsageError:
        raise UnreadableValue(path, f"holds unstored data of the non-data type {node_type!r}") from None
    except StoreError as error:
        raise UnreadableValue(path, f"holds unstored data that cannot be read ({error})") from None


_CODEC = Codec(
    [
        Extension(Data, "__data__", _encode_unstored_data, _decode_unstored_data, when=lambda node: node.pk is None),
        Extension(Node, "__node__", _encode_node, _decode_node),
    ]
)
