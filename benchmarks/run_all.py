"""`make bench`: every benchmark, each in a fresh process, and aiida-core measured in the same run on the same cases,
as one JSON document on stdout (also saved to build/bench/latest.json). Each figure of ours is the median of
``--repeats`` runs, with the runs themselves kept.

Exit status: 0 when every case ran, 1 when any case failed. A failure is a benchmark process that exited non-zero,
printed no JSON or ran out of time; the JSON is written all the same, with the error in place of the figures and the
names of the failed cases under ``"failed"``. aiida-core running into Python's recursion limit in the nesting case
is a figure (where it stops), not a failure.

The peer (aiida-core 2.9.4 in its own venv, a profile without a broker under build/peer) is set up by
scripts/ensure-aiida-peer.sh, which `make bench` runs first; ``--no-peer`` leaves it out. The daemon case's peer is
aiida-core's daemon (2 workers) on a core.psql_dos profile with RabbitMQ, under an AIIDA_PATH of its own
(scripts/ensure-aiida-daemon-peer.sh); ``--only daemon_2_workers daemon_1_worker broadcast_widget vs_aiida_daemon``
runs just the daemon figures.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
OUT = ROOT / "build" / "bench" / "latest.json"
PEER_SCRIPTS = HERE / "peer"

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
    ("cached_vs_uncached_calcfunction_1000", "engine.py", ["caching", "--n", "1000"], True),
    ("kernel_1000_workchains", "kernel.py", ["--n", "1000"], False),
    ("store", "store_traversal.py", ["--repeats", "3"], False),
    ("graph", "graph.py", [], False),
    ("archive", "archive.py", [], False),
    ("widgets", "widgets.py", [], False),
    # Each worker count its own case, so that one that fails (or hangs until --timeout) leaves the other's figures.
    ("daemon_2_workers", "daemon.py", ["--store", "postgresql", "--workers", "2"], False),
    ("daemon_1_worker", "daemon.py", ["--store", "postgresql", "--workers", "1"], False),
    ("broadcast_widget", "broadcast_widget.py", ["--store", "postgresql"], False),
    ("panel_100000_processes", "panel.py", ["--processes", "100000"], False),
    (
        "panel_100000_processes_postgresql",
        "panel.py",
        ["--processes", "100000", "--store", "postgresql", "--no-browser"],
        False,
    ),
]
SYNCHRONOUS_CASE = "sqlite_synchronous"
PEER_CASES = ["vs_aiida_calcfunction_in_workfunction", "vs_aiida_calcfunction_top_level", "vs_aiida_workchain"]
PEER_NESTING = "vs_aiida_nested_workfunctions"
PEER_DAEMON = "vs_aiida_daemon"
ALL_NAMES = [name for name, *_ in CASES] + [SYNCHRONOUS_CASE, *PEER_CASES, PEER_NESTING, PEER_DAEMON]

# The issue's figures for the daemon (2 workers on this 2-core machine), and aiida-core 2.9.4's daemon as measured on
# this machine earlier (2 workers, PostgreSQL, RabbitMQ): what the daemon case is read against.
DAEMON_TARGETS = {
    "processes_per_second_2_workers_min": 500,
    "pickup_median_ms_max": 5,
    "control_median_ms_max": 5,
}
AIIDA_DAEMON_REFERENCE = {
    "calcfunctions_per_second": 7.4,
    "workchain_processes_per_second": 5.6,
    "pickup_ms": 95,
    "pause_ms": 30,
    "play_ms": 21,
    "kill_ms": 73,
    "note": "quoted in issue 10, measured earlier on this machine; the figures under `aiida` are this run's",
}

DURABILITY = {
    "NORMAL": (
        "SQLite WAL with synchronous=NORMAL (the engine's default): a commit is in the WAL file when it returns, so it "
        "survives a crash of the program (a kernel killed with SIGKILL); the WAL is fsynced only at checkpoints, so "
        "the last commits may be lost on power loss or an OS crash (the database stays consistent)."
    ),
    "FULL": (
        "SQLite WAL with synchronous=FULL: the WAL is fsynced at every commit, so a commit survives power loss and OS "
        "crashes too, at the cost of one fsync per commit."
    ),
    "aiida": (
        "aiida-core's core.sqlite_dos profile: journal_mode=DELETE, synchronous=FULL (read from its connection, under "
        "vs_aiida.peer.sqlite_pragmas): durable like FULL."
    ),
}


class Bench:
    """Runs benchmark processes, keeps what each case cost, and which cases failed (and why)."""

    def __init__(self, repeats: int) -> None:
        self.repeats = repeats
        self.failed: dict[str, str] = {}
        self.seconds: dict[str, float] = {}

    def process(self, command: list[str], env: dict[str, str] | None = None, timeout: float = 1800) -> dict[str, Any]:
        """One fresh process that prints one JSON object (its last line of output); or what went wrong."""
        try:
            done = subprocess.run(
                command, capture_output=True, text=True, cwd=ROOT, timeout=timeout, check=False, env=env
            )
        except subprocess.TimeoutExpired:
            return {"error": f"no result after {timeout:g} s (killed)"}
        lines = done.stderr.strip().splitlines()
        tail = lines[-15:]
        if done.returncode != 0:
            return {"error": exception_line(lines) or f"exit {done.returncode}", "stderr_tail": tail}
        try:
            return json.loads(done.stdout)  # type: ignore[no-any-return]
        except json.JSONDecodeError:
            try:
                return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]
            except (json.JSONDecodeError, IndexError):
                return {
                    "error": "exit 0 but no JSON on stdout",
                    "stdout_tail": done.stdout[-2000:],
                    "stderr_tail": tail,
                }

    def case(self, name: str, command: list[str], repeats: int, env: dict[str, str] | None = None) -> dict[str, Any]:
        """``repeats`` runs of one case: ``{"median": ..., "runs": [...]}``, or the only run when ``repeats`` is 1."""
        print(f"bench: {name} ...", file=sys.stderr, flush=True)
        started = time.perf_counter()
        runs = [self.process(command, env) for _ in range(repeats)]
        self.seconds[name] = round(self.seconds.get(name, 0) + time.perf_counter() - started, 1)
        errors = [run["error"] for run in runs if "error" in run]
        if errors:
            self.failed[name] = errors[0]
            print(f"bench: {name} FAILED: {errors[0]}", file=sys.stderr, flush=True)
        ok = [run for run in runs if "error" not in run]
        if repeats == 1:
            return runs[0]
        return {"median": median_of(ok), "runs": runs} if ok else {"error": errors[0], "runs": runs}


def exception_line(lines: list[str]) -> str | None:
    """The ``SomeError: message`` line of the last traceback in ``lines``, else the last line."""
    starts = [i for i, line in enumerate(lines) if line.startswith("Traceback (most recent call last)")]
    for line in lines[starts[-1] + 1 :] if starts else []:
        if line and not line.startswith(" "):
            return line
    return lines[-1] if lines else None


def median_of(runs: list[dict[str, Any]]) -> dict[str, Any]:
    numeric = {k for k, v in runs[0].items() if isinstance(v, (int, float)) and not isinstance(v, bool)}
    return {k: (statistics.median(r[k] for r in runs) if k in numeric else v) for k, v in runs[0].items()}


def figures_of(result: dict[str, Any]) -> dict[str, Any] | None:
    """The figures of a case's result (its median when repeated); None when it failed."""
    if "error" in result:
        return None
    return result.get("median", result)  # type: ignore[no-any-return]


def ratio(aiida: float | None, ours: float | None) -> float | None:
    if aiida is None or not ours:
        return None
    value = aiida / ours
    return round(value, 1 if value >= 10 else 2)


def side_by_side(ours: dict[str, Any] | None, aiida: dict[str, Any] | None, key: str) -> dict[str, Any]:
    """One figure of both engines and the ratio aiida/ours."""
    mine = ours.get(key) if ours else None
    theirs = aiida.get(key) if aiida else None
    return {"ours": mine, "aiida": theirs, "ratio_aiida_over_ours": ratio(theirs, mine)}


def rates_side_by_side(ours: dict[str, Any] | None, aiida: dict[str, Any] | None, key: str) -> dict[str, Any]:
    """One rate (higher is better) of both engines and the ratio ours/aiida (> 1: ours does more per second)."""
    mine = ours.get(key) if ours else None
    theirs = aiida.get(key) if aiida else None
    return {"ours": mine, "aiida": theirs, "ratio_ours_over_aiida": ratio(mine, theirs)}


def dig(figures: dict[str, Any] | None, *keys: str) -> Any:
    """``figures[k1][k2]...``, or None where a level is missing."""
    for key in keys:
        if not isinstance(figures, dict):
            return None
        figures = figures.get(key)
    return figures


def engine(bench: Bench, name: str, arguments: list[str], repeats: int | None = None) -> dict[str, Any]:
    return bench.case(name, [sys.executable, str(HERE / "engine.py"), *arguments], repeats or bench.repeats)


# -- SQLite synchronous=NORMAL vs FULL -------------------------------------------------------------------------------
def synchronous_figures(bench: Bench) -> dict[str, Any]:
    case = ["calcfunctions", "--n", "1000", "--mode", "wf"]
    results = {
        level: engine(bench, f"{SYNCHRONOUS_CASE} ({level})", [*case, "--sqlite-synchronous", level.lower()])
        for level in ("NORMAL", "FULL")
    }
    normal, full = figures_of(results["NORMAL"]), figures_of(results["FULL"])
    per_call = {level: (figures or {}).get("ms_per_call") for level, figures in (("NORMAL", normal), ("FULL", full))}
    cpu = {level: (figures or {}).get("cpu_ms_per_call") for level, figures in (("NORMAL", normal), ("FULL", full))}
    return {
        "case": "calcfunction inside a workfunction, 1,000 calls, a fresh SQLite file (WAL) per run",
        "ms_per_call": per_call,
        "cpu_ms_per_call": cpu,
        "full_over_normal": ratio(per_call["FULL"], per_call["NORMAL"]),
        "durability": {"NORMAL": DURABILITY["NORMAL"], "FULL": DURABILITY["FULL"]},
        "runs": results,
    }


# -- aiida-core, the peer --------------------------------------------------------------------------------------------
class Peer:
    def __init__(self, bench: Bench, args: argparse.Namespace) -> None:
        self.bench = bench
        self.python = args.peer_python
        self.repeats = args.peer_repeats
        self.n, self.k, self.depth = args.peer_n, args.peer_k, args.peer_depth
        self.daemon_n, self.daemon_k = args.peer_daemon_n, args.peer_daemon_k
        self.env = {
            **os.environ,
            "AIIDA_PATH": str(Path(args.aiida_path).resolve()),
            "AIIDA_PROFILE": args.aiida_profile,
            "PYTHONWARNINGS": "ignore",
        }
        # The daemon's profile (PostgreSQL + RabbitMQ) lives under an AIIDA_PATH of its own.
        self.daemon_env = {
            **self.env,
            "AIIDA_PATH": str(Path(args.aiida_daemon_path).resolve()),
            "AIIDA_PROFILE": args.aiida_daemon_profile,
        }

    def run(
        self,
        name: str,
        script: str,
        arguments: list[str],
        repeats: int | None = None,
        env: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        command = [self.python, str(PEER_SCRIPTS / script), *arguments]
        return self.bench.case(name, command, repeats or self.repeats, env or self.env)

    def missing(self) -> str | None:
        if Path(self.python).exists():
            return None
        return f"no aiida peer at {self.python}: `make bench` sets it up (scripts/ensure-aiida-peer.sh)"


def peer_figures(bench: Bench, peer: Peer, headline: dict[str, Any], only: Callable[[str], bool]) -> dict[str, Any]:
    """Each comparable case run by both engines with the same parameters (aiida's N is smaller: it costs ~0.1-0.4 s a
    process), ours also at the headline size; per figure ours, aiida's and the ratio aiida/ours."""
    cases: dict[str, Any] = {}
    n, k = str(peer.n), str(peer.k)
    for mode, name, what in (
        ("wf", PEER_CASES[0], "N chained `add` calcfunctions (total = add(total, i)) inside one workfunction"),
        ("top", PEER_CASES[1], "N chained `add` calcfunctions called one by one at top level"),
    ):
        if not only(name):
            continue
        ours = engine(bench, f"{name} (ours)", ["calcfunctions", "--n", n, "--mode", mode])
        aiida = peer.run(f"{name} (aiida)", "aiida_calc_loop.py", ["--n", n, "--mode", mode])
        o, a = figures_of(ours), figures_of(aiida)
        at_1000 = figures_of(
            headline.get(f"calcfunction_{'in_workfunction' if mode == 'wf' else 'top_level'}_1000", {})
        )
        cases[name.removeprefix("vs_aiida_")] = {
            "what": what,
            "n": peer.n,
            "ms_per_call": side_by_side(o, a, "ms_per_call"),
            "cpu_ms_per_call": side_by_side(o, a, "cpu_ms_per_call"),
            "ours_ms_per_call_at_n_1000": at_1000.get("ms_per_call") if at_1000 else None,
            "ours": ours,
            "aiida": aiida,
        }
        if mode == "wf" and SYNCHRONOUS_CASE in headline:
            full = headline[SYNCHRONOUS_CASE]["ms_per_call"]["FULL"]
            theirs = a.get("ms_per_call") if a else None
            cases[name.removeprefix("vs_aiida_")]["at_equal_durability"] = {
                "ms_per_call": {"ours": full, "aiida": theirs, "ratio_aiida_over_ours": ratio(theirs, full)},
                "note": "aiida's SQLite commits with synchronous=FULL: ours with ?synchronous=full (N=1,000, from "
                "sqlite_synchronous) is the like-for-like durability",
            }
        if mode == "wf":
            cases["peak_rss_calcfunction_in_workfunction"] = {
                "what": f"peak RSS of the process that ran the case above (N={peer.n})",
                "peak_rss_mib": side_by_side(o, a, "peak_rss_mib"),
                "rss_before_timer_mib": {
                    "ours": o.get("rss_after_import_mib") if o else None,
                    "aiida": a.get("rss_after_load_profile_mib") if a else None,
                    "note": "ours: after import + jw.configure; aiida: after import + load_profile + opening storage",
                },
                "ours_peak_rss_mib_at_n_1000": at_1000.get("peak_rss_mib") if at_1000 else None,
            }
    if only(PEER_CASES[2]):
        ours = engine(bench, f"{PEER_CASES[2]} (ours)", ["workchain", "--k", k])
        aiida = peer.run(f"{PEER_CASES[2]} (aiida)", "aiida_workchain.py", ["--k", k])
        o, a = figures_of(ours), figures_of(aiida)
        cases["workchain"] = {
            "what": "a WorkChain setup -> launch -> collect; launch submits K `add` children via ToContext/append_",
            "k": peer.k,
            "ms_per_child": side_by_side(o, a, "ms_per_child"),
            "cpu_ms_per_child": side_by_side(o, a, "cpu_ms_per_child"),
            "note": "aiida without a broker learns that a child finished by polling (runner.poll.interval, 1 s here)",
            "ours": ours,
            "aiida": aiida,
        }
    if only(PEER_NESTING):
        cases["nested_workfunctions"] = nesting_figures(bench, peer, headline)
    if only(PEER_DAEMON):
        cases["daemon"] = daemon_figures(bench, peer, headline)
    return cases


def daemon_figures(bench: Bench, peer: Peer, headline: dict[str, Any]) -> dict[str, Any]:
    """Daemon workers, ours (benchmarks/daemon.py, from the ``daemon`` case when it ran) next to aiida-core's daemon
    (benchmarks/peer/aiida_daemon.py), both with 2 workers on PostgreSQL and RabbitMQ; and the issue's targets."""
    ours_run = headline.get("daemon_2_workers")
    if ours_run is None:
        ours_run = bench.case(f"{PEER_DAEMON} (ours)", [sys.executable, str(HERE / "daemon.py"), "--workers", "2"], 1)
    aiida = peer.run(
        f"{PEER_DAEMON} (aiida)",
        "aiida_daemon.py",
        ["--workers", "2", "--n", str(peer.daemon_n), "--k", str(peer.daemon_k)],
        1,
        peer.daemon_env,
    )
    ours_figures = figures_of(ours_run) or {}
    one = figures_of(headline.get("daemon_1_worker", {"error": "not run"})) or {}
    runs = [*ours_figures.get("runs", []), *one.get("runs", [])]
    by_workers = {run["workers"]: run for run in runs}
    o, a = by_workers.get(2), figures_of(aiida)
    flat_o, flat_a = daemon_flat(o), daemon_flat(a)
    result: dict[str, Any] = {
        "what": (
            "processes submitted to daemon workers over RabbitMQ, store on PostgreSQL, 2 workers: N `add` "
            "calcfunctions, then K small WorkChains (one `add` child, and an `add` in the last step: 3 processes "
            "each), first submit to last end; pickup = submit call to the worker's `running` broadcast here; "
            "pause/play/kill = one call's round trip over the broker"
        ),
        "n_calcfunctions": {
            "ours": o.get("calcfunctions") if o else None,
            "aiida": a.get("calcfunctions") if a else None,
        },
        "k_workchains": {"ours": o.get("workchains") if o else None, "aiida": a.get("workchains") if a else None},
        "calcfunctions_per_second": rates_side_by_side(flat_o, flat_a, "calcfunctions_per_second"),
        "workchain_processes_per_second": rates_side_by_side(flat_o, flat_a, "workchain_processes_per_second"),
        **{key: side_by_side(flat_o, flat_a, key) for key in DAEMON_TIMES},
        "ours_1_worker": daemon_flat(by_workers.get(1)),
        "floor": {
            "what": (
                "the same N processes through a daemon with no engine (benchmarks/daemon_floor.py: one table, a task "
                "and an end message each, 3 statements), same broker, database server, libraries and worker count, "
                "measured just before ours: calcfunctions per second, and ours as a share of it"
            ),
            **{
                f"{workers}_worker{'s' if workers > 1 else ''}": {
                    "per_second": dig(run, "floor", "per_second"),
                    "ours_share": dig(run, "calcfunctions_share_of_floor"),
                    "cpu_ms_per_process": dig(run, "floor", "cpu_ms_per_process"),
                }
                for workers, run in ((2, by_workers.get(2)), (1, by_workers.get(1)))
            },
        },
        "targets": daemon_targets(flat_o),
        "broker_one_way_ms": ours_figures.get("broker_one_way_ms"),
        "aiida_reference_from_issue": AIIDA_DAEMON_REFERENCE,
        "peer": {
            "aiida_path": peer.daemon_env["AIIDA_PATH"],
            "profile": peer.daemon_env["AIIDA_PROFILE"],
            **{key: a.get(key) for key in ("aiida_core", "storage", "broker", "daemon_workers")},
        }
        if a
        else None,
        "note": (
            "aiida runs a smaller N and K (it does a few processes per second); rates are per second, so they compare. "
            "aiida's pause/play/kill act on a WorkChain waiting on a node no process finishes (a sleeping calcfunction "
            "would block its worker's loop); ours on a WorkChain waiting on an hour-long child (pause/play) and on "
            "running hour-long async calcfunctions (kill)."
        ),
        "aiida": aiida,
    }
    if headline.get("daemon_2_workers") is None:
        result["ours"] = ours_run
    return result


DAEMON_TIMES = [f"{what}_{stat}_ms" for what in ("pickup", "pause", "play", "kill") for stat in ("median", "p99")]


def daemon_flat(run: dict[str, Any] | None) -> dict[str, Any] | None:
    """A daemon run's figures (ours or aiida's) flattened: rates, and pickup/pause/play/kill median and p99 in ms."""
    if not run:
        return None
    flat = {key: run.get(key) for key in ("calcfunctions_per_second", "workchain_processes_per_second")}
    for what, where in (("pickup", ("pickup",)), *((c, ("control", c)) for c in ("pause", "play", "kill"))):
        for stat in ("median", "p99"):
            flat[f"{what}_{stat}_ms"] = dig(run, *where, f"{stat}_ms")
    return flat


def daemon_targets(ours: dict[str, Any] | None) -> dict[str, Any]:
    """The issue's targets for the daemon against our 2-worker figures: each with the figure and whether it is met."""
    if not ours:
        return {"error": "no figures of ours with 2 workers"}

    def check(value: Any, bound: float, at_least: bool) -> dict[str, Any]:
        met = None if value is None else (value >= bound if at_least else value < bound)
        return {"figure": value, "target": f"{'>=' if at_least else '<'} {bound:g}", "met": met}

    low, high = DAEMON_TARGETS["processes_per_second_2_workers_min"], DAEMON_TARGETS["control_median_ms_max"]
    return {
        "calcfunctions_per_second": check(ours["calcfunctions_per_second"], low, True),
        "workchain_processes_per_second": check(ours["workchain_processes_per_second"], low, True),
        "pickup_median_ms": check(ours["pickup_median_ms"], DAEMON_TARGETS["pickup_median_ms_max"], False),
        **{f"{c}_median_ms": check(ours[f"{c}_median_ms"], high, False) for c in ("pause", "play", "kill")},
    }


def nesting_figures(bench: Bench, peer: Peer, headline: dict[str, Any]) -> dict[str, Any]:
    """aiida at ``--peer-depth`` (300): a RecursionError is expected; the levels that had started tell where it
    stops, and two or three fresh runs near there find the largest depth that works. Ours runs at that depth too."""
    name = PEER_NESTING
    first = peer.run(f"{name} (aiida, depth {peer.depth})", "aiida_recursion.py", ["--depth", str(peer.depth)], 1)
    probes: dict[int, dict[str, Any]] = {peer.depth: first}
    works: int | None = peer.depth if first.get("reached") else None
    fails: int | None = None if first.get("reached") else peer.depth
    if "error" not in first and not first.get("reached"):
        depth = max(1, first["levels_entered"] - 2)
        for _ in range(5):
            probe = peer.run(f"{name} (aiida, depth {depth})", "aiida_recursion.py", ["--depth", str(depth)], 1)
            probes[depth] = probe
            if "error" in probe:
                break
            if probe["reached"]:
                works = depth if works is None else max(works, depth)
            else:
                fails = depth if fails is None else min(fails, depth)
            if works is not None and fails is not None and fails == works + 1:
                break
            depth = depth + 1 if probe["reached"] else depth - 1
            if depth in probes or depth < 1:
                break
    ours_tried = headline.get(f"workfunctions_nested_{peer.depth}")
    if ours_tried is None:
        ours_tried = engine(bench, f"{name} (ours, depth {peer.depth})", ["nesting", "--depth", str(peer.depth)])
    result: dict[str, Any] = {
        "what": "a workfunction that calls itself to depth D, one `add` at the bottom",
        "depth_tried": peer.depth,
        "ours_at_depth_tried": figures_of(ours_tried) or ours_tried,
        "aiida_at_depth_tried": {
            key: first.get(key) for key in ("reached", "levels_entered", "raised", "wall_s", "recursion_limit")
        },
        "aiida_largest_depth_that_works": works,
        "aiida_first_depth_that_fails": fails,
        "aiida_runs": probes,
    }
    if works is not None:
        ours = engine(bench, f"{name} (ours, depth {works})", ["nesting", "--depth", str(works)])
        result[f"at_depth_{works}"] = {
            "ms_per_level": side_by_side(figures_of(ours), figures_of(probes[works]), "ms_per_level"),
            "cpu_ms_per_level": side_by_side(figures_of(ours), figures_of(probes[works]), "cpu_ms_per_level"),
            "ours": ours,
        }
    return result


# -- main ------------------------------------------------------------------------------------------------------------
def python_loop_seconds() -> float:
    """How fast this machine runs Python now: seconds for ten million additions in a loop, the best of three. The
    machines this runs on differ (one was twice as fast as another at the same code): read figures from two runs
    against each other's."""
    best = float("inf")
    for _ in range(3):
        started, total = time.perf_counter(), 0
        for i in range(10_000_000):
            total += i
        best = min(best, time.perf_counter() - started)
    return round(best, 3)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3, help="runs per case of ours (the median is reported)")
    parser.add_argument("--only", nargs="*", choices=ALL_NAMES, metavar="NAME", help=f"cases to run: {ALL_NAMES}")
    parser.add_argument("--no-peer", action="store_true", help="leave aiida-core out")
    parser.add_argument("--peer-python", default=str(ROOT / "build/peer/aiida-venv/bin/python"))
    parser.add_argument("--aiida-path", default=str(ROOT / "build/peer/aiida-home"), help="AIIDA_PATH of the peer")
    parser.add_argument("--aiida-profile", default="bench")
    parser.add_argument("--peer-repeats", type=int, default=1, help="runs per aiida case (each takes ~30-90 s)")
    parser.add_argument("--peer-n", type=int, default=200, help="calcfunction calls per aiida run (ours: 1,000)")
    parser.add_argument("--peer-k", type=int, default=100, help="WorkChain children per run, both engines")
    parser.add_argument("--peer-depth", type=int, default=300, help="nesting depth tried first, both engines")
    parser.add_argument(
        "--aiida-daemon-path",
        default=str(ROOT / "build/peer/aiida-daemon-home"),
        help="AIIDA_PATH of the daemon peer (core.psql_dos + RabbitMQ)",
    )
    parser.add_argument("--aiida-daemon-profile", default="bench_daemon")
    parser.add_argument("--peer-daemon-n", type=int, default=100, help="calcfunctions aiida's daemon runs (ours 1,000)")
    parser.add_argument("--peer-daemon-k", type=int, default=40, help="WorkChains aiida's daemon runs (ours 200)")
    args = parser.parse_args()

    def only(name: str) -> bool:
        return not args.only or name in args.only

    started = time.perf_counter()
    bench = Bench(args.repeats)
    results: dict[str, Any] = {
        "environment": {
            "python": platform.python_version(),
            "machine": f"{platform.machine()}, {os.cpu_count()} CPUs",
            "loadavg_1m_at_start": round(os.getloadavg()[0], 2),
            "python_loop_seconds": python_loop_seconds(),
            "repeats": args.repeats,
        }
    }
    for name, script, arguments, repeated in CASES:
        if only(name) and (HERE / script).exists():
            command = [sys.executable, str(HERE / script), *arguments]
            results[name] = bench.case(name, command, args.repeats if repeated else 1)
    if only(SYNCHRONOUS_CASE):
        results[SYNCHRONOUS_CASE] = synchronous_figures(bench)
    if args.no_peer:
        results["vs_aiida"] = {"skipped": "--no-peer"}
    elif any(only(name) for name in [*PEER_CASES, PEER_NESTING, PEER_DAEMON]):
        peer = Peer(bench, args)
        missing = peer.missing()
        if missing:
            bench.failed["vs_aiida"] = missing
            results["vs_aiida"] = {"error": missing}
        else:
            results["vs_aiida"] = {
                "about": (
                    f"aiida-core measured in this run on the same cases, each run a fresh process with import + "
                    f"load_profile done before the timer (as ours: import + jw.configure). aiida costs ~0.1-0.4 s per "
                    f"process, so its calcfunction loops run N={args.peer_n} calls (not 1,000) and each aiida case "
                    f"runs {args.peer_repeats} time(s); ours runs the same N ({args.repeats} times, median) and is "
                    f"also given at N=1,000. Per-call figures: wall (or CPU) time / N. ratio = aiida / ours."
                ),
                "repeats": {"ours": args.repeats, "aiida": args.peer_repeats},
                "peer": {
                    "python": args.peer_python,
                    "aiida_path": str(Path(args.aiida_path).resolve()),
                    "profile": args.aiida_profile,
                },
                "durability": DURABILITY["aiida"],
                "cases": peer_figures(bench, peer, results, only),
            }
            results["vs_aiida"]["peer"].update(peer_setup(results["vs_aiida"]["cases"]))
    results["environment"]["loadavg_1m_at_end"] = round(os.getloadavg()[0], 2)
    results["environment"]["seconds_per_case"] = bench.seconds
    results["environment"]["total_s"] = round(time.perf_counter() - started, 1)
    results["failed"] = bench.failed
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(results, indent=2))
    print(json.dumps(results, indent=2))
    print_summary(results)
    if bench.failed:
        print(f"bench: {len(bench.failed)} case(s) FAILED (the JSON in {OUT} has the errors):", file=sys.stderr)
        for name, error in bench.failed.items():
            print(f"  {name}: {error}", file=sys.stderr)
        sys.exit(1)


def peer_setup(cases: dict[str, Any]) -> dict[str, Any]:
    """The peer's versions and storage settings, as its first successful run reported them."""
    keys = ("aiida_core", "python", "storage", "sqlite_pragmas", "broker", "runner_poll_interval_s")
    for name, case in cases.items():
        if name == "daemon":  # its own profile (PostgreSQL + RabbitMQ): under cases.daemon.peer
            continue
        for run in [case.get("aiida"), *case.get("aiida_runs", {}).values()]:
            figures = figures_of(run) if isinstance(run, dict) else None
            if figures and "aiida_core" in figures:
                return {key: figures.get(key) for key in keys}
    return {}


def fmt(value: Any) -> str:
    """A figure in three significant digits (anything else as it is)."""
    return f"{value:.3g}" if isinstance(value, (int, float)) and not isinstance(value, bool) else str(value)


def daemon_summary(case: dict[str, Any]) -> list[str]:
    """The daemon's lines of the summary: the targets, the broker's one-way latency, the floor."""
    lines: list[str] = []
    targets = [
        f"{key} {fmt(t['figure'])} ({t['target']}: {'met' if t['met'] else 'not met'})"
        for key, t in case["targets"].items()
        if isinstance(t, dict)
    ]
    lines.append(f"  daemon targets, ours with 2 workers: {'; '.join(targets) or case['targets']}")
    floor = case.get("broker_one_way_ms") or {}
    if floor:
        lines.append(
            f"  daemon: RabbitMQ one way (a bare aio-pika publish to its consumer) "
            f"{fmt(floor.get('back_to_back'))} ms back to back, {fmt(floor.get('after_10_ms_idle'))} ms after "
            "10 ms idle; a pickup crosses it twice"
        )
    bare = [
        f"{workers.split('_')[0]} worker(s) {fmt(run['per_second'])}/s (ours {fmt(run['ours_share'])} of it)"
        for workers, run in case["floor"].items()
        if isinstance(run, dict) and run.get("per_second") is not None
    ]
    if bare:
        lines.append(f"  daemon floor, calcfunction-like processes with no engine: {'; '.join(bare)}")
    return lines


def print_summary(results: dict[str, Any]) -> None:
    """A short table on stderr: the comparable figures side by side (the JSON has them all)."""

    lines = []
    sync = results.get(SYNCHRONOUS_CASE)
    if sync:
        ms = sync["ms_per_call"]
        lines.append(
            f"  calcfunction in a workfunction, SQLite synchronous NORMAL / FULL: {fmt(ms['NORMAL'])} / "
            f"{fmt(ms['FULL'])} ms per call (FULL/NORMAL {fmt(sync['full_over_normal'])})"
        )
    for name, case in results.get("vs_aiida", {}).get("cases", {}).items():
        pairs = [(f"{name}, {key}", value) for key, value in case.items()]
        for key, value in case.items():
            ratios = {"ratio_aiida_over_ours", "ratio_ours_over_aiida"}
            if isinstance(value, dict) and not ratios & value.keys() and key not in ("ours", "aiida", "targets"):
                pairs += [(f"{name} {key}, {metric}", figure) for metric, figure in value.items()]
        for label, figure in pairs:
            if isinstance(figure, dict) and "ratio_aiida_over_ours" in figure:
                lines.append(
                    f"  {label}: ours {fmt(figure['ours'])}, aiida {fmt(figure['aiida'])}, "
                    f"aiida/ours {fmt(figure['ratio_aiida_over_ours'])}"
                )
            elif isinstance(figure, dict) and "ratio_ours_over_aiida" in figure:
                lines.append(
                    f"  {label}: ours {fmt(figure['ours'])}, aiida {fmt(figure['aiida'])}, "
                    f"ours/aiida {fmt(figure['ratio_ours_over_aiida'])}"
                )
        if name == "daemon":
            lines += daemon_summary(case)
        if name == "nested_workfunctions":
            tried = case["aiida_at_depth_tried"]
            lines.append(
                f"  {name}: depth {case['depth_tried']}: ours {'ok' if case['ours_at_depth_tried'] else '?'}, aiida "
                f"{'ok' if tried.get('reached') else tried.get('raised')}; aiida works to depth "
                f"{case['aiida_largest_depth_that_works']}, fails at {case['aiida_first_depth_that_fails']}"
            )
    widget = figures_of(results.get("broadcast_widget", {"error": ""}))
    if widget:
        ms = widget["broadcast_to_widget_ms"]
        lines.append(
            f"  broadcast to widget ({widget['store']}): median {fmt(ms['median'])} ms, p99 {fmt(ms['p99'])} ms, "
            f"timer polls {widget['timer_polls']}"
        )
    if lines:
        print("bench: summary\n" + "\n".join(lines), file=sys.stderr)
    print(f"bench: {results['environment']['total_s']} s in all; JSON in {OUT}", file=sys.stderr)


if __name__ == "__main__":
    main()
