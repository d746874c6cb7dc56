"""The ``jupyter-workflows`` command, which Jupyter also runs as ``jupyter workflows``.

    jupyter workflows graph 12 --highlight-classes Int CalcFunctionNode -a 1 -d 2 -l logic -f svg -o wf.svg
    jupyter workflows archive create results.aiida 12
    jupyter workflows archive import results.aiida

Each subcommand is one ``_add_<name>_command`` function that declares its options and the function that runs it.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from ._core._errors import WorkflowsError

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


def build_parser() -> argparse.ArgumentParser:
    """The parser of every subcommand."""
    from ._version import __version__

    parser = argparse.ArgumentParser(
        prog=PROGRAM, description="jupyter_workflows from the terminal (also runs as `jupyter workflows`)."
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    subcommands = parser.add_subparsers(dest="command", metavar="COMMAND")
    _add_graph_command(subcommands)
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
        type=int,
        default=DEFAULT_MAX_NODES,
        help="refuse larger graphs (0: no limit; default: %(default)s)",
    )
    add("--timeout", type=float, default=DEFAULT_TIMEOUT, help="seconds the layout may take (default: %(default)s)")
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
    from .store import Store, default_store_url

    started = time.perf_counter()
    names = [name.strip() for value in args.link_types or ["all"] for name in value.split(",") if name.strip()]
    link_types: str | list[str] = names[0] if len(names) == 1 else names
    with Store(args.store or default_store_url()) as store:
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
    from .store import Store, default_store_url

    nodes = [int(node) if node.strip().isdigit() else node for node in args.nodes]  # digits: a pk
    with Store(args.store or default_store_url()) as store:
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


if __name__ == "__main__":
    sys.exit(main())
