"""Processes the worker tests submit to daemon workers (importable: the workers load them by module and name)."""

from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path
from typing import Any

from jupyter_workflows import Float, Int, Str, ToContext, WorkChain, append_, calcfunction, while_


@calcfunction
def add(x, y):
    return x + y


@calcfunction
def fails(message):
    raise ValueError(message.value)


NAPPING = [0]  # naps running now in this OS process


@calcfunction
async def nap(seconds):
    """Naps. With ``$JW_TEST_NAP_LOG`` set, appends to that file how many naps run in this OS process as it starts
    (a test bounds it by the worker's slots)."""
    NAPPING[0] += 1
    try:
        if "JW_TEST_NAP_LOG" in os.environ:
            with open(os.environ["JW_TEST_NAP_LOG"], "a") as naps:  # noqa: ASYNC230 - one short line
                naps.write(f"{NAPPING[0]}\n")
        await asyncio.sleep(seconds.value)
    finally:
        NAPPING[0] -= 1
    return seconds + 0


@calcfunction
def spin(seconds):
    """Busy in its body (no wait): a stop hands it over only after it ended."""
    time.sleep(seconds.value)
    return seconds + 0


@calcfunction
def gated(gate):
    """Busy in its body (no wait) until the file ``gate`` exists."""
    while not Path(gate.value).exists():
        time.sleep(0.01)
    return Int(len(gate.value))


@calcfunction
def stuck(started):
    """Touches the file ``started``, then sleeps for an hour in its body (never waits)."""
    Path(started.value).touch()
    time.sleep(3600)
    return Int(0)


class CallsStuck(WorkChain):
    """Calls ``stuck`` in its step: its body holds the loop of the OS process it runs in for an hour. With ``go``,
    the step first waits (leaving the loop free) until that file exists."""

    @classmethod
    def define(cls, spec):
        super().define(spec)
        spec.input("started", valid_type=Str)
        spec.input("go", valid_type=Str, required=False)
        spec.outline(cls.call, cls.after)

    async def call(self):
        # Another OS process makes the file: no event to wait for; a stat is short.
        while "go" in self.inputs and not os.path.exists(self.inputs.go.value):  # noqa: ASYNC110, ASYNC240
            await asyncio.sleep(0.02)
        stuck(self.inputs.started)

    def after(self):
        self.report("a step after stuck")


class SubmitsCallsStuck(WorkChain):
    """Submits a CallsStuck (to the daemon, when it runs on a worker) and waits for it."""

    @classmethod
    def define(cls, spec):
        super().define(spec)
        spec.input("started", valid_type=Str)
        spec.input("go", valid_type=Str, required=False)
        spec.outline(cls.submit_child, cls.after)

    def submit_child(self):
        go = {"go": self.inputs.go} if "go" in self.inputs else {}
        return ToContext(child=self.submit(CallsStuck, started=self.inputs.started, **go))

    def after(self):
        self.report("a step after its child")


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


@calcfunction
async def counted(x, seconds):
    """Naps, then appends ``x`` to the file ``$JW_TEST_RUN_LOG`` (one line per run of its body: a test counts them),
    and returns ``x``."""
    await asyncio.sleep(seconds.value)
    with open(os.environ["JW_TEST_RUN_LOG"], "a") as runs:  # noqa: ASYNC230 - one short line
        runs.write(f"{x.value}\n")
    return x + 0


STEPS_DONE: list[int] = []  # the steps of Steps run in this OS process, in order (for tests in one process)
ON_SETUP: list[Any] = []  # called with the node of each Steps when it starts (a kernel test displays its widget)
ON_STEP: list[Any] = []  # called with the node of each Steps as each of its steps begins


class Steps(WorkChain):
    """``n`` steps of plain code that each block for ``seconds`` (``time.sleep``: no await, no child), reported as
    ``step i``: run synchronously in a cell, it holds the kernel's loop from its start to its end."""

    @classmethod
    def define(cls, spec):
        super().define(spec)
        spec.input("n", valid_type=Int, default=lambda: Int(5))
        spec.input("seconds", valid_type=Float, default=lambda: Float(0.2))
        spec.output("steps", valid_type=Int)
        spec.outline(cls.setup, while_(cls.more)(cls.step), cls.done)

    def setup(self):
        self.ctx.done = 0
        for hook in ON_SETUP:
            hook(self.node)

    def more(self):
        return self.ctx.done < self.inputs.n.value

    def step(self):
        for hook in ON_STEP:
            hook(self.node)
        time.sleep(self.inputs.seconds.value)
        self.ctx.done += 1
        STEPS_DONE.append(self.ctx.done)
        self.report("step %d", self.ctx.done)

    def done(self):
        self.out("steps", add(Int(self.ctx.done), Int(0)))


class StopsAfterItsLastStep(WorkChain):
    """Its last step calls ``add``, then asks to be stopped (``pause``: paused; else handed over, as a stopping
    worker does): it rests after its last step, before its end."""

    @classmethod
    def define(cls, spec):
        super().define(spec)
        spec.input("pause", valid_type=Int, default=lambda: Int(0))
        spec.output("result")
        spec.outline(cls.first, cls.last)

    def first(self):
        self.ctx.x = Int(1)

    def last(self):
        self.out("result", add(self.ctx.x, Int(1)))
        if self.inputs.pause.value:
            self.pause()
        else:
            self.hand_over()


class WaitsForAnAdd(WorkChain):
    """Submits an ``add``, waits for it, and reports how it ended."""

    @classmethod
    def define(cls, spec):
        super().define(spec)
        spec.outline(cls.submit_it, cls.done)

    def submit_it(self):
        return ToContext(child=self.submit(add, Int(1), Int(2)))

    def done(self):
        self.report(f"its child ended {self.ctx.child.process_state.value}")
