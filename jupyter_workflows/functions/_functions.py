"""Process functions: ``@calcfunction`` (creates data) and ``@workfunction`` (calls processes, returns data).

The decorated function keeps working as a function: calling it runs a process (synchronously, on the loop that
is already running), stores provenance and returns the result node(s). Parameters become input ports (annotations
give their types), one return value becomes the output ``result``, a dict of values becomes several outputs.
``async def`` functions are supported: awaiting inside them lets other processes and the kernel go on.
"""

from __future__ import annotations

import functools
import inspect
import sys
import types
import typing
from collections.abc import Callable, Mapping
from typing import Any, ClassVar

from .._core import UNSPECIFIED, ExitCode, SpecError, ValidationError
from .._processes import Process, ProcessSpec, result_of, run, run_async
from ..nodes import (
    ArrayData,
    Bool,
    CalcFunctionNode,
    Data,
    Dict,
    Float,
    Int,
    List,
    ProcessNode,
    Str,
    WorkFunctionNode,
    to_node,
)

__all__ = ["FunctionProcess", "ProcessFunction", "calcfunction", "workfunction"]

_ANNOTATION_TYPES: dict[Any, Any] = {
    int: Int,
    float: (Float, Int),
    str: Str,
    bool: Bool,
    list: List,
    dict: Dict,
}


class FunctionProcess(Process):
    """The process that runs one process function. Built per function by :meth:`build`."""

    _spec_class = ProcessSpec
    node_class: ClassVar[type[ProcessNode]] = ProcessNode
    _func: ClassVar[Callable[..., Any]]
    _signature: ClassVar[inspect.Signature]
    _hints: ClassVar[dict[str, Any]]
    _is_async: ClassVar[bool] = False

    @classmethod
    def build(
        cls, func: Callable[..., Any], node_class: type[ProcessNode], scope: Mapping[str, Any] | None = None
    ) -> type[FunctionProcess]:
        """The process class of ``func``; its annotations are resolved now, in its module and in ``scope`` (the
        namespace it was defined in), so that one that does not resolve is refused at once."""
        name = func.__name__
        is_async = inspect.iscoroutinefunction(func)
        is_calculation = issubclass(node_class, CalcFunctionNode)
        namespace = {
            "_func": staticmethod(func),
            "_signature": inspect.signature(func),
            "_hints": _type_hints(func, scope),
            "_is_async": is_async,
            "runs_inline": is_calculation and not is_async,
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
        hints = cls._hints
        for parameter in cls._signature.parameters.values():
            if parameter.kind is inspect.Parameter.VAR_KEYWORD or parameter.kind is inspect.Parameter.VAR_POSITIONAL:
                spec.inputs.dynamic = True
                continue
            if parameter.name == "metadata":
                raise SpecError(f"{cls.__name__}: the parameter name 'metadata' is reserved; rename it.")
            valid_type, optional = _port_type(hints.get(parameter.name, UNSPECIFIED))
            has_default = parameter.default is not inspect.Parameter.empty
            default = parameter.default if has_default and parameter.default is not None else UNSPECIFIED
            spec.input(
                parameter.name,
                valid_type=valid_type,
                default=default,
                required=not (has_default or optional),
            )
        spec.outputs.dynamic = True
        spec.outputs.valid_type = Data

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
        """Map a call's arguments to input names (``*args`` become ``args_0``, ``args_1``, ...)."""
        kwargs = dict(kwargs)
        inputs: dict[str, Any] = {"metadata": kwargs.pop("metadata")} if "metadata" in kwargs else {}
        try:
            bound = cls._signature.bind(*args, **kwargs)
        except TypeError as error:
            raise ValidationError(f"Invalid call of {cls.__name__}{cls._signature}", [str(error)]) from None
        for name, value in bound.arguments.items():
            kind = cls._signature.parameters[name].kind
            if kind is inspect.Parameter.VAR_POSITIONAL:
                inputs.update({f"{name}_{i}": item for i, item in enumerate(value)})
            elif kind is inspect.Parameter.VAR_KEYWORD:
                inputs.update(value)
            else:
                inputs[name] = value
        return inputs

    def _arguments(self) -> tuple[list[Any], dict[str, Any]]:
        """The inverse of :meth:`inputs_from_call`: the function's arguments from the validated inputs."""
        values = {k: v for k, v in self.inputs.items() if k != "metadata"}
        args: list[Any] = []
        kwargs: dict[str, Any] = {}
        for parameter in self._signature.parameters.values():
            if parameter.kind in (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD):
                args.append(values.pop(parameter.name, parameter.default))
            elif parameter.kind is inspect.Parameter.VAR_POSITIONAL:
                prefix = f"{parameter.name}_"
                extra = sorted((k for k in values if k.startswith(prefix)), key=lambda k: int(k[len(prefix) :]))
                args.extend(values.pop(k) for k in extra)
            elif parameter.kind is inspect.Parameter.KEYWORD_ONLY:
                if parameter.name in values:
                    kwargs[parameter.name] = values.pop(parameter.name)
            else:
                kwargs.update(values)
        return args, kwargs

    def _register_result(self, result: Any) -> ExitCode | None:
        if isinstance(result, ExitCode):
            return result
        if result is None:
            return None
        if isinstance(result, Mapping) and not isinstance(result, Data):
            for label, value in result.items():
                self.out(str(label), self._as_output(value))
        else:
            self.out("result", self._as_output(result))
        return None

    def _as_output(self, value: Any) -> Any:
        return to_node(value) if not isinstance(value, Data) else value


def _type_hints(func: Callable[..., Any], scope: Mapping[str, Any] | None) -> dict[str, Any]:
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


def _port_type(annotation: Any) -> tuple[Any, bool]:
    """(valid_type, optional) for a parameter annotation; unknown annotations accept any data."""
    if annotation is UNSPECIFIED or annotation is inspect.Parameter.empty:
        return Data, False
    origin = typing.get_origin(annotation)
    if origin is typing.Union or (hasattr(types, "UnionType") and origin is types.UnionType):
        members = [a for a in typing.get_args(annotation) if a is not type(None)]
        optional = len(members) < len(typing.get_args(annotation))
        if len(members) == 1:
            return _port_type(members[0])[0], optional
        return Data, optional
    if isinstance(annotation, type) and issubclass(annotation, Data):
        return annotation, False
    if getattr(annotation, "__module__", "") == "numpy" and getattr(annotation, "__name__", "") == "ndarray":
        return ArrayData, False
    return _ANNOTATION_TYPES.get(origin or annotation, Data), False


class ProcessFunction:
    """A function decorated with @calcfunction or @workfunction. Call it like the function to run it."""

    __name__: str

    def __init__(
        self, func: Callable[..., Any], node_class: type[ProcessNode], scope: Mapping[str, Any] | None = None
    ) -> None:
        functools.update_wrapper(self, func)
        self.func = func
        self.process_class = FunctionProcess.build(func, node_class, scope)
        self.is_process_function = True

    def __repr__(self) -> str:
        return f"<{self.process_class.node_kind} {self.__name__}>"

    def spec(self) -> ProcessSpec:
        return self.process_class.spec()

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
