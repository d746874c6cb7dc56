"""The engine inside a real Jupyter kernel: submit N WorkChains from a cell, then measure how promptly trivial cells
are answered while they run, and how long until all have finished. Prints one JSON object.

    python benchmarks/kernel.py [--n 1000] [--kernel python3]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from jupyter_workflows.testing.kernels import Kernel

SETUP = """
import time
import jupyter_workflows as jw
from jupyter_workflows import Int, WorkChain, append_, calcfunction

@calcfunction
def add(x, y):
    return x + y

class FanOut(WorkChain):
    @classmethod
    def define(cls, spec):
        super().define(spec)
        spec.input("k", valid_type=Int)
        spec.output("total", valid_type=Int)
        spec.outline(cls.launch, cls.collect)

    def launch(self):
        for i in range(self.inputs.k.value):
            self.to_context(children=append_(self.submit(add, Int(i), Int(i))))

    def collect(self):
        self.out("total", Int(sum(c.outputs.result.value for c in self.ctx.children)).store())
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--kernel", default="python3")
    args = parser.parse_args()
    with (
        tempfile.TemporaryDirectory() as folder,
        Kernel(args.kernel, env={"JUPYTER_WORKFLOWS_STORE": f"sqlite:///{folder}/provenance.sqlite"}) as kernel,
    ):
        assert kernel.run(SETUP).status == "ok"
        started = time.perf_counter()
        submitted = kernel.run(f"nodes = [jw.submit(FanOut, k=Int(2)) for _ in range({args.n})]")
        assert submitted.status == "ok", submitted.error
        latencies, running = [], []
        while True:
            reply = kernel.run("print(sum(not n.is_terminated for n in nodes))")
            latencies.append(reply.seconds * 1e3)
            running.append(int(reply.stdout))
            if running[-1] == 0:
                break
        finished = time.perf_counter() - started
        check = kernel.run("print(all(n.is_finished_ok for n in nodes))")
    busy = latencies[:-1] or latencies
    print(
        json.dumps(
            {
                "case": "kernel_responsiveness",
                "kernel": args.kernel,
                "workchains": args.n,
                "processes": 3 * args.n,
                "submit_cell_s": round(submitted.seconds, 3),
                "all_finished_s": round(finished, 3),
                "processes_per_s": round(3 * args.n / finished, 1),
                "trivial_cells_while_running": len(busy),
                "trivial_cell_ms_median": round(statistics.median(busy), 1),
                "trivial_cell_ms_max": round(max(busy), 1),
                "all_finished_ok": check.stdout.strip() == "True",
            }
        )
    )


if __name__ == "__main__":
    main()
