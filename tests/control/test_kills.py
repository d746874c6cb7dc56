"""A kill ends the process and its children as KILLED with the kill's message, whatever it was doing: also while
it is inside a synchronous call of a child (a workfunction calling a calcfunction, a step calling jw.run)."""

from __future__ import annotations

import asyncio

import pytest

import jupyter_workflows as jw
from jupyter_workflows import Float, ProcessState, ToContext, WorkChain, calcfunction, workfunction
from jupyter_workflows.ipython._magics import WorkflowsMagics

from .test_controls import until

pytestmark = pytest.mark.usefixtures("store")

HOUR = Float(3600)


@calcfunction
async def waits(seconds):
    await asyncio.sleep(seconds.value)
    return seconds + 0


@workfunction
def calls_a_waiting_calcfunction(seconds):
    return waits(seconds)


class Inner(WorkChain):
    @classmethod
    def define(cls, spec):
        super().define(spec)
        spec.input("seconds", valid_type=Float)
        spec.outline(cls.launch, cls.done)

    def launch(self):
        return ToContext(child=self.submit(waits, self.inputs.seconds))

    def done(self):
        pass


class RunsInnerInAStep(WorkChain):
    @classmethod
    def define(cls, spec):
        super().define(spec)
        spec.input("seconds", valid_type=Float)
        spec.outline(cls.step)

    def step(self):
        jw.run(Inner, seconds=self.inputs.seconds)


class CallsACalcfunctionInAStep(WorkChain):
    @classmethod
    def define(cls, spec):
        super().define(spec)
        spec.input("seconds", valid_type=Float)
        spec.outline(cls.step)

    def step(self):
        waits(self.inputs.seconds)


def descendants(node):
    for child in node.called:
        yield child
        yield from descendants(child)


def started_waiting(node) -> bool:
    return any(d.process_label == "waits" and d.process_state is ProcessState.RUNNING for d in descendants(node))


@pytest.mark.parametrize("process", [calls_a_waiting_calcfunction, RunsInnerInAStep, CallsACalcfunctionInAStep])
def test_kill_inside_a_synchronous_child_call_records_killed_with_the_message(process):
    node = jw.submit(process, seconds=HOUR)
    until(lambda: started_waiting(node))
    assert jw.kill(node, message="stop it") == [node]
    jw.wait(node, timeout=60)
    assert node.process_state is ProcessState.KILLED and node.exit_message == "stop it"
    below = list(descendants(node))
    assert below and all(d.is_killed for d in below)
    assert all(d.exit_message.startswith("stop it (killed with its caller ") for d in below)


def test_a_kill_that_came_through_a_caller_names_only_the_nearest_caller_below():
    """A kill sent down a tree (by the broker, to a process whose caller was killed on another worker) names the
    caller it came through; the processes below it name theirs, not both (it read "... (killed with its caller
    Parent<1>) (killed with its caller Child<2>)")."""
    node = jw.submit(RunsInnerInAStep, seconds=HOUR)
    until(lambda: started_waiting(node))
    assert jw.kill(node, message="stop it (killed with its caller Parent<1>)") == [node]
    jw.wait(node, timeout=60)
    assert node.exit_message == "stop it (killed with its caller Parent<1>)"
    below = list(descendants(node))
    assert below and all(d.is_killed and d.exit_message.count("(killed with its caller") == 1 for d in below)
    expected = {f"stop it (killed with its caller {d.caller.process_label}<{d.caller.pk}>)" for d in below}
    assert {d.exit_message for d in below} == expected


def test_kill_message_of_the_magic_is_recorded_on_a_process_inside_a_child_call(capsys):
    node = jw.submit(RunsInnerInAStep, seconds=HOUR)
    until(lambda: started_waiting(node))
    WorkflowsMagics(shell=None).workflows(f"kill {node.pk} -m 'not needed any more'")
    jw.wait(node, timeout=60)
    assert node.is_killed and node.exit_message == "not needed any more"
    assert all(d.is_killed for d in descendants(node))


def test_a_step_that_catches_the_childs_kill_still_ends_killed():
    class Stubborn(WorkChain):
        @classmethod
        def define(cls, spec):
            super().define(spec)
            spec.input("seconds", valid_type=Float)
            spec.outline(cls.step, cls.after)

        def step(self):
            try:
                waits(self.inputs.seconds)
            except jw.ProcessKilledError:
                self.report("caught it")

        def after(self):
            raise AssertionError("a killed process takes no further step")

    node = jw.submit(Stubborn, seconds=HOUR)
    until(lambda: started_waiting(node))
    jw.kill(node, message="really stop")
    jw.wait(node, timeout=60)
    assert node.is_killed and node.exit_message == "really stop"
