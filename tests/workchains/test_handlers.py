"""process_handler and ProcessHandlerReport: the decorator checks its arguments as AiiDA's does, and a handler's
exit_codes filter decides whether it is called at all."""

from __future__ import annotations

import pytest

import jupyter_workflows as jw
from jupyter_workflows import (
    BaseRestartWorkChain,
    ExitCode,
    Int,
    ProcessHandlerReport,
    calcfunction,
    process_handler,
)


@calcfunction
def outcome(status: Int):
    """Fails with exit status ``status``; succeeds for 0."""
    if status.value:
        return ExitCode(status.value, f"asked to fail with {status.value}")
    return Int(0)


class Some(BaseRestartWorkChain):
    _process_class = outcome

    @process_handler
    def bare(self, node):
        return ProcessHandlerReport(True)

    @process_handler(priority=400, exit_codes=ExitCode(400, "a"), enabled=False)
    def configured(self, node):
        """Handles 400."""
        return ProcessHandlerReport()

    @process_handler(exit_codes=[])
    def never(self, node):
        raise AssertionError("an empty exit_codes list matches no exit status")

    @process_handler(exit_codes=(ExitCode(300), ExitCode(310)))
    def several(self, node):
        return ProcessHandlerReport()

    def not_a_handler(self, node):
        pass


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: process_handler(400), "pass its options as keywords"),
        (lambda: process_handler(ExitCode()), "pass its options as keywords"),
        (lambda: process_handler(True), "pass its options as keywords"),
        (lambda: process_handler(priority="400"), "The priority of a process handler is an int"),
        (lambda: process_handler(priority=True), "The priority of a process handler is an int"),
        (lambda: process_handler(enabled=1), "enabled of a process handler is True or False"),
        (lambda: process_handler(exit_codes="test"), "exit_codes of a process handler takes an ExitCode"),
        (lambda: process_handler(exit_codes=["test"]), "exit_codes of a process handler takes an ExitCode"),
        (lambda: process_handler(exit_codes=400), "exit_codes of a process handler takes an ExitCode"),
        (lambda: process_handler(exit_codes=[400]), "exit_codes of a process handler takes an ExitCode"),
        (lambda: process_handler(lambda self: None), r"a process handler takes \(self, node\)"),
        (lambda: process_handler(lambda self, node, extra: None), r"a process handler takes \(self, node\)"),
    ],
)
def test_the_decorator_checks_its_arguments_like_aiida(make, message):
    with pytest.raises(TypeError, match=message):
        make()


def test_the_decorator_works_bare_and_with_keywords():
    assert (Some.bare.priority, Some.bare.enabled, Some.bare.exit_codes) == (0, True, None)
    assert (Some.configured.priority, Some.configured.enabled) == (400, False)
    assert Some.configured.exit_codes == (ExitCode(400, "a"),)
    assert Some.several.exit_codes == (ExitCode(300), ExitCode(310))
    assert Some.configured.__name__ == "configured" and Some.configured.__doc__ == "Handles 400."


def test_process_handlers_are_listed_by_name_and_recognised():
    assert [handler.__name__ for handler in Some.get_process_handlers()] == ["bare", "configured", "never", "several"]
    assert Some.is_process_handler("bare") and Some.is_process_handler(Some.several)
    assert not Some.is_process_handler("not_a_handler") and not Some.is_process_handler("missing")

    class Subclass(Some):
        def bare(self, node):  # overridden by a plain method: no longer a handler
            pass

    assert [handler.__name__ for handler in Subclass.get_process_handlers()] == ["configured", "never", "several"]


def test_exit_codes_decide_whether_the_handler_is_called(store):
    failed = jw.run.get_node(outcome, Int(400))[1]
    other = jw.run.get_node(outcome, Int(200))[1]
    assert Some.bare(None, failed) == ProcessHandlerReport(do_break=True, exit_code=ExitCode())
    assert isinstance(Some.configured(None, failed), ProcessHandlerReport)
    assert Some.configured(None, other) is None  # not one of its exit codes: not called
    assert Some.never(None, failed) is None


def test_a_report_defaults_to_going_on():
    report = ProcessHandlerReport()
    assert (report.do_break, report.exit_code.status) == (False, 0)
    assert ProcessHandlerReport(True, ExitCode(450, "stop")).exit_code.message == "stop"
