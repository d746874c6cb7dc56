"""No write lock is held while user code runs: another OS process can open the store for the first time and write
to it while a calcfunction's body is running (it used to wait for the body to end)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

KERNEL = textwrap.dedent(
    """
    import os, sys, time
    import jupyter_workflows as jw
    from jupyter_workflows import Str, calcfunction

    @calcfunction
    def waits_for(path: str):
        print("in body", flush=True)
        deadline = time.monotonic() + 120
        while not os.path.exists(path.value):
            if time.monotonic() > deadline:
                raise RuntimeError("the other process never got to write: the store was locked")
            time.sleep(0.01)
        return path.value

    jw.configure(store={url!r})
    for _ in range(3 if {quick_first} else 0):
        waits_for(Str({ready!r}))  # quick runs first: the next run is written whole when it ends
    print(waits_for(Str({target!r})).value, flush=True)
    """
)

OTHER = textwrap.dedent(
    """
    from pathlib import Path
    from jupyter_workflows.store import Store
    import jupyter_workflows as jw
    jw.configure(store={url!r})       # opened here for the first time
    jw.Int(7).store()                 # and written to
    Path({target!r}).touch()
    """
)


@pytest.mark.parametrize("quick_first", [False, True], ids=["written-before-the-body", "written-when-it-ends"])
def test_another_process_opens_and_writes_while_a_body_runs(store_url: str, tmp_path: Path, quick_first: bool):
    ready, target = tmp_path / "ready", tmp_path / "target"
    ready.touch()
    script = KERNEL.format(url=store_url, quick_first=quick_first, ready=str(ready), target=str(target))
    kernel = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    for _ in range(3 if quick_first else 0):
        assert kernel.stdout.readline() == "in body\n"  # type: ignore[union-attr]
    assert kernel.stdout.readline() == "in body\n", kernel.stderr.read()  # type: ignore[union-attr]
    other = subprocess.run(
        [sys.executable, "-c", OTHER.format(url=store_url, target=str(target))],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    out, err = kernel.communicate(timeout=300)
    assert other.returncode == 0, other.stderr[-2000:]
    assert kernel.returncode == 0, err[-2000:]
    assert out == f"{target}\n"
