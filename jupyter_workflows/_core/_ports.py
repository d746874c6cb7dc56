"""Ports: the named, typed inputs and outputs of a process, grouped in (possibly nested, possibly dynamic) namespaces.

Validation gathers every problem before reporting, and each problem names the port, what it expected, what it got
and how to fix it.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from ._errors import SerializationError, SpecError

__all__ = ["UNSPECIFIED", "InputPort", "OutputPort", "Port", "PortNamespace", "type_names"]


class _Unspecified:
    def __repr__(self) -> str:
        return "UNSPECIFIED"


UNSPECIFIED: Any = _Unspecified()


class _Invalid:
    """Stands for a value that could not be serialized (already reported), so validation does not report it twice."""

    def __repr__(self) -> str:
        return "INVALID"


INVALID: Any = _Invalid()

Validator = Callable[..., "str | None"]


def type_names(valid_type: type | tuple[type, ...] | None) -> str:
    if valid_type is None:
        return "anything"
    types = valid_type if isinstance(valid_type, tuple) else (valid_type,)
    return " or ".join(t.__name__ for t in types)


def _fix_hint(valid_type: type | tuple[type, ...] | None) -> str:
    """'; pass an int or Int(...)' for a data type that declares the plain Python type it wraps."""
    if valid_type is None:
        return ""
    types = valid_type if isinstance(valid_type, tuple) else (valid_type,)
    hints = []
    for node_type in types:
        plain = getattr(node_type, "plain_type", None)
        if plain is not None:
            hints.append(f"{_article(plain.__name__)} {plain.__name__} or {node_type.__name__}(...)")
        else:
            hints.append(f"{_article(node_type.__name__)} {node_type.__name__}")
    return f"; pass {' or '.join(hints)}" if hints else ""


def _article(word: str) -> str:
    return "an" if word[:1].lower() in "aeiou" else "a"


def _describe(value: Any) -> str:
    """How a wrong value is shown: its plain type and value ("str 'a'"), short."""
    plain = getattr(value, "value", value) if getattr(type(value), "plain_type", None) else value
    text = repr(plain)
    if len(text) > 60:
        text = text[:57] + "..."
    return f"{type(plain).__name__} {text}"


def _call_validator(validator: Validator, value: Any, port: Port) -> str | None:
    try:
        takes_port = len(inspect.signature(validator).parameters) >= 2
    except (TypeError, ValueError):  # a builtin without a signature: call it AiiDA's way
        takes_port = True
    return validator(value, port) if takes_port else validator(value)


class Port:
    def __init__(
        self,
        name: str,
        *,
        valid_type: type | tuple[type, ...] | None = None,
        help: str | None = None,
        required: bool = True,
        validator: Validator | None = None,
    ) -> None:
        if not name.isidentifier():
            raise SpecError(f"Port name {name!r} is not a valid Python identifier; use letters, digits and '_'.")
        self.name = name
        self.valid_type = valid_type
        self.help = help
        self.required = required
        self.validator = validator

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name!r} valid_type={type_names(self.valid_type)}>"

    def __str__(self) -> str:
        """'x: Int, required' and the help: the docstring of the port's attribute on a builder (as AiiDA's)."""
        from ._port_tree import port_doc  # the port tree module renders ports; it imports this one

        return port_doc(self, self.name)

    def validate(self, value: Any, path: str, owner: str) -> list[str]:
        """Problems with ``value`` for this port ([] when fine). ``path`` is the dotted name shown to the user."""
        if self.valid_type is not None and not isinstance(value, self.valid_type):
            return [
                f"{self._kind} '{path}' of {owner} expects {type_names(self.valid_type)} "
                f"(got {_describe(value)}){_fix_hint(self.valid_type)}"
            ]
        if self.validator is not None:
            message = _call_validator(self.validator, value, self)
            if message:
                return [f"{self._kind} '{path}' of {owner}: {message}"]
        return []

    _kind = "Port"


class InputPort(Port):
    _kind = "Input"

    def __init__(
        self,
        name: str,
        *,
        default: Any = UNSPECIFIED,
        serializer: Callable[[Any], Any] | None = None,
        non_db: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(name, **kwargs)
        self.default = default
        self.serializer = serializer
        self.non_db = non_db  # passed to the process but not stored as a node (AiiDA's non_db)

    @property
    def has_default(self) -> bool:
        return self.default is not UNSPECIFIED

    def default_value(self) -> Any:
        return self.default() if callable(self.default) and not isinstance(self.default, type) else self.default


class OutputPort(Port):
    _kind = "Output"


class PortNamespace(Port, Mapping[str, Port]):
    """A named group of ports. A ``dynamic`` namespace also accepts names it does not declare (of ``valid_type``)."""

    def __init__(
        self,
        name: str = "",
        *,
        dynamic: bool = False,
        port_class: type[Port] = InputPort,
        valid_type: type | tuple[type, ...] | None = None,
        help: str | None = None,
        required: bool = True,
        validator: Validator | None = None,
        serializer: Callable[[Any], Any] | None = None,
    ) -> None:
        if name:
            super().__init__(name, valid_type=valid_type, help=help, required=required, validator=validator)
        else:  # the unnamed top-level namespace of a spec
            self.name, self.valid_type, self.help, self.required, self.validator = "", valid_type, help, True, validator
        self.ports: dict[str, Port] = {}
        self.dynamic = dynamic or valid_type is not None
        self.port_class = port_class
        self.serializer = serializer

    # -- Mapping --------------------------------------------------------------------------------------------------
    def __getitem__(self, name: str) -> Port:
        return self.ports[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self.ports)

    def __len__(self) -> int:
        return len(self.ports)

    def __repr__(self) -> str:
        return f"<PortNamespace {self.name or '(top)'!r} ports={list(self.ports)} dynamic={self.dynamic}>"

    # -- building -------------------------------------------------------------------------------------------------
    def add(self, path: str, port: Port) -> Port:
        """Add ``port`` at dotted ``path`` ('a.b.x'), creating the namespaces on the way."""
        *parents, _ = path.split(".")
        namespace = self
        for part in parents:
            existing = namespace.ports.get(part)
            if existing is None:
                existing = namespace.ports[part] = PortNamespace(part, port_class=self.port_class)
            if not isinstance(existing, PortNamespace):
                raise SpecError(f"Cannot add '{path}': '{part}' is a port, not a namespace.")
            namespace = existing
        namespace.ports[port.name] = port
        return port

    def namespace(self, path: str, **kwargs: Any) -> PortNamespace:
        """Get or create the namespace at dotted ``path``; keyword arguments update it."""
        *parents, name = path.split(".")
        parent = self.namespace(".".join(parents)) if parents else self
        existing = parent.ports.get(name)
        if existing is None:
            existing = PortNamespace(name, port_class=self.port_class, **kwargs)
            parent.add(name, existing)
        elif not isinstance(existing, PortNamespace):
            raise SpecError(f"'{path}' is already a port, not a namespace.")
        else:
            for key, value in kwargs.items():
                setattr(existing, key, value)
            existing.dynamic = existing.dynamic or existing.valid_type is not None
        return existing

    def get_port(self, path: str) -> Port | None:
        node: Port = self
        for part in path.split("."):
            if not isinstance(node, PortNamespace) or part not in node.ports:
                return None
            node = node.ports[part]
        return node

    # -- using ----------------------------------------------------------------------------------------------------
    def pre_process(
        self, values: Mapping[str, Any] | None, path: str, owner: str, problems: list[str]
    ) -> dict[str, Any]:
        """Serialize plain values and fill in defaults. Values that cannot be serialized become ``problems``."""
        values = dict(values or {})
        result: dict[str, Any] = {}
        for name, port in self.ports.items():
            here = f"{path}{name}"
            if name in values:
                result[name] = _pre_process_one(port, values.pop(name), here, owner, problems)
            elif isinstance(port, InputPort) and port.has_default:
                result[name] = _serialize(port, port.default_value(), here, owner, problems)
            elif isinstance(port, PortNamespace) and port.ports:
                filled = port.pre_process({}, f"{here}.", owner, problems)
                if filled:
                    result[name] = filled
        for name, value in values.items():  # undeclared: only dynamic namespaces take them (validate() reports)
            result[name] = self._pre_process_undeclared(value, f"{path}{name}", owner, problems)
        return result

    def _pre_process_undeclared(self, value: Any, path: str, owner: str, problems: list[str]) -> Any:
        """A value under a name this dynamic namespace does not declare. A dict is a nested namespace of the same
        kind (as in plumpy), so its plain values become nodes too and are recorded, with labels ``ns__key``."""
        if not self.dynamic:
            return value
        if isinstance(value, Mapping):
            return {
                key: self._pre_process_undeclared(item, f"{path}.{key}", owner, problems) for key, item in value.items()
            }
        return _serialize(self, value, path, owner, problems)

    def validate(self, value: Any, path: str, owner: str) -> list[str]:
        """Problems with ``value`` given for this namespace as a whole (it must be a dict)."""
        if not isinstance(value, Mapping):
            return [f"'{path}' of {owner} is a namespace and expects a dict (got {_describe(value)})"]
        return self.validate_values(value, f"{path}.", owner)

    def validate_values(self, values: Mapping[str, Any], path: str, owner: str) -> list[str]:
        """Every problem with ``values``: unknown names, missing required ports, wrong types, failed validators."""
        problems: list[str] = []
        for name, port in self.ports.items():
            if name not in values:
                if port.required and not (isinstance(port, PortNamespace) and not _has_required(port)):
                    problems.append(_missing(port, f"{path}{name}", owner))
            elif values[name] is not INVALID:
                problems += port.validate(values[name], f"{path}{name}", owner)
        for name in sorted(values.keys() - self.ports.keys()):
            if values[name] is not INVALID:
                problems += self._undeclared_problems(values[name], f"{path}{name}", owner)
        if not problems and self.validator is not None:
            message = _call_validator(self.validator, values, self)
            if message:
                problems.append(f"{owner}{' ' + path.rstrip('.') if path else ''}: {message}")
        return problems

    def accept(self, name: str, value: Any, path: str, owner: str) -> tuple[Any, list[str]]:
        """``value`` given for ``name`` alone, as a launch would take it: (serialized value, its problems). The other
        ports of this namespace are not looked at (what is missing is for :meth:`validate_values`)."""
        problems: list[str] = []
        here = f"{path}{name}"
        port = self.ports.get(name)
        if port is not None:
            value = _pre_process_one(port, value, here, owner, problems)
            return value, problems if value is INVALID else problems + port.validate(value, here, owner)
        if self.dynamic and not isinstance(value, Mapping):
            value = _serialize(self, value, here, owner, problems)
        return value, problems if value is INVALID else problems + self._undeclared_problems(value, here, owner)

    def _undeclared_problems(self, value: Any, path: str, owner: str) -> list[str]:
        if not self.dynamic:
            return [f"{owner} has no {self._noun} '{path}'; known: {', '.join(sorted(self.ports)) or 'none'}"]
        if isinstance(value, Mapping):  # a nested namespace: each of its values must fit
            return [
                problem
                for key, item in value.items()
                if item is not INVALID
                for problem in self._undeclared_problems(item, f"{path}.{key}", owner)
            ]
        if self.valid_type is not None and not isinstance(value, self.valid_type):
            return [
                f"'{path}' of {owner} expects {type_names(self.valid_type)} "
                f"(got {_describe(value)}){_fix_hint(self.valid_type)}"
            ]
        return []

    @property
    def _noun(self) -> str:
        return "output" if self.port_class is OutputPort else "input"


def _has_required(namespace: PortNamespace) -> bool:
    for port in namespace.ports.values():
        if isinstance(port, PortNamespace):
            if port.required and _has_required(port):
                return True
        elif port.required and not (isinstance(port, InputPort) and port.has_default):
            return True
    return False


def _missing(port: Port, path: str, owner: str) -> str:
    if isinstance(port, OutputPort):
        return f"required output '{path}' of {owner} was not registered"
    extra = f" ({port.help})" if port.help else ""
    return f"{owner} is missing the required input '{path}'{extra}; pass {path.rsplit('.', 1)[-1]}=..."


def _pre_process_one(port: Port, value: Any, path: str, owner: str, problems: list[str]) -> Any:
    if not isinstance(port, PortNamespace):
        return _serialize(port, value, path, owner, problems)
    return port.pre_process(value, f"{path}.", owner, problems) if isinstance(value, Mapping) else value


def _serialize(port: Port, value: Any, path: str, owner: str, problems: list[str]) -> Any:
    serializer = getattr(port, "serializer", None)
    if serializer is None or value is None or _is_valid_type(value, port.valid_type):
        return value  # a value the port takes as it is is not serialized again (a builder serialized it already)
    try:
        return serializer(value)
    except SerializationError as error:
        problems.append(f"Input '{path}' of {owner}: {error}")
        return INVALID


def _is_valid_type(value: Any, valid_type: type | tuple[type, ...] | None) -> bool:
    return valid_type is not None and isinstance(value, valid_type)
