"""Small example processes for tests and benchmarks (importable, so other processes can resume them).

``add``, ``multiply``: quick calcfunctions. ``sleepy``: an async calcfunction that sleeps ``seconds``.
``add_loop``: a workfunction chaining ``n`` adds. ``recurse``: workfunctions nested ``depth`` deep.
``AddAndMultiply``: the tutorial's WorkChain, a calcfunction per step. ``FanOut``: ``k`` add children, summed.
``Slow``: reports, ``n`` sleepy children, a total. ``Nested``: a Slow inside a WorkChain (three levels).
"""

from __future__ import annotations

import asyncio
from typing import Any

from ..functions import calcfunction, workfunction
from ..nodes import Float, Int, NumericType
from ..workchains import ToContext, WorkChain, WorkChainSpec, append_

__all__ = ["AddAndMultiply", "FanOut", "Nested", "Slow", "add", "add_loop", "multiply", "recurse", "sleepy"]


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
