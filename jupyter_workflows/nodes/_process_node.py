"""Process nodes: the stored record of a process run, and a live view of it.

A process node object always shows the current truth: while this kernel runs the process, the object is what the
engine writes through (so reads cost nothing); otherwise each read asks the store, until the node is sealed.
"""

from __future__ import annotations

import contextlib
import importlib
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, ClassVar

from .._code import is_code_path, load_stored_class
from .._core import (
    AttributeDict,
    InternalError,
    NodeSealedError,
    ProcessKilledError,
    ProcessState,
    ProvenanceError,
    StoreError,
    UsageError,
)
from .._core._codec import PLAIN
from .._runtime import Ownership, OwnerStatus, get_runtime, ownership_of
from ..store import EXTRAS, INPUT_LINK_TYPES, LinkRow, LinkType, NodeRef, NodeRow, ProcessWrite, ReportRow
from ._caching import CACHED_FROM, keeps_cache
from ._data import Data
from ._function_source import FunctionSource
from ._links import OUTPUT_LINKS, called_of, caller_of, flat_label, link_namespace, validate_link
from ._node import Node, load_node
from ._storing import node_row

if TYPE_CHECKING:
    from .._core import Process, ProcessBuilder
    from ..store import Store

METADATA_INPUTS = "metadata_inputs"  # the attribute holding get_metadata_inputs()

__all__ = [
    "CalcFunctionNode",
    "CalculationNode",
    "ProcessNode",
    "WorkChainNode",
    "WorkFunctionNode",
    "WorkflowNode",
    "find_process_class",
]


@dataclass
class _NewProcess:
    """How a process node that is not stored yet will be written: its inputs and the link from its caller."""

    inputs: list[tuple[str, Data]]  # (flat link label, data node); unstored ones are stored with the process
    caller: ProcessNode | None
    call_link_label: str


@dataclass
class _Pending:
    """Writes of a process gathered in memory, committed together in one transaction by ``flush``."""

    new: _NewProcess | None = None  # the node itself is not stored yet
    columns: dict[str, Any] = field(default_factory=dict)
    outputs: list[tuple[str, Data]] = field(default_factory=list)
    reports: list[tuple[float, str, str]] = field(default_factory=list)  # (time, levelname, message)
    checkpoint: dict[str, Any] | None = None
    drop_checkpoint: bool = False

    def __bool__(self) -> bool:
        return bool(self.new or self.columns or self.outputs or self.reports or self.checkpoint or self.drop_checkpoint)

    @property
    def columns_only(self) -> bool:
        """Only columns of the stored node change (a write of one statement)."""
        return not (self.new or self.outputs or self.reports or self.checkpoint or self.drop_checkpoint)


class ProcessNode(Node):
    """The record of one process run (``pk``, ``process_state``, ``inputs``, ``outputs``, ``called``, ...)."""

    node_type = "process.ProcessNode"
    input_link: ClassVar[LinkType] = LinkType.INPUT_WORK
    output_link: ClassVar[LinkType] = LinkType.RETURN
    call_link: ClassVar[LinkType] = LinkType.CALL_WORK  # the link from a caller to a process of this kind
    checkpointed: ClassVar[bool] = False  # whether processes of this kind save checkpoints
    cachable: ClassVar[bool] = False  # whether a finished process of this kind may serve as a cache source

    def __init__(self, *, process_label: str, label: str = "", description: str = "") -> None:
        super().__init__(label=label, description=description)
        self._row = NodeRow(pk=0, uuid=self.uuid, node_type=self.node_type, process_label=process_label)
        self._row.process_state = ProcessState.CREATED.value
        self._pending = _Pending()
        self._storable = True
        self._inputs_read: list[tuple[LinkRow, NodeRow]] | None = None  # read with a claim (see claimed_as)
        self.process: Process | None = None  # the running process, while this kernel runs it

    def _load_row(self, row: NodeRow) -> None:
        self._row = row
        self._pending = _Pending()
        self._storable = True
        self._inputs_read = None
        self.process = None

    # -- the current truth --------------------------------------------------------------------------------------------
    def _current(self) -> NodeRow:
        if self.process is not None or self._row.sealed or self._pk is None:
            return self._row  # this kernel writes it, or it cannot change any more
        self._row = self.provenance_store.get_node(self._pk)
        return self._row

    @property
    def process_label(self) -> str:
        return self._row.process_label or ""

    @property
    def process_class_path(self) -> str:
        """Where the process's class is defined, as ``"module:QualName"`` (``"__main__:X"`` for a notebook), or
        ``"code:<sha256>:QualName"`` for notebook code kept in the store (see ``jupyter_workflows._code``)."""
        return str(self._row.attributes.get("process_class", ""))

    @property
    def process_class(self) -> type[Process]:
        """The class of the process that made this node (a process function's: its ``process_class``). UsageError
        if it is not defined in this kernel (see :attr:`process_class_path` for where it was)."""
        return self._find_process_class("The process class of")  # type: ignore[no-any-return]

    def get_metadata_inputs(self) -> dict[str, Any] | None:
        """The inputs of metadata ports (``is_metadata``) given to the run, where they are JSON (defaults not
        included), nested as given; None if there were none."""
        stored = self._row.attributes.get(METADATA_INPUTS)
        return PLAIN.decode(stored) if stored is not None else None

    @property
    def process_type(self) -> str | None:
        """``module.qualname`` of the process's code, as ``enable_caching(identifier=...)`` matches it (AiiDA's
        process type of a process without an entry point); None for a node stored before it was recorded."""
        process_type = self._row.attributes.get("process_type")
        return str(process_type) if process_type is not None else None

    def _find_process_class(self, failed: str) -> Any:
        try:
            return find_process_class(self.process_class_path, self.provenance_store)
        except (ImportError, AttributeError, KeyError):
            module, _, qualname = self.process_class_path.partition(":")
            name, where = qualname.split(".")[0], "the notebook" if module == "__main__" else f"module {module}"
            raise UsageError(
                f"{failed} {self.process_label}<{self._pk}> is not available: {name} is not defined here (it came from "
                f"{where}). Define {name} in this kernel first (re-run its cell, or import it)."
            ) from None

    def get_builder_restart(self) -> ProcessBuilder:
        """A builder for the process that made this node, holding the inputs it was given (and its label and
        description): change what should differ, then ``run(builder)``. The process's class (or function) must be
        defined in this kernel."""
        builder: ProcessBuilder = self._find_process_class("A builder for").get_builder()
        metadata = {key: value for key, value in [("label", self.label), ("description", self.description)] if value}
        builder._merge(self.inputs, metadata=metadata)
        return builder

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
    def owner_when_read(self) -> str | None:
        """The owner its row named when it was last read, without reading it again (None once sealed): whom to ask
        first; the answer tells whether it still holds the process."""
        return None if self._row.sealed else self._row.owner

    @property
    def mtime(self) -> float:
        return self._current().mtime

    @property
    def sealed(self) -> bool:
        return bool(self._current().sealed)

    is_sealed = sealed  # AiiDA's name: a sealed process node never changes again

    def owner_status(self) -> OwnerStatus:
        """Who can steer this process now: this runtime, another live one (with its row), nobody (orphaned), or
        nobody because it terminated."""
        if self.process is not None:
            return OwnerStatus(Ownership.HERE)
        row = self._current()
        state = ProcessState(row.process_state or "created")
        owner = None
        if row.owner and not state.is_terminal:
            owner = self.provenance_store.get_owners([row.owner]).get(row.owner)
        my_id = get_runtime().owner_id
        return OwnerStatus(ownership_of(row.owner, owner, terminated=state.is_terminal, my_id=my_id), owner)

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
    def storable(self) -> bool:
        """False for a process run with ``metadata={'store_provenance': False}``: it is never stored, and neither is
        anything it creates; its inputs, outputs and reports show in memory only."""
        return self._storable

    @property
    def inputs(self) -> AttributeDict:
        pending = self._pending.new.inputs if self._pending.new is not None else ()
        return link_namespace(self, incoming=True, link_types=INPUT_LINK_TYPES, pending=pending, read=self._inputs_read)

    @property
    def outputs(self) -> AttributeDict:
        """The outputs by label; while this kernel runs the process, also those it registered but not stored yet."""
        return link_namespace(self, incoming=False, link_types=OUTPUT_LINKS, pending=self._pending.outputs)

    @property
    def called(self) -> list[ProcessNode]:
        """The processes this one called, oldest first."""
        return called_of(self)

    @property
    def caller(self) -> ProcessNode | None:
        return caller_of(self)

    def unstored_links(self, *, incoming: bool) -> list[tuple[Node, LinkType, str]]:
        """(node, link type, label) of the links this kernel holds for the process but has not stored yet: outputs
        registered since its last commit, and before its first commit its inputs and the link from its caller."""
        pending = self._pending
        if not incoming:
            return [(data, self.output_link, label) for label, data in pending.outputs]
        if pending.new is None:
            return []
        links: list[tuple[Node, LinkType, str]] = [(data, self.input_link, label) for label, data in pending.new.inputs]
        if pending.new.caller is not None:
            links.append((pending.new.caller, self.call_link, pending.new.call_link_label))
        return links

    def attribute_values(self) -> dict[str, Any]:
        """What AiiDA keeps as this node's attributes (``node.base.attributes``): its process columns, from one read."""
        row = self._current()
        values = {
            "process_label": row.process_label,
            "process_state": row.process_state,
            "process_status": row.process_status,
            "exit_status": row.exit_status,
            "exit_message": row.exit_message,
            "exception": row.exception,
            "paused": row.paused or None,
            "sealed": row.sealed or None,
            **{key: value for key, value in row.attributes.items() if key != EXTRAS},
        }
        return {key: value for key, value in values.items() if value is not None}

    @property
    def reports(self) -> list[ReportRow]:
        """The report log, oldest first; while this kernel runs the process, also what it has not stored yet."""
        stored = self.provenance_store.get_reports(self._pk) if self._pk is not None else []
        pk = self._pk or 0
        return stored + [ReportRow(pk, at, levelname, message) for at, levelname, message in self._pending.reports]

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

    # -- a new process ---------------------------------------------------------------------------------------------
    def prepare(
        self,
        store: Store,
        *,
        process_class: str,
        process_type: str,
        inputs: list[tuple[str, Data]],
        caller: ProcessNode | None,
        call_link_label: str,
        owner: str | None,
        state: ProcessState,
        storable: bool = True,
        hash: str | None = None,
        cached_from: str | None = None,
        metadata_inputs: dict[str, Any] | None = None,
        recorded: dict[str, Any] | None = None,
    ) -> None:
        """Describe this new process's row and links; they reach ``store`` with the next :meth:`flush` (at once for
        most processes; for a quick calcfunction, when it ends, so that it is written whole in one transaction).
        Not ``storable`` (``store_provenance=False``): they never do, and the process has no caller link.
        ``owner`` None: held by nobody (queued for a daemon worker).
        ``hash``: see ``node.base.caching``; ``cached_from``: the uuid of the run it is taken from (a cache hit).
        ``recorded``: attributes of the code that runs (its version, a function's source lines)."""
        for _, data in inputs:
            validate_link(data, self, self.input_link)
        if caller is not None:
            validate_link(caller, self, self.call_link)
        self._storable = storable
        self._store = store
        columns = {"process_label": self._row.process_label, "process_state": state.value, "owner": owner}
        self._row = node_row(self, **columns, hash=hash)
        self._row.attributes = {"process_class": process_class, "process_type": process_type, **(recorded or {})}
        if cached_from is not None:
            self._row.attributes[CACHED_FROM] = cached_from
        if metadata_inputs:
            self._row.attributes[METADATA_INPUTS] = metadata_inputs
        self._pending.new = _NewProcess(inputs, caller, call_link_label)

    # -- what the engine writes (the ProcessRecord protocol) -----------------------------------------------------------
    def relabel(self, process_label: str) -> None:
        """Record another process label (``Process._build_process_label``), before the node is stored."""
        if self._pk is not None:
            raise UsageError(f"{self!r} is stored: its process label stays {self.process_label!r}.")
        self._row.process_label = process_label

    def record_state(
        self,
        state: ProcessState,
        *,
        exit_status: int | None = None,
        exit_message: str | None = None,
        exception: str | None = None,
    ) -> ProcessState:
        """Record a state; returns the state the store holds now.

        A terminal state is committed at once (with everything pending) and shows only once the store took it. If
        the node was sealed meanwhile (ended from another kernel), that stored end stands and is returned. A state
        on the way (running, waiting) shows at once and is committed with the process's next write."""
        columns: dict[str, Any] = {"process_state": state.value}
        if not state.is_terminal:
            self._stage(columns)
            return state
        columns.update(exit_status=exit_status, exit_message=exit_message, sealed=True, paused=False)
        columns["process_status"] = None
        if state is ProcessState.FINISHED and self.cachable and keeps_cache(self.process, exit_status):
            columns["cache_valid"] = True
        if exception is not None:
            columns["exception"] = exception
        if self.checkpointed:
            self._pending.checkpoint = None
            self._pending.drop_checkpoint = True
            if state is not ProcessState.FINISHED:
                self._pending.outputs = []  # its step did not end: its outputs never reach the store
        self._pending.columns.update(columns)
        with contextlib.suppress(ProcessKilledError):  # it was ended elsewhere: the stored end stands
            self._flush(step_done=True)
        self.process = None
        return ProcessState(self._row.process_state or "created")

    def record_paused(self, paused: bool) -> None:
        """Committed at once: other kernels show the pause flag and the controls it allows."""
        self._stage({"paused": paused})
        self.flush()

    def record_report(self, levelname: str, message: str) -> None:
        self._pending.reports.append((time.time(), levelname, message))

    def record_status(self, status: str | None, step: str | None = None) -> None:
        columns: dict[str, Any] = {"process_status": status}
        if step is not None:
            columns["step"] = step
        self._stage(columns)

    def record_output(self, label: str, value: Any) -> None:
        if not isinstance(value, Data):
            raise ProvenanceError(f"Output '{label}' of {self.process_label}<{self._pk}> must be a data node.")
        if self._storable:  # the link rules guard the stored graph; an unstored run has none
            self._check_output(label, value)
        self._pending.outputs.append((flat_label(label), value))

    def save_checkpoint(self, data: dict[str, Any]) -> None:
        """Store the checkpoint together with everything else pending (the step's outputs too), in one transaction."""
        self._pending.checkpoint = data
        self._pending.drop_checkpoint = False
        self._flush(step_done=True)

    def load_checkpoint(self) -> dict[str, Any] | None:
        if self._pk is None:
            raise StoreError("An unstored process node has no checkpoint.")
        return self.provenance_store.load_checkpoint(self._pk)

    def claim(self, owner: str | None, *, expected: str | None) -> bool:
        """Take over this process for ``owner`` if nobody else did meanwhile (compare-and-set on its owner)."""
        assert self._pk is not None
        row = self.provenance_store.claim_process(self._pk, owner, expected=expected)
        if row is None:
            return False
        self._row = row
        return True

    def claimed_as(self, row: NodeRow, inputs: list[tuple[LinkRow, NodeRow]]) -> None:
        """This runtime claimed the process by the store directly (see ``Store.claim_to_run``): ``row`` is as the
        claim left it (a node loaded earlier shows what the claim changed), ``inputs`` its input links and nodes,
        read with the claim (they never change: :attr:`inputs` reads them no more)."""
        self._row = row
        self._inputs_read = inputs

    def _stage(self, columns: dict[str, Any]) -> None:
        """Show ``columns`` at once (this kernel's views read the row) and write them with the next flush."""
        pending = self._pending.columns
        for name, value in columns.items():
            if self._pk is None or name in pending or getattr(self._row, name) != value:
                pending[name] = value
                setattr(self._row, name, value)

    @property
    def state_unsaved(self) -> bool:
        """Whether a state on the way (running, waiting) was recorded and is not committed yet: the next flush
        writes it."""
        return "process_state" in self._pending.columns

    def flush(self) -> None:
        """Commit what is pending (before the process waits). A checkpointed process's outputs wait for the end of
        their step: they are stored with its checkpoint, so a step that runs again after a crash never finds an
        output of its first attempt."""
        self._flush(step_done=False)

    def _flush(self, *, step_done: bool) -> None:
        """Commit everything pending in one transaction; the in-memory row follows only once the store took it.

        Raises ProcessKilledError if the node was sealed meanwhile (ended from another kernel): nothing of this
        process is written any more."""
        pending = self._pending
        if not self._storable:  # store_provenance=False: it all stays in memory (its views still show it)
            for name, value in pending.columns.items():
                setattr(self._row, name, value)
            self._pending = replace(pending, columns={}, checkpoint=None, drop_checkpoint=False)
            return
        held: list[tuple[str, Data]] = []
        if self.checkpointed and not step_done and pending.outputs:
            held, pending.outputs = pending.outputs, []
        self._pending = _Pending(outputs=held)
        if not pending:
            return
        store = self.provenance_store
        new_outputs = [data for _, data in pending.outputs if data.pk is None]
        new_inputs = [data for _, data in pending.new.inputs if data.pk is None] if pending.new else []
        try:
            if pending.columns_only:  # pause, play, a state on the way: one statement, which commits by itself
                store.update_node(_pk(self), **pending.columns)
            else:
                self._write(store, pending, new_inputs, new_outputs)
        except NodeSealedError:
            self._row = store.get_node(_pk(self))
            raise ProcessKilledError(
                f"{self.process_label}<{self._pk}> was ended from elsewhere ({self._row.process_state}: "
                f"{self._row.exit_message or 'no reason given'}); it stops here.",
                self,
            ) from None
        except BaseException:
            self._keep_pending(pending)
            raise
        row = self._row
        for name, value in pending.columns.items():
            setattr(row, name, value)
        row.pk = _pk(self)
        row.mtime = time.time()

    def _keep_pending(self, failed: _Pending) -> None:
        """A flush failed: keep what it held pending (before anything gathered since), so that nothing is lost."""
        later = self._pending
        failed.columns.update(later.columns)
        failed.outputs += later.outputs
        failed.reports += later.reports
        failed.checkpoint = later.checkpoint or failed.checkpoint
        self._pending = failed

    def _write(self, store: Store, pending: _Pending, new_inputs: list[Data], new_outputs: list[Data]) -> None:
        """The writes of one flush, as one write of the store (all or nothing); the new nodes are stored after it."""
        inserted: list[Node] = []
        write = ProcessWrite(_ref(self))
        if pending.new is not None:  # the new inputs, the node and its new outputs in one insert
            row = replace(self._row, **pending.columns)
            if self.unstored_extras:  # set while it was unstored (extras are not process columns)
                row.attributes = {**row.attributes, EXTRAS: dict(self.unstored_extras)}
            inserted += [*_unique(new_inputs), self]
            write.nodes += [*map(node_row, inserted[:-1]), row]
            write.links += [(_ref(data), row.uuid, self.input_link, label) for label, data in pending.new.inputs]
            if pending.new.caller is not None:
                write.links.append((_pk(pending.new.caller), row.uuid, self.call_link, pending.new.call_link_label))
        else:  # always: the update is also the check that the node is not sealed
            write.columns = dict(pending.columns)
        outputs = _unique(new_outputs)  # an output is never an input: _check_output
        inserted += outputs
        write.nodes += map(node_row, outputs)
        write.links += [(write.process, _ref(data), self.output_link, label) for label, data in pending.outputs]
        write.reports = pending.reports
        write.checkpoint, write.drop_checkpoint = pending.checkpoint, pending.drop_checkpoint
        for node, pk in zip(inserted, store.write_process(write), strict=True):
            node.bind(store, pk)

    def _check_output(self, label: str, value: Data) -> None:
        """Workflows return existing data only."""
        if value.pk is None:
            raise ProvenanceError(
                f"{self.process_label}<{self._pk}> tried to return new, unstored data as output '{label}' "
                f"({value!r}). Workflows only return data that calculations created: compute the value in a "
                "@calcfunction and return its result (or store() the node first if you really made it by hand)."
            )


def find_process_class(path: str, store: Store | None = None) -> Any:
    """The object a process node names as its class, ``"module:QualName"`` (``"__main__:X"``: defined in the
    notebook). Raises ImportError, AttributeError or KeyError when it is not defined in this interpreter.
    ``"code:<sha256>:QualName"``: notebook code kept in ``store`` (default: the current one), loaded once per process;
    CodeTravelError says why when it cannot be."""
    if is_code_path(path):
        return load_stored_class(path, store if store is not None else get_runtime().store)
    module_name, _, qualname = path.partition(":")
    target: Any = sys.modules["__main__"] if module_name == "__main__" else importlib.import_module(module_name)
    for part in qualname.split("."):
        target = getattr(target, part)
    return target


def process_node_of(item: ProcessNode | int | str, *, purpose: str = "this") -> ProcessNode:
    """The process node of ``item`` (a process node, its pk or its uuid); ``purpose`` names the caller in the error
    raised for data or anything else."""
    node = item if isinstance(item, Node) else load_node(item)
    if not isinstance(node, ProcessNode):
        raise UsageError(
            f"{purpose} takes process nodes or their pks; {node!r} is a data node; give the pk of a process."
        )
    return node


def process_nodes_of(items: Iterable[Any], *, purpose: str) -> list[ProcessNode]:
    """The process nodes of ``items``, each a process node, its pk or uuid, or a list or tuple of those (taken as its
    items: ``jw.wait(nodes)`` as ``jw.wait(*nodes)``, as AiiDA's ``kill_processes([...])`` takes them)."""
    flat = [item for given in items for item in (given if isinstance(given, (list, tuple)) else [given])]
    return [process_node_of(item, purpose=purpose) for item in flat]


def _pk(node: Node) -> int:
    pk = node.pk
    if pk is None:
        raise InternalError(f"{node!r} was expected to be stored by now")
    return pk


def _ref(node: Node) -> NodeRef:
    """How a write refers to ``node``: its pk, or its uuid while the same write inserts it."""
    return node.uuid if node.pk is None else node.pk


def _unique(nodes: list[Data]) -> list[Data]:
    return list({id(node): node for node in nodes}.values())


class CalculationNode(ProcessNode):
    """A process that creates data (calcfunction)."""

    node_type = "process.CalculationNode"
    input_link = LinkType.INPUT_CALC
    output_link = LinkType.CREATE
    call_link = LinkType.CALL_CALC
    cachable = True  # as AiiDA's: only calculations are cached (a workflow's run has effects beyond its outputs)

    def _check_output(self, label: str, value: Data) -> None:
        """Calculations create new data only, each node once (one creator, one label)."""
        twice = [first for first, data in self._pending.outputs if data is value]
        if twice:
            raise ProvenanceError(
                f"{self.process_label}<{self._pk}> returned {value!r} as output '{label}' and as output "
                f"'{twice[0]}'; a calculation creates each node once: return a copy, e.g. {type(value).__name__}"
                "(x.value), for the second."
            )
        new = self._pending.new
        if value.pk is not None or (new is not None and any(value is data for _, data in new.inputs)):
            raise ProvenanceError(
                f"{self.process_label}<{self._pk}> returned {value!r} as output '{label}', but that node already "
                "exists (an input, or data stored before). A calcfunction must create new data: return a new node, "
                f"e.g. {type(value).__name__}(x.value), or a plain value."
            )


class WorkflowNode(ProcessNode):
    """A process that calls other processes and returns data they created (workfunction, WorkChain)."""

    node_type = "process.WorkflowNode"


class CalcFunctionNode(FunctionSource, CalculationNode):
    """The process node of a ``@calcfunction`` run: it creates data (CREATE links) and calls no process."""

    node_type = "process.calcfunction"


class WorkFunctionNode(FunctionSource, WorkflowNode):
    """The process node of a ``@workfunction`` run: it calls processes and returns data (RETURN links)."""

    node_type = "process.workfunction"


class WorkChainNode(WorkflowNode):
    """The process node of a ``WorkChain`` run, checkpointed after every step so ``resume`` can continue it."""

    node_type = "process.workchain"
    checkpointed = True
