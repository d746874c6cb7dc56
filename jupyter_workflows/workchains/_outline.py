"""The outline of a WorkChain (``if_``, ``while_``, ``return_``), compiled to a flat program.

``spec.outline(cls.a, if_(cls.c)(cls.b).else_(cls.d), while_(cls.w)(cls.e), cls.f)`` becomes a list of
instructions with jumps. The position in a running WorkChain is then a single program counter, which makes the
checkpoint trivial (an int) and resuming exact.
"""

from __future__ import annotations

import hashlib
import inspect
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from .._core import ExitCode, SpecError

__all__ = ["Branch", "Jump", "Program", "Return", "Step", "compile_outline", "if_", "return_", "while_"]


# -- what users write --------------------------------------------------------------------------------------------------
class _If:
    def __init__(self, condition: Callable[[Any], Any]) -> None:
        self.branches: list[tuple[Callable[[Any], Any] | None, tuple[Any, ...]]] = []
        self._pending: Callable[[Any], Any] | None = condition

    def __call__(self, *body: Any) -> _If:
        if self._pending is None:
            raise SpecError("if_(condition) takes its body once: if_(cls.cond)(cls.step, ...).")
        self.branches.append((self._pending, body))
        self._pending = None
        return self

    def elif_(self, condition: Callable[[Any], Any]) -> _If:
        if self._pending is not None or not self.branches or self.branches[-1][0] is None:
            raise SpecError("elif_ must follow a complete if_(...)(...) block and come before else_.")
        self._pending = condition
        return self

    def else_(self, *body: Any) -> _If:
        if self._pending is not None or not self.branches or self.branches[-1][0] is None:
            raise SpecError("else_ must follow a complete if_(...)(...) or elif_(...)(...) block, once.")
        self.branches.append((None, body))
        return self


class _While:
    def __init__(self, condition: Callable[[Any], Any]) -> None:
        self.condition = condition
        self.body: tuple[Any, ...] | None = None

    def __call__(self, *body: Any) -> _While:
        self.body = body
        return self


class _Return:
    """``return_`` ends a WorkChain's outline where it stands: ``return_`` alone finishes it with exit status 0,
    ``return_(cls.exit_codes.LABEL)`` (an ``ExitCode`` or a status number) with that exit code."""

    def __init__(self, exit_code: ExitCode | None = None) -> None:
        self.exit_code = exit_code

    def __call__(self, exit_code: ExitCode | int | None = None) -> _Return:
        return _Return(ExitCode(exit_code) if isinstance(exit_code, int) else exit_code)


def if_(condition: Callable[[Any], Any]) -> _If:
    """``if_(cls.condition)(cls.step, ...).elif_(cls.other)(...).else_(...)``"""
    return _If(condition)


def while_(condition: Callable[[Any], Any]) -> _While:
    """``while_(cls.condition)(cls.step, ...)``"""
    return _While(condition)


return_ = _Return()
"""Stop the WorkChain here (``return_``), optionally with an exit code (``return_(cls.exit_codes.X)``)."""


# -- the program -------------------------------------------------------------------------------------------------------
@dataclass
class Step:
    function: Callable[[Any], Any]

    def __str__(self) -> str:
        return f"step {_name(self.function)}"


@dataclass
class Branch:
    """Go on if ``condition(self)`` is true, else jump to ``target``."""

    condition: Callable[[Any], Any]
    target: int = -1

    def __str__(self) -> str:
        return f"unless {_name(self.condition)} goto {self.target}"


@dataclass
class Jump:
    target: int = -1

    def __str__(self) -> str:
        return f"goto {self.target}"


@dataclass
class Return:
    exit_code: ExitCode | None

    def __str__(self) -> str:
        return f"return {self.exit_code.status if self.exit_code else ''}".rstrip()


Instruction = Step | Branch | Jump | Return


class Program(list[Instruction]):
    @property
    def fingerprint(self) -> str:
        """Changes whenever the outline's shape or step names change (checked when resuming a checkpoint)."""
        return hashlib.sha256("\n".join(map(str, self)).encode()).hexdigest()[:16]

    def listing(self) -> str:
        return "\n".join(f"{i:3d}: {instruction}" for i, instruction in enumerate(self))


def compile_outline(outline: Sequence[Any], owner: str) -> Program:
    """The program of ``outline``; an empty outline is an empty program (the WorkChain ends at once, as in AiiDA)."""
    program = Program()
    _compile(outline, program, owner)
    return program


def _compile(block: Sequence[Any], program: Program, owner: str) -> None:
    for item in block:
        if isinstance(item, _If):
            _compile_if(item, program, owner)
        elif isinstance(item, _While):
            if item.body is None:
                raise SpecError(f"{owner}: while_({_name(item.condition)}) has no body; write while_(cond)(cls.step).")
            _check_takes_self(item.condition, owner, "condition")
            start = len(program)
            branch = Branch(item.condition)
            program.append(branch)
            _compile(item.body, program, owner)
            program.append(Jump(start))
            branch.target = len(program)
        elif isinstance(item, _Return):
            program.append(Return(item.exit_code))
        elif isinstance(item, (tuple, list)):
            _compile(item, program, owner)
        elif callable(item):
            _check_takes_self(item, owner, "step")
            program.append(Step(item))
        else:
            raise SpecError(
                f"{owner}: the outline holds {item!r}, which is not a step; use cls.method, if_, while_ or return_."
            )


def _compile_if(item: _If, program: Program, owner: str) -> None:
    if item._pending is not None or not item.branches:
        raise SpecError(f"{owner}: an if_ block has a condition without a body; write if_(cond)(cls.step).")
    jumps_to_end: list[Jump] = []
    for condition, body in item.branches:
        if condition is None:
            _compile(body, program, owner)
            continue
        _check_takes_self(condition, owner, "condition")
        branch = Branch(condition)
        program.append(branch)
        _compile(body, program, owner)
        jump = Jump()
        program.append(jump)
        jumps_to_end.append(jump)
        branch.target = len(program)
    for jump in jumps_to_end:
        jump.target = len(program)


def _check_takes_self(function: Callable[..., Any], owner: str, what: str) -> None:
    """A step or condition is called with the WorkChain only: refuse one that cannot be, now rather than mid-run."""
    try:
        signature = inspect.signature(function)
    except (TypeError, ValueError):  # a builtin without a signature: it will tell when called
        return
    try:
        signature.bind(None)
    except TypeError:
        raise SpecError(
            f"{owner}: the {what} {_name(function)}{signature} cannot be called with the WorkChain alone; a {what} "
            f"takes self only: def {_name(function)}(self): ..."
        ) from None


def _name(function: Callable[..., Any]) -> str:
    return getattr(function, "__name__", repr(function))
