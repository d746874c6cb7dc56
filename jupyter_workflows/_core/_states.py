"""Process states and the moves between them, as data.

Pause is not a state: it is a flag on a process that holds it at its next step boundary (as in plumpy).
"""

from __future__ import annotations

import enum

from ._errors import TransitionError


class ProcessState(str, enum.Enum):
    """The state of a process. Values are the lower-case names, as stored and as AiiDA shows them."""

    CREATED = "created"
    RUNNING = "running"
    WAITING = "waiting"
    FINISHED = "finished"
    EXCEPTED = "excepted"
    KILLED = "killed"

    def __str__(self) -> str:
        return self.value

    @property
    def is_terminal(self) -> bool:
        return self in TERMINAL_STATES


TERMINAL_STATES = frozenset({ProcessState.FINISHED, ProcessState.EXCEPTED, ProcessState.KILLED})
ACTIVE_STATES = frozenset({ProcessState.CREATED, ProcessState.RUNNING, ProcessState.WAITING})

# The allowed moves (plumpy's table). Terminal states have none.
TRANSITIONS: dict[ProcessState, frozenset[ProcessState]] = {
    ProcessState.CREATED: frozenset({ProcessState.RUNNING, ProcessState.KILLED, ProcessState.EXCEPTED}),
    ProcessState.RUNNING: frozenset(
        {ProcessState.RUNNING, ProcessState.WAITING, ProcessState.FINISHED, ProcessState.KILLED, ProcessState.EXCEPTED}
    ),
    ProcessState.WAITING: frozenset(
        {ProcessState.RUNNING, ProcessState.WAITING, ProcessState.FINISHED, ProcessState.KILLED, ProcessState.EXCEPTED}
    ),
    ProcessState.FINISHED: frozenset(),
    ProcessState.EXCEPTED: frozenset(),
    ProcessState.KILLED: frozenset(),
}


def check_transition(process: str, current: ProcessState, target: ProcessState) -> None:
    """Raise TransitionError naming the process, the move and the allowed moves, if ``current -> target`` is illegal."""
    allowed = TRANSITIONS[current]
    if target in allowed:
        return
    if not allowed:
        raise TransitionError(f"{process} is {current.value} (terminal) and cannot become {target.value}.")
    moves = ", ".join(sorted(state.value for state in allowed))
    raise TransitionError(f"{process} cannot go from {current.value} to {target.value}; allowed: {moves}.")
