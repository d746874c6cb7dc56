"""``processes()``: the process list, like ``verdi process list``, as an HTML table in a notebook and text elsewhere."""

from __future__ import annotations

import html
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from .._configuration import get_store
from .._core import ProcessState, get_runner
from .._owners import describe_owner
from ..store import NodeRow

__all__ = ["ProcessList", "ProcessRow", "processes"]

ACTIVE_STATES = ("created", "running", "waiting")


@dataclass(frozen=True)
class ProcessRow:
    pk: int
    process_label: str
    label: str
    state: str  # "running", "finished [0]", "excepted", ...
    paused: bool
    status: str
    ctime: float
    owner: str  # "this kernel", "kernel pid 123 on host", "gone (orphaned)", "" for terminated processes

    @property
    def orphaned(self) -> bool:
        return self.owner.startswith("gone")

    @property
    def age(self) -> str:
        return _age(time.time() - self.ctime)


class ProcessList(Sequence[ProcessRow]):
    def __init__(self, rows: list[ProcessRow]) -> None:
        self.rows = rows

    def __getitem__(self, index):  # type: ignore[no-untyped-def]
        return self.rows[index]

    def __len__(self) -> int:
        return len(self.rows)

    def __iter__(self) -> Iterator[ProcessRow]:
        return iter(self.rows)

    _HEADERS = ("PK", "Created", "Process label", "State", "Status", "Owner")

    def _cells(self, row: ProcessRow) -> tuple[str, ...]:
        state = row.state + (" ⏸ paused" if row.paused else "")
        return (
            str(row.pk),
            row.age,
            row.process_label + (f" [{row.label}]" if row.label else ""),
            state,
            row.status,
            row.owner,
        )

    def __str__(self) -> str:
        table = [self._HEADERS, *(self._cells(row) for row in self.rows)]
        widths = [max(len(line[i]) for line in table) for i in range(len(self._HEADERS))]
        lines = [
            "  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip() for line in table
        ]
        lines.insert(1, "  ".join("-" * width for width in widths))
        lines.append(f"\nTotal: {len(self.rows)} process(es)")
        return "\n".join(lines)

    __repr__ = __str__

    def _repr_html_(self) -> str:
        head = "".join(f"<th>{h}</th>" for h in self._HEADERS)
        body = "".join(
            "<tr>" + "".join(f"<td>{html.escape(cell)}</td>" for cell in self._cells(row)) + "</tr>"
            for row in self.rows
        )
        return (
            f"<table class='jw-process-list'><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
            f"<p>Total: {len(self.rows)} process(es)</p>"
        )


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
    store = get_store()
    wanted = [str(ProcessState(s)) for s in states] if states is not None else (list(ACTIVE_STATES) if active else None)
    labels = [label] if isinstance(label, str) else (list(label) if label is not None else None)
    since = time.time() - past_days * 86400 if past_days is not None else None
    rows = store.query_processes(states=wanted, process_labels=labels, since=since, limit=limit)
    return ProcessList(_describe(rows, store))


def _describe(rows: list[NodeRow], store) -> list[ProcessRow]:  # type: ignore[no-untyped-def]
    mine = get_runner().id
    owners = store.get_owners({row.owner for row in rows if row.owner and not row.sealed})
    result = []
    for row in rows:
        state = row.process_state or "created"
        if state == "finished":
            state = f"finished [{row.exit_status}]"
        result.append(
            ProcessRow(
                pk=row.pk,
                process_label=row.process_label or "",
                label=row.label,
                state=state,
                paused=bool(row.paused) and not row.sealed,
                status=row.process_status or (f"step {row.step}" if row.step and not row.sealed else ""),
                ctime=row.ctime,
                owner=describe_owner(row.owner, owners.get(row.owner or ""), terminated=row.sealed, runner_id=mine)[1],
            )
        )
    return result


def _age(seconds: float) -> str:
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{int(seconds // size)}{unit} ago"
    return f"{int(seconds)}s ago"
