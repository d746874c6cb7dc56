"""(d): a workfunction that calls itself to depth D, with one ``add`` at the bottom. aiida-core runs into Python's
recursion limit at a few dozen levels; that ``RecursionError`` is a result here, not a failure of the script: the
JSON line says whether the depth was reached and, if not, how many levels had started when the error came.

    AIIDA_PATH=... build/peer/aiida-venv/bin/python benchmarks/peer/aiida_recursion.py --depth 300
"""

from __future__ import annotations

import argparse
import sys

from aiida_procs import LEVELS_ENTERED, emit, measure, orm, recurse, setup


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--depth", type=int, default=300)
    args = parser.parse_args()
    ready = setup()
    error = None  # not "error": that key means a failed benchmark to run_all.py

    def nest() -> int | None:
        nonlocal error
        try:
            return recurse(orm.Int(args.depth)).value  # type: ignore[no-any-return]
        except RecursionError as exc:
            error = f"{type(exc).__name__}: {exc}"
            return None

    figures = measure(nest)
    reached = figures.pop("result") == 1
    # As benchmarks/engine.py: wall time / depth; for a run that failed, / the levels that had started.
    levels = max(args.depth if reached else LEVELS_ENTERED[0], 1)
    figures["ms_per_level"] = figures["wall_s"] / levels * 1e3
    figures["cpu_ms_per_level"] = figures["cpu_s"] / levels * 1e3
    emit(
        ready,
        {
            "case": "nesting",
            "depth": args.depth,
            "recursion_limit": sys.getrecursionlimit(),
            "reached": reached,
            "levels_entered": LEVELS_ENTERED[0],
            "raised": error,
        },
        figures,
    )


if __name__ == "__main__":
    main()
