"""WorkChains: outline, context, children, exit codes, exposed inputs; AiiDA's documented examples run unchanged."""

from __future__ import annotations

import asyncio

import pytest

import jupyter_workflows as jw
import jupyter_workflows.testing
from jupyter_workflows import (
    Int,
    List,
    ToContext,
    WorkChain,
    append_,
    calcfunction,
    if_,
    return_,
    while_,
)
from jupyter_workflows.workchains import WorkChainSpec

from .._rendezvous import Rendezvous

pytestmark = pytest.mark.usefixtures("any_store")


@calcfunction
def add(x, y):
    return Int(x + y)


@calcfunction
def multiply(x, y):
    return Int(x * y)


class AddAndMultiplyWorkChain(WorkChain):
    """AiiDA's documented example, imports changed only."""

    @classmethod
    def define(cls, spec):
        super().define(spec)
        spec.input("x")
        spec.input("y")
        spec.input("z")
        spec.outline(cls.add, cls.multiply, cls.results)
        spec.output("result")

    def add(self):
        self.ctx.sum = add(self.inputs.x, self.inputs.y)

    def multiply(self):
        self.ctx.product = multiply(self.ctx.sum, self.inputs.z)

    def results(self):
        self.out("result", self.ctx.product)


class NestedWorkChain(WorkChain):
    """AiiDA's documented example of a WorkChain that submits itself, imports changed only."""

    @classmethod
    def define(cls, spec):
        super().define(spec)
        spec.input("inp", valid_type=Int)
        spec.outline(cls.do_submit, cls.finalize)
        spec.output("output", valid_type=Int, required=True)

    def do_submit(self):
        if self.should_submit():
            self.report("Submitting nested workchain.")
            return ToContext(workchain=append_(self.submit(NestedWorkChain, inp=self.inputs.inp - 1)))

    def should_submit(self):
        return int(self.inputs.inp) > 0

    def finalize(self):
        """Attach the outputs."""
        if self.should_submit():
            self.report("Getting sub-workchain output.")
            sub_workchain = self.ctx.workchain[0]
            self.out("output", Int(sub_workchain.outputs.output + 1).store())
        else:
            self.report("Bottom-level workchain reached.")
            self.out("output", Int(0).store())


def test_add_and_multiply_documented_example():
    result, node = jw.run.get_node(AddAndMultiplyWorkChain, x=Int(2), y=Int(3), z=Int(5))
    assert result["result"] == 25
    assert node.is_finished_ok and node.process_label == "AddAndMultiplyWorkChain"
    assert [c.process_label for c in node.called] == ["add", "multiply"]
    assert node.outputs.result.creator.process_label == "multiply"


def test_nested_workchain_documented_example():
    result, node = jw.run.get_node(NestedWorkChain, inp=Int(3))
    assert result["output"] == 3
    depth, current = 0, node
    while current.called:
        (current,) = current.called
        depth += 1
    assert depth == 3
    assert node.report_messages == ["Submitting nested workchain.", "Getting sub-workchain output."]
    assert current.report_messages == ["Bottom-level workchain reached."]


class Collatz(WorkChain):
    @classmethod
    def define(cls, spec):
        super().define(spec)
        spec.input("n", valid_type=Int)
        spec.output("steps", valid_type=Int)
        spec.exit_code(400, "ERROR_NOT_POSITIVE", "n must be positive, got {n}")
        spec.outline(
            cls.check,
            while_(cls.not_one)(
                if_(cls.is_even)(cls.halve).elif_(cls.is_three)(cls.three).else_(cls.triple),
            ),
            cls.finish,
        )

    def check(self):
        if self.inputs.n <= 0:
            return self.exit_codes.ERROR_NOT_POSITIVE.format(n=self.inputs.n.value)
        self.ctx.n = self.inputs.n.value
        self.ctx.path = []

    def not_one(self):
        return self.ctx.n != 1

    def is_even(self):
        return self.ctx.n % 2 == 0

    def is_three(self):
        return self.ctx.n == 3

    def halve(self):
        self.ctx.path.append("halve")
        self.ctx.n //= 2

    def three(self):
        self.ctx.path.append("three")
        self.ctx.n = 10

    def triple(self):
        self.ctx.path.append("triple")
        self.ctx.n = 3 * self.ctx.n + 1

    def finish(self):
        self.out("steps", Int(len(self.ctx.path)).store())


def test_if_elif_else_and_while():
    result, node = jw.run.get_node(Collatz, n=Int(6))
    # 6 -halve-> 3 -three-> 10 -halve-> 5 -triple-> 16 -halve-> 8 -halve-> 4 -halve-> 2 -halve-> 1
    assert result["steps"] == 8
    assert node.step == "finish"


def test_a_condition_returning_no_bool_is_taken_by_its_truth_with_a_warning():
    class Conditions(WorkChain):
        @classmethod
        def define(cls, spec):
            super().define(spec)
            spec.input("flag", valid_type=jw.Bool)
            spec.outline(if_(cls.flag_node)(cls.count), while_(cls.text)(cls.stop))

        def flag_node(self):
            return self.inputs.flag  # a Bool node: a bool, no warning

        def text(self):
            return "false"

        def count(self):
            self.ctx.counted = True

        def stop(self):
            return 1

    with pytest.warns(UserWarning, match="The conditional predicate `text` returned") as warned:
        node = jw.run.get_node(Conditions, flag=jw.Bool(True))[1]
    assert node.exit_status == 1  # 'false' is a non-empty str: true
    (message,) = [str(w.message) for w in warned]
    assert message == (
        "The conditional predicate `text` returned `false` of type str instead of a bool; it is taken as True. "
        "Return True or False."
    )


def test_exit_code_from_a_step():
    result, node = jw.run.get_node(Collatz, n=Int(-2))
    assert node.is_failed and not node.is_finished_ok
    assert node.exit_status == 400
    assert node.exit_message == "n must be positive, got -2"
    assert result == {}


def test_return_with_exit_code_in_outline():
    class Stops(WorkChain):
        @classmethod
        def define(cls, spec):
            super().define(spec)
            spec.exit_code(300, "ERROR_STOPPED", "stopped on purpose")
            spec.outline(cls.first, if_(cls.always)(return_(300)), cls.never)

        def first(self):
            self.ctx.ran = ["first"]

        def always(self):
            return True

        def never(self):
            raise AssertionError("unreachable")

    node = jw.run.get_node(Stops)[1]
    assert node.exit_status == 300


def test_missing_required_output_fails_with_exit_code_11():
    class Forgets(WorkChain):
        @classmethod
        def define(cls, spec):
            super().define(spec)
            spec.output("result")
            spec.outline(cls.nothing)

        def nothing(self):
            pass

    node = jw.run.get_node(Forgets)[1]
    assert node.exit_status == 11 and "result" in node.exit_message


def test_children_submitted_in_parallel_and_collected_with_append():
    rendezvous = Rendezvous(5)

    @calcfunction
    async def square_with_the_others(x):
        await rendezvous.meet(x.value)
        return x * x

    class FanOut(WorkChain):
        @classmethod
        def define(cls, spec):
            super().define(spec)
            spec.input("n", valid_type=Int)
            spec.output("total", valid_type=Int)
            spec.outline(cls.launch, cls.collect)

        def launch(self):
            # self.submit takes process functions too (aiida-core refuses them), so they run concurrently
            for i in range(self.inputs.n.value):
                self.to_context(squares=append_(self.submit(square_with_the_others, i)))

        def collect(self):
            total = sum(node.outputs.result.value for node in self.ctx.squares)
            self.out("total", Int(total).store())

    result, node = jw.run.get_node(FanOut, n=Int(5))
    assert result["total"] == 0 + 1 + 4 + 9 + 16
    assert rendezvous.all_started_before_any_ended(), rendezvous.log  # the five children ran at the same time
    assert [c.process_label for c in node.called] == ["square_with_the_others"] * 5


def test_a_list_of_submitted_children_waits_for_all_and_keeps_their_order():
    """``ToContext(parts=[...])``, as a user writes it first (aiida-core refuses a list): the key holds the children's
    nodes in the order given, whatever order they end in; a later step's list replaces it."""

    @calcfunction
    async def late(x):
        await asyncio.sleep(0.05 * (3 - x.value))  # the first ends last
        return x + 0

    class Parts(WorkChain):
        @classmethod
        def define(cls, spec):
            super().define(spec)
            spec.output("first")
            spec.output("second")
            spec.outline(cls.fan_out, cls.keep_first, cls.fan_out, cls.keep_second, cls.nothing)

        def fan_out(self):
            return ToContext(parts=[self.submit(late, Int(i)) for i in range(3)])

        def keep_first(self):
            self.out("first", List([node.outputs.result.value for node in self.ctx.parts]).store())

        def keep_second(self):
            self.out("second", Int(len(self.ctx.parts)).store())

        def nothing(self):
            return ToContext(none=[])  # nothing to wait for

    result, node = jw.run.get_node(Parts)
    assert node.is_finished_ok, node.exit_message
    assert result["first"].get_list() == [0, 1, 2] and result["second"].value == 3
    assert len(node.called) == 6


def test_a_list_in_to_context_with_something_else_than_a_process_says_what_it_takes():
    class Mixed(WorkChain):
        @classmethod
        def define(cls, spec):
            super().define(spec)
            spec.outline(cls.fan_out)

        def fan_out(self):
            return ToContext(parts=[self.submit(add, 1, 2), 3])

    with pytest.raises(jw.UsageError, match=r"ToContext\(parts=\[...\]\) of Mixed<\d+> got .*give the nodes that"):
        jw.run(Mixed)


def test_a_context_key_under_a_list_is_refused_when_the_children_are_collected():
    class Overlaps(WorkChain):
        @classmethod
        def define(cls, spec):
            super().define(spec)
            spec.outline(cls.launch, cls.never)

        def launch(self):
            self.to_context(children=append_(self.submit(add, 1, 2)))
            return ToContext(**{"children.first": self.submit(add, 3, 4)})

        def never(self):
            raise AssertionError("the children cannot be collected")

    with pytest.raises(jw.UsageError, match=r"Cannot set 'children.first': 'children' holds a list, not a namespace"):
        jw.run(Overlaps)


def test_the_status_names_the_awaited_children_as_soon_as_they_are_awaited():
    class Awaits(WorkChain):
        @classmethod
        def define(cls, spec):
            super().define(spec)
            spec.outline(cls.launch)

        def launch(self):
            children = [self.submit(add, i, 1) for i in range(2)]
            for child in children:
                self.to_context(children=append_(child))
            expected = f"Waiting for 2 process(es): add<{children[0].pk}>, add<{children[1].pk}>"
            assert self.node.process_status == expected

    assert jw.run.get_node(Awaits)[1].is_finished_ok


def test_a_non_db_input_takes_any_value_unless_it_says_otherwise():
    class PassesOn(WorkChain):
        @classmethod
        def define(cls, spec):
            super().define(spec)
            spec.input("settings.options", non_db=True)
            spec.input_namespace("config", non_db=True)
            spec.input("config.retries", valid_type=int)
            spec.outline(cls.check)

        def check(self):
            assert self.inputs.settings.options == {"a": [1, 2]} and self.inputs.config.retries == 3

    assert jw.run.get_node(PassesOn, settings={"options": {"a": [1, 2]}}, config={"retries": 3})[1].is_finished_ok
    with pytest.raises(jw.ValidationError, match=r"Input 'config.retries' of PassesOn expects int \(got str"):
        jw.run(PassesOn, settings={"options": 1}, config={"retries": "3"})


def test_async_steps():
    class Sleeper(WorkChain):
        @classmethod
        def define(cls, spec):
            super().define(spec)
            spec.outline(cls.nap, cls.done)

        async def nap(self):
            await asyncio.sleep(0.01)
            self.ctx.napped = True

        def done(self):
            assert self.ctx.napped

    assert jw.run.get_node(Sleeper)[1].is_finished_ok


def test_expose_inputs_and_outputs():
    class Outer(WorkChain):
        @classmethod
        def define(cls, spec):
            super().define(spec)
            spec.expose_inputs(AddAndMultiplyWorkChain, namespace="inner")
            spec.expose_outputs(AddAndMultiplyWorkChain)
            spec.outline(cls.run_inner, cls.results)

        def run_inner(self):
            inputs = self.exposed_inputs(AddAndMultiplyWorkChain, namespace="inner")
            return ToContext(inner=self.submit(AddAndMultiplyWorkChain, **inputs))

        def results(self):
            self.out_many(self.exposed_outputs(self.ctx.inner, AddAndMultiplyWorkChain))

    result, node = jw.run.get_node(Outer, inner={"x": Int(1), "y": Int(2), "z": Int(3)})
    assert result["result"] == 9
    assert set(node.inputs.inner) == {"x", "y", "z"}


def test_input_validation_with_defaults_namespaces_and_validators():
    def positive(value, port):
        return None if value > 0 else "must be positive"

    class Configured(WorkChain):
        @classmethod
        def define(cls, spec):
            super().define(spec)
            spec.input("n", valid_type=Int, validator=positive, help="how many")
            spec.input("scale", valid_type=Int, default=lambda: Int(2))
            spec.input_namespace("extra", dynamic=True, valid_type=Int, required=False)
            spec.output("result", valid_type=Int)
            spec.outline(cls.compute)

        def compute(self):
            total = multiply(self.inputs.n, self.inputs.scale)
            self.out("result", total)

    assert jw.run(Configured, n=3)["result"] == 6
    assert jw.run(Configured, {"n": 3, "extra": {"a": 1}})["result"] == 6
    with pytest.raises(jw.ValidationError) as error:
        jw.run(Configured, n=-1, extra={"a": "text"}, unknown=1)
    problems = "\n".join(error.value.problems)
    assert "Input 'n' of Configured: must be positive" in problems
    assert "'extra.a' of Configured expects Int" in problems
    assert "Configured has no input 'unknown'" in problems
    with pytest.raises(jw.ValidationError, match="missing the required input 'n' \\(how many\\)"):
        jw.run(Configured)


def test_spec_mistakes_are_reported_clearly():
    class NoOutline(WorkChain):
        @classmethod
        def define(cls, spec):
            super().define(spec)

    with pytest.raises(jw.SpecError, match="NoOutline has no outline"):
        jw.run(NoOutline)

    class BadExitCode(WorkChain):
        @classmethod
        def define(cls, spec):
            super().define(spec)
            spec.exit_code(-1, "ERROR_NEGATIVE", "statuses are 0 or more")
            spec.outline(cls.step)

        def step(self):
            pass

    with pytest.raises(jw.SpecError, match="its status must be 0 or more"):
        jw.run(BadExitCode)


def test_empty_outline_finishes_at_once_and_outline_mistakes_are_refused_where_written():
    class Empty(WorkChain):
        @classmethod
        def define(cls, spec):
            super().define(spec)
            spec.outline()

    assert jw.run.get_node(Empty)[1].is_finished_ok

    spec = WorkChainSpec()
    with pytest.raises(TypeError, match="the outline holds 5, which is not a step"):
        spec.outline(5)
    with pytest.raises(TypeError, match=r"the step <lambda>\(x, y\) cannot be called with the WorkChain alone"):
        spec.outline(lambda x, y: None)

    def two_arguments(self, other):
        return True

    with pytest.raises(jw.SpecError, match=r"the condition two_arguments\(self, other\) cannot be called"):
        spec.outline(if_(two_arguments)(lambda self: None))


def test_output_of_wrong_type_excepts_with_clear_message():
    class WrongOutput(WorkChain):
        @classmethod
        def define(cls, spec):
            super().define(spec)
            spec.output("result", valid_type=Int)
            spec.outline(cls.step)

        def step(self):
            self.out("result", jw.Str("x").store())

    with pytest.raises(jw.ValidationError, match=r"Output 'result' of WrongOutput<\d+> expects Int"):
        jw.run(WrongOutput)


def test_checkpoint_is_json_with_outline_position():
    class Pausing(WorkChain):
        @classmethod
        def define(cls, spec):
            super().define(spec)
            spec.outline(cls.one, cls.two)

        def one(self):
            self.ctx.numbers = [1, 2]
            self.ctx.node = Int(5).store()
            self.ctx.pair = (1, "a")
            jw.pause(self.node)

        def two(self):
            pass

    node = jw.submit(Pausing)
    runner = jw.testing.get_runtime().runner
    runner.block(asyncio.sleep(0.1))
    assert node.paused and node.process_state is jw.ProcessState.RUNNING
    checkpoint = node.load_checkpoint()
    assert checkpoint["pc"] == 1 and checkpoint["version"] == jw._wire.CHECKPOINT_VERSION
    assert checkpoint["ctx"]["__attrdict__"]["numbers"] == [1, 2]
    assert "__node__" in checkpoint["ctx"]["__attrdict__"]["node"]
    jw.play(node)
    jw.wait(node)
    assert node.is_finished_ok
    assert node.load_checkpoint() is None  # removed once terminated


@pytest.mark.parametrize("returned", [0, jw.ExitCode(), jw.ExitCode(0, "all fine")], ids=["0", "ExitCode()", "zero"])
def test_a_step_returning_a_zero_exit_code_goes_on(returned):
    class Goes(WorkChain):
        @classmethod
        def define(cls, spec):
            super().define(spec)
            spec.outline(cls.first, cls.second)

        def first(self):
            return returned

        def second(self):
            self.report("second ran")

    node = jw.run.get_node(Goes)[1]
    assert node.is_finished_ok and node.report_messages == ["second ran"]


def test_an_output_label_takes_one_value():
    class Twice(WorkChain):
        @classmethod
        def define(cls, spec):
            super().define(spec)
            spec.output("a", valid_type=Int)
            spec.outline(cls.step)

        def step(self):
            self.out("a", Int(1).store())
            self.out("a", Int(2).store())

    with pytest.raises(jw.ValidationError, match="output 'a' was registered already; each output label takes one"):
        jw.run(Twice)
    (row,) = [r for r in jw.processes() if r.process_label == "Twice"]
    node = jw.load_node(row.pk)
    assert node.is_excepted and list(node.outputs) == []  # the step died: its outputs never reached the store


def test_nested_dict_into_a_declared_dynamic_output_namespace():
    class Collects(WorkChain):
        @classmethod
        def define(cls, spec):
            super().define(spec)
            spec.output_namespace("results", dynamic=True, valid_type=Int)
            spec.output("total", valid_type=Int)
            spec.outline(cls.collect)

        def collect(self):
            self.out("results", {"first": {"value": add(1, 2)}, "second": add(3, 4)})
            self.out("results.third.deeper.value", add(5, 6))
            self.out("total", add(10, 11))

    result, node = jw.run.get_node(Collects)
    assert result["results"]["first"]["value"] == 3 and result["results"]["third"]["deeper"]["value"] == 11
    store = jw.testing.get_runtime().store
    labels = {link.link_label for link in store.get_links(outputs_of=[node.pk]) if link.link_type.value == "return"}
    assert labels == {"results__first__value", "results__second", "results__third__deeper__value", "total"}

    class Closed(WorkChain):
        @classmethod
        def define(cls, spec):
            super().define(spec)
            spec.output("total", valid_type=Int)
            spec.outline(cls.collect)

        def collect(self):
            self.out("extra", {"a": add(1, 2)})

    with pytest.raises(jw.ValidationError, match=r"Closed<.*> has no output 'extra\.a'"):
        jw.run(Closed)
