"""Processes for the widget tests (importable by a subprocess that plays another kernel)."""

from __future__ import annotations

import asyncio

from jupyter_workflows import Float, Int, ToContext, WorkChain, append_, calcfunction


@calcfunction
async def sleepy(seconds):
    await asyncio.sleep(seconds.value)
    return seconds + 0


@calcfunction
def add(x, y):
    return x + y


class Slow(WorkChain):
    """first -> launch (``n`` sleepy children of ``seconds``) -> collect (output ``total``)."""

    @classmethod
    def define(cls, spec):
        super().define(spec)
        spec.input("seconds", valid_type=Float, default=lambda: Float(0.05))
        spec.input("n", valid_type=Int, default=lambda: Int(2))
        spec.output("total", valid_type=Float)
        spec.outline(cls.first, cls.launch, cls.collect)

    def first(self):
        self.report("first")

    def launch(self):
        self.report("launching %d children", self.inputs.n.value)
        for _ in range(self.inputs.n.value):
            self.to_context(children=append_(self.submit(sleepy, self.inputs.seconds)))

    def collect(self):
        self.report("collecting")
        total = sum(child.outputs.result.value for child in self.ctx.children)
        self.out("total", add(Float(total), 0))


class Failing(WorkChain):
    @classmethod
    def define(cls, spec):
        super().define(spec)
        spec.exit_code(401, "ERROR_ON_PURPOSE", "It failed on purpose.")
        spec.outline(cls.fail)

    def fail(self):
        return self.exit_codes.ERROR_ON_PURPOSE


class Broken(WorkChain):
    @classmethod
    def define(cls, spec):
        super().define(spec)
        spec.outline(cls.explode)

    def explode(self):
        raise RuntimeError("boom on purpose")


class Nested(WorkChain):
    """Calls a Slow WorkChain, which calls sleepy children: a tree three levels deep."""

    @classmethod
    def define(cls, spec):
        super().define(spec)
        spec.input("seconds", valid_type=Float, default=lambda: Float(0.05))
        spec.outline(cls.launch, cls.done)

    def launch(self):
        return ToContext(inner=self.submit(Slow, seconds=self.inputs.seconds))

    def done(self):
        self.report(f"inner finished: {self.ctx.inner.process_state.value}")
