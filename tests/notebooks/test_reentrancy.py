"""The engine on the kernel's own loop, in real kernels: newest ipykernel 7 on Python 3.11/3.12/3.13, ipykernel 6 on
Python 3.10. Synchronous calls work in the very cell that imports the package, next to top-level await; submitted
processes run while later cells execute; deep nesting works; an interrupt kills; a dead kernel's work resumes."""

from __future__ import annotations

import time

import pytest

from jupyter_workflows.testing.kernels import Kernel

from .._nbrun import cell_error, cell_text, execute_notebook, kernel_names, notebook_from_cells

pytestmark = pytest.mark.kernel
KERNELS = kernel_names()

DEFINITIONS = """
import asyncio, time, sys
import jupyter_workflows as jw
from jupyter_workflows import calcfunction, workfunction, WorkChain, ToContext, append_, Int, Float

@calcfunction
def add(x: int, y: int):
    return x + y

@calcfunction
def multiply(x, y):
    return x * y

@workfunction
def add_and_multiply(x, y, z):
    return multiply(add(x, y), z)

@calcfunction
async def slow_add(x, y, seconds):
    await asyncio.sleep(seconds.value)
    return x + y

class FanOut(WorkChain):
    @classmethod
    def define(cls, spec):
        super().define(spec)
        spec.input("n", valid_type=Int)
        spec.input("seconds", valid_type=Float, default=lambda: Float(0.05))
        spec.output("total", valid_type=Int)
        spec.outline(cls.launch, cls.collect)

    def launch(self):
        for i in range(self.inputs.n.value):
            self.to_context(parts=append_(self.submit(slow_add, i, 1, self.inputs.seconds)))

    def collect(self):
        self.out("total", Int(sum(p.outputs.result.value for p in self.ctx.parts)).store())
"""


@pytest.fixture
def kernel_env(tmp_path) -> dict[str, str]:
    return {"JUPYTER_WORKFLOWS_STORE": f"sqlite:///{tmp_path / 'provenance.sqlite'}"}


def run_cells(cells: list[str], kernel: str, env: dict[str, str], timeout: float = 120) -> list[tuple[str, object]]:
    notebook = execute_notebook(notebook_from_cells(cells), kernel_name=kernel, env=env, timeout=timeout)
    return [(cell_text(cell), cell_error(cell)) for cell in notebook.cells]


@pytest.mark.parametrize("kernel", KERNELS)
def test_sync_async_and_background_processes_in_one_kernel(kernel, kernel_env):
    submitted = 1000 if kernel == "python3" else 50
    cells = [
        # 0: the very cell that imports the package: sync calls, including a WorkChain that waits for children
        DEFINITIONS
        + "print(add(1, 2).value, add_and_multiply(1, 2, 3).value, jw.run(FanOut, n=Int(3))['total'].value)",
        # 1
        "result, node = jw.run.get_node(add_and_multiply, Int(1), Int(2), Int(3))\n"
        "print(result.value, node.is_finished_ok, [c.process_label for c in node.called])",
        # 2: top-level await
        "r = await add_and_multiply.run_async(1, 2, 3)\nprint(r.value)",
        # 3: a synchronous call in a cell that also awaits (aiida-core 2.9 fails here: no portal)
        "await asyncio.sleep(0)\nprint(add(2, 2).value)",
        # 4: synchronous calls inside coroutines gathered concurrently
        "async def wrapped(i):\n    return add(i, i)\n"
        "print([r.value for r in await asyncio.gather(*(wrapped(i) for i in range(3)))])",
        # 5: submit returns at once; the processes run in the kernel's background
        f"t0 = time.perf_counter()\nnodes = [jw.submit(FanOut, n=Int(2)) for _ in range({submitted})]\n"
        "print('submitted', len(nodes), 'in', round(time.perf_counter() - t0, 3), 's')",
        # 6: a later, trivial cell runs while they are still going
        "print('trivial cell; still running:', sum(not n.is_terminated for n in nodes))",
        # 7
        "jw.wait(*nodes)\n"
        "print('all finished ok:', all(n.is_finished_ok for n in nodes), nodes[0].outputs.total.value)",
        # 8: nesting far deeper than aiida-core's 48
        "@workfunction\ndef nest(n):\n    return add(n, 1) if n.value == 0 else nest(n - 1)\n"
        "print('nest 300:', nest(300).value)",
        # 9
        "print(jw.processes(limit=2))",
    ]
    outputs = run_cells(cells, kernel, kernel_env)
    for index, (_, error) in enumerate(outputs):
        assert error is None, f"cell {index} failed on {kernel}: {error}"
    text = [out for out, _ in outputs]
    assert text[0].split() == ["3", "9", "6"]
    assert text[1] == "9 True ['add', 'multiply']\n"
    assert text[2] == "9\n" and text[3] == "4\n" and text[4] == "[0, 2, 4]\n"
    assert text[5].startswith(f"submitted {submitted}")
    assert text[6].startswith("trivial cell; still running:")
    assert text[7] == "all finished ok: True 3\n"
    assert text[8] == "nest 300: 1\n"
    assert "Process label" in text[9]


def test_ten_thousand_calcfunctions_in_one_workfunction(kernel_env):
    cells = [
        DEFINITIONS + "@workfunction\ndef accumulate(n):\n    total = Int(0).store()\n"
        "    for i in range(n.value):\n        total = add(total, i)\n    return total\n"
        "t0 = time.perf_counter()\nresult, node = accumulate.run_get_node(10_000)\n"
        "print(result.value, len(node.called), round((time.perf_counter() - t0) / 10, 3), 'ms per call')",
    ]
    ((text, error),) = run_cells(cells, "python3", kernel_env, timeout=300)
    assert error is None, error
    total, called, *_ = text.split()
    assert int(total) == sum(range(10_000)) and int(called) == 10_000


@pytest.mark.parametrize("kernel", KERNELS)
def test_cell_queued_behind_a_blocking_run_is_not_lost(kernel, kernel_env):
    """nest_asyncio 1.6 loses such cells on ipykernel >= 7.1 ("cannot enter context"); this engine must not."""
    with Kernel(kernel, env=kernel_env) as k:
        assert k.run(DEFINITIONS).status == "ok"
        first = k.send("print(jw.run(FanOut, n=Int(3), seconds=Float(0.5))['total'].value)")
        second = k.send("print('second cell ran')")
        one, two = k.collect(first, timeout=60), k.collect(second, timeout=60)
        assert (one.status, one.stdout, one.error) == ("ok", "6\n", None)
        assert (two.status, two.stdout) == ("ok", "second cell ran\n")
        assert "cannot enter context" not in one.stderr + two.stderr


@pytest.mark.parametrize("kernel", KERNELS)
def test_interrupting_a_blocked_cell_kills_the_process(kernel, kernel_env):
    with Kernel(kernel, env=kernel_env) as k:
        assert k.run(DEFINITIONS).status == "ok"
        blocked = k.send("jw.run(FanOut, n=Int(3), seconds=Float(60))")
        time.sleep(2.0)
        k.interrupt()
        reply = k.collect(blocked, timeout=30)
        assert reply.error is not None and reply.error[0] == "KeyboardInterrupt"
        check = k.run(
            "node = jw.load_node([r.pk for r in jw.processes() if r.process_label == 'FanOut'][0])\n"
            "print(node.process_state.value, [c.process_state.value for c in node.called])\n"
            "print(len(jw.processes(active=True)))"
        )
        assert check.error is None, check.error
        state, active = check.stdout.splitlines()
        assert state == "killed ['killed', 'killed', 'killed']"
        assert active == "0"  # nothing left "running" in the store


def test_interrupting_an_awaiting_cell_kills_the_process(kernel_env):
    with Kernel("python3", env=kernel_env) as k:
        assert k.run(DEFINITIONS).status == "ok"
        awaiting = k.send("await jw.run_async(FanOut, n=Int(2), seconds=Float(60))")
        time.sleep(2.0)
        k.interrupt()
        reply = k.collect(awaiting, timeout=30)
        assert reply.error is not None
        check = k.run("time.sleep(0.2); await asyncio.sleep(0.2)\nprint(jw.processes(limit=3))")
        assert "killed" in check.stdout and "running" not in check.stdout


@pytest.mark.parametrize("kernel", ["python3", "jw-py310-ipykernel6"])
def test_resume_in_a_new_kernel_after_the_old_one_died(kernel, kernel_env):
    if kernel not in KERNELS:
        pytest.skip(f"kernel {kernel} is not installed (make kernels)")
    with Kernel(kernel, env=kernel_env) as first:
        assert first.run(DEFINITIONS).status == "ok"
        started = first.run("node = jw.submit(FanOut, n=Int(4), seconds=Float(1.0))\nprint(node.pk)")
        pk = int(started.stdout)
        first.run("await asyncio.sleep(0.3)")  # let it reach its wait for the children
        first.kill()
    with Kernel(kernel, env=kernel_env) as second:
        assert second.run(DEFINITIONS).status == "ok"  # the class must be defined again in the new kernel
        listing = second.run("print(jw.processes(active=True))")
        assert "gone (orphaned)" in listing.stdout
        resumed = second.run(
            f"node = jw.resume({pk})\njw.wait(node)\nprint(node.is_finished_ok, node.outputs.total.value)"
        )
        assert resumed.error is None, resumed.error
        assert resumed.stdout == "True 10\n"  # (0+1) + (1+1) + (2+1) + (3+1), as if nothing had happened
