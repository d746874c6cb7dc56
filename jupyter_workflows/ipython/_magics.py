"""``%workflows``: list, show, steer and inspect processes from a cell.

    %workflows list [--active] [--state S ...] [--label L ...] [--limit N]
    %workflows show PK [--compact]
    %workflows pause|play|kill PK ... | --all
    %workflows report PK
    %workflows graph PK [PK ...] [--ancestors N] [--descendants N] [--highlight-classes C ...] ...
    %workflows monitor [--state S]

Every subcommand takes ``--help``. Mistakes print one line and never a traceback.
"""

from __future__ import annotations

import argparse
import shlex
import sys
from collections.abc import Callable, Sequence
from typing import Any, NoReturn

from IPython.core.magic import Magics, line_magic, magics_class

from .. import control
from .._core import UsageError, WorkflowsError
from ..nodes import ProcessNode, process_node_of

__all__ = ["WorkflowsMagics", "build_parser"]


class _Stop(Exception):
    """argparse wanted to exit (after --help, or a usage error it already printed)."""


class _Parser(argparse.ArgumentParser):
    def exit(self, status: int = 0, message: str | None = None) -> NoReturn:
        if message:
            print(message, file=sys.stderr, end="")
        raise _Stop(status)

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="%workflows",
        description="List, show, steer and inspect jupyter_workflows processes. `%workflows COMMAND --help` for more.",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    listing = commands.add_parser("list", help="list processes (like verdi process list)")
    listing.add_argument("--active", action="store_true", help="only created, running and waiting processes")
    listing.add_argument("--state", nargs="+", metavar="S", help="only these states (running, finished, killed, ...)")
    listing.add_argument("--label", nargs="+", metavar="L", help="only these process labels")
    listing.add_argument("--past-days", type=float, metavar="D", help="only those created in the last D days")
    listing.add_argument("--limit", type=int, default=50, help="at most this many, newest first (default 50)")
    listing.add_argument("--all", action="store_true", help="no limit")
    listing.set_defaults(handler=_list)

    show = commands.add_parser("show", help="show a process as a live widget")
    show.add_argument("pk", help="pk (or uuid) of the process")
    show.add_argument("--compact", action="store_true", help="the one-line form")
    show.set_defaults(handler=_show)

    for verb, doc in (("pause", "hold processes at their next step"), ("play", "let paused processes go on"),
                      ("kill", "kill processes and their children")):  # fmt: skip
        steer = commands.add_parser(verb, help=doc)
        steer.add_argument("pks", nargs="*", metavar="PK", help="pks (or uuids) of processes")
        steer.add_argument("--all", action="store_true", help="every active process this kernel runs")
        if verb == "kill":
            steer.add_argument("--message", "-m", default=None, help="the reason, recorded on the node")
        steer.set_defaults(handler=_steer, verb=verb)

    status = commands.add_parser("status", help="state and place of processes, with what they called as a tree "
                                 "(as verdi process status)")  # fmt: skip
    status.add_argument("pks", nargs="+", metavar="PK", help="pks (or uuids) of processes")
    status.add_argument("--max-depth", type=int, default=None, help="how deep to follow called processes")
    status.set_defaults(handler=_status)

    report = commands.add_parser("report", help="the report log of a process and the processes it called")
    report.add_argument("pk", help="pk (or uuid) of the process")
    report.add_argument("--max-depth", type=int, default=None, help="how deep to follow called processes")
    report.set_defaults(handler=_report)

    graph = commands.add_parser("graph", help="the provenance graph around nodes (jw.graph, as verdi node graph)")
    graph.add_argument("pks", nargs="+", metavar="PK", help="pks (or uuids) of the nodes to start from")
    graph.add_argument("--ancestors", type=int, help="links to follow backwards (default: all)")
    graph.add_argument("--descendants", type=int, help="links to follow forwards (default: all)")
    graph.add_argument("--link-types", nargs="+", metavar="T", help="all, data, logic, or link types")
    graph.add_argument("--process-inputs", action="store_true", default=None, help="also the inputs of processes")
    graph.add_argument("--process-outputs", action="store_true", default=None, help="also the outputs of processes")
    graph.add_argument("--highlight-classes", nargs="+", metavar="C", help="keep these classes coloured")
    graph.add_argument("--identifier", nargs="+", metavar="I", help="pk, uuid or label")
    graph.add_argument("--engine", help="the Graphviz layout engine (default dot)")
    graph.set_defaults(handler=_graph)

    monitor = commands.add_parser("monitor", help="the live process list widget (jw.monitor())")
    monitor.add_argument("--state", default="all", help="initial state filter (all, active, running, paused, ...)")
    monitor.set_defaults(handler=_monitor)
    return parser


@magics_class
class WorkflowsMagics(Magics):
    @line_magic
    def workflows(self, line: str) -> Any:
        """List, show, steer and inspect processes: ``%workflows --help``."""
        try:
            arguments = build_parser().parse_args(shlex.split(line))
        except _Stop:
            return None
        except ValueError as error:  # shlex: unbalanced quotes
            print(f"%workflows: {error}", file=sys.stderr)
            return None
        try:
            return arguments.handler(arguments)
        except (WorkflowsError, ValueError, TypeError) as error:
            print(f"%workflows {arguments.command}: {error}", file=sys.stderr)
            return None


# -- subcommands ------------------------------------------------------------------------------------------------------
def _identifier(text: str) -> int | str:
    return int(text) if text.isdigit() else text


def _process(text: str) -> ProcessNode:
    return process_node_of(_identifier(text), purpose="%workflows")


def _list(arguments: argparse.Namespace) -> control.ProcessList:
    return control.processes(
        active=arguments.active,
        states=arguments.state,
        label=arguments.label,
        past_days=arguments.past_days,
        limit=None if arguments.all else arguments.limit,
    )


def _show(arguments: argparse.Namespace) -> Any:
    from ..widgets import ProcessWidget

    return ProcessWidget(_process(arguments.pk), compact=arguments.compact)


def _monitor(arguments: argparse.Namespace) -> Any:
    from ..widgets import monitor

    return monitor(state=arguments.state)


def _steer(arguments: argparse.Namespace) -> None:
    if arguments.all and arguments.pks:
        raise UsageError("give PKs or --all, not both.")
    if arguments.all:
        targets: Sequence[int | str] = [row.pk for row in control.processes(active=True, limit=None) if row.runs_here]
    elif arguments.pks:
        targets = arguments.pks
    else:
        raise UsageError("which processes? Give their PKs, or --all for every active process of this kernel.")
    action: Callable[..., list[ProcessNode]] = getattr(control, arguments.verb)
    options = {"message": arguments.message} if arguments.verb == "kill" else {}
    done: list[str] = []
    for target in targets:
        try:
            node = _process(str(target))
            if action(node, **options):
                done.append(f"{node.process_label}<{node.pk}>")
            else:
                print(f"{node.process_label}<{node.pk}> already {node.process_state.value}: left alone.")
        except (WorkflowsError, TypeError) as error:
            print(f"%workflows {arguments.verb}: {error}", file=sys.stderr)
    past = {"pause": "Paused", "play": "Played", "kill": "Killed"}[arguments.verb]
    print(f"{past} {len(done)} process(es)" + (f": {', '.join(done)}" if done else "."))


def _status(arguments: argparse.Namespace) -> None:
    """Like ``verdi process status``: each process with what it called below it, as a tree."""
    print("\n".join(control.status_tree(_process(pk), arguments.max_depth) for pk in arguments.pks))


def _report(arguments: argparse.Namespace) -> None:
    """Like ``verdi process report``: the reports of the process and of everything it called, in time order."""
    print(control.report_text(_process(arguments.pk), arguments.max_depth))


_GRAPH_OPTIONS = ("ancestors", "descendants", "link_types", "process_inputs", "process_outputs", "highlight_classes",
                  "identifier", "engine")  # fmt: skip


def _graph(arguments: argparse.Namespace) -> Any:
    try:
        from ..graph import graph
    except ImportError:
        print(
            "%workflows graph: provenance graphs are not available in this installation of jupyter_workflows "
            "(the jupyter_workflows.graph module is missing).",
            file=sys.stderr,
        )
        return None
    options = {name: getattr(arguments, name) for name in _GRAPH_OPTIONS if getattr(arguments, name) is not None}
    if isinstance(options.get("link_types"), list) and len(options["link_types"]) == 1:
        options["link_types"] = options["link_types"][0]  # "all", "data" or "logic"
    return graph(*(_identifier(pk) for pk in arguments.pks), **options)
