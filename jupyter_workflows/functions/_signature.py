"""How a process function's signature becomes its input ports: valid types from annotations, help from the docstring.

The rules are AiiDA's: ``int`` -> Int, ``float`` -> Float (an Int is fine too), ``str`` -> Str, ``bool`` -> Bool,
``list`` -> List, ``dict`` -> Dict, a Data class stays itself; a union (``int | str``, ``Optional[int]``,
``typing.Union``) takes each member it knows; no annotation (or one it does not know) takes any Data. A parameter
whose default is None, or whose annotation allows None, also takes None.
"""

from __future__ import annotations

import inspect
import re
import types
import typing
from collections.abc import Callable, Mapping
from typing import Any

from .._core import SpecError
from ..nodes import ArrayData, Bool, Data, Dict, Float, Int, List, Str

__all__ = ["parameter_help", "type_hints", "valid_types"]

_ANNOTATION_TYPES: dict[Any, tuple[type, ...]] = {
    int: (Int,),
    float: (Float, Int),
    str: (Str,),
    bool: (Bool,),
    list: (List,),
    dict: (Dict,),
}
_NONE = type(None)


def valid_types(annotation: Any, default: Any = inspect.Parameter.empty) -> tuple[type, ...]:
    """The ``valid_type`` of the port of a parameter with this annotation and default."""
    origin = typing.get_origin(annotation)
    if origin is typing.Union or origin is types.UnionType:
        members = [valid for member in typing.get_args(annotation) for valid in _known_types(member)]
        if not [member for member in members if member is not _NONE]:
            members = [Data, *members]
    else:
        members = list(_known_types(annotation)) or [Data]
    if default is None:
        members.append(_NONE)
    return tuple(dict.fromkeys(members))


def _known_types(annotation: Any) -> tuple[type, ...]:
    if annotation is _NONE or annotation is None:
        return (_NONE,)
    if isinstance(annotation, type) and issubclass(annotation, Data):
        return (annotation,)
    if getattr(annotation, "__module__", "") == "numpy" and getattr(annotation, "__name__", "") == "ndarray":
        return (ArrayData,)
    return _ANNOTATION_TYPES.get(typing.get_origin(annotation) or annotation, ())


def type_hints(func: Callable[..., Any], scope: Mapping[str, Any] | None) -> dict[str, Any]:
    """The resolved annotations; one that does not resolve is refused now, naming it (ignoring it would silently drop
    every type check of the function)."""
    try:
        return typing.get_type_hints(func, localns=dict(scope) if scope is not None else None)
    except Exception as error:
        raw = getattr(func, "__annotations__", {})
        names = [f"{name}: {value!r}" for name, value in raw.items() if isinstance(value, str)]
        shown = "; ".join(names) or ", ".join(f"{name}: {value!r}" for name, value in raw.items())
        raise SpecError(
            f"The annotations of {func.__name__} do not resolve ({type(error).__name__}: {error}); annotations: "
            f"{shown}. Define or import the names they use before decorating {func.__name__}, or fix the spelling."
        ) from None


_REST_PARAM = re.compile(r"^\s*:param\s+(?:[^:\s]+\s+)?(\w+)\s*:(.*)$")
_GOOGLE_SECTION = re.compile(r"^\s*(Args|Arguments|Parameters)\s*:\s*$")
_GOOGLE_PARAM = re.compile(r"^(\s+)(\w+)\s*(?:\([^)]*\))?\s*:(.*)$")


def parameter_help(docstring: str | None) -> dict[str, str]:
    """The help of each parameter a docstring describes, reST style (``:param x: ...``) or Google style
    (``Args:`` then ``x (int): ...``); a description may go on over the lines indented below it."""
    helps: dict[str, list[str]] = {}
    current: list[str] | None = None
    in_google, indent = False, 0
    for line in inspect.cleandoc(docstring or "").splitlines():
        if _GOOGLE_SECTION.match(line):
            in_google, current = True, None
            continue
        indented = line[:1].isspace()
        in_google = in_google and (indented or not line.strip())
        rest = _REST_PARAM.match(line)
        google = _GOOGLE_PARAM.match(line) if in_google else None
        if rest:
            current = helps.setdefault(rest.group(1), [rest.group(2).strip()])
        elif google and (current is None or len(google.group(1)) <= indent):
            indent = len(google.group(1))
            current = helps.setdefault(google.group(2), [google.group(3).strip()])
        elif current is not None and indented and line.strip():
            current.append(line.strip())
        else:
            current = None
    return {name: " ".join(part for part in parts if part) for name, parts in helps.items()}
