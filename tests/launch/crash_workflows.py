"""Workflows for the resume tests; importable by the crashing subprocess and by the test that resumes."""

from __future__ import annotations

import os

from jupyter_workflows import Float, Int, WorkChain, append_
from tests.crash.workflows import add, slow_add

__all__ = ["CrashingSum", "add", "slow_add"]


class CrashingSum(WorkChain):
    """Adds 1..n in children; ``crash_at`` makes the process die (os._exit) in the middle of that step."""

    @classmethod
    def define(cls, spec):
        super().define(spec)
        spec.input("n", valid_type=Int)
        spec.input("seconds", valid_type=Float)
        spec.input("crash_at", valid_type=Int)
        spec.output("total", valid_type=Int)
        spec.outline(cls.start, cls.fan_out, cls.sum_up, cls.finish)

    def start(self):
        self.ctx.total = Int(0).store()
        self.ctx.rounds = 0

    def fan_out(self):
        for i in range(1, self.inputs.n.value + 1):
            self.to_context(parts=append_(self.submit(slow_add, Int(i), Int(0), self.inputs.seconds)))

    def sum_up(self):
        for part in self.ctx.parts:
            self.ctx.total = add(self.ctx.total, part.outputs.result)
        self.ctx.rounds += 1
        if self.inputs.crash_at.value == 3 and os.environ.get("JW_CRASH_NOW"):
            os._exit(3)  # die in the middle of the step, after some calcfunctions ran

    def finish(self):
        self.out("total", self.ctx.total)
