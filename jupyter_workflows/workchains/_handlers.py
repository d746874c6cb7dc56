"""Process handlers: the methods of a BaseRestartWorkChain that look at a finished child and decide what to do next.

``@process_handler`` (bare, or with ``priority``, ``exit_codes`` and ``enabled``) marks a method ``(self, node)``; a
handler returns None when the problem is not its business, or a ``ProcessHandlerReport`` when it dealt with it.
"""

from __future__ import annotations

import inspect
import types
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple, overload

from .._core import ExitCode

__all__ = ["ProcessHandler", "ProcessHandlerReport", "process_handler"]


class ProcessHandlerReport(NamedTuple):
    """What a process handler returns when it dealt with the child's problem.

    ``do_break=True``: call no further handlers for this child. ``exit_code`` with a non-zero status: the
    BaseRestartWorkChain stops with it; status 0 (the default): run the child again (with ``self.ctx.inputs``).
    """

    do_break: bool = False
    exit_code: ExitCode = ExitCode()


class ProcessHandler:
    """A method marked with ``@process_handler``. Reading it from a class gives the handler itself (so that
    ``handler(workchain, node)`` calls it), from an instance a bound method ``handler(node)``."""

    def __init__(
        self, function: types.FunctionType, *, priority: int, exit_codes: tuple[ExitCode, ...] | None, enabled: bool
    ) -> None:
        self.function = function
        self.priority = priority
        self.exit_codes = exit_codes
        self.enabled = enabled
        self.__name__ = function.__name__
        self.__qualname__ = function.__qualname__
        self.__doc__ = function.__doc__
        self.__wrapped__ = function

    def __repr__(self) -> str:
        return f"<process handler {self.__qualname__} priority={self.priority} enabled={self.enabled}>"

    def __get__(self, instance: Any, owner: type | None = None) -> Any:
        return self if instance is None else types.MethodType(self, instance)

    def __call__(self, workchain: Any, node: Any) -> ProcessHandlerReport | None:
        """Call the handler for ``node``, unless ``exit_codes`` was given and names no exit status of ``node``."""
        if self.exit_codes is not None and node.exit_status not in {code.status for code in self.exit_codes}:
            return None
        result: ProcessHandlerReport | None = self.function(workchain, node)
        return result


@overload
def process_handler(wrapped: Callable[..., Any]) -> ProcessHandler: ...


@overload
def process_handler(
    wrapped: None = None,
    *,
    priority: int = 0,
    exit_codes: ExitCode | Sequence[ExitCode] | None = None,
    enabled: bool = True,
) -> Callable[[Callable[..., Any]], ProcessHandler]: ...


def process_handler(
    wrapped: Callable[..., Any] | None = None,
    *,
    priority: int = 0,
    exit_codes: ExitCode | Sequence[ExitCode] | None = None,
    enabled: bool = True,
) -> ProcessHandler | Callable[[Callable[..., Any]], ProcessHandler]:
    """Mark a method ``(self, node)`` of a BaseRestartWorkChain as a process handler: ``inspect_process`` calls it
    with the node of each child that ended.

    ``priority``: handlers run highest first (default 0). ``exit_codes``: an ExitCode or a list of them; the handler
    is only called for a child that finished with one of their statuses. ``enabled=False``: skipped unless the
    ``handler_overrides`` input enables it. Use it bare (``@process_handler``) or with keywords only.
    """
    if wrapped is None:
        codes = _exit_codes(exit_codes)
        _check_options(priority, enabled)
        return lambda function: _handler(function, priority, codes, enabled)
    return _handler(wrapped, priority, _exit_codes(exit_codes), enabled)


def _handler(
    function: Callable[..., Any], priority: int, exit_codes: tuple[ExitCode, ...] | None, enabled: bool
) -> ProcessHandler:
    if not isinstance(function, types.FunctionType):
        raise TypeError(
            f"@process_handler decorates a method (self, node), got {type(function).__name__} {function!r}; pass "
            "its options as keywords: @process_handler(priority=400, exit_codes=..., enabled=...)."
        )
    _check_options(priority, enabled)
    positional = [
        p
        for p in inspect.signature(function).parameters.values()
        if p.kind in (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    ]
    if len(positional) != 2:
        raise TypeError(
            f"Process handler {function.__name__} has the signature {inspect.signature(function)}; a process "
            f"handler takes (self, node): def {function.__name__}(self, node)."
        )
    return ProcessHandler(function, priority=priority, exit_codes=exit_codes, enabled=enabled)


def _check_options(priority: object, enabled: object) -> None:
    if not isinstance(priority, int) or isinstance(priority, bool):
        raise TypeError(f"The priority of a process handler is an int (got {type(priority).__name__} {priority!r}).")
    if not isinstance(enabled, bool):
        raise TypeError(f"enabled of a process handler is True or False (got {type(enabled).__name__} {enabled!r}).")


def _exit_codes(exit_codes: object) -> tuple[ExitCode, ...] | None:
    if exit_codes is None:
        return None
    codes = [exit_codes] if isinstance(exit_codes, ExitCode) or not isinstance(exit_codes, list | tuple) else exit_codes
    wrong = [code for code in codes if not isinstance(code, ExitCode)]
    if wrong:
        raise TypeError(
            f"exit_codes of a process handler takes an ExitCode or a list of them (got {wrong[0]!r}); for example "
            "exit_codes=MyCalculation.exit_codes.ERROR_NEGATIVE or exit_codes=[ExitCode(400), ExitCode(410)]."
        )
    return tuple(codes)
