from __future__ import annotations

import pytest

from jupyter_workflows._core import ProcessState, TransitionError
from jupyter_workflows._core._states import TERMINAL_STATES, TRANSITIONS, check_transition


def test_values_are_lower_case_names():
    assert [s.value for s in ProcessState] == ["created", "running", "waiting", "finished", "excepted", "killed"]


def test_terminal_states_have_no_moves():
    for state in TERMINAL_STATES:
        assert TRANSITIONS[state] == frozenset()
        assert state.is_terminal


def test_illegal_move_names_state_move_and_allowed_moves():
    with pytest.raises(
        TransitionError, match="add<1> cannot go from created to waiting; allowed: excepted, killed, running"
    ):
        check_transition("add<1>", ProcessState.CREATED, ProcessState.WAITING)
    with pytest.raises(TransitionError, match="finished \\(terminal\\) and cannot become running"):
        check_transition("add<1>", ProcessState.FINISHED, ProcessState.RUNNING)
    check_transition("add<1>", ProcessState.WAITING, ProcessState.RUNNING)
