"""ExitCode and the exit codes of a process class, as AiiDA's: (status, message, invalidates_cache), declared in
``define`` with ``spec.exit_code`` and reachable on the class (``MyWorkChain.exit_codes.LABEL``)."""

from __future__ import annotations

import pytest

import jupyter_workflows as jw
from jupyter_workflows import ExitCode, ExitCodesNamespace, Int, WorkChain
from jupyter_workflows._core import ProcessSpec


class Guarded(WorkChain):
    @classmethod
    def define(cls, spec):
        super().define(spec)
        spec.input("n", valid_type=Int)
        spec.exit_code(0, "NOTHING_TO_DO", "nothing was asked")
        spec.exit_code(400, "ERROR_NEGATIVE", "n must not be negative, got {n}", invalidates_cache=True)
        spec.exit_code(7, "ERROR_ODD", "n is odd")
        spec.outline(cls.check)

    def check(self):
        n = self.inputs.n.value
        if n < 0:
            return self.exit_codes.ERROR_NEGATIVE.format(n=n)
        if n % 2:
            return Guarded.exit_codes.ERROR_ODD
        return None


def test_an_exit_code_is_a_named_tuple_of_status_message_and_invalidates_cache():
    assert ExitCode() == (0, None, False)
    code = ExitCode(418, "I am a teapot", True)
    status, message, invalidates_cache = code
    assert (status, message, invalidates_cache) == (418, "I am a teapot", True)
    assert code.status == 418 and code.message == "I am a teapot" and code.invalidates_cache is True
    assert code == (418, "I am a teapot", True) and code != (418, "I am a teapot")


def test_format_fills_the_placeholders_and_refuses_missing_ones_as_value_errors():
    template = ExitCode(418, "Wrong parameter {parameter}", True)
    filled = template.format(parameter="x")
    assert filled == ExitCode(418, "Wrong parameter x", True) and template.message == "Wrong parameter {parameter}"
    with pytest.raises(ValueError, match=r"needs the placeholder 'parameter'; pass it as a keyword"):
        template.format(other="x")
    with pytest.raises(ValueError, match="needs the placeholder"):
        template.format()
    with pytest.raises(ValueError, match="has no message"):
        ExitCode(3).format(x=1)


def test_exit_codes_are_reachable_on_the_class_by_label_attribute_and_status():
    codes = Guarded.exit_codes
    assert isinstance(codes, ExitCodesNamespace)
    assert ExitCode(7, "n is odd") == codes.ERROR_ODD and codes["ERROR_ODD"] is codes.ERROR_ODD
    assert codes(400) is codes.ERROR_NEGATIVE and codes("ERROR_ODD") is codes.ERROR_ODD
    assert codes.ERROR_NEGATIVE.invalidates_cache is True
    assert codes.ERROR_MISSING_OUTPUT.status == 11 and codes.ERROR_MISSING_OUTPUT.invalidates_cache
    assert Guarded.get_exit_statuses(["ERROR_ODD", "ERROR_NEGATIVE"]) == [7, 400]
    assert "ERROR_ODD" in dir(codes)
    with pytest.raises(AttributeError, match=r"No exit code labelled 'ERROR_NONE'; known labels: .*ERROR_ODD"):
        Guarded.get_exit_statuses(["ERROR_NONE"])
    with pytest.raises(ValueError, match="No exit code with status 999"):
        codes(999)


@pytest.mark.usefixtures("store")
def test_a_step_returns_a_declared_exit_code_and_the_node_records_it():
    _, failed = jw.run.get_node(Guarded, n=Int(-2))
    assert failed.exit_status == 400 and failed.exit_message == "n must not be negative, got -2"
    _, odd = jw.run.get_node(Guarded, n=Int(3))
    assert odd.exit_status == 7 and odd.exit_message == "n is odd"
    assert jw.run.get_node(Guarded, n=Int(4))[1].is_finished_ok
    assert Guarded.is_valid_cache(odd) and not Guarded.is_valid_cache(failed)


@pytest.mark.parametrize(
    ("arguments", "error", "match"),
    [
        ((418, 256, "message"), TypeError, r"label must be str \(got int 256\)"),
        (("string", "LABEL", "message"), TypeError, r"status must be int \(got str 'string'\)"),
        ((True, "LABEL", "message"), TypeError, r"status must be int \(got bool True\)"),
        ((418, "LABEL", 8), TypeError, r"message must be str \(got int 8\)"),
        ((418, "LABEL", "message", "yes"), TypeError, r"invalidates_cache must be bool"),
        ((-256, "LABEL", "message"), ValueError, r"its status must be 0 or more \(got -256\)"),
    ],
)
def test_declaring_a_wrong_exit_code_is_refused_as_aiida_refuses_it(arguments, error, match):
    spec = ProcessSpec()
    with pytest.raises(error, match=match) as raised:
        spec.exit_code(*arguments)
    assert isinstance(raised.value, jw.SpecError)


def test_a_subclass_may_declare_a_label_again_and_any_status_aiida_allows():
    class Child(Guarded):
        @classmethod
        def define(cls, spec):
            super().define(spec)
            spec.exit_code(401, "ERROR_NEGATIVE", "still negative")
            spec.exit_code(7, "ERROR_ALSO_SEVEN", "a second code with status 7")

    assert ExitCode(401, "still negative") == Child.exit_codes.ERROR_NEGATIVE
    assert Guarded.exit_codes.ERROR_NEGATIVE.status == 400
    assert Child.exit_codes(7) is Child.exit_codes.ERROR_ODD  # the first declared with that status
    assert Child.exit_codes.NOTHING_TO_DO.status == 0
