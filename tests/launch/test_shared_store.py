"""Several kernels (here: processes) share one SQLite file: every run of each is recorded, none is lost."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import jupyter_workflows as jw
from jupyter_workflows.testing import isolated_runtime

ROOT = Path(__file__).resolve().parents[2]

WORKER = """
import sys
sys.path.insert(0, {root!r})
import jupyter_workflows as jw
from jupyter_workflows import Int, calcfunction, workfunction

jw.configure(store={url!r})

@calcfunction
def add(x, y):
    return x + y

@workfunction
def accumulate(n):
    total = Int(0).store()
    for i in range(n.value):
        total = add(total, i)
    return total

print(accumulate(300).value)
"""


def test_two_processes_write_the_same_sqlite_file(sqlite_url):
    code = textwrap.dedent(WORKER.format(root=str(ROOT), url=sqlite_url))
    workers = [
        subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    outputs = [worker.communicate(timeout=120) for worker in workers]
    for worker, (out, err) in zip(workers, outputs, strict=True):
        assert worker.returncode == 0, err
        assert out.strip() == str(sum(range(300)))
    with isolated_runtime(sqlite_url):  # never the user's default store
        rows = jw.processes(limit=None)
        assert sum(row.process_label == "accumulate" for row in rows) == 2
        assert sum(row.process_label == "add" for row in rows) == 600
        assert all(row.finished_ok for row in rows)
