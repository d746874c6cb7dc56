"""ProcessSpec: what a process class declares (inputs, outputs, exit codes), as AiiDA/plumpy's ``define(cls, spec)``."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from ._errors import SpecError
from ._exit_code import BUILTIN_EXIT_CODES, ExitCode, ExitCodes
from ._expose import Exposed, expose_ports
from ._ports import UNSPECIFIED, InputPort, OutputPort, PortNamespace

__all__ = ["ProcessSpec"]


class ProcessSpec:
    """Inputs, outputs and exit codes of a process class.

    ``default_input_type`` is the ``valid_type`` of inputs declared without one (that store nodes: a ``non_db``
    or metadata input takes any value unless it says otherwise), and ``serializer`` turns plain
    Python values given to inputs into nodes (both are set by the layer that knows about nodes).
    """

    default_input_type: type | tuple[type, ...] | None = None
    default_output_type: type | tuple[type, ...] | None = None
    serializer: Callable[[Any], Any] | None = None

    def __init__(self) -> None:
        self.inputs = PortNamespace(port_class=InputPort, serializer=self.serializer)
        self.outputs = PortNamespace(port_class=OutputPort)
        self.exit_codes = ExitCodes(BUILTIN_EXIT_CODES)
        self.exposed_inputs: Exposed = {}  # what expose_inputs took over, see _expose
        self.exposed_outputs: Exposed = {}
        self.sealed = False
        self.defined_by_base = False  # set by Process.define: a define() that skips super().define(spec) is refused

    # -- declaring ------------------------------------------------------------------------------------------------
    def input(
        self,
        name: str,
        valid_type: type | tuple[type, ...] | None = UNSPECIFIED,
        *,
        default: Any = UNSPECIFIED,
        required: bool = True,
        validator: Callable[..., str | None] | None = None,
        help: str | None = None,
        serializer: Callable[[Any], Any] | None = UNSPECIFIED,
        non_db: bool | None = None,
        is_metadata: bool | None = None,
    ) -> InputPort:
        """Declare an input; ``name`` may be dotted ('code.parameters') to place it in a namespace."""
        self._check_open()
        port = InputPort(
            name.rsplit(".", 1)[-1],
            valid_type=None if valid_type is UNSPECIFIED else valid_type,
            default=default,
            required=required,
            validator=validator,
            help=help,
            serializer=None if serializer is UNSPECIFIED else serializer,  # None: the namespace's, unless metadata
            non_db=non_db,
            is_metadata=is_metadata,
        )
        self.inputs.add(name, port)
        if valid_type is UNSPECIFIED and not (port.non_db or port.is_metadata):  # flags known once it is placed
            port.valid_type = self.default_input_type  # a value passed on as it is takes any type
        return port

    def output(
        self,
        name: str,
        valid_type: type | tuple[type, ...] | None = UNSPECIFIED,
        *,
        required: bool = True,
        validator: Callable[..., str | None] | None = None,
        help: str | None = None,
    ) -> OutputPort:
        self._check_open()
        port = OutputPort(
            name.rsplit(".", 1)[-1],
            valid_type=self.default_output_type if valid_type is UNSPECIFIED else valid_type,
            required=required,
            validator=validator,
            help=help,
        )
        return self.outputs.add(name, port)  # type: ignore[return-value]

    def input_namespace(self, name: str, **kwargs: Any) -> PortNamespace:
        """Declare a namespace of inputs (``dynamic=True`` accepts any names, optionally of ``valid_type``)."""
        self._check_open()
        return self.inputs.namespace(name, **kwargs)

    def output_namespace(self, name: str, **kwargs: Any) -> PortNamespace:
        self._check_open()
        return self.outputs.namespace(name, **kwargs)

    def exit_code(self, status: int, label: str, message: str, invalidates_cache: bool = False) -> ExitCode:
        """Declare an exit code: a status (an int >= 0), a label (``self.exit_codes.LABEL``) and a message, which may
        hold ``{placeholders}`` for ``.format(...)``. A label declared again (in a subclass) takes the new code."""
        declared: list[tuple[str, object, type]] = [
            ("status", status, int),
            ("label", label, str),
            ("message", message, str),
            ("invalidates_cache", invalidates_cache, bool),
        ]
        problems = [
            f"{what} must be {kind.__name__} (got {type(value).__name__} {value!r})"
            for what, value, kind in declared
            if not isinstance(value, kind) or (kind is int and isinstance(value, bool))
        ]
        if problems:
            raise SpecError(f"Invalid exit code {label!r}: {'; '.join(problems)}.")
        if status < 0:
            raise SpecError(f"Invalid exit code {label!r}: its status must be 0 or more (got {status}).")
        code = ExitCode(status, message, invalidates_cache)
        self.exit_codes[label] = code
        return code

    def expose_inputs(
        self,
        process_class: Any,
        namespace: str | None = None,
        exclude: Sequence[str] | None = None,
        include: Sequence[str] | None = None,
        namespace_options: dict[str, Any] | None = None,
    ) -> None:
        """Take over the inputs of ``process_class`` (a process class or process function), into ``namespace`` if
        given, to pass them on later with ``self.exposed_inputs(process_class, namespace)``. ``include``/``exclude``
        (one of them) name the ports, 'ns.port' for nested ones; ``namespace_options`` override properties of the
        namespace (``dynamic``, ``required``, ``help``, ...)."""
        self._check_open()
        source = process_class.spec().inputs
        expose_ports(
            process_class,
            source,
            self.inputs,
            self.exposed_inputs,
            namespace=namespace,
            exclude=exclude,
            include=include,
            namespace_options=namespace_options,
        )

    def expose_outputs(
        self,
        process_class: Any,
        namespace: str | None = None,
        exclude: Sequence[str] | None = None,
        include: Sequence[str] | None = None,
        namespace_options: dict[str, Any] | None = None,
    ) -> None:
        """Take over the outputs of ``process_class``, into ``namespace`` if given, to register them later with
        ``self.out_many(self.exposed_outputs(node, process_class, namespace))``."""
        self._check_open()
        source = process_class.spec().outputs
        expose_ports(
            process_class,
            source,
            self.outputs,
            self.exposed_outputs,
            namespace=namespace,
            exclude=exclude,
            include=include,
            namespace_options=namespace_options,
        )

    def _check_open(self) -> None:
        if self.sealed:
            raise SpecError("The spec is sealed: declare ports and exit codes inside define(cls, spec) only.")
