"""``processes()``: the process list, like ``verdi process list``, as an HTML table in a notebook and text elsewhere.

Rows carry what was stored (states as enums, numbers, the owner's status); text is made only when shown.
"""

from __future__ import annotations

import html
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from .._core import ACTIVE_STATES, ProcessState
from .._format import format_age, text_table
from .._runtime import Ownership, OwnerStatus, get_runtime, on_loop_thread, ownership_of
from ..store import NodeRow, Store

__all__ = ["ProcessList", "ProcessRow", "processes"]


@dataclass(frozen=True)
class ProcessRow:
    pk: int
    process_label: str
    label: str
    state: ProcessState
    exit_status: int | None
    paused: bool
    status: str  # the process's own status text ("Waiting for 3 process(es): ...") or its current step
    ctime: float
    owner: OwnerStatus

    @property
    def orphaned(self) -> bool:
        return self.owner.ownership is Ownership.ORPHANED

    @property
    def runs_here(self) -> bool:
        return self.owner.ownership is Ownership.HERE

    @property
    def finished_ok(self) -> bool:
        return self.state is ProcessState.FINISHED and self.exit_status == 0

    @property
    def state_text(self) -> str:
        """``running``, ``finished [0]``, ``killed``, ... as ``verdi process list`` shows it."""
        if self.state is ProcessState.FINISHED:
            return f"finished [{self.exit_status}]"
        return str(self.state.value)


class ProcessList(Sequence[ProcessRow]):
    """The rows of :func:`processes` (newest first) and how many processes matched in all."""

    def __init__(self, rows: list[ProcessRow], total: int, *, how_to_see_all: str = "pass limit=None for all") -> None:
        self.rows = rows
        self.total = total
        self.how_to_see_all = how_to_see_all  # said when the list was cut (a terminal says its option)

    def __getitem__(self, index):  # type: ignore[no-untyped-def]
        return self.rows[index]

    def __len__(self) -> int:
        return len(self.rows)

    def __iter__(self) -> Iterator[ProcessRow]:
        return iter(self.rows)

    _HEADERS = ("PK", "Age", "Process label", "State", "Status", "Owner")

    def _cells(self, row: ProcessRow) -> tuple[str, ...]:
        return (
            str(row.pk),
            format_age(time.time() - row.ctime),
            row.process_label + (f" [{row.label}]" if row.label and row.label != row.process_label else ""),
            row.state_text + (" ⏸ paused" if row.paused else ""),
            row.status,
            row.owner.describe(),
        )

    @property
    def summary(self) -> str:
        """``Total: 3 processes``, or ``The newest 50 of 3,001 processes`` when the list was cut."""
        if len(self.rows) < self.total:
            return f"The newest {len(self.rows):,} of {self.total:,} processes ({self.how_to_see_all})"
        return f"Total: {self.total:,} process{'es' if self.total != 1 else ''}"

    def __str__(self) -> str:
        return f"{text_table(self._HEADERS, [self._cells(row) for row in self.rows])}\n\n{self.summary}"

    __repr__ = __str__

    def _repr_html_(self) -> str:
        head = "".join(f"<th>{h}</th>" for h in self._HEADERS)
        body = "".join(
            "<tr>" + "".join(f"<td>{html.escape(cell)}</td>" for cell in self._cells(row)) + "</tr>"
            for row in self.rows
        )
        return (
            f"<table class='jw-process-list'><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
            f"<p>{html.escape(self.summary)}</p>"
        )


@on_loop_thread
def processes(
    *,
    active: bool = False,
    states: Iterable[str | ProcessState] | None = None,
    label: str | Iterable[str] | None = None,
    past_days: float | None = None,
    limit: int | None = 50,
) -> ProcessList:
    """The newest processes in the store (``limit`` of them): state, label, pk, age and whether their owner is alive.

    ``active=True`` keeps created/running/waiting ones only; ``states`` picks states; ``label`` picks process labels;
    ``past_days`` keeps those created in the last days.
    """
    store = get_runtime().store
    wanted = [ProcessState(s) for s in states] if states is not None else (sorted(ACTIVE_STATES) if active else None)
    filters = {
        "states": wanted,
        "process_labels": [label] if isinstance(label, str) else (list(label) if label is not None else None),
        "since": time.time() - past_days * 86400 if past_days is not None else None,
    }
    rows = store.query_processes(**filters, limit=limit)  # type: ignore[arg-type]
    total = len(rows) if limit is None or len(rows) < limit else store.count_processes(**filters)  # type: ignore[arg-type]
    return ProcessList(process_rows(rows, store), total)


def process_rows(rows: list[NodeRow], store: Store) -> list[ProcessRow]:
    """Rows of the process list for stored process nodes (the owners are read in one query)."""
    mine = get_runtime().owner_id
    owners = store.get_owners({row.owner for row in rows if row.owner and not row.sealed})
    result = []
    for row in rows:
        state = ProcessState(row.process_state or "created")
        owner = owners.get(row.owner or "")
        ownership = ownership_of(row.owner, owner, terminated=state.is_terminal, my_id=mine)
        result.append(
            ProcessRow(
                pk=row.pk,
                process_label=row.process_label or "",
                label=row.label,
                state=state,
                exit_status=row.exit_status,
                paused=bool(row.paused) and not state.is_terminal,
                status=row.process_status or (f"step {row.step}" if row.step and not state.is_terminal else ""),
                ctime=row.ctime,
                owner=OwnerStatus(ownership, owner if ownership is Ownership.ELSEWHERE else None),
            )
        )
    return result
