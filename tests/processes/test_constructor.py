"""A process made by its constructor, AiiDA's way: ``MyWorkChain(inputs={...})`` validates its inputs and stores its
node as created; ``jw.run(process)`` or ``jw.submit(process)`` launches it, once."""

from __future__ import annotations

import threading
from typing import ClassVar

import pytest

import jupyter_workflows as jw
from jupyter_workflows import Int, Process, ProcessState, WorkChain
from jupyter_workflows.nodes import WorkChainNode
from jupyter_workflows.testing import get_runtime, provenance_problems

pytestmark = pytest.mark.usefixtures("any_store")


class AddOne(WorkChain):
    made: ClassVar[list[str]] = []

    @classmethod
    def define(cls, spec):
        super().define(spec)
        spec.input("x", valid_type=Int)
        spec.output("result", valid_type=Int)
        spec.outline(cls.add)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.seen_in_init = "init"

    def on_create(self):
        super().on_create()
        self.made.append(self.seen_in_init)  # after every __init__, as plumpy calls it
        self.ctx.increment = 1

    def add(self):
        self.out("result", Int(self.inputs.x.value + self.ctx.increment).store())


def test_a_made_process_is_stored_as_created_with_its_inputs_and_runs_when_launched():
    process = AddOne(inputs={"x": Int(4)})
    node = process.node
    assert isinstance(node, WorkChainNode) and node.is_stored and node.process_state is ProcessState.CREATED
    assert node.base.links.get_incoming().all_link_labels() == ["x"]
    assert process.inputs.x.value == 4 and not process.started
    result = jw.run(process)
    assert result["result"] == 5 and node.is_finished_ok and process.node is node
    assert jw.load_node(node.pk) is node


def test_on_create_runs_once_after_every_init_however_the_process_is_launched():
    AddOne.made.clear()
    jw.run(AddOne(inputs={"x": Int(1)}))
    jw.run(AddOne, x=Int(1))
    jw.wait(jw.submit(AddOne, x=Int(1)))
    assert AddOne.made == ["init", "init", "init"]


def test_bad_inputs_are_refused_when_the_process_is_made_storing_nothing():
    store = get_runtime().store
    before = store.count_nodes()
    with pytest.raises(jw.ValidationError, match=r"Input 'x' of AddOne expects Int"):
        AddOne(inputs={"x": "four"})
    with pytest.raises(ValueError, match=r"'x'"):
        AddOne()
    assert store.count_nodes() == before


def test_a_process_runs_once():
    process = AddOne(inputs={"x": Int(1)})
    with pytest.raises(jw.UsageError, match=r"its inputs were given when it was made"):
        jw.run(process, x=Int(2))
    jw.run(process)
    with pytest.raises(jw.UsageError, match=r"AddOne<\d+> was launched already \(it is finished\); a process runs"):
        jw.run(process)
    killed = AddOne(inputs={"x": Int(1)})
    jw.kill(killed.node)
    assert killed.node.is_killed
    with pytest.raises(jw.UsageError, match=r"launched already \(it is killed\)"):
        jw.submit(killed)


def test_made_processes_submitted_at_once_keep_all_provenance():
    processes = [AddOne(inputs={"x": Int(n)}) for n in range(20)]
    nodes = [jw.submit(process) for process in processes]
    jw.wait(*nodes)
    assert [node.outputs.result.value for node in nodes] == [n + 1 for n in range(20)]
    assert provenance_problems(get_runtime().store) == []


def test_the_runtime_runner_is_accepted_and_aiida_only_arguments_are_refused():
    runtime = get_runtime()
    assert jw.run(AddOne(inputs={"x": Int(1)}, runner=runtime.get_runner()))["result"] == 2
    with pytest.raises(jw.UsageError, match=r"not the runner of this kernel's runtime"):
        AddOne(inputs={"x": Int(1)}, runner=object())
    with pytest.raises(jw.UsageError, match=r"AddOne\(enable_persistence=False\): .* leave these arguments out"):
        AddOne(inputs={"x": Int(1)}, enable_persistence=False)


def test_an_on_create_that_raises_leaves_an_excepted_node_not_a_created_one():
    class Broken(AddOne):
        def on_create(self):
            super().on_create()
            raise RuntimeError("no setup today")

    store = get_runtime().store
    with pytest.raises(RuntimeError, match="no setup today"):
        jw.run(Broken, x=Int(1))
    (row,) = [row for row in jw.processes() if row.process_label == "Broken"]
    node = jw.load_node(row.pk)
    assert node.is_excepted and "no setup today" in node.exception
    assert provenance_problems(store) == []


def test_an_init_without_super_is_refused_with_the_fix():
    class NoSuper(AddOne):
        def __init__(self, *args, **kwargs):
            pass

    with pytest.raises(jw.SpecError, match=r"NoSuper.__init__ must call super\(\).__init__\(...\)"):
        NoSuper(inputs={"x": Int(1)})


def test_a_process_without_provenance_is_run_but_not_submitted():
    class Plain(Process):
        @classmethod
        def define(cls, spec):
            super().define(spec)
            spec.input("x", valid_type=Int)

        def run(self):
            self.report("ran")

    process = Plain(inputs={"x": Int(1), "metadata": {"store_provenance": False}})
    assert not process.node.is_stored
    with pytest.raises(jw.InvalidOperationError, match=r"stores no provenance .* Run it instead"):
        jw.submit(process)
    jw.run(process)
    assert process.node.is_finished_ok and not process.node.is_stored


def test_the_base_workchain_is_neither_made_nor_launched():
    for launch in (WorkChain, lambda: jw.run(WorkChain), lambda: jw.submit(WorkChain)):
        with pytest.raises(jw.InvalidOperationError, match=r"The base WorkChain class cannot be made or launched"):
            launch()


def test_a_workchain_overriding_run_is_refused_when_defined():
    with pytest.raises(RuntimeError, match=r"the method `run` is protected cannot be overridden") as refused:

        class Overrides(WorkChain):
            def run(self):
                pass

    assert isinstance(refused.value, jw.SpecError)


def test_the_top_level_submit_in_a_workchain_step_is_refused():
    class SubmitsGlobally(WorkChain):
        @classmethod
        def define(cls, spec):
            super().define(spec)
            spec.outline(cls.step)

        def step(self):
            jw.submit(AddOne, x=Int(1))

    with pytest.raises(jw.InvalidOperationError, match=r"jw.submit\(\) was called in a step of SubmitsGlobally<\d+>"):
        jw.run(SubmitsGlobally)


def test_a_process_is_made_on_the_thread_of_the_event_loop():
    errors = []

    def make():
        try:
            AddOne(inputs={"x": Int(1)})
        except jw.UsageError as error:
            errors.append(str(error))

    thread = threading.Thread(target=make)
    thread.start()
    thread.join()
    assert errors and "AddOne(...) was called from a thread other than the one running the event loop" in errors[0]


def test_a_workchain_submits_a_process_it_made():
    class Parent(WorkChain):
        @classmethod
        def define(cls, spec):
            super().define(spec)
            spec.output("result", valid_type=Int)
            spec.outline(cls.launch, cls.collect)

        def launch(self):
            child = AddOne(inputs={"x": Int(6)})
            assert child.node.caller is self.node  # the process running when it was made called it
            return jw.ToContext(child=self.submit(child))

        def collect(self):
            self.out("result", self.ctx.child.outputs.result)

    result, node = jw.run.get_node(Parent)
    assert result["result"] == 7 and [child.process_label for child in node.called] == ["AddOne"]
    assert provenance_problems(get_runtime().store) == []


def test_an_interrupted_on_create_leaves_a_killed_node():
    class Interrupted(AddOne):
        def on_create(self):
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        Interrupted(inputs={"x": Int(1)})
    (row,) = [row for row in jw.processes() if row.process_label == "Interrupted"]
    assert jw.load_node(row.pk).is_killed


class Optional(WorkChain):
    @classmethod
    def define(cls, spec):
        super().define(spec)
        spec.input("typed", valid_type=Int, required=False)
        spec.input("any", required=False)
        spec.input("needed", valid_type=Int, required=False, default=lambda: Int(1))
        spec.outline(cls.step)

    def step(self):
        self.report(f"typed={self.inputs.typed!r}")


def test_inputs_that_are_not_required_take_none_which_is_passed_on_and_not_linked():
    process = Optional(inputs={"typed": None, "any": None, "needed": None})
    assert process.inputs.typed is None and process.inputs.any is None and process.inputs.needed is None
    assert process.node.base.links.get_incoming().all_link_labels() == []
    jw.run(process)
    assert process.node.is_finished_ok and process.node.base.log.get_logs()[0].message.endswith("typed=None")
    process = Optional(inputs={"typed": Int(1), "any": jw.Bool(True)})
    assert process.inputs.typed == 1 and process.inputs.any.value is True
    assert sorted(process.node.base.links.get_incoming().all_link_labels()) == ["any", "needed", "typed"]
    jw.run(process)
    assert process.node.is_finished_ok
