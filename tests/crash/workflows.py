"""The WorkChains the crash trials run: outputs in the first step, awaited and fire-and-forget children, a nested
WorkChain, calcfunctions called in steps, and a context dict with a key that looks like a codec tag."""

from __future__ import annotations

import asyncio

from jupyter_workflows import Float, Int, ToContext, WorkChain, append_, calcfunction


@calcfunction
def add(x, y):
    return x + y


@calcfunction
async def slow_add(x, y, seconds):
    await asyncio.sleep(seconds.value)
    return x + y


class Child(WorkChain):
    """value = x + 11, in three steps with an awaited slow_add in the middle."""

    @classmethod
    def define(cls, spec):
        super().define(spec)
        spec.input("x", valid_type=Int)
        spec.input("seconds", valid_type=Float)
        spec.output("value", valid_type=Int)
        spec.outline(cls.start, cls.wait_part, cls.finish)

    def start(self):
        self.ctx.base = add(self.inputs.x, 1)

    def wait_part(self):
        return ToContext(part=self.submit(slow_add, self.ctx.base, Int(10), self.inputs.seconds))

    def finish(self):
        self.out("value", add(self.ctx.part.outputs.result, 0))


class Campaign(WorkChain):
    """first = n (output registered in the first step); total = sum(i + 11 for i < n) + n + 5."""

    @classmethod
    def define(cls, spec):
        super().define(spec)
        spec.input("n", valid_type=Int)
        spec.input("seconds", valid_type=Float)
        spec.output("first", valid_type=Int)
        spec.output("total", valid_type=Int)
        spec.outline(cls.early_output, cls.fan_out, cls.collect, cls.finish)

    def early_output(self):
        self.ctx.data = {"__data__": "not a tag", "kept": [1, 2]}
        self.out("first", add(self.inputs.n, 0))

    def fan_out(self):
        seconds = self.inputs.seconds
        for i in range(self.inputs.n.value):
            self.to_context(children=append_(self.submit(Child, x=Int(i), seconds=seconds)))
        self.submit(Child, x=Int(100), seconds=seconds)  # fire and forget: nobody waits for it
        return ToContext(direct=self.submit(slow_add, self.inputs.n, Int(5), seconds))

    def collect(self):
        parts = sum(child.outputs.value.value for child in self.ctx.children)
        self.ctx.sum = add(Int(parts), self.ctx.direct.outputs.result)

    def finish(self):
        assert self.ctx.data == {"__data__": "not a tag", "kept": [1, 2]}, self.ctx.data
        self.out("total", self.ctx.sum)


def expected_total(n: int) -> int:
    return sum(i + 11 for i in range(n)) + n + 5
