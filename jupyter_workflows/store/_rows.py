"""Plain records the store reads and writes. No SQLAlchemy types leak out of the store: callers see these."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any, NamedTuple


class LinkType(str, enum.Enum):
    """AiiDA's link types. Values are the lower-case names stored in the database."""

    INPUT_CALC = "input_calc"  # data -> calculation (calcfunction)
    INPUT_WORK = "input_work"  # data -> workflow (workfunction, WorkChain)
    CREATE = "create"  # calculation -> data it created
    RETURN = "return"  # workflow -> data it returned
    CALL_CALC = "call_calc"  # workflow -> calculation it called
    CALL_WORK = "call_work"  # workflow -> workflow it called

    def __str__(self) -> str:
        return self.value


DATA_LINK_TYPES = (LinkType.INPUT_CALC, LinkType.CREATE)
LOGIC_LINK_TYPES = (LinkType.INPUT_WORK, LinkType.RETURN)  # as AiiDA: CALL links are in neither
CALL_LINK_TYPES = (LinkType.CALL_CALC, LinkType.CALL_WORK)
INPUT_LINK_TYPES = (LinkType.INPUT_CALC, LinkType.INPUT_WORK)  # the links of a process's inputs

EXTRAS = "extras"
"""The key of a node's ``attributes`` that holds its extras (``node.base.extras``): what users note on a node, which
may change at any time, sealed or not, and is no part of its content (nor of its hash)."""


@dataclass(slots=True)
class NodeRow:
    """One row of the ``nodes`` table: a data node or a process node."""

    pk: int
    uuid: str
    node_type: str  # "data.Int", "data.Dict", ..., "process.calcfunction", "process.workfunction", "process.workchain"
    label: str = ""
    description: str = ""
    ctime: float = 0.0  # seconds since the epoch, UTC
    mtime: float = 0.0
    attributes: dict[str, Any] = field(default_factory=dict)
    # process columns (None for data nodes)
    process_label: str | None = None
    process_state: str | None = None
    exit_status: int | None = None
    exit_message: str | None = None
    paused: bool = False
    process_status: str | None = None  # human-readable status, e.g. "Waiting for 3 children"
    step: str | None = None  # the WorkChain outline step being run
    exception: str | None = None  # formatted traceback of an excepted process
    owner: str | None = None  # id of the runner (kernel, worker) that runs the process
    sealed: bool = False  # True once a process has terminated; a sealed node never changes again (but cache_valid)
    hash: str | None = None  # data: of its content; process: of its code and its inputs' hashes (see nodes._caching)
    cache_valid: bool | None = None  # a process: True if it may serve as a cache source, False if withdrawn from that


@dataclass(slots=True)
class CacheSource:
    """A finished process that may serve as the cache of a new run, with its outputs (flat link label, row)."""

    pk: int
    uuid: str
    exit_status: int | None
    exit_message: str | None
    outputs: list[tuple[str, NodeRow]]


@dataclass(slots=True, frozen=True)
class LinkRow:
    input_pk: int
    output_pk: int
    link_type: LinkType
    link_label: str


@dataclass(slots=True, frozen=True)
class ReportRow:
    node_pk: int
    time: float
    levelname: str
    message: str


NodeRef = int | str
"""A node that one write refers to: a stored node's pk, or the uuid of a node that the same write inserts."""


@dataclass(slots=True)
class ProcessWrite:
    """What one flush of a process writes, all or nothing (see :meth:`Store.write_process`): new nodes (its inputs,
    itself, its outputs), the columns it sets on its stored node, links, log lines and its checkpoint."""

    process: NodeRef  # the process's node: reports and the checkpoint belong to it
    nodes: list[NodeRow] = field(default_factory=list)  # inserted; refer to them by uuid
    columns: dict[str, Any] | None = None  # set on the stored process, only if it is not sealed (else nothing)
    # each input, output, link type, label
    links: list[tuple[NodeRef, NodeRef, LinkType | str, str]] = field(default_factory=list)
    reports: list[tuple[float, str, str]] = field(default_factory=list)  # time, levelname, message
    checkpoint: dict[str, Any] | None = None  # saved (replacing the one stored)
    drop_checkpoint: bool = False


@dataclass(slots=True, frozen=True)
class OwnerRow:
    """A runner that owns processes: a kernel, a script or a daemon worker."""

    id: str
    hostname: str
    pid: int
    kind: str  # "kernel", "script", "worker"
    started: float  # when the owning OS process started (seconds since the epoch)
    heartbeat: float  # last sign of life (seconds since the epoch, by the store's clock)
    silence: float = 0.0  # seconds since that heartbeat, by the store's clock, when the row was read


@dataclass(slots=True)
class Traversal:
    """Result of walking the link graph: every node reached (origins included) and every link walked."""

    pks: set[int]
    links: list[LinkRow]
    truncated: bool = False  # True when max_nodes stopped the walk early


class ClaimedRun(NamedTuple):
    """A process claimed to run (see Store.claim_to_run): its row as the claim left it, and whether it had started
    before."""

    row: NodeRow
    started: bool
