"""ProcessBuilder: the inputs of a process filled in one by one (``builder.x = 1``), then launched with
``run(builder)`` or ``submit(builder)``, as AiiDA's.

Ports are attributes (and items); namespace ports are nested builders. A value is serialized and checked when it is
set, so a wrong one fails at that line, naming the port, what it takes and how to fix it. Each builder's class has
one property per port whose docstring is the port's help (``builder.x?`` in a notebook), its ``dir()`` lists the
ports (tab completion), and in a notebook it shows as a table of its ports with the values set so far.
"""

from __future__ import annotations

import copy
import math
import re
import weakref
from collections.abc import Iterable, Iterator, Mapping, MutableMapping
from typing import TYPE_CHECKING, Any

from ._errors import UnknownInputError, UsageError, ValidationError
from ._port_tree import port_tree_html, port_tree_text
from ._ports import InputPort, PortNamespace

if TYPE_CHECKING:
    from ._process import Process

__all__ = ["ProcessBuilder", "ProcessBuilderNamespace", "launch_of"]

_METHODS = ["_inputs", "_merge", "_update"]  # listed by dir() next to the ports; prefixed to leave names to ports


class ProcessBuilderNamespace(MutableMapping[str, Any]):
    """The inputs of one namespace of a process: ``ns.x`` / ``ns["x"]`` for each port, a nested builder for each
    namespace port. ``_update()``, ``_merge()`` and ``_inputs()`` are prefixed so that ports can be named
    ``update`` or ``values``; a port's name hides the mapping method of the same name (use ``dict(ns)``)."""

    _port_namespace: PortNamespace
    _owner: str
    _path: str
    _data: dict[str, Any]

    def __init__(self, port_namespace: PortNamespace, *, owner: str = "", path: str = "") -> None:
        """``owner``: the process's name and ``path``: the dotted path of this namespace ('' or 'a.b.'), for
        messages."""
        object.__setattr__(self, "_port_namespace", port_namespace)
        object.__setattr__(self, "_owner", owner)
        object.__setattr__(self, "_path", path)
        object.__setattr__(self, "_data", {})
        object.__setattr__(self, "__class__", _class_for(type(self), port_namespace, self._title, path))
        for name, port in port_namespace.ports.items():
            if isinstance(port, PortNamespace):
                self._put(name, self._nested(name, port))

    @property
    def _title(self) -> str:
        where = f" in namespace '{self._path.rstrip('.')}'" if self._path else ""
        return f"Inputs of {self._owner or 'the process'}{where}"

    def _nested(self, name: str, port: PortNamespace) -> ProcessBuilderNamespace:
        return ProcessBuilderNamespace(port, owner=self._owner, path=f"{self._path}{name}.")

    # -- attributes -------------------------------------------------------------------------------------------------
    # Nested builders and names given to a dynamic namespace are plain instance attributes, not properties and not
    # __getattr__: IPython's completer evaluates ``builder.metadata`` for ``builder.metadata.<tab>`` only then.
    def _get(self, name: str) -> Any:
        """A port's value: what was set, else its default, else None."""
        if name in self._data:
            return self._data[name]
        port = self._port_namespace.ports[name]
        return port.default_value() if isinstance(port, InputPort) and port.has_default else None

    def _put(self, name: str, value: Any) -> None:
        self._data[name] = value
        if _is_attribute(type(self), name):
            object.__setattr__(self, name, value)

    def _drop(self, name: str) -> None:
        """Unset ``name``; a namespace port becomes empty again (as in a new builder)."""
        del self._data[name]
        if _is_attribute(type(self), name):
            object.__delattr__(self, name)
        port = self._port_namespace.ports.get(name)
        if isinstance(port, PortNamespace):
            self._put(name, self._nested(name, port))

    def __setattr__(self, name: str, value: Any) -> None:
        if name.startswith("_"):
            object.__setattr__(self, name, value)
        else:
            self._assign([(self, name, value)], merge=False)

    def __delattr__(self, name: str) -> None:
        if name.startswith("_"):
            object.__delattr__(self, name)
        elif name in self._data:
            self._drop(name)
        else:
            raise AttributeError(f"Input '{self._path}{name}' of {self._owner or 'the process'} is not set")

    def __dir__(self) -> list[str]:
        names = {*self._port_namespace.ports, *(k for k in self._data if k.isidentifier()), *_METHODS}
        return sorted(names)

    def _ipython_key_completions_(self) -> list[str]:
        return sorted({*self._port_namespace.ports, *self._data})

    # -- mapping ----------------------------------------------------------------------------------------------------
    def __getitem__(self, name: str) -> Any:
        return self._data[name]

    def __setitem__(self, name: str, value: Any) -> None:
        self._assign([(self, name, value)], merge=False)

    def __delitem__(self, name: str) -> None:
        self._drop(name)

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Mapping):
            return NotImplemented
        return self._data == dict(_items(other))

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return repr(self._data)

    def __deepcopy__(self, memo: dict[int, Any]) -> ProcessBuilderNamespace:
        """A copy with namespaces of its own (what is set in one leaves the other alone); the values, data nodes
        that may be stored, are shared as a launch would share them."""
        clone = object.__new__(type(self))
        clone.__dict__.update({key: value for key, value in self.__dict__.items() if key.startswith("_")})
        object.__setattr__(clone, "_data", {})
        for name, value in self._data.items():
            clone._put(
                name, copy.deepcopy(value, memo) if isinstance(value, ProcessBuilderNamespace) else _copied(value)
            )
        return clone

    # -- changing many at once --------------------------------------------------------------------------------------
    def _update(self, *args: Mapping[str, Any], **kwargs: Any) -> None:
        """Set the given values, as ``dict.update`` (for a namespace, each of its keys given is set; a namespace
        inside it is replaced as a whole). All are checked first: if one is wrong, none is set."""
        self._assign(self._pairs("_update", args, kwargs), merge=False, into_namespaces=True)

    def _merge(self, *args: Mapping[str, Any], **kwargs: Any) -> None:
        """Set the given values, merging nested mappings into the namespaces already there (only the leaves given
        change). All are checked first: if one is wrong, none is set."""
        self._assign(self._pairs("_merge", args, kwargs), merge=True)

    def _inputs(self, prune: bool = False) -> dict[str, Any]:
        """The values set, as nested dicts; ``prune``: without the namespaces that hold no value at all."""
        plain = {
            name: value._inputs() if isinstance(value, ProcessBuilderNamespace) else value
            for name, value in self._data.items()
        }
        return _pruned(plain) if prune else plain

    def _pairs(self, method: str, args: tuple[Mapping[str, Any], ...], kwargs: dict[str, Any]) -> list[Any]:
        if len(args) > 1:
            raise UsageError(f"{method}() takes one mapping and/or keywords, got {len(args)} positional arguments")
        return [(self, name, value) for name, value in [*(_items(args[0]) if args else []), *kwargs.items()]]

    def _assign(
        self, pairs: list[tuple[ProcessBuilderNamespace, str, Any]], *, merge: bool, into_namespaces: bool = False
    ) -> None:
        """Check every (namespace, name, value) and set them all, or raise ValidationError and set none."""
        staged: list[tuple[ProcessBuilderNamespace, str, Any]] = []
        problems: list[str] = []
        unknown: list[str] = []
        for namespace, name, value in pairs:
            namespace._stage(name, value, staged, problems, unknown, merge=merge, into_namespaces=into_namespaces)
        if problems:
            error = UnknownInputError if unknown else ValidationError
            raise error(f"Invalid input for {self._owner or 'the process'}", problems, port_tree=self.__doc__ or "")
        for namespace, name, value in staged:
            namespace._put(name, value)

    def _stage(
        self,
        name: str,
        value: Any,
        staged: list[tuple[ProcessBuilderNamespace, str, Any]],
        problems: list[str],
        unknown: list[str],
        *,
        merge: bool,
        into_namespaces: bool,
    ) -> None:
        current = self._data.get(name)
        if isinstance(value, Mapping) and isinstance(current, ProcessBuilderNamespace) and (merge or into_namespaces):
            for key, item in _items(value):
                current._stage(key, item, staged, problems, unknown, merge=merge, into_namespaces=False)
            return
        if merge and isinstance(value, Mapping) and isinstance(current, dict):
            value = _deep_merged(current, value)
        staged.append((self, name, self._take(name, value, problems, unknown)))

    def _take(self, name: Any, value: Any, problems: list[str], unknown: list[str]) -> Any:
        """``value`` as it is kept for ``name``: serialized, a namespace's mapping as a nested builder; what is wrong
        with it goes to ``problems`` (and unknown names also to ``unknown``)."""
        if not isinstance(name, str):
            problems.append(f"input names are strings, got {type(name).__name__} {name!r} in {self._title}")
            return value
        port = self._port_namespace.ports.get(name)
        if port is None and not self._port_namespace.dynamic:
            unknown.append(name)
        if isinstance(port, PortNamespace) and isinstance(value, Mapping):
            nested = self._nested(name, port)
            found: list[str] = []
            for key, item in _items(value):
                nested._put(key, nested._take(key, item, found, unknown))
            if not found:  # given as a whole, a namespace must be complete (as in AiiDA)
                here = f"{self._path}{name}"
                filled = port.pre_process(nested._inputs(prune=True), f"{here}.", self._owner, found)
                found += port.problems_with(filled, here, self._owner)
            problems += found
            return nested
        accepted, found = self._port_namespace.accept(name, value, self._path, self._owner)
        problems += found
        return accepted

    # -- display ----------------------------------------------------------------------------------------------------
    def _repr_html_(self) -> str:
        return port_tree_html(self._port_namespace, self._inputs(), self._title)


class ProcessBuilder(ProcessBuilderNamespace):
    """A builder for the inputs of ``process_class`` (``MyWorkChain.get_builder()``, ``my_function.get_builder()``).
    Launch it with ``run(builder)``, ``submit(builder)``, ``await run_async(builder)`` or ``self.submit(builder)``;
    keyword inputs given there are merged on top of the builder's."""

    _process_class: type[Process]

    def __init__(self, process_class: type[Process]) -> None:
        object.__setattr__(self, "_process_class", process_class)
        super().__init__(process_class.spec().inputs, owner=process_class.__name__)

    @property
    def process_class(self) -> type[Process]:
        """The process class this builder launches."""
        return self._process_class

    def __dir__(self) -> list[str]:
        return sorted({*super().__dir__(), "process_class"})

    def __str__(self) -> str:
        """As AiiDA's: the process class, then the inputs set (empty namespaces left out) in YAML."""
        return f"Process class: {self._process_class.__name__}\nInputs:\n{_yaml(self._inputs(prune=True))}"

    __repr__ = __str__

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(str(self))

    def _repr_html_(self) -> str:
        return port_tree_html(self._port_namespace, self._inputs(), f"ProcessBuilder for {self._owner}")


def launch_of(builder: ProcessBuilder, extra: Mapping[str, Any]) -> tuple[type[Process], dict[str, Any]]:
    """The process class and inputs of a launch of ``builder`` with ``extra`` inputs: the builder's inputs (empty
    namespaces left out), with ``extra`` merged on top (nested mappings key by key)."""
    return builder._process_class, _deep_merged(builder._inputs(prune=True), extra)


_CLASSES: dict[tuple[type, int, str, str], type] = {}


def _class_for(base: type, port_namespace: PortNamespace, title: str, path: str) -> type:
    """The class of builders of ``port_namespace``: a property for each port, whose docstring is the port's help, and
    the port tree as its docstring. One class per port namespace, made once: two processes' ports of the same name
    never share one (AiiDA's issue 4420)."""
    key = (base, id(port_namespace), title, path)
    cls = _CLASSES.get(key)
    if cls is None:
        members: dict[str, Any] = {
            name: _port_property(name, str(port))
            for name, port in port_namespace.ports.items()
            if not isinstance(port, PortNamespace) and not name.startswith("_")  # '_x': the builder's own names
        }
        tree = port_tree_text(port_namespace, title)
        members.update(__doc__=f"{port_namespace.help}\n\n{tree}" if port_namespace.help else tree)
        members.update(__module__=base.__module__, __qualname__=base.__qualname__)
        cls = _CLASSES[key] = type(base.__name__, (base,), members)
        weakref.finalize(port_namespace, _CLASSES.pop, key, None)  # the id is not reused while the entry is there
    return cls


def _port_property(name: str, doc: str) -> property:
    def get(self: ProcessBuilderNamespace) -> Any:
        return self._get(name)

    get.__doc__ = doc
    return property(get, doc=doc)


def _is_attribute(cls: type, name: Any) -> bool:
    """Whether input ``name`` is kept as an instance attribute too: a nested builder or a name given to a dynamic
    namespace, not a port property, nor one of the builder's own names."""
    if not (isinstance(name, str) and name.isidentifier()) or name.startswith("_"):
        return False
    return not isinstance(getattr(cls, name, None), property)


def _items(mapping: Mapping[str, Any]) -> Iterable[tuple[str, Any]]:
    """The items of a mapping, also of a builder with a port named 'items'."""
    if isinstance(mapping, ProcessBuilderNamespace):
        return list(mapping._data.items())
    return [(key, mapping[key]) for key in mapping]


def _copied(value: Any) -> Any:
    """Plain dicts (names given to a dynamic namespace) copied; any other value as it is."""
    return {key: _copied(inner) for key, inner in value.items()} if isinstance(value, dict) else value


def _is_namespace_like(value: Any) -> bool:
    """A value that holds inputs by name (pruned when empty): a builder namespace or a plain dict, not a data node
    that happens to be a mapping."""
    return isinstance(value, (dict, ProcessBuilderNamespace))


def _pruned(mapping: Mapping[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in _items(mapping):
        kept = _pruned(value) if _is_namespace_like(value) else value
        if not (_is_namespace_like(value) and not kept):
            result[key] = kept
    return result


def _deep_merged(base: Mapping[str, Any], extra: Mapping[str, Any]) -> dict[str, Any]:
    result = dict(_items(base))
    for key, value in _items(extra):
        current = result.get(key)
        both = _is_namespace_like(current) and _is_namespace_like(value)
        result[key] = _deep_merged(current, value) if both else value  # type: ignore[arg-type]
    return result


# -- AiiDA's YAML view of the inputs (``str(builder)``), without a YAML dependency ------------------------------------
_PLAIN = re.compile(r"^[A-Za-z_/.(][^:#\n]*$")
_SPECIAL = re.compile(r"^(?:true|false|yes|no|on|off|null|~|[-+.0-9][-+.0-9eE_xXoObB]*|\.inf|\.nan)$", re.I)


def _yaml(value: Any) -> str:
    if isinstance(value, Mapping) and not value:
        return "{}\n"
    return "".join(f"{line}\n" for line in _yaml_lines(_displayed(value), 0))


def _displayed(value: Any) -> Any:
    """What the YAML shows: the plain value of a data node, nested mappings and lists as such, else the repr."""
    if getattr(type(value), "plain_type", None) is not None:
        value = getattr(value, "value", value)
    if _is_namespace_like(value):
        return {str(key): _displayed(inner) for key, inner in _items(value)}
    if isinstance(value, (list, tuple)):
        return [_displayed(item) for item in value]
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return repr(value)


def _yaml_lines(value: Any, indent: int) -> Iterator[str]:
    pad = " " * indent
    if isinstance(value, dict):
        for key in sorted(value):
            yield from _yaml_entry(f"{pad}{_scalar(key)}:", value[key], indent + 2, indent)
    else:
        for item in value:
            yield from _yaml_entry(f"{pad}-", item, indent + 2, indent)


def _yaml_entry(head: str, value: Any, inner_indent: int, indent: int) -> Iterator[str]:
    if isinstance(value, dict) and value:
        yield head
        yield from _yaml_lines(value, inner_indent)
    elif isinstance(value, list) and value:
        yield head
        yield from _yaml_lines(value, indent if head.endswith(":") else inner_indent)
    else:
        yield f"{head} {_scalar(value)}"


def _scalar(value: Any) -> str:
    if isinstance(value, str):
        return _string(value)
    if isinstance(value, bool) or value is None:
        return {True: "true", False: "false", None: "null"}[value]
    if isinstance(value, (dict, list)):
        return "{}" if isinstance(value, dict) else "[]"
    if isinstance(value, float) and not math.isfinite(value):
        return ".nan" if math.isnan(value) else ".inf" if value > 0 else "-.inf"
    return repr(value)


def _string(text: str) -> str:
    if _PLAIN.match(text) and not _SPECIAL.match(text) and text == text.strip():
        return text
    return "'" + text.replace("'", "''") + "'"
