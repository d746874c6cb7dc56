"""The one JSON codec: how data-node values and checkpoint contexts are written to the store and read back.

Plain JSON values (None, bool, int, float, str, lists, dicts with str keys) are written as they are. Everything else
is a *tag*: a dict with exactly one key of the form ``__name__`` whose value is the tag's payload::

    {"__float__": "nan"}  {"__float__": "-0.0"}  {"__float__": "1e+20"}  a float PostgreSQL's JSONB would not give
                                                                        back: NaN, infinities, -0.0, from 1e16 on
    {"__tuple__": [...]}                                                a tuple
    {"__attrdict__": {...}}                                             an AttributeDict (a frozen one reads back so)
    {"__exit_code__": [status, message, invalidates_cache]}             an ExitCode (read back also from the older
                                                                        [status, message, label])
    {"__dict__": {...}}                                                 a dict that would otherwise read as a tag

A user's dict with a single ``__something__`` key is written inside ``__dict__``, so every single-key dict with such a
key is a tag and decoding never has to guess. Other types plug in as :class:`Extension`\\ s. Decoding an unknown tag
raises :class:`UnreadableValue` naming where it is; encoding a value that JSON cannot hold raises
:class:`SerializationError` naming where it is.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from typing import Any, NamedTuple

from ._attribute_dict import AttributeDict, FrozenAttributeDict
from ._errors import SerializationError
from ._exit_code import ExitCode

__all__ = ["PLAIN", "Codec", "Extension", "UnreadableValue", "is_tag_key"]


class Extension(NamedTuple):
    """A type the codec does not know, written as ``{tag: encode(value, path)}``.

    It applies to instances of ``kind`` for which ``when(value)`` is true (always, without ``when``); the first
    extension that applies wins. The payload is JSON that the extension writes and reads itself: the codec passes it
    through untouched, and ``decode(payload, path)`` gets it back as it was written. ``encode`` may raise
    SerializationError for a value it cannot write.
    """

    kind: type | tuple[type, ...]
    tag: str
    encode: Callable[[Any, str], Any]
    decode: Callable[[Any, str], Any]
    when: Callable[[Any], bool] | None = None


class UnreadableValue(ValueError):
    """Encoded JSON that the codec cannot read back: an unknown tag or a malformed payload. ``path`` says where."""

    def __init__(self, path: str, problem: str) -> None:
        super().__init__(f"{path} {problem}")
        self.path = path
        self.problem = problem


def is_tag_key(key: str) -> bool:
    """True for a key of the form ``__name__``, which a single-key dict uses to mark a tag."""
    return len(key) > 4 and key.startswith("__") and key.endswith("__")


_EXPONENT_FROM = 1e16  # repr() writes floats from here on with an exponent, which JSONB turns into an integer


class Codec:
    """Encodes values to JSON and back; ``extensions`` add tags for types of the layers above ``_core``."""

    def __init__(self, extensions: Iterable[Extension] = ()) -> None:
        self._extensions = tuple(extensions)
        self._decoders: dict[str, Callable[[Any, str], Any]] = {
            "__float__": _decode_float,
            "__tuple__": lambda payload, path: tuple(self._decode_list(payload, path)),
            "__attrdict__": lambda payload, path: AttributeDict(self._decode_dict(payload, path)),
            "__exit_code__": lambda payload, path: _decode_exit_code(self._decode_list(payload, path)),
            "__dict__": self._decode_dict,
        }
        for extension in self._extensions:
            if not is_tag_key(extension.tag) or extension.tag in self._decoders:
                raise ValueError(f"Extension tag {extension.tag!r} must look like '__name__' and be new")
            self._decoders[extension.tag] = extension.decode

    # -- encoding -----------------------------------------------------------------------------------------------------
    def encode(self, value: Any, path: str = "value") -> Any:
        """The JSON form of ``value``; raises SerializationError naming the path of a value JSON cannot hold."""
        if value is None or isinstance(value, (bool, int, str)):
            return value
        if isinstance(value, float):
            return _encode_float(float(value))
        for extension in self._extensions:
            if isinstance(value, extension.kind) and (extension.when is None or extension.when(value)):
                return {extension.tag: extension.encode(value, path)}
        return self._encode_container(value, path)

    def _encode_container(self, value: Any, path: str) -> Any:
        if isinstance(value, tuple):
            tag = "__exit_code__" if isinstance(value, ExitCode) else "__tuple__"
            return {tag: self._encode_list(value, path)}
        if isinstance(value, list):
            return self._encode_list(value, path)
        if isinstance(value, (dict, FrozenAttributeDict)):  # a process's inputs, or a namespace of them
            return self._encode_dict(value, path)
        raise SerializationError(
            f"{path} holds a {type(value).__name__}, which cannot be stored as JSON; use numbers, strings, booleans, "
            "None, lists and dicts (or nodes)"
        )

    def _encode_list(self, value: list[Any] | tuple[Any, ...], path: str) -> list[Any]:
        return [self.encode(item, f"{path}[{i}]") for i, item in enumerate(value)]

    def _encode_dict(self, value: Mapping[Any, Any], path: str) -> dict[str, Any]:
        items = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise SerializationError(
                    f"{path} has the key {key!r} ({type(key).__name__}); JSON keys must be str, e.g. {str(key)!r}"
                )
            items[key] = self.encode(item, f"{path}[{key!r}]")
        if isinstance(value, (AttributeDict, FrozenAttributeDict)):
            return {"__attrdict__": items}
        if len(items) == 1 and is_tag_key(next(iter(items))):
            return {"__dict__": items}  # would read as a tag otherwise
        return items

    # -- decoding -----------------------------------------------------------------------------------------------------
    def decode(self, data: Any, path: str = "value") -> Any:
        """The value ``data`` encodes; raises UnreadableValue naming the path of an unknown tag or bad payload."""
        if isinstance(data, list):
            return self._decode_list(data, path)
        if not isinstance(data, dict):
            return data
        if len(data) == 1:
            ((tag, payload),) = data.items()
            if is_tag_key(tag):
                return self._decode_tag(tag, payload, path)
        return {key: self.decode(item, f"{path}[{key!r}]") for key, item in data.items()}

    def _decode_tag(self, tag: str, payload: Any, path: str) -> Any:
        decoder = self._decoders.get(tag)
        if decoder is None:
            known = ", ".join(sorted(self._decoders))
            raise UnreadableValue(path, f"holds the unknown tag {tag!r} (known: {known})")
        try:
            return decoder(payload, path)
        except UnreadableValue:
            raise
        except (KeyError, TypeError, ValueError, IndexError) as error:
            raise UnreadableValue(path, f"holds a malformed {tag} tag ({type(error).__name__}: {error})") from None

    def _decode_list(self, payload: Any, path: str) -> list[Any]:
        if not isinstance(payload, list):
            raise UnreadableValue(path, f"should hold a list, not {type(payload).__name__}")
        return [self.decode(item, f"{path}[{i}]") for i, item in enumerate(payload)]

    def _decode_dict(self, payload: Any, path: str) -> dict[str, Any]:
        if not isinstance(payload, dict):
            raise UnreadableValue(path, f"should hold a dict, not {type(payload).__name__}")
        return {key: self.decode(item, f"{path}[{key!r}]") for key, item in payload.items()}


def _encode_float(value: float) -> Any:
    # PostgreSQL's JSONB holds numbers as decimals: it refuses NaN and infinities, gives 1e+20 back as the integer
    # 100000000000000000000 and -0.0 as 0.0. Those floats are tagged so that they come back as they were.
    negative_zero = value == 0 and math.copysign(1.0, value) < 0
    if math.isfinite(value) and abs(value) < _EXPONENT_FROM and not negative_zero:
        return value
    return {"__float__": repr(value)}


def _decode_exit_code(fields: list[Any]) -> ExitCode:
    if len(fields) == 3 and not isinstance(fields[2], bool):  # written before exit codes lost their label
        fields = fields[:2]
    return ExitCode(*fields)


def _decode_float(payload: Any, path: str) -> float:
    try:
        if isinstance(payload, str):
            return float(payload)
    except ValueError:
        pass
    raise UnreadableValue(path, f"holds the float tag with {payload!r}; expected a float's text, e.g. 'nan' or '1e+20'")


PLAIN = Codec()
"""The codec without extensions, for values that hold no nodes (the values of data nodes)."""
