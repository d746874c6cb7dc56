"""Small example processes for tests and benchmarks (importable, so other processes can resume them).

``add``, ``multiply``: quick calcfunctions. ``sleepy``: an async calcfunction that sleeps ``seconds``.
``add_loop``: a workfunction chaining ``n`` adds. ``recurse``: workfunctions nested ``depth`` deep.
``AddAndMultiply``: the tutorial's WorkChain, a calcfunction per step. ``FanOut``: ``k`` add children, summed.
``Slow``: reports, ``n`` sleepy children, a total. ``Nested``: a Slow inside a WorkChain (three levels).
``RetryAdd``: a BaseRestartWorkChain running ``checked_add`` (fails for a negative sum) until it succeeds.
"""

from __future__ import annotations

import asyncio
from typing import Any

from .._core import ExitCode
from ..functions import calcfunction, workfunction
from ..nodes import Float, Int, NumericType, ProcessNode
from ..workchains import (
    BaseRestartWorkChain,
    ProcessHandlerReport,
    ToContext,
    WorkChain,
    WorkChainSpec,
    append_,
    process_handler,
    while_,
)

__all__ = [
    "NEGATIVE_SUM",
    "AddAndMultiply",
    "FanOut",
    "Nested",
    "RetryAdd",
    "Slow",
    "add",
    "add_loop",
    "checked_add",
    "multiply",
    "recurse",
    "sleepy",
]

NEGATIVE_SUM = ExitCode(410, "The sum of the operands is negative.")


@calcfunction
def add(x: NumericType, y: NumericType) -> Any:
    return x + y


@calcfunction
def multiply(x: NumericType, y: NumericType) -> Any:
    return x * y


@calcfunction
async def sleepy(seconds: Float) -> Any:
    await asyncio.sleep(seconds.value)
    return seconds + 0


@workfunction
def add_loop(n: Int) -> Any:
    """``n`` chained adds: the workflow whose CALL edges span the whole chain."""
    total = Int(0).store()
    for i in range(n.value):
        total = add(total, i)
    return total


@workfunction
def recurse(depth: Int) -> Any:
    """Workfunctions nested ``depth`` deep, with one add at the bottom."""
    if depth.value == 0:
        return add(depth, 1)
    return recurse(depth - 1)


class AddAndMultiply(WorkChain):
    """(x + y) * z, one quick calcfunction per step (the tutorial's and AiiDA's documented example)."""

    @classmethod
    def define(cls, spec: WorkChainSpec) -> None:  # type: ignore[override]
        super().define(spec)
        spec.input("x", valid_type=Int)
        spec.input("y", valid_type=Int)
        spec.input("z", valid_type=Int)
        spec.output("result", valid_type=Int)
        spec.outline(cls.add, cls.multiply, cls.results)

    def add(self) -> None:
        self.ctx.sum = add(self.inputs.x, self.inputs.y)

    def multiply(self) -> None:
        self.ctx.product = multiply(self.ctx.sum, self.inputs.z)

    def results(self) -> None:
        self.out("result", self.ctx.product)


class FanOut(WorkChain):
    """``k`` add children submitted at once, then their sum (output ``total``)."""

    @classmethod
    def define(cls, spec: WorkChainSpec) -> None:  # type: ignore[override]
        super().define(spec)
        spec.input("k", valid_type=Int)
        spec.output("total", valid_type=Int)
        spec.outline(cls.launch, cls.collect)

    def launch(self) -> None:
        for i in range(self.inputs.k.value):
            self.to_context(children=append_(self.submit(add, Int(i), Int(i))))

    def collect(self) -> None:
        self.out("total", add(Int(sum(child.outputs.result.value for child in self.ctx.children)), 0))


class Slow(WorkChain):
    """first -> launch (``n`` sleepy children of ``seconds``) -> collect (output ``total``), with reports."""

    @classmethod
    def define(cls, spec: WorkChainSpec) -> None:  # type: ignore[override]
        super().define(spec)
        spec.input("seconds", valid_type=Float, default=lambda: Float(0.05))
        spec.input("n", valid_type=Int, default=lambda: Int(2))
        spec.output("total", valid_type=Float)
        spec.outline(cls.first, cls.launch, cls.collect)

    def first(self) -> None:
        self.report("first")

    def launch(self) -> None:
        self.report("launching %d children", self.inputs.n.value)
        for _ in range(self.inputs.n.value):
            self.to_context(children=append_(self.submit(sleepy, self.inputs.seconds)))

    def collect(self) -> None:
        self.report("collecting")
        total = sum(child.outputs.result.value for child in self.ctx.children)
        self.out("total", add(Float(total), 0))


class Nested(WorkChain):
    """Calls a Slow WorkChain, which calls sleepy children: a tree three levels deep."""

    @classmethod
    def define(cls, spec: WorkChainSpec) -> None:  # type: ignore[override]
        super().define(spec)
        spec.input("seconds", valid_type=Float, default=lambda: Float(0.05))
        spec.outline(cls.launch, cls.done)

    def launch(self) -> ToContext:
        return ToContext(inner=self.submit(Slow, seconds=self.inputs.seconds))

    def done(self) -> None:
        self.report(f"inner finished: {self.ctx.inner.process_state.value}")


@calcfunction
def checked_add(x: Int, y: Int) -> Any:
    """x + y; fails with exit status 410 (NEGATIVE_SUM) when the sum is negative."""
    if x.value + y.value < 0:
        return NEGATIVE_SUM
    return x + y


class RetryAdd(BaseRestartWorkChain):
    """AiiDA's how-to example: runs ``checked_add`` (inputs in the namespace ``add``) until it succeeds; a negative
    sum is fixed by taking the absolute values of the operands."""

    _process_class = checked_add

    @classmethod
    def define(cls, spec: WorkChainSpec) -> None:  # type: ignore[override]
        super().define(spec)
        spec.expose_inputs(cls._process_class, namespace="add")
        spec.expose_outputs(cls._process_class)
        spec.outline(cls.setup, while_(cls.should_run_process)(cls.run_process, cls.inspect_process), cls.results)

    def setup(self) -> None:
        super().setup()
        self.ctx.inputs = self.exposed_inputs(self._process_class, namespace="add")

    @process_handler(exit_codes=NEGATIVE_SUM)
    def handle_negative_sum(self, node: ProcessNode) -> ProcessHandlerReport:
        x, y = node.inputs.x.value, node.inputs.y.value
        self.report(f"the sum of {x} and {y} is negative: taking absolute values")
        self.ctx.inputs["x"] = Int(abs(x))
        self.ctx.inputs["y"] = Int(abs(y))
        return ProcessHandlerReport()
