"""A WorkChain and the calcfunctions it uses, defined in a real kernel's cells, continue in a process that never saw
them: the kernel is SIGKILLed in the middle of the run, a fresh Python process resumes it from the store, and the run
ends with the provenance a clean run leaves."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

import jupyter_workflows as jw
from jupyter_workflows._code import capture, load_stored_class
from jupyter_workflows.store import Store
from jupyter_workflows.testing import provenance_problems, temporary_store
from jupyter_workflows.testing.kernels import Kernel

from .._nbrun import kernel_names
from ._notebook import CALLS, CELLS, expected_total
from .test_capture import cells
from .test_travel import elsewhere

pytestmark = pytest.mark.kernel
ROOT = Path(__file__).resolve().parent.parent.parent
SECONDS = 2.0  # each Child's slow_add: the kernel is killed while they sleep
NOISY = """
import os
log = open(os.devnull, "w")

@calcfunction
def noisy(x):
    log.write(str(x))
    return x

capture_for_travel(noisy)
"""


def start_kernel(name: str, url: str) -> Kernel:
    kernel = Kernel(name, env={"PYTHONPATH": str(ROOT), "JUPYTER_WORKFLOWS_STORE": url})
    for cell in CELLS:
        reply = kernel.run(cell)
        assert reply.status == "ok", reply.traceback
    return kernel


def run_cell(kernel: Kernel, code: str) -> dict[str, Any]:
    reply = kernel.run(code)
    assert reply.status == "ok", reply.traceback
    outcome: dict[str, Any] = json.loads(reply.stdout)
    return outcome


def wait_until_grandchildren_sleep(url: str, count: int) -> None:
    """Until ``count`` slow_add calls (one per Child) are under way: the whole tree is in the middle of its run."""
    deadline = time.monotonic() + 120
    with Store(url) as store:
        while time.monotonic() < deadline:
            if len(store.query_processes(states=["running"], process_labels=["slow_add"])) == count:
                return
            time.sleep(0.02)
    raise AssertionError(f"{count} slow_add calls did not start")


def finished_tree(node: jw.ProcessNode) -> list[Any]:
    """What a run leaves that a clean run leaves too: label, inputs, exit status, outputs and its finished calls (the
    attempts killed when the kernel died are left out; provenance_problems checks them)."""
    values = [sorted((label, data.value) for label, data in found.items()) for found in (node.inputs, node.outputs)]
    calls = sorted(json.dumps(finished_tree(child)) for child in node.called if child.is_finished_ok)
    return [node.process_label, node.exit_status, *values, calls]


def test_a_notebook_workchain_killed_with_its_kernel_resumes_in_a_fresh_process(store_url):
    kernel = start_kernel("python3", store_url)
    try:
        ids = run_cell(
            kernel,
            "path = capture_for_travel(Survey)\n"
            f"clean = jw.run_get_node(Survey, n=Int(3), seconds=Float({SECONDS}))[1]\n"
            f"node = jw.submit(Survey, n=Int(3), seconds=Float({SECONDS}))\n"
            "print(json.dumps({'path': path, 'clean': clean.pk, 'pk': node.pk}))",
        )
        wait_until_grandchildren_sleep(store_url, 3)
        kernel.kill()
    finally:
        kernel.close()
    sha = ids["path"].split(":")[1]
    resumed = elsewhere(store_url, "resume", ids["pk"])
    assert (resumed["state"], resumed["outputs"]) == ("finished", {"total": expected_total(3)})
    assert all(path.startswith(f"code:{sha}:") for path in resumed["classes"])
    with temporary_store(store_url) as store:
        assert provenance_problems(store, expected_calls={**CALLS, "Survey": 4}, calls_at_least=True) == []
        assert finished_tree(jw.load_node(ids["pk"])) == finished_tree(jw.load_node(ids["clean"]))
        killed = [row for row in store.query_processes() if row.process_state == "killed"]
        assert killed, "the kernel was expected to die while children ran"
        assert all(row.attributes["process_class"].startswith(f"code:{sha}:") for row in store.query_processes())


@pytest.mark.parametrize("kernel_name", kernel_names())
def test_every_kernel_captures_the_same_code_and_it_runs_elsewhere(kernel_name, sqlite_url):
    kernel = start_kernel(kernel_name, sqlite_url)
    try:
        path = run_cell(kernel, "print(json.dumps(capture_for_travel(Survey)))")
        refused = kernel.run(NOISY)
    finally:
        kernel.close()
    assert refused.error == (
        "CodeTravelError",
        "noisy cannot run in another process: its code uses the global 'log', an open file or stream "
        "(_io.TextIOWrapper), which cannot travel. Pass it as an input, create it inside the function or step that "
        "uses it, or move it, with the code that uses it, into a module the other process can import.",
    )
    namespace = cells(*CELLS)  # the same cells, run here: the same text, the same hash, whatever the Python
    assert path == f"code:{capture(namespace['Survey'], namespace).sha256}:Survey"
    ran = elsewhere(sqlite_url, "run", path, 2)
    assert (ran["state"], ran["outputs"]) == ("finished", {"total": expected_total(2)})


@pytest.mark.parametrize("kernel_name", kernel_names())
def test_a_function_defined_in_a_cell_run_with_time_travels(kernel_name, sqlite_url):
    kernel = start_kernel(kernel_name, sqlite_url)
    try:
        timed = kernel.run("%%time\n\n@calcfunction\ndef timed(x):\n    return x + 1\n")
        assert timed.status == "ok", timed.traceback
        path = run_cell(kernel, "print(json.dumps(capture_for_travel(timed)))")
    finally:
        kernel.close()
    with temporary_store(sqlite_url) as store:
        assert jw.run(load_stored_class(path, store), x=jw.Int(1)).value == 2
