"""The ``jupyter-workflows`` command, which Jupyter also runs as ``jupyter workflows``.

    jupyter workflows graph 12 --highlight-classes Int CalcFunctionNode -a 1 -d 2 -l logic -f svg -o wf.svg
    jupyter workflows daemon start 2 | stop | restart | status | logs [-f] | incr | decr
    jupyter workflows process list [--active] [--state S...] | pause|play|kill|status|report|show PK...
    jupyter workflows archive create results.aiida 12
    jupyter workflows archive import results.aiida

Each subcommand is one ``_add_<name>_command`` function that declares its options and the function that runs it.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from ._core._errors import UsageError, WorkflowsError

__all__ = ["main"]

PROGRAM = "jupyter-workflows"
Command = Callable[[argparse.Namespace], int]


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line ``argv`` (default: ``sys.argv[1:]``); returns the exit status (0: success)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    run: Command | None = getattr(args, "run", None)
    if run is None:
        parser.print_help()
        return 2
    try:
        return run(args)
    except WorkflowsError as error:
        print(f"{PROGRAM} {args.command}: error: {error}", file=sys.stderr)
        return 1
    except BrokenPipeError:  # the reader went away (| head): end quietly, as a program killed by SIGPIPE does
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no second error as Python flushes at exit
        return 128 + 13


def build_parser() -> argparse.ArgumentParser:
    """The parser of every subcommand."""
    from ._version import __version__

    parser = argparse.ArgumentParser(
        prog=PROGRAM, description="jupyter_workflows from the terminal (also runs as `jupyter workflows`)."
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    subcommands = parser.add_subparsers(dest="command", metavar="COMMAND")
    _add_graph_command(subcommands)
    _add_daemon_command(subcommands)
    _add_process_command(subcommands)
    _add_archive_command(subcommands)
    return parser


# -- graph ------------------------------------------------------------------------------------------------------------
GRAPH_DESCRIPTION = """\
Draw the provenance graph around one or more nodes, as AiiDA's `verdi node graph generate`.

Starting from the given nodes (the origins, drawn with a thick outline), follow links backwards (ancestors) and
forwards (descendants), and write the graph in any Graphviz format. Data nodes are green ellipses, calcfunctions
pink boxes, workfunctions orange rounded boxes and WorkChains amber hexagons; a process shows its state and exit
status ("State: finished [0]") and its outline is red when it failed or excepted, purple when killed, blue while
running. With --highlight-classes every other node is decoloured.

example:
  jupyter workflows graph 12 --highlight-classes Int CalcFunctionNode -a 1 -d 2 -l logic -f svg -o wf.svg
"""


def _add_graph_command(subcommands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from .graph import DEFAULT_MAX_NODES, DEFAULT_TIMEOUT
    from .graph._layout import ENGINES, STRATEGIES
    from .graph._style import IDENTIFIERS

    parser = subcommands.add_parser(
        "graph",
        help="draw the provenance graph around nodes (SVG, PDF, PNG, ...)",
        description=GRAPH_DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.set_defaults(run=_run_graph)
    add = parser.add_argument
    add("nodes", nargs="+", metavar="NODE", help="pk, uuid or uuid prefix of a node to start from")
    add("-a", "--ancestor-depth", type=_depth, metavar="N", help="follow links backwards at most N hops (default: all)")
    add(
        "-d", "--descendant-depth", type=_depth, metavar="N", help="follow links forwards at most N hops (default: all)"
    )
    add(
        "-l",
        "--link-types",
        action="append",
        metavar="TYPES",
        help="links to follow: all (default), data (input_calc, create), logic (input_work, return), or link types "
        "among input_calc, create, input_work, return, call_calc, call_work (comma-separated, or repeat -l)",
    )
    add("-i", "--process-in", action="store_true", help="also draw the inputs of every process found going forwards")
    add("--process-out", action="store_true", help="also draw the outputs of every process found going backwards")
    add(
        "-c",
        "--highlight-classes",
        nargs="+",
        action="extend",
        metavar="CLASS",
        help="keep the colours of nodes of these classes and decolour the rest: a data class (Int), a node class "
        "(CalcFunctionNode, WorkChainNode, ProcessNode, Data) or a process label (AddAndMultiply); give the NODEs "
        "first (or end the classes with --)",
    )
    add(
        "--identifier",
        action="append",
        choices=IDENTIFIERS,
        help="how nodes are named in the graph: pk (default), uuid or label; repeat it to show several",
    )
    add("-e", "--engine", default="dot", choices=ENGINES, help="Graphviz layout engine (default: dot)")
    add(
        "--strategy",
        default="auto",
        choices=STRATEGIES,
        help="with dot: auto (default) picks by size; plain lays out every edge; deferred draws long edges after "
        "the layout; layered computes the layout in Python (for thousands of nodes)",
    )
    add("-f", "--output-format", metavar="FORMAT", help="svg, png, pdf, ... (default: the file's suffix, else svg)")
    add("-o", "--output", metavar="FILE", help="file to write (default: <pk.pk...>.<engine>.<format>)")
    add(
        "--max-nodes",
        type=_whole,
        default=DEFAULT_MAX_NODES,
        help="refuse larger graphs (0: no limit; default: %(default)s)",
    )
    add("--timeout", type=_seconds, default=DEFAULT_TIMEOUT, help="seconds the layout may take (default: %(default)s)")
    add(
        "--store",
        metavar="URL",
        help="SQLAlchemy URL of the store (default: $JUPYTER_WORKFLOWS_STORE or the local file)",
    )


def _depth(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a depth: give a number of link hops, 0 or more")
    return value


def _run_graph(args: argparse.Namespace) -> int:
    from .graph import graph
    from .store import Store

    started = time.perf_counter()
    names = [name.strip() for value in args.link_types or ["all"] for name in value.split(",") if name.strip()]
    link_types: str | list[str] = names[0] if len(names) == 1 else names
    with Store(_store_to_read(args)) as store:
        drawn = graph(
            *(int(node) if node.strip().isdigit() else node for node in args.nodes),  # digits: a pk
            ancestors=args.ancestor_depth,
            descendants=args.descendant_depth,
            link_types=link_types,
            process_inputs=args.process_in,
            process_outputs=args.process_out,
            highlight_classes=args.highlight_classes,
            identifier=args.identifier or "pk",
            engine=args.engine,
            strategy=args.strategy,
            max_nodes=args.max_nodes or None,
            timeout=args.timeout,
            store=store,
        )
        output_format = (args.output_format or _suffix(args.output) or "svg").lower()
        output = Path(args.output or f"{'.'.join(args.nodes)}.{args.engine}.{output_format}")
        drawn.render(output, format=output_format)
    seconds = time.perf_counter() - started
    print(
        f"Wrote {output}: {len(drawn.nodes)} nodes, {len(drawn.edges)} edges ({drawn.strategy} layout, {seconds:.2f} s)"
    )
    return 0


# -- archive ----------------------------------------------------------------------------------------------------------
ARCHIVE_DESCRIPTION = """\
Share provenance as AiiDA archives (.aiida files, the format of aiida-core 2.x's `verdi archive`).

`create` writes nodes with their whole provenance (AiiDA's default export rules: the workflows that made them,
whole) to an archive that `verdi archive import` takes. `import` reads an archive (made by aiida-core or by
`create`) into the store; nodes keep their uuids, so importing again adds only what is new.

examples:
  jupyter workflows archive create results.aiida 12 15
  jupyter workflows archive create everything.aiida --all
  jupyter workflows archive import results.aiida
"""


def _add_archive_command(subcommands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subcommands.add_parser(
        "archive",
        help="write or read AiiDA archives (.aiida)",
        description=ARCHIVE_DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    create = actions.add_parser(
        "create", help="write nodes and their provenance to an archive", description=ARCHIVE_DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )  # fmt: skip
    create.set_defaults(run=_run_archive_create)
    create.add_argument("output", metavar="FILE", help="the archive to write (results.aiida)")
    create.add_argument("nodes", nargs="*", metavar="NODE", help="pk, uuid or uuid prefix of a node to export")
    create.add_argument("--all", action="store_true", dest="all_nodes", help="export every node of the store")
    create.add_argument("-f", "--force", action="store_true", help="replace FILE if it exists")
    _add_store_option(create)
    imported = actions.add_parser(
        "import", help="read archives into the store", description=ARCHIVE_DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )  # fmt: skip
    imported.set_defaults(run=_run_archive_import)
    imported.add_argument("archives", nargs="+", metavar="FILE", help="an archive (.aiida) to import")
    _add_store_option(imported)


def _add_store_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--store",
        metavar="URL",
        help="SQLAlchemy URL of the store (default: $JUPYTER_WORKFLOWS_STORE or the local file)",
    )


def _run_archive_create(args: argparse.Namespace) -> int:
    from .archive import export
    from .store import Store

    nodes = [int(node) if node.strip().isdigit() else node for node in args.nodes]  # digits: a pk
    with Store(_store_to_read(args)) as store:
        summary = export(*nodes, path=args.output, all_nodes=args.all_nodes, overwrite=args.force, store=store)
    print(summary)
    return 0


def _run_archive_import(args: argparse.Namespace) -> int:
    from .archive import import_archive
    from .store import Store, default_store_url

    with Store(args.store or default_store_url()) as store:
        for path in args.archives:
            print(import_archive(path, store=store))
    return 0


def _suffix(path: str | None) -> str:
    return Path(path).suffix.lstrip(".") if path else ""


def _add_connection_options(parser: argparse.ArgumentParser, *, broker: bool = True) -> None:
    parser.add_argument(
        "--store",
        metavar="URL",
        help="SQLAlchemy URL of the store (default: $JUPYTER_WORKFLOWS_STORE or the local file)",
    )
    if broker:
        parser.add_argument(
            "--broker", metavar="URL", help="RabbitMQ URL, amqp://user:password@host:5672/ (default: "
            "$JUPYTER_WORKFLOWS_BROKER)"
        )  # fmt: skip


# -- daemon -----------------------------------------------------------------------------------------------------------
DAEMON_DESCRIPTION = """\
Start, stop and watch the daemon of a store: worker OS processes that run the processes submitted with
submit(..., daemon=True), kept running by a supervisor (a worker that dies is started again, and logged).

One daemon per store and machine; its pid, state and logs are in a folder named after the store's identity, under
$JUPYTER_WORKFLOWS_DAEMON_DIR or the Jupyter runtime directory (--daemon-dir). The workers run in the directory
the daemon was started from, with its environment (so they import what you import there).

examples:
  jupyter workflows daemon start 2 --broker amqp://guest:guest@127.0.0.1:5672/
  jupyter workflows daemon status
  jupyter workflows daemon stop      # processes in flight are handed over and continue after the next start
"""


def _add_daemon_command(subcommands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subcommands.add_parser(
        "daemon",
        help="start, stop and watch the daemon workers",
        description=DAEMON_DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)

    def action(name: str, help: str, *, broker: bool = False) -> argparse.ArgumentParser:
        made = actions.add_parser(name, help=help, description=help)
        _add_connection_options(made, broker=broker)
        made.add_argument("--daemon-dir", metavar="DIR", help="folder of the daemons' files (default: "
                          "$JUPYTER_WORKFLOWS_DAEMON_DIR or <Jupyter runtime dir>/workflows/daemon)")  # fmt: skip
        made.set_defaults(run=_run_daemon)
        return made

    for name, help in (("start", "start the supervisor and N workers (default 1)"),
                       ("restart", "stop the daemon, then start it with as many workers (or N)")):  # fmt: skip
        made = action(name, help, broker=True)
        made.add_argument("workers", nargs="?", type=_count, metavar="N", help="number of workers")
        made.add_argument("--slots", type=_count, help="processes each worker runs at once (default 200)")
        made.add_argument("--timeout", type=_seconds, default=60.0, help="seconds to wait for the workers (default 60)")
        if name == "start":
            made.add_argument("--grace", type=_seconds, default=60.0, help="seconds a stopping worker waits for its "
                              "processes to reach a checkpoint (default 60)")  # fmt: skip
    made = action("stop", "stop every worker (their processes are handed over) and the supervisor")
    made.add_argument("--timeout", type=_seconds, help="seconds to wait (default: the workers' grace + 40)")
    action("status", "each worker's pid, load and processes; the broker and the store (exit status 3: not running)")
    made = action("logs", "the end of the supervisor's and workers' logs")
    made.add_argument("-f", "--follow", action="store_true", help="go on showing what they log (Ctrl-C ends)")
    made.add_argument("-n", "--lines", type=_whole, default=30, help="lines of each log to show first (default 30)")
    for name, help in (("incr", "add N workers (default 1)"),
                       ("decr", "stop N workers (default 1); the others take over their processes")):  # fmt: skip
        made = action(name, help)
        made.add_argument("count", nargs="?", type=_count, default=1, metavar="N", help="number of workers")


def _store_to_read(args: argparse.Namespace) -> str:
    """The store a command reads: an SQLite file that does not exist is a mistaken path, not a store to make."""
    from .store import default_store_url, missing_sqlite_file

    url = args.store or default_store_url()
    missing = missing_sqlite_file(url)
    if missing is not None:
        where = "--store" if args.store else "$JUPYTER_WORKFLOWS_STORE or --store"
        raise UsageError(
            f"No store at {missing}: check the path ({where}). A store is made by the first process run with it, "
            "or by `jupyter workflows daemon start`."
        )
    return url


def _at_least(least: int, convert: Callable[[str], float], what: str) -> Callable[[str], Any]:
    """An argparse type: ``convert(text)``, finite and at least ``least``, else an error naming ``what``."""

    def parse(text: str) -> Any:
        try:
            value = convert(text)
        except ValueError:
            value = float("nan")
        if not least <= value < float("inf"):
            raise argparse.ArgumentTypeError(f"{text!r} is not {what}: give {least} or more")
        return value

    return parse


_seconds = _at_least(0, float, "a number of seconds")
_whole = _at_least(0, int, "a whole number")
_count = _at_least(1, int, "a number of workers or slots")


def _run_daemon(args: argparse.Namespace) -> int:
    from . import daemon
    from .daemon import _lifecycle
    from .daemon._logs import show_logs
    from .store import default_store_url

    root = args.daemon_dir
    store = (args.store or default_store_url()) if args.action in {"start", "restart"} else _store_to_read(args)
    if args.action == "start":
        started = daemon.start(
            args.workers or 1, slots=args.slots or _lifecycle.DEFAULT_SLOTS, store=store, broker=args.broker,
            grace=args.grace, timeout=args.timeout, root=root,
        )  # fmt: skip
        print(started)
    elif args.action == "restart":
        print(_lifecycle.restart(args.workers, slots=args.slots, store=store, broker=args.broker, root=root))
    elif args.action == "stop":
        before = daemon.status(store=store, root=root)
        held = sum(len(worker.processes) for worker in before.workers) if before.running else 0
        daemon.stop(store=store, timeout=args.timeout, root=root)
        if held:
            print(f"Daemon stopped: the {held} process(es) it ran are queued, and continue after "
                  "`jupyter workflows daemon start`.")  # fmt: skip
        else:
            print("Daemon stopped (it ran no processes).")
    elif args.action == "status":
        found = daemon.status(store=store, root=root)
        print(found)
        return 0 if found.running else 3
    elif args.action in ("incr", "decr"):
        print(getattr(_lifecycle, args.action)(args.count, store=store, root=root))
    else:
        with _lifecycle.opened(store, root) as (_, files):
            if not files.logs():
                print(f"No daemon logs yet in {files.folder}.")
                return 0
            with contextlib.suppress(KeyboardInterrupt):  # how a follow ends
                show_logs(files, sys.stdout, lines=args.lines, follow=args.follow)
    return 0


# -- process ----------------------------------------------------------------------------------------------------------
def _add_process_command(subcommands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from ._core import ProcessState

    parser = subcommands.add_parser(
        "process",
        help="list, pause, play, kill or show processes, wherever they run",
        description="List processes, and pause, play, kill or show them wherever they run: on a daemon worker, in a "
        "kernel (with a broker configured), queued for a worker, or orphaned; as jw.processes() and "
        "jw.pause/play/kill.",
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    listing = actions.add_parser(
        "list",
        help="the newest processes: state, status and where each runs (as verdi process list)",
        description="The newest processes in the store, newest first: age, label, state, status and where each runs "
        "(as verdi process list and jw.processes()).",
    )
    add = listing.add_argument
    add("--active", action="store_true", help="only created, running and waiting processes")
    add("-S", "--state", nargs="+", metavar="S", choices=[state.value for state in ProcessState],
        help=f"only these states ({', '.join(state.value for state in ProcessState)})")  # fmt: skip
    add("-L", "--label", nargs="+", metavar="L", help="only these process labels")
    add("-p", "--past-days", type=_at_least(0, float, "a number of days"), metavar="D",
        help="only those created in the last D days")  # fmt: skip
    add("-l", "--limit", type=_at_least(1, int, "a number of processes"), default=50, metavar="N",
        help="at most N, newest first (default: %(default)s)")  # fmt: skip
    add("-a", "--all", action="store_true", help="every process, in every state (no limit)")
    _add_connection_options(listing, broker=False)
    listing.set_defaults(run=_run_process_list)
    for name, help in (("pause", "hold processes at their next step"), ("play", "let paused processes go on"),
                       ("kill", "kill processes and their children"),
                       ("status", "state, paused or not, and where each process runs, with what it called "
                                  "(as verdi process status)"),
                       ("report", "the reports of processes and of what they called, in time order "
                                  "(as verdi process report)"),
                       ("show", "properties, inputs, outputs and called processes of processes "
                                "(as verdi process show)"),
                       ("watch", "a line for each change of processes (a pause and a play too) as it happens, "
                                 "until they end (as verdi process watch)")):  # fmt: skip
        made = actions.add_parser(name, help=help, description=help)
        steers = name not in _READ_ONLY
        made.add_argument("pks", nargs="*" if steers else "+", metavar="PK", help="pk (or uuid) of a process")
        _add_connection_options(made)
        if steers:
            made.add_argument("-a", "--all", action="store_true", help=f"{name} every active process of the store "
                              "(as verdi process --all; asks first, unless --force)")  # fmt: skip
            made.add_argument("-f", "--force", action="store_true", help="with --all: do not ask")
        if name == "kill":
            made.add_argument("-m", "--message", help="the reason, recorded on the node")
        if name in {"status", "report"}:
            made.add_argument(
                "--max-depth", type=_depth, default=None, metavar="N",
                help="follow what it called down to N levels (0: the process alone; default: all)",
            )  # fmt: skip
        made.set_defaults(run=_run_process)


_READ_ONLY = ("status", "report", "show", "watch")


def _run_process_list(args: argparse.Namespace) -> int:
    from . import control
    from ._runtime import configure, get_runtime

    configure(store=_store_to_read(args))
    try:
        found = control.processes(
            active=args.active,
            states=args.state,
            label=args.label,
            past_days=args.past_days,
            limit=None if args.all else args.limit,
        )
        found = control.ProcessList(found.rows, found.total, how_to_see_all="-a for all")
        print(found if found.total else f"No processes{' match' if _filtered(args) else ' in the store yet'}.")
    finally:
        get_runtime().close()
    return 0


def _filtered(args: argparse.Namespace) -> bool:
    return bool(args.active or args.state or args.label or args.past_days is not None)


def _run_process(args: argparse.Namespace) -> int:
    from . import control
    from ._runtime import configure, get_runtime

    configure(store=_store_to_read(args), **({"broker": args.broker} if args.broker else {}))
    failed = 0
    try:
        if getattr(args, "all", False):
            return _steer_all(control, args)
        if not args.pks:
            raise UsageError("which processes? Give their PKs, or --all for every active process of the store.")
        if args.action == "watch":
            return _watch(control, args)
        for text in args.pks:
            try:
                node = _node_of(text, args)
                if args.action == "show":
                    print(control.show_text(node))
                elif args.action == "status":
                    print(control.status_tree(node, args.max_depth))
                elif args.action == "report":
                    print(control.report_text(node, args.max_depth))
                else:
                    print(_steer(control, args, node))
            except WorkflowsError as error:
                print(f"{PROGRAM} process {args.action}: error: {error}", file=sys.stderr)
                failed += 1
    finally:
        get_runtime().close()
    return 1 if failed else 0


def _node_of(text: str, args: argparse.Namespace) -> Any:
    from .nodes import process_node_of

    pk = text.removeprefix("-").isdigit()  # a pk, -5 included (there is none: said so)
    return process_node_of(int(text) if pk else text, purpose=f"process {args.action}")


def _watch(control: Any, args: argparse.Namespace) -> int:
    """Lines as the processes change, until all have ended (0), or Ctrl-C (130); a PK that names no process is an
    error before anything is watched."""
    from ._runtime import get_runtime

    nodes = [_node_of(text, args) for text in args.pks]
    try:
        get_runtime().runner.block_until_interrupted(control.watch_async(nodes, lambda line: print(line, flush=True)))
    except KeyboardInterrupt:
        return 130
    return 0


_DONE = {"pause": "Paused", "play": "Played", "kill": "Killed"}


def _steer_all(control: Any, args: argparse.Namespace) -> int:
    """``--all``: every active process of the store (for play, the paused ones; for pause, those not paused), callers
    before what they called; asks first on a terminal, unless ``--force``."""
    from ._runtime import get_runtime

    if args.pks:
        raise UsageError("give PKs or --all, not both.")
    rows = [
        row
        for row in control.processes(active=True, limit=None)
        if args.action == "kill" or row.paused == (args.action == "play")
    ]
    if not rows:
        print(f"No active process to {args.action}{' (none is paused)' if args.action == 'play' else ''}.")
        return 0
    question = f"{args.action.capitalize()} all {len(rows)} active process(es) of {get_runtime().store.url}?"
    if not args.force:
        if not sys.stdin.isatty():
            raise UsageError(f"--all would {args.action} {len(rows)} process(es): confirm with --force.")
        if input(f"{question} [y/N] ").strip().lower() not in {"y", "yes"}:
            print("Nothing done.")
            return 0
    options = {"message": args.message} if args.action == "kill" else {}
    steered = getattr(control, args.action)(sorted(row.pk for row in rows), **options)
    done = [f"{node.process_label}<{node.pk}>" for node in steered]
    shown = ", ".join(done[:_NAMED]) + (f", ... ({len(done) - _NAMED} more)" if len(done) > _NAMED else "")
    print(f"{_DONE[args.action]} {len(done)} process(es)" + (f": {shown}" if done else "."))
    return 0


_NAMED = 20  # processes named in what --all says it did


def _steer(control: Any, args: argparse.Namespace, node: Any) -> str:
    options = {"message": args.message} if args.action == "kill" else {}
    name = f"{node.process_label}<{node.pk}>"
    if getattr(control, args.action)(node, **options):
        return f"{_DONE[args.action]} {name}"
    return f"{name} is {node.process_state.value}{' (paused)' if node.paused else ''}: nothing to {args.action}."


if __name__ == "__main__":
    sys.exit(main())
