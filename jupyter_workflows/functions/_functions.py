"""Process functions: ``@calcfunction`` (creates data) and ``@workfunction`` (calls processes, returns data).

The decorated function keeps working as a function: calling it runs a process (synchronously, on the loop that
is already running), stores provenance and returns the result node(s). Parameters become input ports (annotations
give their types), one return value becomes the output ``result``, a dict of values becomes several outputs.
``async def`` functions are supported: awaiting inside them lets other processes and the kernel go on.
"""

from __future__ import annotations

import functools
import hashlib
import inspect
import linecache
import sys
import textwrap
import types
from collections.abc import Callable, Iterator, Mapping
from typing import Any, ClassVar

from .._code import origin_module
from .._core import (
    UNSPECIFIED,
    ArgumentError,
    ExitCode,
    FrozenAttributeDict,
    InputPort,
    LabelClashError,
    PortNamespace,
    ProcessBuilder,
    SpecError,
)
from .._core._port_tree import port_tree_text
from .._processes import Process, ProcessSpec, result_of, run, run_async
from ..nodes import CalcFunctionNode, Data, ProcessNode, WorkFunctionNode, to_node
from ._signature import parameter_help, type_hints, valid_types

__all__ = ["FunctionProcess", "ProcessFunction", "calcfunction", "workfunction"]

_VARIADIC = (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)
_POSITIONAL = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)


class FunctionProcess(Process):
    """The process that runs one process function. Built per function by :meth:`build`."""

    _spec_class = ProcessSpec
    node_class: ClassVar[type[ProcessNode]] = ProcessNode
    _func: ClassVar[Callable[..., Any]]
    _signature: ClassVar[inspect.Signature]
    _hints: ClassVar[dict[str, Any]]
    _is_async: ClassVar[bool] = False
    _code_digest: ClassVar[str | None] = None  # see code_digest()
    _plain_parameters: ClassVar[tuple[str, ...] | None] = None  # see inputs_from_call()
    _recorded_source: ClassVar[tuple[dict[str, Any], str | None] | None] = None  # see recorded_source()

    @classmethod
    def build(
        cls, func: Callable[..., Any], node_class: type[ProcessNode], scope: Mapping[str, Any] | None = None
    ) -> type[FunctionProcess]:
        """The process class of ``func``; its annotations are resolved now, in its module and in ``scope`` (the
        namespace it was defined in), so that one that does not resolve is refused at once."""
        name = func.__name__
        is_async = inspect.iscoroutinefunction(func)
        is_calculation = issubclass(node_class, CalcFunctionNode)
        signature = inspect.signature(func)
        parameters = signature.parameters.values()
        plain = all(p.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD and p.name != "metadata" for p in parameters)
        namespace = {
            "_func": staticmethod(func),
            "_signature": signature,
            "_plain_parameters": tuple(p.name for p in parameters) if plain else None,
            "_hints": type_hints(func, scope),
            "_is_async": is_async,
            "runs_inline": is_calculation and not is_async,
            "writes_at_end": is_calculation,
            "single_result": True,
            "node_class": node_class,
            "node_kind": "calcfunction" if is_calculation else "workfunction",
            "__module__": func.__module__,
            "__qualname__": f"{getattr(func, '__qualname__', name)}.process_class",
            "__doc__": func.__doc__,
        }
        return type(name, (cls,), namespace)

    @classmethod
    def define(cls, spec: ProcessSpec) -> None:  # type: ignore[override]
        super().define(spec)
        helps = parameter_help(cls._func.__doc__)
        for parameter in cls._signature.parameters.values():
            if parameter.kind in _VARIADIC:
                spec.inputs.dynamic = True
            elif parameter.name == "metadata":
                cls._check_metadata_default(spec)
            else:
                has_default = parameter.default is not inspect.Parameter.empty
                spec.input(
                    parameter.name,
                    valid_type=valid_types(cls._hints.get(parameter.name, Any), parameter.default),
                    default=parameter.default if has_default and parameter.default is not None else UNSPECIFIED,
                    required=not has_default,
                    help=helps.get(parameter.name),
                )
        label = spec.inputs.get_port("metadata.label")
        if isinstance(label, InputPort):  # as in AiiDA: a run is labelled with the function's name unless told
            label.default = cls._func.__name__
        spec.inputs.help = inspect.getdoc(cls._func)
        spec.outputs.dynamic = True
        spec.outputs.valid_type = Data

    @classmethod
    def _metadata_default(cls) -> Any:
        """The default of a parameter named ``metadata``: the metadata of a call that gives none."""
        parameter = cls._signature.parameters.get("metadata")
        if parameter is None or parameter.kind in _VARIADIC or parameter.default in (inspect.Parameter.empty, None):
            return None
        return parameter.default

    @classmethod
    def _check_metadata_default(cls, spec: ProcessSpec) -> None:
        default = cls._metadata_default()
        if default is None:
            return
        ports = spec.inputs.get_port("metadata")
        known = sorted(ports) if isinstance(ports, PortNamespace) else []
        if not isinstance(default, Mapping) or set(default) - set(known):
            raise SpecError(
                f"{cls.__name__}: the parameter 'metadata' is the metadata of a run, and its default must be a dict of "
                f"{', '.join(known)} (got {default!r}); rename the parameter if it is an input."
            )

    @classmethod
    def build_process_type(cls) -> str:
        """``module.qualname`` of the function (``__main__.add`` for one defined in a notebook, also where its code
        travelled to)."""
        return f"{origin_module(cls._func.__module__)}.{getattr(cls._func, '__qualname__', cls.__name__)}"

    @classmethod
    def code_digest(cls) -> str:
        """The function's identity and source (its bytecode where there is no source), computed once per function
        object: a function redefined with another body (a re-run cell) gets another digest."""
        digest: str | None = cls.__dict__.get("_code_digest")
        if digest is None:
            digest = f"{cls.build_process_type()}:{source_digest(cls._func)}"
            cls._code_digest = digest
        return digest

    @classmethod
    def recorded_source(cls) -> tuple[dict[str, Any], str | None]:
        """The function's name, namespace and lines, and the text of the file (or notebook cell) it is defined in, as
        AiiDA's ``store_source_info`` records them; found once per function object."""
        found: tuple[dict[str, Any], str | None] | None = cls.__dict__.get("_recorded_source")
        if found is None:
            found = cls._recorded_source = function_source(cls._func)
        return found

    # -- running -------------------------------------------------------------------------------------------------------
    def _run(self) -> Any:
        args, kwargs = self._arguments()
        result = self._user(self._func, *args, **kwargs)
        return self._await_user(result) if self._is_async else result

    def _finish(self, result: Any) -> None:
        # The outputs are gathered by the node and written with the final state: one commit, and never a finished
        # node without its outputs.
        super()._finish(self._register_result(result))

    @classmethod
    def inputs_from_call(cls, args: tuple[Any, ...], kwargs: dict[str, Any]) -> dict[str, Any]:
        """Map a call's arguments to input names (``*args`` become ``args_0``, ``args_1``, ...). ``metadata=...``
        is the metadata of the run (the default of a parameter named ``metadata`` if the call gives none)."""
        names = cls._plain_parameters
        if names is not None and not kwargs and len(args) == len(names):  # the common call, without binding
            return dict(zip(names, args, strict=True))
        kwargs = dict(kwargs)
        signature = cls._signature
        metadata_parameter = "metadata" in signature.parameters
        metadata = None if metadata_parameter else kwargs.pop("metadata", None)
        try:
            bound = signature.bind(*args, **kwargs)
        except TypeError as error:
            tree = port_tree_text(cls.spec().inputs, f"Inputs of {cls.__name__}")
            raise ArgumentError(f"Invalid call of {cls.__name__}{signature}", [str(error)], port_tree=tree) from None
        inputs: dict[str, Any] = {}
        variadic: dict[str, Any] = {}
        for name, value in bound.arguments.items():
            kind = signature.parameters[name].kind
            if kind is inspect.Parameter.VAR_POSITIONAL:
                variadic.update({f"{name}_{i}": item for i, item in enumerate(value)})
            elif kind is inspect.Parameter.VAR_KEYWORD:
                inputs.update(value)
            elif name == "metadata":
                metadata = value
            else:
                inputs[name] = value
        cls._check_labels(variadic, {*signature.parameters, *inputs})
        inputs.update(variadic)
        if metadata is None:
            metadata = cls._metadata_default()
        if metadata is not None:
            inputs["metadata"] = dict(metadata) if isinstance(metadata, Mapping) else metadata
        return inputs

    @classmethod
    def _check_labels(cls, variadic: Mapping[str, Any], taken: set[str]) -> None:
        """As in AiiDA: an item of ``*args`` whose label is also a parameter's or a keyword's name is refused (the
        one would silently overwrite the other)."""
        clashes = [label for label in variadic if label in taken]
        if clashes:
            problems = [
                f"the variadic argument with index `{label.rsplit('_', 1)[1]}` would get the label `{label}` but this "
                f"is already the name of another argument; rename the parameter or keyword `{label}`"
                for label in clashes
            ]
            raise LabelClashError(f"Invalid call of {cls.__name__}{cls._signature}", problems)

    def _arguments(self) -> tuple[list[Any], dict[str, Any]]:
        """The inverse of :meth:`inputs_from_call`: the function's arguments from the validated inputs."""
        # A namespace reaches the body as a dict of its own (AttributeDict): the body is a plain Python function.
        values = {k: v.thawed() if isinstance(v, FrozenAttributeDict) else v for k, v in self.inputs.items()}
        values.pop("metadata", None)
        args: list[Any] = []
        kwargs: dict[str, Any] = {}
        for parameter in self._signature.parameters.values():
            name, kind = parameter.name, parameter.kind
            if name == "metadata" and kind not in _VARIADIC:  # the function sees its own default, as in AiiDA
                required = parameter.default is inspect.Parameter.empty
                value = dict(self.inputs.get("metadata", {})) if required else parameter.default
                if kind in _POSITIONAL:
                    args.append(value)
                elif required:
                    kwargs[name] = value
            elif kind in _POSITIONAL:
                args.append(values.pop(name, parameter.default))
            elif kind is inspect.Parameter.VAR_POSITIONAL:
                prefix = f"{name}_"
                labels = [k for k in values if k.startswith(prefix) and k[len(prefix) :].isdigit()]
                args.extend(values.pop(k) for k in sorted(labels, key=lambda k: int(k[len(prefix) :])))
            elif kind is inspect.Parameter.KEYWORD_ONLY:
                if name in values:
                    kwargs[name] = values.pop(name)
            else:
                kwargs.update(values)
        return args, kwargs

    def _register_result(self, result: Any) -> ExitCode | None:
        """A value is the output ``result``; a dict gives one output per key, a nested dict (or a dotted key)
        outputs in namespaces, linked as ``namespace__key``."""
        if isinstance(result, ExitCode):
            return result
        if result is None:
            return None
        if isinstance(result, Mapping) and not isinstance(result, Data):
            for label, value in _leaves(result, ""):
                self.out(label, self._as_output(value))
        else:
            self.out("result", self._as_output(result))
        return None

    def _as_output(self, value: Any) -> Any:
        return to_node(value) if not isinstance(value, Data) else value


def _leaves(values: Mapping[Any, Any], prefix: str) -> Iterator[tuple[str, Any]]:
    for key, value in values.items():
        if isinstance(value, Mapping):  # an empty one is an empty namespace: no output
            yield from _leaves(value, f"{prefix}{key}.")
        else:
            yield f"{prefix}{key}", value


def source_digest(func: Callable[..., Any]) -> str:
    """A digest of the function's source (a notebook cell's too: IPython keeps cells in ``linecache``), dedented; of
    its bytecode and constants when there is no source (``exec``'d code)."""
    try:
        text = textwrap.dedent(inspect.getsource(func))
    except (OSError, TypeError):
        code = getattr(func, "__code__", None)
        text = _code_text(code) if isinstance(code, types.CodeType) else repr(func)
    return hashlib.sha256(text.encode("utf-8", "backslashreplace")).hexdigest()


def function_source(func: Callable[..., Any]) -> tuple[dict[str, Any], str | None]:
    """AiiDA's source attributes of a function and the text of its file; a notebook cell's text too (IPython keeps
    cells in ``linecache``, where AiiDA finds no file)."""
    attributes: dict[str, Any] = {"function_name": func.__name__}
    namespace = getattr(func, "__globals__", {}).get("__name__")
    if isinstance(namespace, str):
        attributes["function_namespace"] = namespace
    try:
        lines, first = inspect.getsourcelines(func)
    except (OSError, TypeError):
        return attributes, None
    attributes["function_starting_line_number"] = first
    attributes["function_number_of_lines"] = len(lines)
    code = getattr(func, "__code__", None)
    filename = code.co_filename if isinstance(code, types.CodeType) else inspect.getsourcefile(func)
    text = "".join(linecache.getlines(filename)) if filename else ""
    return attributes, text or None


def _code_text(code: types.CodeType) -> str:
    """Bytecode, names and constants of a code object (nested functions' too), without addresses or line numbers."""
    parts = [code.co_code.hex(), repr(code.co_names), repr(code.co_varnames)]
    for constant in code.co_consts:
        if isinstance(constant, types.CodeType):
            parts.append(_code_text(constant))
        elif isinstance(constant, frozenset):  # its repr's order varies with string hashing between runs
            parts.append(repr(sorted(map(repr, constant))))
        else:
            parts.append(repr(constant))
    return "\0".join(parts)


class ProcessFunction:
    """A function decorated with @calcfunction or @workfunction. Call it like the function to run it."""

    __name__: str

    def __init__(
        self, func: Callable[..., Any], node_class: type[ProcessNode], scope: Mapping[str, Any] | None = None
    ) -> None:
        functools.update_wrapper(self, func)
        self.func = func
        self.process_class = FunctionProcess.build(func, node_class, scope)
        self.process_class.spec()  # a mistake in the signature shows now, where the function is defined
        self.is_process_function = True

    def __repr__(self) -> str:
        return f"<{self.process_class.node_kind} {self.__name__}>"

    @property
    def node_class(self) -> type[ProcessNode]:
        """The class of the nodes of its runs: CalcFunctionNode or WorkFunctionNode."""
        return self.process_class.node_class

    def spec(self) -> ProcessSpec:
        return self.process_class.spec()

    def get_builder(self) -> ProcessBuilder:
        """A builder for the function's inputs (one per parameter), launched with ``run(builder)``."""
        return self.process_class.get_builder()

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.run_get_node(*args, **kwargs)[0]

    def run_get_node(self, *args: Any, **kwargs: Any) -> tuple[Any, ProcessNode]:
        """Run the function as a process and return ``(result, node)``."""
        process = run(self.process_class, self.process_class.inputs_from_call(args, kwargs))
        return result_of(process), process.node  # type: ignore[return-value]

    def run_get_pk(self, *args: Any, **kwargs: Any) -> tuple[Any, int]:
        result, node = self.run_get_node(*args, **kwargs)
        return result, node.pk  # type: ignore[return-value]

    async def run_async(self, *args: Any, **kwargs: Any) -> Any:
        """Run the function as a task on the running loop and await its result."""
        return result_of(await run_async(self.process_class, self.process_class.inputs_from_call(args, kwargs)))

    def __get__(self, instance: Any, owner: Any = None) -> Any:
        return self if instance is None else functools.partial(self, instance)


def calcfunction(func: Callable[..., Any]) -> ProcessFunction:
    """Make ``func`` a calculation: it takes data and creates new data (CREATE links); it cannot call processes."""
    return ProcessFunction(func, CalcFunctionNode, sys._getframe(1).f_locals)


def workfunction(func: Callable[..., Any]) -> ProcessFunction:
    """Make ``func`` a workflow: it calls calcfunctions and workflows and returns data they created (RETURN links)."""
    return ProcessFunction(func, WorkFunctionNode, sys._getframe(1).f_locals)
