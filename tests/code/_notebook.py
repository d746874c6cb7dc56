"""The notebook of the code-travel tests: its cells (run in a kernel), or the same code as a script (its
``__main__``, written out by ``write_script``):

    python notebook.py URL submit COUNT SECONDS   # capture, submit COUNT Surveys at once, wait, print JSON

Nothing imports these definitions: any other process that runs them got them from the store.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

IMPORTS = """
import asyncio
import json
import sys

import jupyter_workflows as jw
from jupyter_workflows import Float, Int, ToContext, WorkChain, append_, calcfunction
from jupyter_workflows._code import capture_for_travel
"""

FUNCTIONS = """
OFFSET = 10


@calcfunction
def add(x, y):
    return x + y


@calcfunction
async def slow_add(x, y, seconds):
    await asyncio.sleep(seconds.value)
    return x + y
"""

WORKCHAINS = """
class Child(WorkChain):
    \"\"\"value = x + OFFSET, through an awaited slow_add.\"\"\"

    @classmethod
    def define(cls, spec):
        super().define(spec)
        spec.input("x", valid_type=Int)
        spec.input("seconds", valid_type=Float)
        spec.output("value", valid_type=Int)
        spec.outline(cls.start, cls.finish)

    def start(self):
        return ToContext(part=self.submit(slow_add, self.inputs.x, Int(OFFSET), self.inputs.seconds))

    def finish(self):
        self.out("value", add(self.ctx.part.outputs.result, Int(0)))


class Survey(WorkChain):
    \"\"\"total = sum(i + OFFSET for i < n), from n Child WorkChains.\"\"\"

    @classmethod
    def define(cls, spec):
        super().define(spec)
        spec.input("n", valid_type=Int)
        spec.input("seconds", valid_type=Float)
        spec.output("total", valid_type=Int)
        spec.outline(cls.fan_out, cls.collect)

    def fan_out(self):
        for i in range(self.inputs.n.value):
            self.to_context(children=append_(self.submit(Child, x=Int(i), seconds=self.inputs.seconds)))

    def collect(self):
        parts = sum(child.outputs.value.value for child in self.ctx.children)
        self.out("total", add(Int(parts), Int(0)))
"""

CELLS = [textwrap.dedent(cell).strip() + "\n" for cell in (IMPORTS, FUNCTIONS, WORKCHAINS)]
CALLS = {"Survey": 0, "Child": 2}  # expected calls of each finished run: Survey makes n + 1


def expected_total(n: int) -> int:
    return sum(i + 10 for i in range(n))


MAIN = """
def submit(count, seconds):
    before = jw.run_get_node(add, Int(1), Int(2))[1].process_class_path  # a local run needs no capture
    nodes = []
    for _ in range(count):  # as a daemon submit does: capture (cheap when unchanged), then submit
        path = capture_for_travel(Survey)
        nodes.append(jw.submit(Survey, n=Int(3), seconds=Float(seconds)))
    jw.wait(*nodes, timeout=600)
    after = jw.run_get_node(add, Int(1), Int(2))[1].process_class_path
    print(json.dumps({"path": path, "pks": [node.pk for node in nodes], "add": [before, after]}))


if __name__ == "__main__":
    jw.configure(store=sys.argv[1])
    if sys.argv[2] == "submit":
        submit(int(sys.argv[3]), float(sys.argv[4]))
"""


def write_script(path: Path) -> Path:
    path.write_text("\n\n".join([*CELLS, textwrap.dedent(MAIN)]))
    return path
