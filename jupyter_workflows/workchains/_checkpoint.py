"""Encoding a WorkChain's context as JSON for its checkpoint, and decoding it again. No pickle.

Stored nodes are kept as references (their uuid), unstored data by value; anything else JSON cannot hold makes the
checkpoint unresumable, with the reason recorded, instead of failing the run.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from .._core import AttributeDict, CheckpointError, ExitCode
from ..nodes import Data, Node, load_node
from ..nodes._node import node_class_for

__all__ = ["Unencodable", "decode_context", "encode_context"]


class Unencodable(Exception):
    """A context value that a checkpoint cannot hold; the message names it."""


def encode_context(value: Any, path: str = "ctx") -> Any:
    if value is None or isinstance(value, (bool, int, str)):
        return value
    for kind, encode in _ENCODERS:
        if isinstance(value, kind):
            return encode(value, path)
    raise Unencodable(f"{path} holds a {type(value).__name__}, which a checkpoint cannot store as JSON")


def _encode_float(value: float, path: str) -> Any:
    return value if math.isfinite(value) else {"__float__": repr(value)}


def _encode_node(value: Node, path: str) -> Any:
    if value.pk is not None:
        return {"__node__": value.uuid}
    if isinstance(value, Data):
        return {"__data__": value.node_type, "attributes": value.attributes}
    raise Unencodable(f"{path} holds an unstored process node")


def _encode_sequence(value: list[Any] | tuple[Any, ...], path: str) -> Any:
    items = [encode_context(item, f"{path}[{i}]") for i, item in enumerate(value)]
    return {"__tuple__": items} if isinstance(value, tuple) else items


def _encode_dict(value: dict[Any, Any], path: str) -> Any:
    items = {}
    for key, item in value.items():
        if not isinstance(key, str):
            raise Unencodable(f"{path} has the key {key!r}, which is not a str")
        items[key] = encode_context(item, f"{path}.{key}")
    if isinstance(value, AttributeDict):
        return {"__attrdict__": items}
    if len(items) == 1 and next(iter(items)) in _TAGS:
        return {"__dict__": items}  # a plain dict that would read as a tag
    return items


_ENCODERS: list[tuple[type, Callable[[Any, str], Any]]] = [
    (float, _encode_float),
    (Node, _encode_node),
    (ExitCode, lambda value, _: {"__exit_code__": [value.status, value.message, value.label]}),  # before tuple
    ((list, tuple), _encode_sequence),  # type: ignore[list-item]
    (dict, _encode_dict),
]


def decode_context(value: Any, path: str = "ctx") -> Any:
    try:
        return _decode(value)
    except (KeyError, TypeError, ValueError, IndexError) as error:
        raise CheckpointError(f"The checkpoint's context is corrupted at {path}: {error}") from None


def _decode(value: Any) -> Any:
    if isinstance(value, list):
        return [_decode(item) for item in value]
    if not isinstance(value, dict):
        return value
    if len(value) == 1:
        ((tag, inner),) = value.items()
        if tag in _DECODERS:
            return _DECODERS[tag](inner)
    if "__data__" in value:
        return _unstored_data(value)
    return _decode_items(value)


def _decode_items(value: dict[str, Any]) -> dict[str, Any]:
    return {key: _decode(item) for key, item in value.items()}


def _unstored_data(value: dict[str, Any]) -> Data:
    cls = node_class_for(value["__data__"])
    node = cls.__new__(cls)
    Node.__init__(node)  # a new unstored node: only the value comes back
    node._load_row(_AttributesOnly(value["attributes"]))  # type: ignore[arg-type]
    return node  # type: ignore[return-value]


_DECODERS: dict[str, Callable[[Any], Any]] = {
    "__node__": load_node,
    "__attrdict__": lambda inner: AttributeDict(_decode_items(inner)),
    "__tuple__": lambda inner: tuple(_decode(item) for item in inner),
    "__exit_code__": lambda inner: ExitCode(*inner),
    "__float__": float,
    "__dict__": _decode_items,
}
_TAGS = (*_DECODERS, "__data__")


class _AttributesOnly:
    def __init__(self, attributes: dict[str, Any]) -> None:
        self.attributes = attributes
