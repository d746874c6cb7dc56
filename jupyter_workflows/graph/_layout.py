"""Laying out and rendering provenance graphs fast, with Debian's ``dot`` or the pip-installable graphviz-pure.

Why ``dot`` hangs on workflows (measured in benchmarks/graph.py): ``dot`` turns an edge that spans k ranks into a
chain of k-1 virtual nodes, and orders every rank, virtual nodes included. A workflow's CALL edge to each of its N
sequential children (and its RETURN edges, or a data node used by every step) spans the whole chain, so there are
O(N**2) virtual nodes: 161 nodes took 192 s and 201 nodes more than 240 s in dot 2.43. ``constraint=false`` does
not help, because such edges still get virtual nodes (80 calls: still 8 s).

So the strategy (``plan_layout``) depends on what the graph would cost ``dot``, estimated from ranks computed in
Python (``_ranks``):

- ``plain``: small and cheap graphs: ``dot`` lays out every edge (the look of AiiDA's graphs).
- ``deferred``: when all edges together would make more than VIRTUAL_NODE_BUDGET virtual nodes, the long edges
  (spanning more than MAX_KEPT_SPAN ranks) are marked ``constraint=false``, left out of ``dot``'s layout
  (``dot -Tdot`` gives positions and splines for the rest) and drawn afterwards by ``neato -n2``, which keeps every
  position it is given, as straight lines between the nodes' right-hand sides. The workflow stays on top (its CALL
  edge to its first child is short, so it is kept) and data flows down.
- ``layered``: above LAYERED_FROM nodes even that is too slow (``dot``'s x-coordinate pass grows about
  quadratically on long provenance chains), so ``_layered`` computes the positions in Python and Graphviz only
  draws them (``layout=nop2``, straight edges).

The DOT source (``Graph.digraph``) also renders with plain Graphviz (``dot -Tsvg``, ``Digraph.render()``), only
slower for big graphs. ``layered`` sources select ``layout=nop2`` themselves. In a ``deferred`` source plain ``dot``
lays out the long edges too (``constraint=false`` keeps them out of the ranking, without it dot does not finish),
so it carries PLAIN_DOT_HINT, ``splines=line``: dot 2.43 routes a spline through a static array of 1000 boxes (two
per virtual node, no bounds check) that only starts over where the edge runs straight down for a few ranks, and
long edges overflow it (SIGSEGV): a workfunction with 330 steps has CALL edges across 1,320 ranks (edge labels
double the ranks) that shift sideways wherever a shorter one ends. Straight lines take no boxes, and are how
``deferred`` draws long edges anyway. ``render`` drops the hint with the long edges, so the rest keeps the splines.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections import OrderedDict
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from pathlib import Path

from .._core._errors import GraphvizError, ValidationError
from ._ranks import edge_spans, estimate_ranks

__all__ = [
    "DOT_PROGRAM_ENV",
    "PLAIN_DOT_HINT",
    "STRATEGIES",
    "LayoutPlan",
    "LayoutProgram",
    "find_layout_program",
    "plan_layout",
    "render",
]

DOT_PROGRAM_ENV = "JUPYTER_WORKFLOWS_DOT"
"""Environment variable naming the layout program to use (``dot``, ``graphviz-pure`` or a path)."""

STRATEGIES = ("auto", "plain", "deferred", "layered")
LAYERED_FROM = 1000
"""Graphs with more nodes are laid out in Python (``_layered``). Measured (benchmarks/graph.py): dot (deferred) took
2.0 s for 1,000 nodes of nested workflows, 9.5 s for 2,000, and did not finish 10,000 in five minutes; the layered
layout draws 10,000 in about 7 s in all (3 s of it Graphviz drawing the SVG; 2 shared CPUs, load average 2.5)."""
VIRTUAL_NODE_BUDGET = 1500
"""Above this many virtual nodes (sum of rank spans - 1), long edges are deferred. At 161 nodes with ~6,000 virtual
nodes dot needed 192 s; 81 nodes with ~1,600 took 0.35 s."""
MAX_KEPT_SPAN = 4
"""Edges spanning more ranks than this are deferred when deferring (a data -> calc -> data step spans 1 each)."""
ENGINES = ("dot", "neato", "fdp", "sfdp", "circo", "twopi", "osage", "patchwork")
PURE_FORMATS = frozenset(  # graphviz-pure -T? (0.2.2)
    {"canon", "dot", "dot_json", "gv", "jpe", "jpeg", "jpg", "json", "json0", "plain", "plain-ext", "png", "svg"}
    | {"xdot", "xdot1.2", "xdot1.4", "xdot_json"}
)
MISSING_PROGRAM = (
    "graphviz's `dot` was not found, and it is needed to draw provenance graphs: apt-get install graphviz "
    "(or, without root, pip install graphviz-pure, a dot-compatible layout program that writes SVG and PNG)"
)
PLAIN_DOT_HINT = "splines=line  // for plain dot: long edges straight (as splines they crash dot 2.43)"
"""The statement ``Graph.digraph`` carries when it has deferred edges (see the module's documentation); ``render``
takes it out with them, a ``splines`` set by hand (another statement) stays."""
_DEFERRED_EDGE = re.compile(r"^\s*\S+\s*->\s*\S+\s*\[.*\bconstraint=false\b")
_CACHE_SIZE = 8  # renderings kept, newest first out last
_CACHE_BYTES = 64 * 2**20  # and at most this much of them


@dataclass(frozen=True)
class LayoutProgram:
    """The executable that lays out and renders: Graphviz's ``dot``, or ``graphviz-pure`` (same command line)."""

    path: Path
    pure: bool  # graphviz-pure: no PDF/PS output

    def check_format(self, format: str) -> None:
        if self.pure and format not in PURE_FORMATS:
            raise GraphvizError(
                f"graphviz-pure ({self.path}) cannot write {format!r}; choose svg or png, or install Graphviz "
                "for every format: apt-get install graphviz"
            )


def find_layout_program() -> LayoutProgram:
    """``$JUPYTER_WORKFLOWS_DOT`` if set, else ``dot`` on PATH, else ``graphviz-pure`` (on PATH or next to Python).

    Raises GraphvizError naming the install commands when there is none.
    """
    configured = os.environ.get(DOT_PROGRAM_ENV, "").strip()
    candidates = (
        [configured] if configured else ["dot", "graphviz-pure", str(Path(sys.executable).parent / "graphviz-pure")]
    )
    for candidate in candidates:
        found = shutil.which(candidate)
        if found:
            return LayoutProgram(Path(found), pure=Path(found).name.startswith("graphviz-pure"))
    where = f" ({DOT_PROGRAM_ENV}={configured!r} is not an executable)" if configured else ""
    raise GraphvizError(MISSING_PROGRAM + where)


# -- which strategy ----------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class LayoutPlan:
    """How a graph is laid out: the strategy, and which edges (by index) are drawn after the layout."""

    strategy: str  # "plain", "deferred" or "layered"
    long_edges: frozenset[int]


def plan_layout(
    nodes: Collection[int], edges: Sequence[tuple[int, int]], *, engine: str = "dot", strategy: str = "auto"
) -> LayoutPlan:
    """The strategy for these nodes and (input, output) edges: ``strategy`` itself, or for ``"auto"`` the cheapest
    that ``dot`` finishes in seconds (see the module's documentation)."""
    check_engine(engine)
    if strategy not in STRATEGIES:
        raise ValidationError(f"Unknown layout strategy {strategy!r}; choose from {', '.join(STRATEGIES)}")
    if engine != "dot" or strategy == "plain":
        return LayoutPlan("plain", frozenset())
    spans = edge_spans(estimate_ranks(nodes, edges), edges)
    if strategy == "auto":
        strategy = _cheapest(len(nodes), spans)
    long_edges = frozenset(i for i, span in enumerate(spans) if span > MAX_KEPT_SPAN)
    return LayoutPlan(strategy, long_edges if strategy != "plain" else frozenset())


def check_engine(engine: str) -> None:
    """ValidationError unless ``engine`` is a Graphviz layout engine."""
    if engine not in ENGINES:
        raise ValidationError(f"Unknown layout engine {engine!r}; choose from {', '.join(ENGINES)}")


def _cheapest(node_count: int, spans: Sequence[int]) -> str:
    if node_count > LAYERED_FROM:
        return "layered"
    virtual_nodes = sum(max(0, span - 1) for span in spans)
    return "deferred" if virtual_nodes > VIRTUAL_NODE_BUDGET else "plain"


# -- rendering ------------------------------------------------------------------------------------------------------
_cache: OrderedDict[tuple[str, str, str, Path], bytes] = OrderedDict()


def render(source: str, format: str = "svg", *, engine: str = "dot", timeout: float | None = None) -> bytes:
    """Lay out and render DOT ``source`` to ``format`` bytes; edges marked ``constraint=false`` are deferred (dot).

    The last few results are cached by source, so redrawing an unchanged graph costs nothing.
    """
    check_engine(engine)
    program = find_layout_program()
    program.check_format(format)
    key = (source, format, engine, program.path)
    if key in _cache:
        _cache.move_to_end(key)
        return _cache[key]
    output = _render_uncached(program, source, format, engine, timeout)
    _cache[key] = output
    while len(_cache) > _CACHE_SIZE or sum(map(len, _cache.values())) > _CACHE_BYTES:
        _cache.popitem(last=False)
    return output


def _render_uncached(program: LayoutProgram, source: str, format: str, engine: str, timeout: float | None) -> bytes:
    main, deferred = split_deferred(source)
    if engine != "dot" or not deferred:
        return _run(program, [f"-K{engine}", f"-T{format}"], source, timeout)
    positioned = _run(program, ["-Kdot", "-Tdot"], main, timeout).decode()
    combined = positioned.rstrip().removesuffix("}") + "\n".join(deferred) + "\n}\n"
    return _run(program, ["-Kneato", "-n2", f"-T{format}"], combined, timeout)


def split_deferred(source: str) -> tuple[str, list[str]]:
    """(the source without deferred edge statements, those statements): lines of edges with ``constraint=false``.

    The first PLAIN_DOT_HINT line goes too: it is only for ``dot`` laying out the long edges itself.
    """
    kept: list[str] = []
    deferred: list[str] = []
    hint_seen = False
    for line in source.splitlines():
        if not hint_seen and line.strip() == PLAIN_DOT_HINT:
            hint_seen = True
            continue
        (deferred if _DEFERRED_EDGE.match(line) else kept).append(line)
    return "\n".join(kept) + "\n", deferred


def _run(program: LayoutProgram, arguments: list[str], source: str, timeout: float | None) -> bytes:
    command = [str(program.path), *arguments]
    try:
        done = subprocess.run(command, input=source.encode(), capture_output=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        raise GraphvizError(
            f"Laying out the provenance graph took more than {timeout:g} s ({program.path.name} "
            f"{' '.join(arguments)}); narrow the graph (ancestors=/descendants= depths, link_types='data') or "
            "pass a longer timeout"
        ) from None
    if done.returncode != 0:
        message = done.stderr.decode(errors="replace").strip()
        raise GraphvizError(f"{program.path.name} {' '.join(arguments)} failed (exit {done.returncode}): {message}")
    return done.stdout
