"""The processes benchmarks/daemon.py submits to daemon workers (importable: the workers load them by name)."""

from __future__ import annotations

import asyncio

from jupyter_workflows import Float, Int, ToContext, WorkChain, calcfunction


@calcfunction
def add(x, y):
    return x + y


@calcfunction
async def nap(seconds):
    await asyncio.sleep(seconds.value)
    return seconds + 0


class OneChild(WorkChain):
    """Submits one child (add, or a nap of ``seconds``), waits for it, returns its result through a calcfunction."""

    @classmethod
    def define(cls, spec):
        super().define(spec)
        spec.input("x", valid_type=Int)
        spec.input("seconds", valid_type=Float, default=lambda: Float(0.0))
        spec.output("result")
        spec.outline(cls.submit_child, cls.collect)

    def submit_child(self):
        if self.inputs.seconds.value:
            return ToContext(child=self.submit(nap, self.inputs.seconds))
        return ToContext(child=self.submit(add, self.inputs.x, Int(1)))

    def collect(self):
        self.out("result", add(self.ctx.child.outputs.result, Int(0)))
