"""`make bench`: every benchmark, each in a fresh process, as one JSON document on stdout (also saved to
build/bench/latest.json). Each figure is the median of ``--repeats`` runs, with the runs themselves kept."""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

# (name, script, arguments, repeated?)
CASES: list[tuple[str, str, list[str], bool]] = [
    ("calcfunction_in_workfunction_1000", "engine.py", ["calcfunctions", "--n", "1000", "--mode", "wf"], True),
    ("calcfunction_top_level_1000", "engine.py", ["calcfunctions", "--n", "1000", "--mode", "top"], True),
    (
        "calcfunction_in_workfunction_1000_postgresql",
        "engine.py",
        ["calcfunctions", "--n", "1000", "--mode", "wf", "--store", "postgresql"],
        True,
    ),
    ("workfunctions_nested_300", "engine.py", ["nesting", "--depth", "300"], True),
    ("workchain_100_children", "engine.py", ["workchain", "--k", "100"], True),
    ("submit_1000_workchains", "engine.py", ["submit", "--n", "1000"], True),
    ("kernel_1000_workchains", "kernel.py", ["--n", "1000"], False),
    ("store", "store_traversal.py", ["--repeats", "3"], False),
    ("graph", "graph.py", [], False),
    ("widgets", "widgets.py", [], False),
]


def run(script: str, arguments: list[str]) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, str(HERE / script), *arguments],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=1800,
        check=False,
    )
    if done.returncode != 0:
        return {"error": done.stderr.strip().splitlines()[-1] if done.stderr.strip() else f"exit {done.returncode}"}
    return json.loads(done.stdout)  # type: ignore[no-any-return]


def median_of(runs: list[dict[str, Any]]) -> dict[str, Any]:
    numeric = {k for k, v in runs[0].items() if isinstance(v, (int, float)) and not isinstance(v, bool)}
    return {k: (statistics.median(r[k] for r in runs) if k in numeric else v) for k, v in runs[0].items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--only", nargs="*", help="names of cases to run")
    args = parser.parse_args()
    results: dict[str, Any] = {
        "environment": {
            "python": platform.python_version(),
            "machine": f"{platform.machine()}, {os.cpu_count()} CPUs",
            "loadavg_1m_at_start": round(os.getloadavg()[0], 2),
        }
    }
    for name, script, arguments, repeated in CASES:
        if args.only and name not in args.only:
            continue
        if not (HERE / script).exists():
            continue
        print(f"bench: {name} ...", file=sys.stderr, flush=True)
        runs = [run(script, arguments) for _ in range(args.repeats if repeated else 1)]
        ok = [r for r in runs if "error" not in r]
        results[name] = {"median": median_of(ok), "runs": runs} if repeated and ok else runs[0]
    out = ROOT / "build" / "bench"
    out.mkdir(parents=True, exist_ok=True)
    (out / "latest.json").write_text(json.dumps(results, indent=2))
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
