"""Encoding a WorkChain's context as JSON for its checkpoint, and decoding it again. No pickle.

Stored nodes are kept as references (their uuid), unstored data by value; anything else JSON cannot hold makes the
checkpoint unresumable, with the reason recorded, instead of failing the run.
"""

from __future__ import annotations

import math
from typing import Any

from .._core import AttributeDict, CheckpointError, ExitCode
from ..nodes import Data, Node, load_node
from ..nodes._node import node_class_for

__all__ = ["Unencodable", "decode_context", "encode_context"]

_TAGS = ("__node__", "__data__", "__attrdict__", "__tuple__", "__exit_code__", "__float__", "__dict__")


class Unencodable(Exception):
    """A context value that a checkpoint cannot hold; the message names it."""


def encode_context(value: Any, path: str = "ctx") -> Any:
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else {"__float__": repr(value)}
    if isinstance(value, Node):
        if value.pk is not None:
            return {"__node__": value.uuid}
        if isinstance(value, Data):
            return {"__data__": value.node_type, "attributes": value.attributes}
        raise Unencodable(f"{path} holds an unstored process node")
    if isinstance(value, ExitCode):
        return {"__exit_code__": [value.status, value.message, value.label]}
    if isinstance(value, tuple):
        return {"__tuple__": [encode_context(item, f"{path}[{i}]") for i, item in enumerate(value)]}
    if isinstance(value, list):
        return [encode_context(item, f"{path}[{i}]") for i, item in enumerate(value)]
    if isinstance(value, dict):
        items = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise Unencodable(f"{path} has the key {key!r}, which is not a str")
            items[key] = encode_context(item, f"{path}.{key}")
        if isinstance(value, AttributeDict):
            return {"__attrdict__": items}
        if len(items) == 1 and next(iter(items)) in _TAGS:
            return {"__dict__": items}
        return items
    raise Unencodable(f"{path} holds a {type(value).__name__}, which a checkpoint cannot store as JSON")


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
        (tag, inner), = value.items()
        if tag == "__node__":
            return load_node(inner)
        if tag == "__attrdict__":
            return AttributeDict({k: _decode(v) for k, v in inner.items()})
        if tag == "__tuple__":
            return tuple(_decode(item) for item in inner)
        if tag == "__exit_code__":
            return ExitCode(*inner)
        if tag == "__float__":
            return float(inner)
        if tag == "__dict__":
            return {k: _decode(v) for k, v in inner.items()}
    if "__data__" in value:
        cls = node_class_for(value["__data__"])
        node = cls.__new__(cls)
        Node.__init__(node)  # a new unstored node: only the value comes back
        node._load_row(_AttributesOnly(value["attributes"]))  # type: ignore[arg-type]
        return node
    return {k: _decode(v) for k, v in value.items()}


class _AttributesOnly:
    def __init__(self, attributes: dict[str, Any]) -> None:
        self.attributes = attributes
