"""Data nodes: Int, Float, Str, Bool, List, Dict, and ``to_node``, which wraps plain Python values into them.

Data nodes compare equal to the plain values they hold, format like them (``f"{Float(x):.2f}"``), and Int/Float take
part in arithmetic like numbers (``Int(x + y)`` and ``self.inputs.n - 1`` work, as with AiiDA's base types). numpy
scalars are accepted wherever the Python scalars they hold are. A stored node never changes.

Values are stored through the one JSON codec (``_core._codec``), which tags non-finite floats and escapes dicts that
would read as tags.
"""

from __future__ import annotations

import copy
import enum
import numbers
import operator
import sys
from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, ClassVar

from .._core import SerializationError, StoreError, UsageError
from .._core._codec import PLAIN, UnreadableValue
from ._caching import content_hash
from ._node import Node, node_class_for

if TYPE_CHECKING:
    from ..store import NodeRow, Store

__all__ = ["Bool", "Data", "Dict", "Float", "Int", "List", "Str", "get_false_node", "get_true_node", "to_node"]


# The hashes of small scalar values (a re-run cell hashes the same few inputs again and again), by node type and value;
# exact types only (True == 1, but Bool(True) and Int(1) differ), no floats (0.0 == -0.0, but they are stored apart).
_MEMO_TYPES = (int, str, bool)
_SCALAR_HASHES: dict[tuple[str, type, Any], str] = {}
_SCALAR_HASHES_KEPT = 4096
_MEMO_STR_LENGTH = 200


class Data(Node):
    """A data node: a value in the provenance graph. Subclasses hold ``value``; ``creator`` is the process that
    made it (None for data made by hand)."""

    node_type = "data.Data"
    plain_type: ClassVar[type | None] = None
    _hash: str | None = None  # of its content, once computed (a mutation of an unstored node clears it)

    def __init__(self, value: Any = None, *, label: str = "", description: str = "") -> None:
        super().__init__(label=label, description=description)
        self._value = self._coerce(value.value if isinstance(value, Data) else value)

    @classmethod
    def from_row(cls, row: NodeRow, store: Store) -> Node:
        node = super().from_row(row, store)
        if isinstance(node, Data):
            node._hash = row.hash  # computed when it was stored (None in a store from before hashes)
        return node

    def content_hash(self, attributes: dict[str, Any] | None = None) -> str:
        """The hash of this node's type and content (``node.base.caching.get_hash()``); ``attributes``: what
        :attr:`attributes` gives, if the caller has it already. Equal content, equal hash."""
        if self._hash is None:
            key = self._memo_key()
            found = _SCALAR_HASHES.get(key) if key is not None else None
            if found is None:
                found = content_hash(self.node_type, self.attributes if attributes is None else attributes)
                if key is not None and len(_SCALAR_HASHES) < _SCALAR_HASHES_KEPT:
                    _SCALAR_HASHES[key] = found
            self._hash = found
        return self._hash

    def _coerce(self, value: Any) -> Any:
        return value

    def _memo_key(self) -> tuple[str, type, Any] | None:
        """What the hash of a small scalar node is remembered under, when its stored content is its value alone."""
        value = self._value
        kind = type(value)
        if kind not in _MEMO_TYPES or type(self).attributes is not Data.attributes:
            return None
        if kind is str and len(value) > _MEMO_STR_LENGTH:
            return None
        return (self.node_type, kind, value)

    @property
    def value(self) -> Any:
        return self._value

    @property
    def attributes(self) -> dict[str, Any]:
        """What is stored for this node."""
        return {"value": PLAIN.encode(self._value)}

    @classmethod
    def from_attributes(cls, node_type: str, attributes: dict[str, Any], *, hash: str | None = None) -> Data:
        """A new, unstored data node of ``node_type`` holding what ``attributes`` (as stored) describe; ``hash``: their
        content hash, if known (a clone's is its original's). Raises StoreError if they cannot be read, and
        UsageError for a node type that is not data."""
        target = node_class_for(node_type)
        if not issubclass(target, Data):
            raise UsageError(f"{node_type!r} is not a data node type")
        node = target.__new__(target)
        Node.__init__(node)
        node._load_row(_AttributesOnly(attributes, node_type))
        node._hash = hash
        return node

    def _load_row(self, row: Any) -> None:
        try:
            self._value = PLAIN.decode(row.attributes.get("value"))
        except UnreadableValue as error:
            name = type(self).__name__
            where = f"{name}<{self._pk}>" if self._pk is not None else f"an unstored {name}"
            raise StoreError(
                f"The stored value of {where} cannot be read: {error}. It was written by a newer jupyter_workflows "
                "or changed by hand; read it with that version, or delete the node."
            ) from None

    def store(self) -> Data:
        """Store this node (no-op if already stored) and return it."""
        if self._pk is None:
            from ._storing import store_nodes

            store_nodes([self])
        return self

    @property
    def creator(self) -> Node | None:
        """The calculation that created this node, or None."""
        if self._pk is None:
            return None
        from ._links import creator_of

        return creator_of(self)

    def _check_mutable(self) -> None:
        self._hash = None
        if self._pk is not None:
            raise StoreError(
                f"{type(self).__name__}<{self._pk}> is stored and cannot change; make a new node instead, "
                f"e.g. {type(self).__name__}(...)."
            )

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Data):
            return bool(self.value == other.value)
        return bool(self.value == other)

    __hash__ = Node.__hash__

    def __repr__(self) -> str:
        where = f"pk={self._pk}" if self._pk is not None else "unstored"
        return f"<{type(self).__name__}: {where} value={self._value!r}>"

    def __str__(self) -> str:
        return str(self._value)

    def __format__(self, format_spec: str) -> str:
        return format(self._value, format_spec)


def _binary(op: Callable[[Any, Any], Any], reflected: bool = False) -> Callable[[Data, Any], Any]:
    def method(self: Data, other: Any) -> Any:
        other_value = other.value if isinstance(other, Data) else other
        if not isinstance(other_value, numbers.Number):
            return NotImplemented
        result = op(other_value, self.value) if reflected else op(self.value, other_value)
        return to_node(result)

    return method


def _compare(op: Callable[[Any, Any], bool]) -> Callable[[Data, Any], Any]:
    def method(self: Data, other: Any) -> Any:
        other_value = other.value if isinstance(other, Data) else other
        try:
            return op(self.value, other_value)
        except TypeError:
            return NotImplemented

    return method


class NumericType(Data):
    """Int and Float: arithmetic gives new (unstored) nodes, comparisons give plain bools."""

    node_type = "data.NumericType"

    __add__, __radd__ = _binary(operator.add), _binary(operator.add, True)
    __sub__, __rsub__ = _binary(operator.sub), _binary(operator.sub, True)
    __mul__, __rmul__ = _binary(operator.mul), _binary(operator.mul, True)
    __truediv__, __rtruediv__ = _binary(operator.truediv), _binary(operator.truediv, True)
    __floordiv__, __rfloordiv__ = _binary(operator.floordiv), _binary(operator.floordiv, True)
    __mod__, __rmod__ = _binary(operator.mod), _binary(operator.mod, True)
    __pow__, __rpow__ = _binary(operator.pow), _binary(operator.pow, True)
    __lt__, __le__ = _compare(operator.lt), _compare(operator.le)
    __gt__, __ge__ = _compare(operator.gt), _compare(operator.ge)
    __hash__ = Data.__hash__

    def __neg__(self) -> Data:
        return to_node(-self.value)

    def __abs__(self) -> Data:
        return to_node(abs(self.value))

    def __int__(self) -> int:
        return int(self.value)

    def __float__(self) -> float:
        return float(self.value)

    def __bool__(self) -> bool:
        return bool(self.value)

    def __round__(self, ndigits: int | None = None) -> Any:
        return round(self.value, ndigits)


class Int(NumericType):
    """An integer."""

    node_type = "data.Int"
    plain_type = int

    def __init__(self, value: Any = 0, **kwargs: Any) -> None:
        super().__init__(value, **kwargs)

    def _coerce(self, value: Any) -> int:
        value = python_scalar(value)
        if isinstance(value, bool) or not isinstance(value, numbers.Integral):
            raise SerializationError(_wrong_value("Int", "an integer", value, "Int(3)"))
        return int(value)

    def __index__(self) -> int:
        return int(self.value)


class Float(NumericType):
    """A floating-point number."""

    node_type = "data.Float"
    plain_type = float

    def __init__(self, value: Any = 0.0, **kwargs: Any) -> None:
        super().__init__(value, **kwargs)

    def _coerce(self, value: Any) -> float:
        value = python_scalar(value)
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise SerializationError(_wrong_value("Float", "a real number", value, "Float(2.5)"))
        return float(value)


class Bool(Data):
    """True or False."""

    node_type = "data.Bool"
    plain_type = bool

    def __init__(self, value: Any = False, **kwargs: Any) -> None:
        super().__init__(value, **kwargs)

    def _coerce(self, value: Any) -> bool:
        value = python_scalar(value)
        if not isinstance(value, (bool, numbers.Integral)) or value not in (0, 1):
            raise SerializationError(_wrong_value("Bool", "True or False", value, "Bool(True)"))
        return bool(value)

    def __bool__(self) -> bool:
        return self.value  # type: ignore[no-any-return]

    __hash__ = Data.__hash__


def get_true_node() -> Bool:
    """A new, unstored ``Bool(True)``: AiiDA's ``aiida.orm.nodes.data.bool.get_true_node``, for code written
    against it. Each call gives a node of its own, as AiiDA's does (a shared node would be stored by its first use)."""
    return Bool(True)


def get_false_node() -> Bool:
    """A new, unstored ``Bool(False)``: AiiDA's ``get_false_node``; see :func:`get_true_node`."""
    return Bool(False)


class Str(Data):
    """A string."""

    node_type = "data.Str"
    plain_type = str

    def __init__(self, value: Any = "", **kwargs: Any) -> None:
        super().__init__(value, **kwargs)

    def _coerce(self, value: Any) -> str:
        value = python_scalar(value)
        if not isinstance(value, str):
            raise SerializationError(_wrong_value("Str", "a str", value, "Str('text')"))
        return value

    def __len__(self) -> int:
        return len(self.value)

    def __contains__(self, item: object) -> bool:
        return item in self.value

    def __add__(self, other: Any) -> Str:
        return Str(self.value + (other.value if isinstance(other, Str) else other))

    def __radd__(self, other: Any) -> Str:
        return Str(other + self.value)

    __hash__ = Data.__hash__


class List(Data):
    """A list of plain JSON values (numbers, strings, booleans, None, lists and dicts of those)."""

    node_type = "data.List"
    plain_type = list

    def __init__(self, value: Any = None, **kwargs: Any) -> None:
        super().__init__([] if value is None else value, **kwargs)

    def _coerce(self, value: Any) -> list[Any]:
        if not isinstance(value, (list, tuple)):
            raise SerializationError(
                f"List needs a list or tuple, got {type(value).__name__} {_short(value)}; pass e.g. List([1, 2]) "
                "(list(...) turns other iterables into a list)"
            )
        return [_plain(item, f"[{i}]") for i, item in enumerate(value)]

    @property
    def value(self) -> list[Any]:
        return copy.deepcopy(self._value)

    def get_list(self) -> list[Any]:
        return self.value

    def __getitem__(self, index: Any) -> Any:
        return copy.deepcopy(self._value[index])

    def __len__(self) -> int:
        return len(self._value)

    def __iter__(self) -> Iterator[Any]:
        return iter(self.value)

    def __contains__(self, item: object) -> bool:
        return item in self._value

    def append(self, item: Any) -> None:
        self._check_mutable()
        self._value.append(_plain(item, f"[{len(self._value)}]"))

    def extend(self, items: Any) -> None:
        for item in items:
            self.append(item)

    __hash__ = Data.__hash__


class Dict(Data):
    """A dictionary with string keys and plain JSON values."""

    node_type = "data.Dict"
    plain_type = dict

    def __init__(self, value: Any = None, **kwargs: Any) -> None:
        if value is None and "dict" in kwargs:  # AiiDA's spelling: Dict(dict={...})
            value = kwargs.pop("dict")
        super().__init__({} if value is None else value, **kwargs)

    def _coerce(self, value: Any) -> dict[str, Any]:
        if not isinstance(value, Mapping):
            raise SerializationError(
                f"Dict needs a dict, got {type(value).__name__} {_short(value)}; pass e.g. Dict({{'a': 1}})"
            )
        return _plain(dict(value), "")  # type: ignore[no-any-return]

    @property
    def value(self) -> dict[str, Any]:
        return copy.deepcopy(self._value)

    def get_dict(self) -> dict[str, Any]:
        return self.value

    @property
    def dict(self) -> Any:
        from .._core import AttributeDict

        return AttributeDict(self.value)

    def __getitem__(self, key: str) -> Any:
        return copy.deepcopy(self._value[key])

    def __setitem__(self, key: str, item: Any) -> None:
        self._check_mutable()
        self._value[key] = _plain(item, f"[{key!r}]")

    def get(self, key: str, default: Any = None) -> Any:
        return copy.deepcopy(self._value.get(key, default))

    def keys(self) -> Any:
        return self._value.keys()

    def items(self) -> Any:
        return self.value.items()

    def values(self) -> Any:
        return self.value.values()

    def __len__(self) -> int:
        return len(self._value)

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._value))

    def __contains__(self, key: object) -> bool:
        return key in self._value

    __hash__ = Data.__hash__


_PLAIN_TO_NODE: list[tuple[type, type[Data]]] = [
    (bool, Bool),
    (numbers.Integral, Int),
    (numbers.Real, Float),
    (str, Str),
    (list, List),
    (tuple, List),
    (Mapping, Dict),
]


def to_node(value: Any) -> Data:
    """Wrap a plain Python value into a new data node; data nodes pass through unchanged.

    bool -> Bool, int -> Int, float -> Float, str -> Str, list/tuple -> List, dict -> Dict, a numpy array ->
    ArrayData, an enum member -> EnumData. Anything else raises
    SerializationError saying what would work.
    """
    if isinstance(value, Data):
        return value
    if isinstance(value, Node):
        raise SerializationError(f"{value!r} is a process node, not data; pass its outputs instead")
    value = python_scalar(value)
    for plain, node_class in _PLAIN_TO_NODE:
        if isinstance(value, plain):
            return node_class(value)
    if is_numpy_array(value):
        from ._array import ArrayData

        return ArrayData(value)
    if isinstance(value, enum.Enum):  # after int and str: an IntEnum member is an Int, as in AiiDA
        from ._enum import EnumData

        return EnumData(value)
    raise SerializationError(
        f"got {type(value).__name__} {_short(value)}, which cannot be stored; pass an int, float, str, bool, list, "
        "dict, enum member or numpy array, or a data node such as Int(...)"
    )


def _plain(value: Any, path: str) -> Any:
    """A JSON-storable copy of ``value``; raises SerializationError naming the offending element.

    Data nodes inside (``Dict({"a": Int(1)})``) contribute their plain value.
    """
    if isinstance(value, Data):
        value = value.value
    if is_numpy_array(value):
        value = value.tolist()
    value = python_scalar(value)
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        return float(value)
    if isinstance(value, (list, tuple)):
        return [_plain(item, f"{path}[{i}]") for i, item in enumerate(value)]
    if isinstance(value, Mapping):
        result = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise SerializationError(
                    f"key {key!r} ({type(key).__name__}) at {path or 'top level'} is not a str; use str keys, "
                    f"e.g. {str(key)!r}"
                )
            result[key] = _plain(item, f"{path}[{key!r}]")
        return result
    where = f" at {path}" if path else ""
    raise SerializationError(
        f"{type(value).__name__} {_short(value)}{where} cannot be stored; use numbers, strings, booleans, None, "
        "lists and dicts"
    )


def is_numpy_array(value: Any) -> bool:
    """True for a numpy.ndarray, without importing numpy when nobody else did."""
    return type(value).__module__ == "numpy" and type(value).__name__ == "ndarray"


def python_scalar(value: Any) -> Any:
    """A numpy scalar (``np.True_``, ``np.int64(3)``, ``np.float32(0.5)``) as the Python value it holds; anything else
    unchanged. numpy is not imported: a numpy scalar exists only if someone already did."""
    if type(value).__module__ == "numpy":
        numpy = sys.modules.get("numpy")
        if numpy is not None and isinstance(value, numpy.generic):
            return value.item()
    return value


def _wrong_value(node_class: str, expected: str, value: Any, example: str) -> str:
    message = f"{node_class} needs {expected}, got {type(value).__name__} {_short(value)}; pass e.g. {example}"
    parse = _PARSERS.get(node_class)
    if isinstance(value, str) and parse is not None and _parses(parse, value):
        message += f", or convert the text first: {node_class}({parse.__name__}({_short(value)}))"
    return message


_PARSERS: dict[str, type] = {"Int": int, "Float": float}


def _parses(parse: type, text: str) -> bool:
    try:
        parse(text)
    except ValueError:
        return False
    return True


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 50 else text[:47] + "..."


class _AttributesOnly:
    """What ``_load_row`` reads of a row, for a node made from attributes alone."""

    def __init__(self, attributes: dict[str, Any], node_type: str) -> None:
        self.attributes = attributes
        self.node_type = node_type
