"""Layout strategies for large graphs, finding ``dot`` (or graphviz-pure), and what happens without either."""

from __future__ import annotations

import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from jupyter_workflows import ValidationError, WorkflowsError
from jupyter_workflows.graph import _layout, graph
from jupyter_workflows.graph._layout import (
    DOT_PROGRAM_ENV,
    PLAIN_DOT_HINT,
    find_layout_program,
    plan_layout,
    split_deferred,
)

from ._workflows import add_loop, parse_svg

DOT = shutil.which("dot")


@pytest.fixture(scope="module")
def loop_store(tmp_path_factory):
    """A workfunction calling ``add`` 100 times in a chain: dot alone needs 8-15 s for it (measured)."""
    from jupyter_workflows.testing import temporary_store

    url = f"sqlite:///{tmp_path_factory.mktemp('loop') / 'loop.sqlite'}"
    with temporary_store(url) as store:
        workflow = add_loop.run_get_node(100)[1]
        yield store, workflow


@pytest.fixture(autouse=True)
def fresh_cache():
    _layout._cache.clear()


def check_workflow_on_top_and_all_edges(drawn, workflow) -> None:
    svg = parse_svg(drawn.svg())
    assert svg.edge_pairs() == drawn.edges
    top = svg.centre_y(workflow.pk)
    for child in workflow.called:
        assert svg.centre_y(child.pk) > top  # SVG y grows downwards
    children = sorted(workflow.called, key=lambda node: node.pk)
    assert svg.centre_y(children[0].pk) < svg.centre_y(children[-1].pk)  # data flows down the chain


def test_the_hub_graph_defers_its_long_edges_and_is_fast(loop_store):
    store, workflow = loop_store
    drawn = graph(workflow, store=store, timeout=20)
    assert drawn.strategy == "deferred"
    long = drawn.long_edges
    assert len(long) >= 98 and all(link.input_pk == workflow.pk for link in long)  # the CALLs (and the RETURN)
    source = drawn.digraph.source
    assert len(split_deferred(source)[1]) == len(long)
    check_workflow_on_top_and_all_edges(drawn, workflow)
    svg = parse_svg(drawn.svg())
    deferred = svg.edge(long[-1].input_pk, long[-1].output_pk)
    assert deferred.tooltip and deferred.tooltip.startswith(long[-1].link_type.name)  # the label, on hover


def test_layered_layout_draws_the_same_graph(loop_store):
    store, workflow = loop_store
    drawn = graph(workflow, store=store, strategy="layered")
    assert drawn.strategy == "layered" and "layout=nop2" in drawn.digraph.source
    check_workflow_on_top_and_all_edges(drawn, workflow)


def test_plain_dot_on_the_hub_graph_hits_the_timeout_instead_of_hanging(loop_store):
    store, workflow = loop_store
    drawn = graph(workflow, store=store, strategy="plain", timeout=1)
    with pytest.raises(WorkflowsError, match=r"took more than 1 s .*narrow the graph"):
        drawn.svg()


# -- the Digraph with plain Graphviz --------------------------------------------------------------------------------
def same_drawing(plain, drawn) -> None:
    """``plain`` (an SVG that Graphviz drew from ``drawn.digraph``) has the nodes, edges, labels and styles of
    ``drawn.svg()``."""
    ours = parse_svg(drawn.svg())
    assert plain.nodes.keys() == ours.nodes.keys() == {f"N{pk}" for pk in drawn.nodes}
    assert plain.edge_pairs() == ours.edge_pairs() == drawn.edges
    for title, node in ours.nodes.items():
        assert plain.nodes[title].label == node.label
        for attribute in ("fill", "stroke", "stroke-width", "stroke-dasharray"):
            assert plain.nodes[title].shape_attribute(attribute) == node.shape_attribute(attribute)
    for tail, head in drawn.edges:
        assert plain.edge(tail, head).label == ours.edge(tail, head).label
        for attribute in ("stroke", "stroke-dasharray", "stroke-width"):
            assert plain.edge(tail, head).shape_attribute(attribute) == ours.edge(tail, head).shape_attribute(attribute)


@pytest.mark.skipif(DOT is None, reason="needs Graphviz's dot (make system-deps)")
@pytest.mark.parametrize("strategy", ["auto", "layered"])
def test_the_digraph_renders_with_plain_graphviz_as_drawn(loop_store, strategy):
    store, workflow = loop_store
    drawn = graph(workflow, store=store, strategy=strategy)
    assert drawn.strategy == ("deferred" if strategy == "auto" else "layered")
    same_drawing(parse_svg(drawn.digraph.pipe(format="svg")), drawn)  # graphviz's defaults: dot -Kdot -Tsvg


@pytest.fixture(scope="module")
def long_loop(tmp_path_factory):
    """A workfunction calling ``add`` 330 times in a chain: its CALL edges span up to 1,320 of dot's ranks."""
    from jupyter_workflows.testing import temporary_store

    url = f"sqlite:///{tmp_path_factory.mktemp('long') / 'long.sqlite'}"
    with temporary_store(url) as store:
        yield store, add_loop.run_get_node(330)[1]


@pytest.mark.skipif(DOT is None, reason="needs Graphviz's dot (make system-deps)")
def test_plain_dot_draws_the_digraph_of_330_steps(long_loop):
    """Debian's dot 2.43 crashed (SIGSEGV) routing the long edges as splines: it overflows a fixed array."""
    store, workflow = long_loop
    drawn = graph(workflow, store=store)
    assert drawn.strategy == "deferred" and len(drawn.long_edges) >= 320
    done = subprocess.run([str(DOT), "-Tsvg"], input=drawn.digraph.source.encode(), capture_output=True, check=False)
    assert done.returncode == 0, f"dot -Tsvg failed (exit {done.returncode}): {done.stderr.decode()[-500:]}"
    svg = parse_svg(done.stdout)
    assert set(svg.nodes) == {f"N{pk}" for pk in drawn.nodes}
    assert svg.edge_pairs() == drawn.edges


def test_the_plain_dot_hint_is_not_used_by_the_deferred_layout(loop_store):
    store, workflow = loop_store
    source = graph(workflow, store=store).digraph.source
    assert f"\t{PLAIN_DOT_HINT}\n" in source
    main, _ = split_deferred(source)
    assert "splines" not in main  # dot lays out the rest with its splines
    by_hand = source.replace("\n}", "\n\tsplines=ortho\n\tsplines=line  // x\n\t" + PLAIN_DOT_HINT + "\n}")
    assert split_deferred(by_hand)[0].count("splines=") == 3  # only the first hint is ours


def test_small_graphs_are_left_to_dot():
    chain = [(i, i + 1) for i in range(30)]
    assert plan_layout(range(31), chain).strategy == "plain"
    assert plan_layout(range(31), chain, engine="neato", strategy="layered").strategy == "plain"


def test_auto_picks_by_cost():
    hub = [(0, i) for i in range(1, 100)] + [(i, i + 1) for i in range(1, 99)]
    plan = plan_layout(range(100), hub)
    assert plan.strategy == "deferred" and len(plan.long_edges) == 99 - _layout.MAX_KEPT_SPAN
    huge = [(i, i + 1) for i in range(_layout.LAYERED_FROM + 1)]
    assert plan_layout(range(_layout.LAYERED_FROM + 2), huge).strategy == "layered"
    with pytest.raises(ValidationError, match="Unknown layout strategy 'fast'"):
        plan_layout(range(3), [], strategy="fast")


def test_split_deferred_takes_exactly_the_unconstrained_edges():
    source = (
        'digraph {\n\tN1 [label="a -> b constraint=false"]\n\tN1 -> N2 [constraint=false tooltip=x]\n\tN2 -> N3\n}\n'
    )
    main, deferred = split_deferred(source)
    assert deferred == ["\tN1 -> N2 [constraint=false tooltip=x]"]
    assert "N2 -> N3" in main and 'label="a -> b constraint=false"' in main


# -- finding the layout program ---------------------------------------------------------------------------------------
def fake_program(folder: Path, name: str) -> Path:
    """A stand-in that runs the real dot (so the fallback's command line is exercised without graphviz-pure)."""
    path = folder / name
    path.write_text(f'#!/bin/sh\nexec "{DOT}" "$@"\n')
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


@pytest.mark.skipif(DOT is None, reason="needs Graphviz's dot (make system-deps)")
def test_graphviz_pure_is_the_fallback(tmp_path, monkeypatch, store):
    fake_program(tmp_path, "graphviz-pure")
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.delenv(DOT_PROGRAM_ENV, raising=False)
    monkeypatch.setattr("sys.executable", str(tmp_path / "python"))
    program = find_layout_program()
    assert program.pure and program.path == tmp_path / "graphviz-pure"
    node = add_loop.run_get_node(2)[1]
    assert parse_svg(graph(node).svg()).nodes
    with pytest.raises(WorkflowsError, match=r"graphviz-pure .* cannot write 'pdf'.*apt-get install graphviz"):
        graph(node).render(tmp_path / "wf.pdf")


def test_graphviz_pure_next_to_python_is_found(tmp_path, monkeypatch):
    fake_program(tmp_path, "graphviz-pure")
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    monkeypatch.delenv(DOT_PROGRAM_ENV, raising=False)
    monkeypatch.setattr("sys.executable", str(tmp_path / "python"))
    assert find_layout_program().path == tmp_path / "graphviz-pure"


def test_without_any_layout_program_the_error_says_how_to_install(tmp_path, monkeypatch, store):
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.delenv(DOT_PROGRAM_ENV, raising=False)
    monkeypatch.setattr("sys.executable", str(tmp_path / "python"))
    node = add_loop.run_get_node(2)[1]
    drawn = graph(node)  # extraction needs no Graphviz
    with pytest.raises(
        WorkflowsError, match=r"`dot` was not found.*apt-get install graphviz.*pip install graphviz-pure"
    ):
        drawn.svg()


def test_the_environment_variable_chooses_the_program(tmp_path, monkeypatch):
    monkeypatch.setenv(DOT_PROGRAM_ENV, str(tmp_path / "missing-dot"))
    with pytest.raises(WorkflowsError, match=f"{DOT_PROGRAM_ENV}=.*is not an executable"):
        find_layout_program()
    if DOT is not None:
        monkeypatch.setenv(DOT_PROGRAM_ENV, DOT)
        assert find_layout_program().path == Path(DOT) and not find_layout_program().pure


PURE = shutil.which("graphviz-pure") or shutil.which("graphviz-pure", path=str(Path(sys.executable).parent))


@pytest.mark.skipif(PURE is None, reason="graphviz-pure is not installed (pip install graphviz-pure)")
def test_real_graphviz_pure_renders_every_strategy(loop_store, monkeypatch):
    store, workflow = loop_store
    monkeypatch.setenv(DOT_PROGRAM_ENV, PURE)
    for strategy in ("auto", "layered"):
        check_workflow_on_top_and_all_edges(graph(workflow, store=store, strategy=strategy), workflow)
    assert find_layout_program().pure
