"""A process as text for a terminal or a cell: its status with what it called drawn as a tree below it (as ``verdi
process status``), the reports of it and all it called (as ``verdi process report``), and its properties, inputs,
outputs and calls (as ``verdi process show``). The ``process status|report|show`` commands show them, and the
``%workflows status`` and ``report`` magics the first two."""

from __future__ import annotations

import time

from .._core import ProcessState
from .._format import text_table
from ..nodes import ProcessNode, flat_namespace
from ..store import CALL_LINK_TYPES

__all__ = ["report_text", "show_text", "status_tree"]


def status_tree(node: ProcessNode, max_depth: int | None = None) -> str:
    """The process's line, and below it those of what it called, down to ``max_depth`` levels (None: all)::

    Parent<5>  waiting  worker pid 812 on host  step: collect
    ├── add<8>  finished  exit status 0
    └── nap<11>  running  worker pid 813 on host
    """
    lines = [status_line(node)]

    def below(parent: ProcessNode, prefix: str, depth: int) -> None:
        called = parent.called
        for index, child in enumerate(called):
            last = index == len(called) - 1
            lines.append(f"{prefix}{'└── ' if last else '├── '}{status_line(child)}")
            if max_depth is None or depth < max_depth:
                below(child, prefix + ("    " if last else "│   "), depth + 1)

    if max_depth is None or max_depth > 0:
        below(node, "", 1)
    return "\n".join(lines)


def status_line(node: ProcessNode) -> str:
    """State (paused or not), then the exit status and message of an ended process, or where one not ended runs
    and its WorkChain step."""
    state = node.process_state.value + (" (paused)" if node.paused and not node.is_terminated else "")
    if node.is_terminated:
        ended = [f"exit status {node.exit_status}"] if node.exit_status is not None else []
        where = ": ".join(ended + ([node.exit_message] if node.exit_message else []))
    else:
        where = node.owner_status().describe() + (f"  step: {node.step}" if node.step else "")
    return f"{node.process_label}<{node.pk}>  {state}  {where}".rstrip()


def report_text(node: ProcessNode, max_depth: int | None = None) -> str:
    """The reports of the process and of what it called down to ``max_depth`` levels (None: all), in time order,
    each indented by how deep it was called; a process that excepted ends with its traceback, as an ERROR::

    2026-12-02 14:05:01 [5 | REPORT]: [Parent] submitted 2 children
        2026-12-02 14:05:02 [8 | WARNING]: [Child] x is negative
        2026-12-02 14:05:02 [8 | ERROR]: [Child] Traceback (most recent call last):
              ...
            ValueError: x is negative
    """
    entries: list[tuple[float, str]] = []

    def collect(process: ProcessNode, depth: int) -> None:
        indent = "    " * depth

        def entry(at: float, levelname: str, message: str) -> None:
            message = message.rstrip().replace("\n", f"\n{indent}    ")
            line = f"{indent}{_stamp(at)} [{process.pk} | {levelname}]: [{process.process_label}] {message}"
            entries.append((at, line))

        for report in process.reports:
            entry(report.time, report.levelname, report.message)
        if process.process_state is ProcessState.EXCEPTED and process.exception:
            entry(process.mtime, "ERROR", process.exception)
        if max_depth is None or depth < max_depth:
            for child in process.called:
                collect(child, depth + 1)

    collect(node, 0)
    if not entries:
        return f"No reports for {node.process_label}<{node.pk}> or what it called."
    return "\n".join(line for _, line in sorted(entries, key=lambda entry: entry[0]))


def show_text(node: ProcessNode) -> str:
    """What ``verdi process show`` prints: the process's properties, then its inputs and outputs, each with pk and
    type (a namespace's ports as ``namespace.port``), the processes it called, each with its call link's label, pk
    and process label, and how many log messages it has."""
    state = node.process_state.value + (f" [{node.exit_status}]" if node.exit_status is not None else "")
    state += f": {node.exit_message}" if node.exit_message else ""
    state += " (paused)" if node.paused and not node.is_terminated else ""
    properties = [
        ("type", f"{node.process_label} ({type(node).__name__})"),
        ("state", state),
        ("pk", str(node.pk)),
        ("uuid", node.uuid),
        ("label", node.label),
        ("description", node.description),
        ("ctime", _stamp(node.ctime)),
        ("mtime", _stamp(node.mtime)),
    ]
    if not node.is_terminated:
        properties.append(("where", node.owner_status().describe() + (f", step {node.step}" if node.step else "")))
    caller = node.caller
    if caller is not None:
        properties.append(("caller", f"{caller.process_label}<{caller.pk}>"))
    parts = [text_table(("Property", "Value"), properties)]
    for title, named in (("Inputs", flat_namespace(node.inputs)), ("Outputs", flat_namespace(node.outputs))):
        rows = [(name, str(value.pk), type(value).__name__) for name, value in named]
        if rows:
            parts.append(text_table((title, "PK", "Type"), rows))
    calls = node.base.links.get_outgoing(link_type=CALL_LINK_TYPES).all()
    if calls:  # as verdi: the call link's label (CALL unless metadata.call_link_label said), the callee's label
        calls.sort(key=lambda call: call.node.pk or 0)
        rows = [(call.link_label, str(call.node.pk), call.node.process_label) for call in calls]
        parts.append(text_table(("Called", "PK", "Type"), rows))
    reports = len(node.reports)
    if reports:
        hint = f"Run 'jupyter workflows process report {node.pk}' to see them (or %workflows report {node.pk})"
        counted = "There is 1 log message" if reports == 1 else f"There are {reports} log messages"
        parts.append(text_table(("Log messages",), [(f"{counted} for this process",), (hint,)]))
    return "\n\n".join(parts)


def _stamp(at: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(at))
