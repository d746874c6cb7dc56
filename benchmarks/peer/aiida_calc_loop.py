"""(a), (b), (e): N chained ``add`` calcfunction calls (``total = add(total, Int(i))``), inside one workfunction
(``--mode wf``) or one by one at top level (``--mode top``). Wall and CPU time, per call, peak RSS, nodes written.

    AIIDA_PATH=... build/peer/aiida-venv/bin/python benchmarks/peer/aiida_calc_loop.py --n 200 --mode wf
"""

from __future__ import annotations

import argparse

from aiida_procs import add, add_loop, emit, measure, orm, setup


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=200)
    parser.add_argument("--mode", choices=["wf", "top"], default="wf")
    args = parser.parse_args()
    ready = setup()
    n = args.n
    if args.mode == "wf":
        figures = measure(lambda: add_loop(orm.Int(n)))
    else:

        def loop() -> orm.Int:
            total = orm.Int(0).store()
            for i in range(n):
                total = add(total, orm.Int(i))
            return total

        figures = measure(loop)
    assert figures.pop("result").value == n * (n - 1) // 2
    figures["ms_per_call"] = figures["wall_s"] / n * 1e3
    figures["cpu_ms_per_call"] = figures["cpu_s"] / n * 1e3
    emit(ready, {"case": "calcfunctions", "n": n, "mode": args.mode}, figures)


if __name__ == "__main__":
    main()
