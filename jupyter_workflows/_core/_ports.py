"""Ports: the named, typed inputs and outputs of a process, grouped in (possibly nested, possibly dynamic) namespaces.

Validation gathers every problem before reporting, and each problem names the port, what it expected, what it got
and how to fix it.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Iterator, Mapping, MutableMapping, Sequence
from typing import Any

from ._errors import PortValidationError, SerializationError, SpecError, ValidationError

__all__ = [
    "UNSPECIFIED",
    "InputPort",
    "OutputPort",
    "Port",
    "PortNamespace",
    "breadcrumbs_to_port",
    "check_port_name",
    "type_names",
]


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
        takes_port = _takes_port_cached(validator)
    except TypeError:  # an unhashable callable
        takes_port = _takes_port(validator)
    return validator(value, port) if takes_port else validator(value)


def _takes_port(validator: Validator) -> bool:
    try:
        return len(inspect.signature(validator).parameters) >= 2
    except (TypeError, ValueError):  # a builtin without a signature: call it AiiDA's way
        return True


# Every launch validates its inputs: inspect.signature costs more than most validators do.
_takes_port_cached = functools.lru_cache(maxsize=256)(_takes_port)


def check_port_name(name: str) -> None:
    """Refuse a name that cannot be a link label (AiiDA's rules): letters, digits and single underscores, neither
    first nor last, since ``__`` in a link label separates namespaces (``'ns__x'`` is input ``ns.x``)."""
    if not isinstance(name, str):
        raise SpecError(f"A port name must be a str, not {type(name).__name__} {name!r}.")
    problem = None
    if not (name.isidentifier() and name.isascii()):
        problem = "use ASCII letters, digits and '_' only, not starting with a digit"
    elif name.startswith("_") or name.endswith("_"):
        problem = "it may not start or end with '_'"
    elif "__" in name:
        problem = "'__' separates namespaces in link labels; use a single '_'"
    if problem:
        raise SpecError(f"Invalid port name {name!r}: {problem}.")


def breadcrumbs_to_port(breadcrumbs: Sequence[str]) -> str:
    """The dotted path of a port from the names leading to it (empty names, of top-level namespaces, left out)."""
    return ".".join(part for part in breadcrumbs if part)


class Port:
    """A named value a process takes or gives: its ``valid_type``, ``help``, whether it is ``required``, and a
    ``validator(value, port)`` returning an error message or None."""

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

    def get_description(self) -> dict[str, Any]:
        """The port's properties as text, as AiiDA's (for help texts and forms)."""
        description: dict[str, Any] = {"name": self.name, "required": str(self.required)}
        if self.valid_type is not None:
            description["valid_type"] = str(self.valid_type)
        if self.help:
            description["help"] = self.help.strip()
        return description

    def validate(self, value: Any = UNSPECIFIED, breadcrumbs: Sequence[str] = ()) -> PortValidationError | None:
        """What is wrong with ``value`` for this port, as AiiDA's: a PortValidationError, or None when it is fine.
        ``UNSPECIFIED`` stands for no value at all."""
        path = breadcrumbs_to_port((*breadcrumbs, self.name))
        if value is UNSPECIFIED:
            return PortValidationError("required value was not provided", path) if self.required else None
        problem = self._problem(value)
        return None if problem is None else PortValidationError(problem.lstrip(": "), path)

    def problems_with(self, value: Any, path: str, owner: str) -> list[str]:
        """Problems with ``value`` for this port ([] when fine). ``path`` is the dotted name shown to the user and
        ``owner`` the process it belongs to."""
        problem = self._problem(value)
        return [] if problem is None else [f"{self._kind} '{path}' of {owner}{problem}"]

    def _problem(self, value: Any) -> str | None:
        """' expects Int (got ...)' or ': <the validator's message>', or None."""
        if self.valid_type is not None and not isinstance(value, self.valid_type) and not self._takes_none(value):
            return f" expects {type_names(self.valid_type)} (got {_describe(value)}){_fix_hint(self.valid_type)}"
        if self.validator is not None:
            message = _call_validator(self.validator, value, self)
            if message:
                return f": {message}"
        return None

    def _takes_none(self, value: Any) -> bool:
        return False

    _kind = "Port"


class _StorageFlags:
    """``non_db`` (passed to the process, never stored as a node) and ``is_metadata`` (an option of the run, such as
    its label), each remembering whether it was set explicitly: a namespace passes its own on to ports added to it
    that did not set theirs (as AiiDA's)."""

    non_db_explicitly_set: bool
    is_metadata_explicitly_set: bool
    _non_db: bool
    _is_metadata: bool

    def _init_flags(self, non_db: bool | None, is_metadata: bool | None) -> None:
        self.non_db_explicitly_set = non_db is not None
        self.is_metadata_explicitly_set = is_metadata is not None
        self._non_db = bool(non_db)
        self._is_metadata = bool(is_metadata)

    @property
    def non_db(self) -> bool:
        return self._non_db

    @non_db.setter
    def non_db(self, value: bool) -> None:
        self.non_db_explicitly_set = True
        self._non_db = value

    @property
    def is_metadata(self) -> bool:
        return self._is_metadata

    @is_metadata.setter
    def is_metadata(self, value: bool) -> None:
        self.is_metadata_explicitly_set = True
        self._is_metadata = value

    def _inherit_flags(self, namespace: PortNamespace) -> None:
        if not self.non_db_explicitly_set:
            self._non_db = namespace.non_db
        if not self.is_metadata_explicitly_set:
            self._is_metadata = namespace.is_metadata


class InputPort(_StorageFlags, Port):
    """An input. ``default`` (a value, or a callable making one per run) fills it in when it is not given, and
    ``serializer`` turns plain values given to it into nodes (``to_aiida_type``)."""

    _kind = "Input"

    def __init__(
        self,
        name: str,
        *,
        default: Any = UNSPECIFIED,
        serializer: Callable[[Any], Any] | None = None,
        non_db: bool | None = None,
        is_metadata: bool | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(name, **kwargs)
        self.default = default
        self.serializer = serializer
        self._init_flags(non_db, is_metadata)

    def _takes_none(self, value: Any) -> bool:
        """An input that is not required takes None whatever its type, as "not given" (AiiDA adds ``NoneType`` to
        its ``valid_type``); its validator still sees it."""
        return value is None and not self.required

    @property
    def has_default(self) -> bool:
        return self.default is not UNSPECIFIED

    def default_value(self) -> Any:
        return self.default() if callable(self.default) and not isinstance(self.default, type) else self.default

    def serialize(self, value: Any) -> Any:
        """``value`` through the serializer (None, and values without a serializer, pass unchanged)."""
        return value if self.serializer is None or value is None else self.serializer(value)

    def get_description(self) -> dict[str, Any]:
        description = super().get_description()
        if self.has_default:
            description["default"] = str(self.default)
        description["is_metadata"] = str(self.is_metadata)
        description["non_db"] = str(self.non_db)
        return description


class OutputPort(Port):
    """One output of a process, as ``spec.output(name, valid_type=..., required=..., help=...)`` declares it."""

    _kind = "Output"


class PortNamespace(_StorageFlags, Port, MutableMapping[str, Port]):
    """A named group of ports, nested with dotted paths (``'a.b.x'``). A ``dynamic`` namespace also takes names it
    does not declare, of ``valid_type`` if given (setting ``valid_type`` makes it dynamic, as in AiiDA).
    ``populate_defaults=False``: the defaults inside are filled in only when a value is given for the namespace."""

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
        populate_defaults: bool = True,
        non_db: bool | None = None,
        is_metadata: bool | None = None,
        default: Any = UNSPECIFIED,
    ) -> None:
        self._dynamic = dynamic
        if name:
            super().__init__(name, help=help, required=required, validator=validator)
        else:  # the unnamed top-level namespace of a spec
            self.name, self.help, self.required, self.validator = "", help, True, validator
        self.valid_type = valid_type
        self.ports: dict[str, Port] = {}
        self.port_class = port_class
        self.serializer = serializer
        self.populate_defaults = populate_defaults
        self.default = default
        self._init_flags(non_db, is_metadata)

    @property
    def dynamic(self) -> bool:
        return self._dynamic

    @dynamic.setter
    def dynamic(self, dynamic: bool) -> None:
        self._dynamic = dynamic

    @property
    def valid_type(self) -> type | tuple[type, ...] | None:
        return self._valid_type

    @valid_type.setter
    def valid_type(self, valid_type: type | tuple[type, ...] | None) -> None:
        self._valid_type = valid_type
        if valid_type is not None:
            self._dynamic = True

    @property
    def has_default(self) -> bool:
        return self.default is not UNSPECIFIED

    # -- Mapping --------------------------------------------------------------------------------------------------
    def __getitem__(self, name: str) -> Port:
        return self.ports[name]

    def __setitem__(self, name: str, port: Port) -> None:
        """Add ``port`` as ``name``: it takes this namespace's ``non_db``/``is_metadata`` unless it set its own, and
        an input that stores nodes takes its serializer unless it has one."""
        if not isinstance(port, Port):
            raise SpecError(f"Only ports go into a PortNamespace, not {type(port).__name__} {port!r}.")
        check_port_name(name)
        if isinstance(port, _StorageFlags):
            port._inherit_flags(self)
            stores_nodes = not (port.is_metadata or port.non_db)
            if stores_nodes and getattr(port, "serializer", UNSPECIFIED) is None:
                port.serializer = self.serializer  # type: ignore[attr-defined]
        self.ports[name] = port

    def __delitem__(self, name: str) -> None:
        del self.ports[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self.ports)

    def __len__(self) -> int:
        return len(self.ports)

    def __repr__(self) -> str:
        return f"<PortNamespace {self.name or '(top)'!r} ports={list(self.ports)} dynamic={self.dynamic}>"

    def get_description(self) -> dict[str, Any]:
        attributes = {
            "default": self.default if self.has_default else None,
            "dynamic": self.dynamic,
            "valid_type": str(self.valid_type),
            "required": str(self.required),
            "help": self.help,
        }
        return {"_attrs": attributes, **{name: port.get_description() for name, port in self.ports.items()}}

    # -- building -------------------------------------------------------------------------------------------------
    def add(self, path: str, port: Port) -> Port:
        """Add ``port`` at dotted ``path`` ('a.b.x'), creating the namespaces on the way."""
        *parents, _ = path.split(".")
        namespace = self.namespace(".".join(parents)) if parents else self
        namespace[port.name] = port
        return port

    def namespace(self, path: str, **kwargs: Any) -> PortNamespace:
        """Get or create the namespace at dotted ``path``; keyword arguments update it."""
        *parents, name = path.split(".")
        parent = self.namespace(".".join(parents)) if parents else self
        existing = parent.ports.get(name)
        if existing is None:
            existing = PortNamespace(name, port_class=self.port_class, **kwargs)
            parent[name] = existing
        elif not isinstance(existing, PortNamespace):
            raise SpecError(f"'{path}' is already a port, not a namespace.")
        else:
            for key, value in kwargs.items():
                setattr(existing, key, value)
        return existing

    def create_port_namespace(self, path: str, **kwargs: Any) -> PortNamespace:
        """AiiDA's name for :meth:`namespace`."""
        return self.namespace(path, **kwargs)

    def get_port(self, path: str) -> Port | None:
        """The port at dotted ``path``, or None if there is none."""
        node: Port = self
        for part in path.split("."):
            if not isinstance(node, PortNamespace) or part not in node.ports:
                return None
            node = node.ports[part]
        return node

    # -- using ----------------------------------------------------------------------------------------------------
    def pre_process(
        self,
        values: Mapping[str, Any] | None,
        path: str = "",
        owner: str = "",
        problems: list[str] | None = None,
    ) -> dict[str, Any]:
        """Serialize plain values and fill in defaults. Values that cannot be serialized become ``problems`` (raised
        as one ValidationError when no list is given)."""
        found: list[str] = [] if problems is None else problems
        result = self._pre_process(values, path, owner or self.name or "the namespace", found)
        if problems is None and found:
            raise ValidationError("Invalid values", found)
        return result

    def _pre_process(
        self, values: Mapping[str, Any] | None, path: str, owner: str, problems: list[str]
    ) -> dict[str, Any]:
        values = dict(values or {})
        result: dict[str, Any] = {}
        for name, port in self.ports.items():
            here = f"{path}{name}"
            if name in values:
                result[name] = _pre_process_one(port, values.pop(name), here, owner, problems)
            elif isinstance(port, InputPort) and port.has_default:
                result[name] = _serialize(port, port.default_value(), here, owner, problems)
            elif isinstance(port, PortNamespace) and port.ports and port.populate_defaults:
                filled = port._pre_process({}, f"{here}.", owner, problems)
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

    def serialize(self, mapping: Mapping[str, Any] | None, breadcrumbs: Sequence[str] = ()) -> dict[str, Any] | None:
        """``mapping`` with the values of its input ports serialized, recursively (AiiDA's). Raises
        SerializationError naming the namespace that got something else than a dict, or a value that cannot be
        serialized."""
        if mapping is None:
            return None
        here = (*breadcrumbs, self.name)
        if not isinstance(mapping, Mapping):
            raise SerializationError(
                f"Port namespace '{breadcrumbs_to_port(here)}' expects a dict of values (got {_describe(mapping)})."
            )
        result: dict[str, Any] = {}
        for name, value in mapping.items():
            port = self.ports.get(name)
            if isinstance(port, PortNamespace):
                result[name] = port.serialize(value, here)
            elif isinstance(port, InputPort):
                result[name] = port.serialize(value)
            else:
                result[name] = value
        return result

    def validate(self, value: Any = UNSPECIFIED, breadcrumbs: Sequence[str] = ()) -> PortValidationError | None:
        """What is wrong with ``value`` (a dict) for this namespace, as AiiDA's: every problem found, in one
        PortValidationError, or None when it is fine."""
        path = breadcrumbs_to_port((*breadcrumbs, self.name))
        if value is UNSPECIFIED or value is None:
            value = {}
        if not isinstance(value, Mapping):
            return PortValidationError(f"expects a dict (got {_describe(value)})", path)
        if not value and not self.required:
            return None
        problems = self.validate_values(value, f"{path}." if path else "", f"'{path}'" if path else "the namespace")
        return PortValidationError("; ".join(problems), path) if problems else None

    def problems_with(self, value: Any, path: str, owner: str) -> list[str]:
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
                problems += port.problems_with(values[name], f"{path}{name}", owner)
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
            return value, problems if value is INVALID else problems + port.problems_with(value, here, owner)
        value = self._pre_process_undeclared(value, here, owner, problems)
        return value, problems if value is INVALID else problems + self._undeclared_problems(value, here, owner)

    def _undeclared_problems(self, value: Any, path: str, owner: str) -> list[str]:
        if not self.dynamic:
            return [f"{owner} has no {self._noun} '{path}'; known: {', '.join(sorted(self.ports)) or 'none'}"]
        if self.valid_type is None:
            return []
        if isinstance(value, Mapping) and not isinstance(value, self.valid_type):  # a nested dynamic namespace
            return [
                problem
                for key, item in value.items()
                if item is not INVALID
                for problem in self._undeclared_problems(item, f"{path}.{key}", owner)
            ]
        if not isinstance(value, self.valid_type):
            return [
                f"'{path}' of {owner} expects {type_names(self.valid_type)} "
                f"(got {_describe(value)}){_fix_hint(self.valid_type)}"
            ]
        return []

    @property
    def _noun(self) -> str:
        return "output" if self.port_class is OutputPort else "input"

    def absorb(
        self,
        other: PortNamespace,
        exclude: Sequence[str] | None = None,
        include: Sequence[str] | None = None,
        namespace_options: Mapping[str, Any] | None = None,
    ) -> list[str]:
        """Take over the ports of ``other`` (copies, so that changing them here leaves ``other`` alone), and its
        namespace properties (``dynamic``, ``valid_type``, ``required``, ...) overridden by ``namespace_options``, as
        AiiDA's. ``include``/``exclude`` (one or the other) name ports, nested ones dotted ('ns.x'). Returns the
        names of the ports taken over."""
        from ._expose import absorb_ports  # exposing ports is its own module; it imports this one

        if not isinstance(other, PortNamespace):
            raise SpecError(f"absorb() takes a PortNamespace, not {type(other).__name__} {other!r}.")
        return absorb_ports(other, self, exclude=exclude, include=include, namespace_options=namespace_options)


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
    return port._pre_process(value, f"{path}.", owner, problems) if isinstance(value, Mapping) else value


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
