"""BaseRestartWorkChain: a failing child runs again with inputs its process handlers fixed, as in AiiDA."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

import jupyter_workflows as jw
from jupyter_workflows import (
    BaseRestartWorkChain,
    ExitCode,
    Int,
    List,
    ProcessHandlerReport,
    ProcessState,
    WorkChain,
    calcfunction,
    process_handler,
    while_,
)
from jupyter_workflows.store import CALL_LINK_TYPES, LinkType
from jupyter_workflows.testing import get_runtime, provenance_problems
from jupyter_workflows.testing.workflows import NEGATIVE_SUM, RetryAdd, checked_add

pytestmark = pytest.mark.usefixtures("any_store")
ROOT = Path(__file__).resolve().parent.parent.parent


def settle(seconds: float = 0.02) -> None:
    get_runtime().runner.block(asyncio.sleep(seconds))


def until(condition, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not reached in time"
        settle()


def calls(node) -> list[tuple[str, jw.ProcessNode]]:
    """(CALL link label, child) of each process ``node`` called, oldest first."""
    store = node.provenance_store
    links = store.get_links(outputs_of=[node.pk], link_types=CALL_LINK_TYPES)
    return [(link.link_label, jw.load_node(link.output_pk)) for link in links]


def returns(node) -> dict[str, int]:
    """RETURN link label -> pk of the data node, of ``node``."""
    links = node.provenance_store.get_links(outputs_of=[node.pk], link_types=[LinkType.RETURN])
    return {link.link_label: link.output_pk for link in links}


def standard_outline(spec, cls) -> None:
    spec.outline(cls.setup, while_(cls.should_run_process)(cls.run_process, cls.inspect_process), cls.results)


# -- the realistic example ---------------------------------------------------------------------------------------------
def test_a_handler_fixes_the_input_and_the_child_runs_again():
    result, node = jw.run.get_node(RetryAdd, add={"x": Int(3), "y": Int(-4)})
    assert node.is_finished_ok and result["result"] == 7
    (first_label, first), (second_label, second) = calls(node)
    assert (first_label, second_label) == ("iteration_01", "iteration_02")
    assert first.exit_status == 410 and first.exit_message == NEGATIVE_SUM.message
    assert second.is_finished_ok and (second.inputs.x.value, second.inputs.y.value) == (3, 4)
    assert returns(node) == {"result": second.outputs.result.pk}  # the last child's output, returned as is
    assert node.report_messages == [
        f"launching checked_add<{first.pk}> iteration #1",
        "the sum of 3 and -4 is negative: taking absolute values",
        f"process handler handle_negative_sum dealt with checked_add<{first.pk}>",
        f"checked_add<{first.pk}> failed but a handler dealt with the problem, restarting",
        f"launching checked_add<{second.pk}> iteration #2",
        "work chain completed after 2 iterations",
    ]
    assert node.inputs.max_iterations == 5  # the default, stored as an input


def test_a_child_that_succeeds_at_once_runs_once():
    result, node = jw.run.get_node(RetryAdd, add={"x": 1, "y": 2})  # plain values become nodes
    assert result["result"] == 3
    assert [label for label, _ in calls(node)] == ["iteration_01"]
    assert node.report_messages[-1] == "work chain completed after 1 iterations"


def test_the_exposed_inputs_of_the_child_are_checked_at_launch():
    with pytest.raises(jw.ValidationError, match=r"'add\.x' of RetryAdd expects Int"):
        jw.run(RetryAdd, add={"x": "three", "y": Int(1)})
    assert not list(jw.processes())  # nothing was stored


# -- handlers: priority, exit_codes, overrides, do_break ---------------------------------------------------------------
@calcfunction
def outcome(status: Int):
    """Fails with exit status ``status``; succeeds for 0."""
    if status.value:
        return ExitCode(status.value, f"asked to fail with {status.value}")
    return Int(0)


class Handled(BaseRestartWorkChain):
    """AiiDA's test work chain: handlers that say when they were called, and what they return."""

    _process_class = outcome

    @classmethod
    def define(cls, spec):
        super().define(spec)
        spec.expose_inputs(outcome)
        spec.expose_outputs(outcome)
        standard_outline(spec, cls)

    def setup(self):
        super().setup()
        self.ctx.inputs = self.exposed_inputs(outcome)

    def saw(self, handler, node):
        if node.is_failed:
            self.report(f"{handler} saw {node.exit_status}")

    def succeed_next_time(self):
        self.ctx.inputs["status"] = Int(0)
        return ProcessHandlerReport()

    @process_handler(priority=200)
    def handler_a(self, node):
        self.saw("handler_a", node)
        if node.exit_status == 400:
            return ProcessHandlerReport(do_break=False, exit_code=ExitCode(418, "IMATEAPOT"))
        return None

    @process_handler(priority=100)
    def handler_b(self, node):
        self.saw("handler_b", node)

    @process_handler(priority=0, enabled=False)
    def handler_c(self, node):
        self.saw("handler_c", node)
        return self.succeed_next_time() if node.is_failed else None

    @process_handler
    def handler_d(self, node):
        self.saw("handler_d", node)
        return self.succeed_next_time() if node.exit_status == 1 else None

    @process_handler(priority=300, exit_codes=[ExitCode(300), ExitCode(310)])
    def handler_e(self, node):
        self.saw("handler_e", node)
        self.succeed_next_time()
        return ProcessHandlerReport(do_break=True)

    def not_a_handler(self, node):
        pass


def seen(node) -> list[str]:
    return [message for message in node.report_messages if " saw " in message]


def test_handlers_run_highest_priority_first_and_the_last_report_counts():
    node = jw.run.get_node(Handled, status=Int(400))[1]
    assert seen(node) == ["handler_a saw 400", "handler_b saw 400", "handler_d saw 400"]  # handler_c is disabled
    # handler_b and handler_d returned None after handler_a's report: the report stands, with its exit code
    assert (node.exit_status, node.exit_message) == (418, "IMATEAPOT")
    assert f"outcome<{node.called[0].pk}> failed but a handler detected an unrecoverable problem, aborting" in (
        node.report_messages
    )
    assert len(node.called) == 1 and returns(node) == {}


def test_a_handler_with_exit_codes_only_sees_those_and_do_break_skips_the_rest():
    node = jw.run.get_node(Handled, status=Int(310))[1]
    assert seen(node) == ["handler_e saw 310"]  # do_break: handler_a, b and d were not called
    assert node.is_finished_ok and [child.exit_status for child in node.called] == [310, 0]
    node = jw.run.get_node(Handled, status=Int(1))[1]
    assert seen(node) == ["handler_a saw 1", "handler_b saw 1", "handler_d saw 1"]  # handler_e: not its exit code
    assert node.is_finished_ok


@pytest.mark.parametrize(
    ("overrides", "expected_seen", "exit_status"),
    [
        ({"handler_c": {"enabled": True}}, ["handler_a saw 2", "handler_b saw 2", "handler_c saw 2"], 0),
        ({"handler_a": {"priority": 50}}, ["handler_b saw 400", "handler_a saw 400", "handler_d saw 400"], 418),
        ({"handler_a": {"enabled": False}}, ["handler_b saw 400", "handler_d saw 400"], 402),
        ({"handler_c": {"enabled": True, "priority": 1000}}, ["handler_c saw 2", "handler_a saw 2"], 0),
    ],
    ids=["enable", "priority", "disable", "both"],
)
def test_handler_overrides_enable_disable_and_reorder_handlers(overrides, expected_seen, exit_status):
    status = 400 if "handler_a" in overrides else 2
    node = jw.run.get_node(Handled, status=Int(status), handler_overrides=overrides)[1]
    assert seen(node)[: len(expected_seen)] == expected_seen
    assert node.exit_status == exit_status
    assert Handled.handler_a.priority == 200 and not Handled.handler_c.enabled  # the class is unchanged


def test_the_legacy_boolean_override_still_works_with_a_deprecation_warning():
    with pytest.warns(DeprecationWarning, match=r"write \{'handler_a': \{'enabled': False\}\} instead"):
        node = jw.run.get_node(Handled, status=Int(400), handler_overrides={"handler_a": False})[1]
    assert seen(node) == ["handler_b saw 400", "handler_d saw 400"]
    assert node.exit_status == 402


@pytest.mark.parametrize(
    ("overrides", "problem"),
    [
        ({"not_a_handler": {"enabled": True}}, "'not_a_handler' is not a process handler of Handled; its handlers:"),
        ({"handler_a": {"enable": True}}, "takes the keys 'enabled' and 'priority' (got enable)"),
        ({"handler_a": "yes"}, "the override of 'handler_a' is a dict"),
        ({"handler_a": {"priority": "high"}}, "'priority' of the override of 'handler_a' is an int"),
    ],
)
def test_wrong_handler_overrides_are_refused_before_anything_runs(overrides, problem):
    with pytest.raises(jw.ValidationError) as error:
        jw.run(Handled, status=Int(0), handler_overrides=overrides)
    assert problem in str(error.value)
    assert not list(jw.processes())


def test_a_handler_returning_something_else_is_a_clear_error():
    class Sloppy(Handled):
        @process_handler(priority=1000)
        def sloppy(self, node):
            return True

    with pytest.raises(jw.UsageError, match="Process handler sloppy of Sloppy returned bool True; a handler returns"):
        jw.run(Sloppy, status=Int(0))


# -- max_iterations, unhandled failures, pauses ------------------------------------------------------------------------
class Outcome(WorkChain):
    """A WorkChain child: registers its output, then fails with ``status`` (unless 0)."""

    @classmethod
    def define(cls, spec):
        super().define(spec)
        spec.input("status", valid_type=Int)
        spec.output("result", valid_type=Int)
        spec.outline(cls.finish)

    def finish(self):
        self.out("result", Int(self.inputs.status.value).store())
        if self.inputs.status.value:
            return ExitCode(self.inputs.status.value, f"asked to fail with {self.inputs.status.value}")
        return None


class Scripted(BaseRestartWorkChain):
    """The i-th child fails with ``statuses[i]`` (the last one repeats); handle_500 deals with 500."""

    _process_class = Outcome

    @classmethod
    def define(cls, spec):
        super().define(spec)
        spec.input("statuses", valid_type=List)
        spec.expose_outputs(Outcome)
        standard_outline(spec, cls)

    def setup(self):
        super().setup()
        self.ctx.inputs = {}

    def run_process(self):
        statuses = self.inputs.statuses.get_list()
        launched = len(self.ctx.get("children", []))
        self.ctx.inputs["status"] = Int(statuses[min(launched, len(statuses) - 1)])
        return super().run_process()

    @process_handler(exit_codes=ExitCode(500))
    def handle_500(self, node):
        return ProcessHandlerReport()


def statuses_of(node) -> list[int]:
    return [child.exit_status for child in node.called]


@pytest.mark.parametrize("max_iterations", [1, 3, None])
def test_max_iterations_stops_a_child_that_keeps_failing(max_iterations):
    extra = {} if max_iterations is None else {"max_iterations": max_iterations}
    node = jw.run.get_node(Scripted, statuses=[500], **extra)[1]
    count = max_iterations or 5
    assert statuses_of(node) == [500] * count
    assert node.exit_status == 401 and node.exit_message == "The maximum number of iterations was exceeded."
    assert node.report_messages[-2:] == [
        f"Reached the maximum number of global iterations ({count}).",
        f"Aborting! Last ran: Outcome<{node.called[-1].pk}>",
    ]
    assert [label for label, _ in calls(node)] == [f"iteration_{i:02d}" for i in range(1, count + 1)]


@pytest.mark.parametrize(
    ("action", "children"), [(None, 1), ("abort", 1), ("restart_once", 2)], ids=["default", "abort", "restart_once"]
)
def test_an_unhandled_failure_aborts_at_once_or_after_one_restart(action, children):
    extra = {} if action is None else {"on_unhandled_failure": action}
    node = jw.run.get_node(Scripted, statuses=[7], **extra)[1]
    assert statuses_of(node) == [7] * children
    assert (node.exit_status, node.exit_message) == (402, "The process failed with an unhandled failure.")
    name = f"Outcome<{node.called[-1].pk}>"
    last = " for the second consecutive time, aborting" if children == 2 else ", aborting"
    assert node.report_messages[-1] == f"{name} failed with an unhandled failure{last}"


def test_restart_once_counts_consecutive_unhandled_failures_only():
    node = jw.run.get_node(Scripted, statuses=[7, 500, 7, 7], on_unhandled_failure="restart_once")[1]
    assert statuses_of(node) == [7, 500, 7, 7]  # the handled 500 in between reset the count
    assert node.exit_status == 402


def test_a_wrong_unhandled_failure_action_is_refused():
    with pytest.raises(jw.ValidationError, match="'retry' is not an action; use one of 'abort', 'pause', "):
        jw.run(Scripted, statuses=[0], on_unhandled_failure="retry")


@pytest.mark.parametrize(("action", "children"), [("pause", 1), ("restart_and_pause", 2)])
def test_an_unhandled_failure_can_pause_for_inspection(action, children):
    node = jw.submit(Scripted, statuses=[7, 7, 0], on_unhandled_failure=action)
    until(lambda: node.paused and len(node.called) == children and node.called[-1].is_terminated)
    settle(0.1)
    assert len(node.called) == children and not node.is_terminated  # it holds
    assert node.process_status == f"Paused for inspection: see the report of Scripted<{node.pk}>"
    assert node.report_messages[-1] == (
        f"If running it again as it is may help (a transient failure), play this work chain with jw.play({node.pk}); "
        f"otherwise kill it with jw.kill({node.pk})."
    )
    assert jw.play(node) == [node]
    if action == "pause":  # played, the child ran again: 7 again, so it paused again
        until(lambda: node.paused and len(node.called) == 2 and node.called[-1].is_terminated)
        jw.kill(node)
        jw.wait(node)
        assert node.is_killed and statuses_of(node) == [7, 7]
    else:  # played, it had two tries again: the third child succeeded
        jw.wait(node, timeout=30)
        assert node.is_finished_ok and statuses_of(node) == [7, 7, 0]


def test_pause_on_max_iterations_pauses_and_playing_starts_the_count_again():
    node = jw.submit(Scripted, statuses=[500, 500, 500, 0], max_iterations=2, pause_on_max_iterations=True)
    until(lambda: node.paused and len(node.called) == 2)
    assert "Resetting the iteration counter(s) and pausing for inspection." in node.report_messages
    jw.play(node)
    jw.wait(node, timeout=30)
    assert node.is_finished_ok and statuses_of(node) == [500, 500, 500, 0]
    # the count started again (iteration #1 and #2 twice), the CALL links go on: each label names one child
    launches = [m.split(" iteration ")[1] for m in node.report_messages if m.startswith("launching")]
    assert launches == ["#1", "#2", "#1", "#2"]
    assert [label for label, _ in calls(node)] == ["iteration_01", "iteration_02", "iteration_03", "iteration_04"]
    assert node.outputs.result == 0


def test_an_excepted_or_killed_child_stops_the_work_chain():
    @calcfunction
    async def fragile(status: Int):
        if status.value == 1:
            raise ValueError("the child broke")
        await asyncio.sleep(30)

    class Fragile(Handled):
        _process_class = fragile

    node = jw.run.get_node(Fragile, status=Int(1))[1]
    assert node.called[0].is_excepted
    assert (node.exit_status, node.exit_message) == (301, "The sub process excepted.")
    node = jw.submit(Fragile, status=Int(2))
    until(lambda: node.called and node.called[0].process_state is ProcessState.RUNNING)
    jw.kill(node.called[0])
    jw.wait(node, timeout=30)
    assert (node.exit_status, node.exit_message) == (302, "The sub process was killed.")


# -- results -----------------------------------------------------------------------------------------------------------
def test_results_attach_declared_outputs_and_report_missing_ones():
    class WantsMore(Scripted):
        @classmethod
        def define(cls, spec):
            super().define(spec)
            spec.output("extra", valid_type=Int)

    node = jw.run.get_node(WantsMore, statuses=[0])[1]
    assert returns(node) == {"result": node.called[0].outputs.result.pk}
    assert node.exit_status == 11  # as AiiDA: the required output 'extra' is missing
    assert f"required output `extra` was not an output of Outcome<{node.called[0].pk}>" in node.report_messages[-1]


def test_get_outputs_decides_what_is_attached():
    class Filtered(Handled):
        def get_outputs(self, node):
            outputs = super().get_outputs(node)
            outputs.pop("result")
            return outputs

    assert jw.run(Handled, status=Int(0))["result"] == 0
    node = jw.run.get_node(Filtered, status=Int(0))[1]
    assert node.is_finished_ok and returns(node) == {}


def test_a_handler_may_end_the_work_chain_with_the_results_of_a_failed_child():
    class FinishesEarly(Scripted):
        @process_handler(priority=100, exit_codes=ExitCode(1))
        def accept(self, node):
            self.ctx.is_finished = True
            self.results()
            return ProcessHandlerReport(exit_code=ExitCode(42, "CUSTOM_FINISH"))

    node = jw.run.get_node(FinishesEarly, statuses=[1], max_iterations=1)[1]
    assert (node.exit_status, node.exit_message) == (42, "CUSTOM_FINISH")
    assert node.outputs.result == 1  # attached from the failed child


# -- mistakes in the subclass ------------------------------------------------------------------------------------------
def test_a_subclass_without_process_class_is_refused_before_anything_is_stored():
    class Forgot(BaseRestartWorkChain):
        @classmethod
        def define(cls, spec):
            super().define(spec)
            standard_outline(spec, cls)

    with pytest.raises(jw.SpecError, match="Forgot does not say which process it runs: set the class attribute"):
        jw.run(Forgot)
    assert not list(jw.processes())


def test_a_subclass_that_sets_no_inputs_says_so():
    class NoInputs(BaseRestartWorkChain):
        _process_class = checked_add

        @classmethod
        def define(cls, spec):
            super().define(spec)
            standard_outline(spec, cls)

    with pytest.raises(jw.UsageError, match=r"NoInputs has no inputs for checked_add in self.ctx.inputs; set them in"):
        jw.run(NoInputs)


def test_a_workchain_child_takes_plain_dicts_from_the_context():
    class Parametrised(WorkChain):
        @classmethod
        def define(cls, spec):
            super().define(spec)
            spec.input("parameters", valid_type=jw.Dict, required=False)
            spec.output_namespace("sub", valid_type=Int, dynamic=True)
            spec.outline(cls.finish)

        def finish(self):
            self.out("sub.result", Int(len(self.inputs.parameters.get_dict())).store())

    class Base(BaseRestartWorkChain):
        _process_class = Parametrised

        @classmethod
        def define(cls, spec):
            super().define(spec)
            spec.expose_inputs(cls._process_class, namespace="sub")
            spec.expose_outputs(cls._process_class)
            standard_outline(spec, cls)

        def setup(self):
            super().setup()
            self.ctx.inputs = self.exposed_inputs(self._process_class, namespace="sub")
            self.ctx.inputs.parameters = self.ctx.inputs.parameters.get_dict()  # unwrapped, as AiiDA allows

    result, node = jw.run.get_node(Base, sub={"parameters": jw.Dict({"a": 1, "b": 2})})
    assert node.is_finished_ok and result["sub"]["result"] == 2


# -- many at once, and a crash -----------------------------------------------------------------------------------------
def test_many_restart_work_chains_at_once_keep_all_provenance(any_store):
    async def at_once():
        submitted = [jw.submit(RetryAdd, add={"x": Int(i), "y": Int(-2 * i)}) for i in range(1, 21)]
        gathered = asyncio.gather(*(jw.run_async(RetryAdd, add={"x": i, "y": -i - 1}) for i in range(20)))
        results = await gathered
        await jw.wait_async(*submitted, timeout=120)
        return submitted, results

    submitted, results = asyncio.run(at_once())
    assert [node.outputs.result.value for node in submitted] == [3 * i for i in range(1, 21)]
    assert [result["result"].value for result in results] == [2 * i + 1 for i in range(20)]
    uuids = [node.outputs.result.uuid for node in submitted] + [result["result"].uuid for result in results]
    # each finished with one successful call (its second child), after a first one that failed
    assert provenance_problems(any_store, expected_calls={"RetryAdd": 1}, results=uuids) == []
    for node in submitted:
        assert [(label, child.exit_status) for label, child in calls(node)] == [
            ("iteration_01", 410),
            ("iteration_02", 0),
        ]


CRASH = """
import asyncio, os, sys
sys.path.insert(0, {root!r})
import jupyter_workflows as jw
from jupyter_workflows import Int
from jupyter_workflows.testing import get_runtime
from tests.workchains.restart_workflows import SlowRetryAdd
jw.configure(store={url!r})
node = jw.submit(SlowRetryAdd, add={{"x": Int(3), "y": Int(-4)}})
print(node.pk, flush=True)
while not (len(node.called) == 2 and node.process_state.value == "waiting"):
    get_runtime().runner.block(asyncio.sleep(0.02))
os._exit(3)  # the kernel dies while the second child (with the fixed inputs) runs
"""


def test_a_restart_work_chain_resumes_with_its_context(any_store, store_url):
    script = textwrap.dedent(CRASH.format(root=str(ROOT), url=store_url))
    env = {**os.environ, "JW_CRASH_NOW": "1"}
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=120, check=False
    )
    assert done.returncode == 3, done.stderr[-3000:]
    node = jw.load_node(int(done.stdout.split()[0]))
    assert not node.is_terminated
    jw.resume(node)
    jw.wait(node, timeout=60)
    assert node.is_finished_ok, node.exit_message
    assert node.outputs.result == 7  # the inputs the handler fixed came back from the checkpoint
    (label_1, first), (label_2, died), (label_3, again) = calls(node)
    assert (label_1, label_2, label_3) == ("iteration_01", "iteration_02", "iteration_02")
    assert first.exit_status == 410 and died.is_killed and "ran again as slow_add" in died.exit_message
    assert again.is_finished_ok and returns(node) == {"result": again.outputs.result.pk}
    assert node.report_messages[-1] == "work chain completed after 2 iterations"  # the counter came back too
    assert provenance_problems(any_store) == []
