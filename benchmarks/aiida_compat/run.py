"""`make compat`: how much of aiida-core's engine test suite passes against jupyter_workflows.

aiida-core's tests for process functions, WorkChains, launchers, ports, process specs, exit codes, caching and the
BaseRestartWorkChain utilities run unchanged but for their imports and fixtures: ``aiida`` (and ``plumpy``) are
stand-in packages that hand out jupyter_workflows' public names (shim.py), and conftest.py provides AiiDA's fixtures
through jupyter_workflows.testing. Tests of out-of-scope concepts are set aside by the rules of README.md, per test
in tests.txt. Each test file runs in its own pytest process, each test with a time limit.

Prints passed/applicable per file and in total, and the failure causes of applicable tests ranked by how many
tests each fails; writes everything to build/compat/latest.json. Exit status 0 whatever the figure (it is a
measurement); 1 only when the harness itself could not run.
"""

from __future__ import annotations

import argparse
import collections
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from shim import write_shim  # run as a script: this folder is first on sys.path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
BUILD = ROOT / "build" / "compat"
INVENTORY = HERE / "tests.txt"
UPSTREAM = "https://github.com/aiidateam/aiida-core.git"

TEST_FILES = [
    "tests/engine/processes/test_builder.py",
    "tests/engine/processes/test_caching.py",
    "tests/engine/processes/test_exit_code.py",
    "tests/engine/processes/workchains/test_restart.py",
    "tests/engine/processes/workchains/test_utils.py",
    "tests/engine/test_calcfunctions.py",
    "tests/engine/test_launch.py",
    "tests/engine/test_ports.py",
    "tests/engine/test_process.py",
    "tests/engine/test_process_function.py",
    "tests/engine/test_process_spec.py",
    "tests/engine/test_run.py",
    "tests/engine/test_work_chain.py",
    "tests/engine/test_workfunctions.py",
]
HELPERS = ["tests/utils/processes.py", "tests/engine/calcfunctions.py"]
PYTEST_INI = """\
[pytest]
markers =
    requires_broker: aiida-core: needs a message broker
    requires_rmq: aiida-core: needs RabbitMQ
"""


def _git(*args: str | Path) -> str:
    done = subprocess.run(["git", *map(str, args)], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        sys.exit(f"git {' '.join(map(str, args))} failed: {done.stderr.strip()}\n(--aiida-src or --aiida-git: --help)")
    return done.stdout.strip()


def aiida_tests(args: argparse.Namespace) -> tuple[Path, dict[str, str]]:
    """The root of an aiida-core source tree with its tests/, fetched into build/compat once, and where it is from.

    aiida-core's sdist on PyPI has no tests/, so they come from git: a clone of the tag, or ``git archive`` of a
    local repository (a mirror) at a ref, or a tree the caller gives."""
    if args.aiida_src:
        root = Path(args.aiida_src).resolve()
        return root, {"path": str(root)}
    if args.aiida_git:
        commit = _git("-C", args.aiida_git, "rev-parse", f"{args.aiida_ref}^{{commit}}")
        root = BUILD / f"aiida-core-{commit[:12]}"
        if not root.exists():
            with tempfile.TemporaryDirectory(dir=BUILD) as staging:
                tests = ["tests/__init__.py", "tests/engine", "tests/utils"]
                archive = subprocess.run(
                    ["git", "-C", args.aiida_git, "archive", commit, *tests], capture_output=True, check=True
                )
                subprocess.run(["tar", "-x", "-C", staging], input=archive.stdout, check=True)
                Path(staging).rename(root)
        return root, {"git": str(args.aiida_git), "ref": args.aiida_ref, "commit": commit}
    root = BUILD / f"aiida-core-{args.aiida_ref}"
    if not root.exists():
        with tempfile.TemporaryDirectory(dir=BUILD) as staging:
            _git("clone", "--quiet", "--depth", "1", "--branch", args.aiida_ref, UPSTREAM, Path(staging) / "clone")
            (Path(staging) / "clone").rename(root)
    return root, {"git": UPSTREAM, "ref": args.aiida_ref, "commit": _git("-C", root, "rev-parse", "HEAD")}


def prepare(source: Path) -> Path:
    """build/compat/run: the measured test files with this harness's conftest, the stand-in packages, pytest.ini."""
    work = BUILD / "run"
    shutil.rmtree(work, ignore_errors=True)
    for relative in TEST_FILES + HELPERS:
        for package in Path(relative).parents:
            if (source / package / "__init__.py").exists():
                (work / package).mkdir(parents=True, exist_ok=True)
                shutil.copyfile(source / package / "__init__.py", work / package / "__init__.py")
        shutil.copyfile(source / relative, work / relative)
    shutil.copyfile(HERE / "conftest.py", work / "tests" / "conftest.py")
    (work / "pytest.ini").write_text(PYTEST_INI)
    write_shim(work / "shim", [work / relative for relative in TEST_FILES + HELPERS])
    return work


def _environment(work: Path, **variables: str) -> dict[str, str]:
    path = [str(work / "shim"), str(work), str(ROOT)]  # this checkout's jupyter_workflows, not an installed one
    return {**os.environ, "PYTHONPATH": os.pathsep.join(path), **variables}


def _pytest(work: Path, *args: str) -> list[str]:
    ini = ["-c", str(work / "pytest.ini"), "--rootdir", str(work), "-p", "no:cacheprovider"]
    return [sys.executable, "-m", "pytest", *ini, *args]


def collect(work: Path) -> list[str]:
    """Every test id of the measured files, as pytest collects them."""
    done = subprocess.run(
        [*_pytest(work, "--collect-only", "-q"), *TEST_FILES],
        cwd=work,
        env=_environment(work, COMPAT_PERMISSIVE="1"),
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        sys.exit(f"collection failed; the inventory needs every file to import:\n{done.stdout[-3000:]}")
    return [line for line in done.stdout.splitlines() if "::" in line]


def run_tests(
    work: Path, set_aside: list[str], test_timeout: float, file_timeout: float
) -> tuple[dict[str, Any], dict[str, str]]:
    """Run each test file but its tests set aside in its own pytest process; the outcome of every test that ran, and
    the causes of test modules that did not import.

    pytest's own output of a file is kept next to its results (build/compat/run/reports/*.log) to read a failure in
    full."""
    results: dict[str, Any] = {}
    broken: dict[str, str] = {}
    limit = ["--timeout", str(test_timeout)] if importlib.util.find_spec("pytest_timeout") else []
    (work / "reports").mkdir()
    for relative in TEST_FILES:
        stem = work / "reports" / relative.replace("/", "__")
        log, lines = stem.with_suffix(".log"), stem.with_suffix(".jsonl")
        command = _pytest(work, "-p", "benchmarks.aiida_compat.report", *limit, relative)
        environment = _environment(work, COMPAT_REPORT=str(lines), COMPAT_SET_ASIDE="\n".join(set_aside))
        print(f"running {relative}", file=sys.stderr, flush=True)
        with log.open("w") as output:
            try:
                subprocess.run(
                    command,
                    cwd=work,
                    env=environment,
                    stdout=output,
                    stderr=subprocess.STDOUT,
                    timeout=file_timeout,
                    check=False,
                )
            except subprocess.TimeoutExpired:
                broken[relative] = f"the file's pytest process ran out of time ({file_timeout:g} s)"
        for line in lines.read_text().splitlines() if lines.exists() else []:
            record = json.loads(line)
            if "module" in record:
                broken[record["module"]] = record["cause"]
            else:
                results[record.pop("id")] = record
    return results, broken


def read_inventory() -> dict[str, tuple[str, str] | None]:
    """tests.txt: test id -> None (applicable) or (rule, why it is set aside)."""
    inventory: dict[str, tuple[str, str] | None] = {}
    for line in INVENTORY.read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            test, _, reason = (part.strip() for part in line.partition(" | "))
            rule, _, why = reason.partition(" | ")
            inventory[test] = (rule.strip(), why.strip()) if reason else None
    return inventory


def update_inventory(collected: list[str]) -> None:
    """Rewrite tests.txt with the collected ids, keeping the reasons of known tests; new tests count as applicable."""
    known = read_inventory()
    header = [line for line in INVENTORY.read_text().splitlines() if line.startswith("#")]
    lines = [test if (reason := known.get(test)) is None else " | ".join([test, *reason]) for test in collected]
    INVENTORY.write_text("\n".join([*header, *lines]) + "\n")
    gone, new = sorted(set(known) - set(collected)), sorted(set(collected) - set(known))
    print(
        f"tests.txt: {len(collected)} tests; {len(new)} new (applicable until you say otherwise): {new}; gone: {gone}"
    )


def summarize(
    inventory: dict[str, tuple[str, str] | None], results: dict[str, Any], broken: dict[str, str]
) -> dict[str, Any]:
    """Per test, per file and total figures, and the failure causes of applicable tests ranked by count."""
    tests: dict[str, Any] = {}
    files: dict[str, collections.Counter[str]] = {relative: collections.Counter() for relative in TEST_FILES}
    causes: dict[str, list[str]] = collections.defaultdict(list)
    for test, reason in inventory.items():
        relative = test.split("::")[0]
        if reason is not None:
            tests[test] = {"status": "set aside", "rule": reason[0], "why": reason[1]}
            files[relative]["set_aside"] += 1
            continue
        default = {"passed": False, "cause": broken.get(relative, "did not run (see build/compat/run/reports/)")}
        outcome = results.get(test, default)
        files[relative]["applicable"] += 1
        files[relative]["passed"] += outcome["passed"]
        tests[test] = {"status": "passed" if outcome["passed"] else "failed", **outcome}
        if not outcome["passed"]:
            causes[outcome["cause"]].append(test)
    totals = sum(files.values(), collections.Counter())
    ranked = sorted(causes.items(), key=lambda item: (-len(item[1]), item[0]))
    return {
        "totals": {"tests": len(inventory), **{key: totals[key] for key in ("set_aside", "applicable", "passed")}},
        "files": {relative: dict(counts) for relative, counts in files.items()},
        "causes": [{"cause": cause, "count": len(ids), "tests": ids} for cause, ids in ranked],
        "not_in_inventory": sorted(set(results) - set(inventory)),
        "tests": tests,
    }


def print_summary(summary: dict[str, Any], top: int) -> None:
    print(f"{'file':<52} passed / applicable   set aside")
    for relative, counts in summary["files"].items():
        applicable, passed = counts.get("applicable", 0), counts.get("passed", 0)
        print(f"{relative:<52} {passed:>6} / {applicable:<10} {counts.get('set_aside', 0):>9}")
    totals = summary["totals"]
    print(f"{'total':<52} {totals['passed']:>6} / {totals['applicable']:<10} {totals['set_aside']:>9}")
    print(f"\nfailure causes of applicable tests (the first error of each test), {len(summary['causes'])} in all:")
    for entry in summary["causes"][:top]:
        examples = ", ".join(test.split("/")[-1] for test in entry["tests"][:3])
        print(f"{entry['count']:>4}  {entry['cause'][:150]}\n        e.g. {examples}")
    if summary["not_in_inventory"]:
        print(f"\nWARNING: {len(summary['not_in_inventory'])} tests ran that tests.txt does not list (not counted);")
        print("the aiida-core source differs from the inventory's: review and run with --update-inventory")


def _jupyter_workflows(work: Path) -> dict[str, str]:
    code = "import jupyter_workflows as jw; print(jw.__file__); print(jw.__version__)"
    path, version = subprocess.run(
        [sys.executable, "-c", code], env=_environment(work), check=True, capture_output=True, text=True
    ).stdout.split()
    commit = _git("-C", ROOT, "describe", "--always", "--dirty")
    return {"path": str(Path(path).parent), "version": version, "commit": commit}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--aiida-src", help="an aiida-core checkout (or unpacked archive) with its tests/")
    parser.add_argument("--aiida-git", help="an aiida-core git repository to take tests/ from at --aiida-ref")
    parser.add_argument("--aiida-ref", default="v2.9.4", help="tag or commit (default: v2.9.4, cloned from GitHub)")
    parser.add_argument("--timeout", type=float, default=60, help="seconds one test may take (default 60)")
    parser.add_argument("--file-timeout", type=float, default=900, help="seconds one test file may take")
    parser.add_argument("--top", type=int, default=25, help="how many failure causes to print")
    parser.add_argument("--update-inventory", action="store_true", help="rewrite tests.txt from collection")
    args = parser.parse_args(argv)

    BUILD.mkdir(parents=True, exist_ok=True)
    source, origin = aiida_tests(args)
    work = prepare(source)
    if args.update_inventory:
        update_inventory(collect(work))
        return 0
    jupyter_workflows = _jupyter_workflows(work)
    inventory = read_inventory()
    set_aside = [test for test, reason in inventory.items() if reason is not None]
    results, broken = run_tests(work, set_aside, args.timeout, args.file_timeout)
    summary = {"aiida_core_tests": origin, "jupyter_workflows": jupyter_workflows}
    summary |= summarize(inventory, results, broken)
    (BUILD / "latest.json").write_text(json.dumps(summary, indent=1) + "\n")
    where = origin.get("path") or f"{origin['ref']} = {origin['commit'][:12]} of {origin['git']}"
    print(f"aiida-core's engine tests ({where})")
    print(f"against jupyter_workflows {jupyter_workflows['version']} at {jupyter_workflows['path']} ", end="")
    print(f"({jupyter_workflows['commit']})\n")
    print_summary(summary, args.top)
    print(f"\nper-test results: {BUILD / 'latest.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
