"""Process nodes: the stored record of a process run, and a live view of it.

A process node object always shows the current truth: while this kernel runs the process, the object is what the
engine writes through (so reads cost nothing); otherwise each read asks the store, until the node is sealed.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any, ClassVar

from .._core import AttributeDict, ProcessState, ProvenanceError, StoreError
from ..store import LinkRow, LinkType, NodeRow, ReportRow
from ._data import Data
from ._links import INPUT_LINKS, OUTPUT_LINKS, called_of, caller_of, flat_label, link_namespace
from ._node import Node
from ._storing import node_row, unassign_on_failure

if TYPE_CHECKING:
    from .._core import Process

__all__ = [
    "CalcFunctionNode",
    "CalculationNode",
    "ProcessNode",
    "WorkChainNode",
    "WorkFunctionNode",
    "WorkflowNode",
]


class ProcessNode(Node):
    """The record of one process run (``pk``, ``process_state``, ``inputs``, ``outputs``, ``called``, ...)."""

    node_type = "process.ProcessNode"
    input_link: ClassVar[LinkType] = LinkType.INPUT_WORK
    output_link: ClassVar[LinkType] = LinkType.RETURN
    call_link: ClassVar[LinkType] = LinkType.CALL_WORK  # the link from a caller to a process of this kind
    checkpointed: ClassVar[bool] = False  # whether processes of this kind save checkpoints

    def __init__(self, *, process_label: str, label: str = "", description: str = "") -> None:
        super().__init__(label=label, description=description)
        self._row = NodeRow(pk=0, uuid=self.uuid, node_type=self.node_type, process_label=process_label)
        self._row.process_state = ProcessState.CREATED.value
        self.process: Process | None = None  # the running process, while this kernel runs it

    def _load_row(self, row: NodeRow) -> None:
        self._row = row
        self.process = None

    # -- the current truth --------------------------------------------------------------------------------------------
    def _current(self) -> NodeRow:
        if self.process is not None or self._row.sealed or self._pk is None:
            return self._row  # this kernel writes it, or it cannot change any more
        self._row = self._the_store.get_node(self._pk)
        return self._row

    @property
    def process_label(self) -> str:
        return self._row.process_label or ""

    @property
    def process_state(self) -> ProcessState:
        state = self._current().process_state
        return ProcessState(state) if state else ProcessState.CREATED

    @property
    def exit_status(self) -> int | None:
        return self._current().exit_status

    @property
    def exit_message(self) -> str | None:
        return self._current().exit_message

    @property
    def exception(self) -> str | None:
        """The formatted traceback of an excepted process."""
        return self._current().exception

    @property
    def paused(self) -> bool:
        return bool(self._current().paused)

    @property
    def process_status(self) -> str | None:
        return self._current().process_status

    @property
    def step(self) -> str | None:
        """The WorkChain outline step running now (or last run)."""
        return self._current().step

    @property
    def owner(self) -> str | None:
        return self._current().owner

    @property
    def mtime(self) -> float:
        return self._current().mtime

    @property
    def sealed(self) -> bool:
        return bool(self._current().sealed)

    @property
    def is_terminated(self) -> bool:
        return self.process_state.is_terminal

    @property
    def is_finished(self) -> bool:
        return self.process_state is ProcessState.FINISHED

    @property
    def is_finished_ok(self) -> bool:
        return self.is_finished and self.exit_status == 0

    @property
    def is_failed(self) -> bool:
        return self.is_finished and (self.exit_status or 0) != 0

    @property
    def is_excepted(self) -> bool:
        return self.process_state is ProcessState.EXCEPTED

    @property
    def is_killed(self) -> bool:
        return self.process_state is ProcessState.KILLED

    # -- links ---------------------------------------------------------------------------------------------------------
    @property
    def inputs(self) -> AttributeDict:
        return link_namespace(self, incoming=True, link_types=INPUT_LINKS)

    @property
    def outputs(self) -> AttributeDict:
        return link_namespace(self, incoming=False, link_types=OUTPUT_LINKS)

    @property
    def called(self) -> list[ProcessNode]:
        """The processes this one called, oldest first."""
        return called_of(self)

    @property
    def caller(self) -> ProcessNode | None:
        return caller_of(self)

    @property
    def reports(self) -> list[ReportRow]:
        return self._the_store.get_reports(self._pk) if self._pk is not None else []

    @property
    def report_messages(self) -> list[str]:
        return [report.message for report in self.reports]

    def __repr__(self) -> str:
        state = self.process_state.value
        if self.is_finished and self.exit_status:
            state += f" [{self.exit_status}]"
        if self.paused and not self.is_terminated:
            state += " (paused)"
        return f"<{type(self).__name__}: {self.process_label}<{self._pk}> {state}>"

    # -- what the engine writes (the ProcessRecord protocol) -----------------------------------------------------------
    def _write(self, **columns: Any) -> None:
        if all(getattr(self._row, name) == value for name, value in columns.items()):
            return  # e.g. RUNNING for a process whose node was written as running already
        for name, value in columns.items():
            setattr(self._row, name, value)
        self._row.mtime = time.time()
        self._the_store.update_node(self._pk, **columns)  # type: ignore[arg-type]

    def record_state(
        self,
        state: ProcessState,
        *,
        exit_status: int | None = None,
        exit_message: str | None = None,
        exception: str | None = None,
    ) -> None:
        columns: dict[str, Any] = {"process_state": state.value}
        if state.is_terminal:
            columns.update(exit_status=exit_status, exit_message=exit_message, sealed=True, paused=False)
            columns["process_status"] = None
            if exception is not None:
                columns["exception"] = exception
        self._write(**columns)
        if state.is_terminal:
            if self.checkpointed:
                self._the_store.delete_checkpoint(self._pk)  # type: ignore[arg-type]
            self.process = None

    def record_paused(self, paused: bool) -> None:
        self._write(paused=paused)

    def record_report(self, levelname: str, message: str) -> None:
        self._the_store.add_report(self._pk, levelname, message)  # type: ignore[arg-type]

    def record_status(self, status: str | None, step: str | None = None) -> None:
        columns: dict[str, Any] = {"process_status": status}
        if step is not None:
            columns["step"] = step
        self._write(**columns)

    def record_output(self, label: str, value: Any) -> None:
        if not isinstance(value, Data):
            raise ProvenanceError(f"Output '{label}' of {self.process_label}<{self._pk}> must be a data node.")
        self._check_output(label, value)
        store = self._the_store
        with unassign_on_failure([value] if value._pk is None else []), store.transaction():
            if value._pk is None:
                value._pk = store.insert_node(node_row(value))
                value._register(store)
            store.insert_links([LinkRow(self._pk, value._pk, self.output_link, flat_label(label))])  # type: ignore[arg-type]

    def _check_output(self, label: str, value: Data) -> None:
        """Workflows return existing data only."""
        if value._pk is None:
            raise ProvenanceError(
                f"{self.process_label}<{self._pk}> tried to return new, unstored data as output '{label}' "
                f"({value!r}). Workflows only return data that calculations created: compute the value in a "
                "@calcfunction and return its result (or store() the node first if you really made it by hand)."
            )

    def save_checkpoint(self, data: dict[str, Any]) -> None:
        self._the_store.save_checkpoint(self._pk, data)  # type: ignore[arg-type]

    def load_checkpoint(self) -> dict[str, Any] | None:
        if self._pk is None:
            raise StoreError("An unstored process node has no checkpoint.")
        return self._the_store.load_checkpoint(self._pk)


class CalculationNode(ProcessNode):
    """A process that creates data (calcfunction)."""

    node_type = "process.CalculationNode"
    input_link = LinkType.INPUT_CALC
    output_link = LinkType.CREATE
    call_link = LinkType.CALL_CALC

    def _check_output(self, label: str, value: Data) -> None:
        """Calculations create new data only."""
        if value._pk is not None:
            raise ProvenanceError(
                f"{self.process_label}<{self._pk}> returned {value!r} as output '{label}', but that node already "
                "exists (an input, or data stored before). A calcfunction must create new data: return a new node, "
                f"e.g. {type(value).__name__}(x.value), or a plain value."
            )


class WorkflowNode(ProcessNode):
    """A process that calls other processes and returns data they created (workfunction, WorkChain)."""

    node_type = "process.WorkflowNode"


class CalcFunctionNode(CalculationNode):
    node_type = "process.calcfunction"


class WorkFunctionNode(WorkflowNode):
    node_type = "process.workfunction"


class WorkChainNode(WorkflowNode):
    node_type = "process.workchain"
    checkpointed = True
