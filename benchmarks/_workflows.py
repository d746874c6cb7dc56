"""The workflows the benchmarks run (the peer benchmark's shapes: a chain of adds, nesting, a fan-out)."""

from __future__ import annotations

from jupyter_workflows import Int, WorkChain, append_, calcfunction, workfunction

__all__ = ["FanOut", "add", "add_loop", "multiply", "recurse"]


@calcfunction
def multiply(x, y):
    return x * y


@calcfunction
def add(x, y):
    return x + y


@workfunction
def add_loop(n):
    total = Int(0).store()
    for i in range(n.value):
        total = add(total, i)
    return total


@workfunction
def recurse(depth):
    if depth.value == 0:
        return add(depth, 1)
    return recurse(depth - 1)


class FanOut(WorkChain):
    @classmethod
    def define(cls, spec):
        super().define(spec)
        spec.input("k", valid_type=Int)
        spec.output("total", valid_type=Int)
        spec.outline(cls.setup, cls.launch, cls.collect)

    def setup(self):
        self.ctx.k = self.inputs.k.value

    def launch(self):
        for i in range(self.ctx.k):
            self.to_context(children=append_(self.submit(add, Int(i), Int(i))))

    def collect(self):
        self.out("total", Int(sum(child.outputs.result.value for child in self.ctx.children)).store())
