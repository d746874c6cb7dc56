"""Interrupts (the kernel's Interrupt button: SIGINT) in real kernels go to what the user waits for, and only there.

- A cell blocked in ``jw.wait(node)``: the waiting stops; the process goes on.
- A background step that computes while the kernel is idle: its process is killed with the reason, the kernel
  answers again.
- A cell blocked in ``jw.run(...)`` of a process that commits all the time: the process ends killed, never excepted
  with an error of a commit cut in half.
"""

from __future__ import annotations

import time

import pytest

from jupyter_workflows.testing.kernels import Kernel

from .._nbrun import kernel_names
from .test_reentrancy import DEFINITIONS

pytestmark = pytest.mark.kernel
KERNELS = kernel_names()

BUSY = """
class Busy(WorkChain):
    @classmethod
    def define(cls, spec):
        super().define(spec)
        spec.input("spin", valid_type=Bool, default=lambda: Bool(True))
        spec.outline(cls.compute)

    def compute(self):
        if self.inputs.spin.value:
            while True:          # pure Python, never yields: the loop is held
                pass
        time.sleep(600)          # in C: the interrupt ends the sleep

@calcfunction
def computes(seconds):
    time.sleep(seconds.value)    # stands for a long computation in the cell's own call
    return seconds + 0

@workfunction
def many_commits(n):
    total = Int(0)
    for i in range(n.value):
        total = add(total, 1)
    return total
"""


@pytest.fixture
def kernel_env(tmp_path) -> dict[str, str]:
    return {"JUPYTER_WORKFLOWS_STORE": f"sqlite:///{tmp_path / 'provenance.sqlite'}"}


def define(k: Kernel) -> None:
    reply = k.run(DEFINITIONS + "\nfrom jupyter_workflows import Bool\n" + BUSY)
    assert reply.status == "ok", reply.error


@pytest.mark.parametrize("kernel", KERNELS)
def test_interrupting_a_cell_blocked_in_wait_stops_the_waiting_only(kernel, kernel_env):
    with Kernel(kernel, env=kernel_env) as k:
        define(k)
        assert k.run("node = jw.submit(FanOut, n=Int(3), seconds=Float(4))").status == "ok"
        for _ in range(3):
            blocked = k.send("jw.wait(node)")
            time.sleep(0.7)
            k.interrupt()
            reply = k.collect(blocked, timeout=30)
            assert reply.error is not None and reply.error[0] == "KeyboardInterrupt"
        after = k.run("jw.wait(node)\nprint(node.process_state.value, node.exit_status, node.outputs.total.value)")
        assert after.error is None, after.error
        assert after.stdout == "finished 0 6\n"  # it went on, untouched by three interrupts


@pytest.mark.parametrize("kernel", KERNELS)
@pytest.mark.parametrize("spin", [True, False], ids=["python-loop", "sleep-in-c"])
def test_interrupt_kills_a_background_step_that_holds_the_loop(kernel, kernel_env, spin):
    with Kernel(kernel, env=kernel_env) as k:
        define(k)
        assert k.run(f"busy = jw.submit(Busy, spin=Bool({spin}))").status == "ok"  # returns; the step runs next
        time.sleep(1.5)  # the step has the loop now: the kernel cannot answer
        k.interrupt()
        check = k.run("print(busy.process_state.value, '|', busy.exit_message)", timeout=30)
        assert check.status == "ok", check.error  # the kernel answers again
        assert check.stdout == "killed | Interrupted by the user (kernel interrupt).\n"
        assert k.run("print(len(jw.processes(active=True)))").stdout == "0\n"


@pytest.mark.parametrize("kernel", KERNELS[:1])
def test_interrupts_never_cut_a_commit_in_half(kernel, kernel_env):
    with Kernel(kernel, env=kernel_env) as k:
        define(k)
        for delay in (0.3, 0.45, 0.6, 0.75, 0.9, 1.05):
            blocked = k.send("many_commits(Int(100_000))")
            time.sleep(delay)
            k.interrupt()
            reply = k.collect(blocked, timeout=60)
            assert reply.error is not None and reply.error[0] == "KeyboardInterrupt", reply.error
        check = k.run(
            "rows = [r for r in jw.processes(limit=None)]\n"
            "print(sorted({r.state_text for r in rows if r.process_label == 'many_commits'}))\n"
            "print(len(jw.processes(active=True)))\n"
            "print(sorted({r.state_text for r in rows if r.process_label == 'add'}))\n"
            "print([jw.load_node(r.pk).exception for r in rows if r.state_text == 'excepted'])"  # to see why, if so
        )
        assert check.error is None, check.error
        workfunctions, active, calcfunctions, *why = check.stdout.splitlines()
        assert workfunctions == "['killed']"
        assert active == "0"
        assert calcfunctions in ("['finished [0]']", "['finished [0]', 'killed']"), "\n".join(why)


@pytest.mark.parametrize("kernel", KERNELS)
def test_interrupting_a_cell_blocked_in_a_calcfunction_kills_it(kernel, kernel_env):
    with Kernel(kernel, env=kernel_env) as k:
        define(k)
        assert k.run("computes(Float(0.01))").status == "ok"  # a quick first run: the next is written when it ends
        blocked = k.send("computes(Float(600))")
        time.sleep(1.5)
        k.interrupt()
        reply = k.collect(blocked, timeout=30)
        assert reply.error is not None and reply.error[0] == "KeyboardInterrupt", reply.error
        check = k.run(
            "rows = [r for r in jw.processes(limit=None) if r.process_label == 'computes']\n"
            "print(sorted(r.state_text for r in rows), len(jw.processes(active=True)))\n"
            "print(jw.load_node(rows[0].pk).exit_message)"
        )
        assert check.error is None, check.error
        states, message = check.stdout.splitlines()
        assert states == "['finished [0]', 'killed'] 0"
        assert message == "Interrupted by the user (kernel interrupt)."
