"""(c): a WorkChain (setup -> launch -> collect) whose ``launch`` step submits K ``add`` children with
``to_context(children=append_(...))``, run locally with ``run_get_node`` (no broker, no daemon).

    AIIDA_PATH=... build/peer/aiida-venv/bin/python benchmarks/peer/aiida_workchain.py --k 100
"""

from __future__ import annotations

import argparse

from aiida.engine import run_get_node
from aiida_procs import FanOut, emit, measure, orm, setup


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--k", type=int, default=100)
    args = parser.parse_args()
    ready = setup()
    figures = measure(lambda: run_get_node(FanOut, k=orm.Int(args.k)))
    outputs, node = figures.pop("result")
    assert node.is_finished_ok, f"FanOut ended {node.process_state} / exit status {node.exit_status}"
    assert outputs["total"].value == args.k * (args.k - 1)
    figures["ms_per_child"] = figures["wall_s"] / args.k * 1e3
    figures["cpu_ms_per_child"] = figures["cpu_s"] / args.k * 1e3
    emit(ready, {"case": "workchain", "k": args.k}, figures)


if __name__ == "__main__":
    main()
