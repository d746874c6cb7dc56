"""Crash and resume: a process running WorkChains dies (at chosen points, or SIGKILLed at a random moment), every
orphan is resumed from a fresh process, and a third process checks the store against what a clean run gives: same
outputs, one link per output label, every child terminated, killed attempts marked with a reason, nothing running.

``make test`` runs a bounded set with fixed seeds; ``make stress`` runs many more (``JW_CRASH_TRIALS``).
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
N, SECONDS = 3, 0.05
RANDOM_TRIALS = int(os.environ.get("JW_CRASH_TRIALS", "4"))
POINTS = [
    ("checkpoint-before", 1),  # in the Campaign's first step, its output registered but not stored
    ("checkpoint-after", 1),  # right after the first checkpoint (the output stored with it)
    ("checkpoint-before", 3),
    ("checkpoint-after", 4),
    ("output", 1),  # an output registered, its step not checkpointed yet
    ("called", 3),  # between the children of the fan-out step
    ("called", 7),  # inside the children's own steps
    ("checkpoint-after", 12),  # late: children done, the Campaign near its end
]
if os.environ.get("JW_CRASH_TRIALS"):  # make stress: every checkpoint and every call
    POINTS = [(point, k) for point in ("checkpoint-before", "checkpoint-after") for k in range(1, 16)]
    POINTS += [("called", k) for k in range(1, 14)] + [("output", k) for k in range(1, 6)]


def python(script: str, *arguments: object) -> list[str]:
    return [sys.executable, str(HERE / script), *map(str, arguments)]


def run(script: str, *arguments: object) -> str:
    done = subprocess.run(python(script, *arguments), capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def trial(url: str, *, point: tuple[str, int] | None = None, kill_after: float | None = None) -> None:
    arguments = [url, N, SECONDS, *(point or ())]
    command = python("worker.py", *arguments)
    worker = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    pk = int(worker.stdout.readline())  # type: ignore[union-attr]
    if kill_after is not None:
        time.sleep(kill_after)
        worker.send_signal(signal.SIGKILL)
    _, stderr = worker.communicate(timeout=300)
    assert worker.returncode in (0, 9, -signal.SIGKILL), stderr[-3000:]
    run("resume_all.py", url)
    assert json.loads(run("check.py", url, pk, N)) == []


@pytest.mark.parametrize(("point", "count"), POINTS, ids=[f"{p}-{k}" for p, k in POINTS])
def test_a_crash_at_a_chosen_point_resumes_to_a_clean_runs_result(store_url: str, point: str, count: int) -> None:
    trial(store_url, point=(point, count))


@pytest.mark.parametrize("seed", range(RANDOM_TRIALS))
def test_a_sigkill_at_a_random_moment_resumes_to_a_clean_runs_result(store_url: str, seed: int) -> None:
    trial(store_url, kill_after=random.Random(seed).uniform(0.0, 1.5))


def test_a_clean_run_passes_the_same_checks(store_url: str) -> None:
    trial(store_url)
