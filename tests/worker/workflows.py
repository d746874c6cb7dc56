"""Processes the worker tests submit to daemon workers (importable: the workers load them by module and name)."""

from __future__ import annotations

import asyncio
import time

from jupyter_workflows import Float, Int, ToContext, WorkChain, append_, calcfunction


@calcfunction
def add(x, y):
    return x + y


@calcfunction
async def nap(seconds):
    await asyncio.sleep(seconds.value)
    return seconds + 0


@calcfunction
def spin(seconds):
    """Busy in its body (no wait): a stop hands it over only after it ended."""
    time.sleep(seconds.value)
    return seconds + 0


class Parent(WorkChain):
    """Submits ``n`` children (add, or Parent again below ``depth``), waits for them, returns their sum."""

    @classmethod
    def define(cls, spec):
        super().define(spec)
        spec.input("n", valid_type=Int, default=lambda: Int(1))
        spec.input("depth", valid_type=Int, default=lambda: Int(0))
        spec.input("seconds", valid_type=Float, default=lambda: Float(0.0))
        spec.output("total", valid_type=Int)
        spec.outline(cls.fan_out, cls.nap, cls.collect)

    def fan_out(self):
        for i in range(self.inputs.n.value):
            if self.inputs.depth.value > 0:
                depth = Int(self.inputs.depth.value - 1)
                child = self.submit(Parent, n=self.inputs.n, depth=depth, seconds=self.inputs.seconds)
            else:
                child = self.submit(add, Int(i), Int(1))
            self.to_context(children=append_(child))

    def nap(self):
        if self.inputs.seconds.value:
            return ToContext(napped=self.submit(nap, self.inputs.seconds))
        return None

    def collect(self):
        outputs = [child.outputs for child in self.ctx.children]
        total = sum((found["result"] if "result" in found else found["total"]).value for found in outputs)
        self.out("total", add(Int(total), Int(0)))
