"""``jw.graph``: real Graphviz renderings, read back from the SVG: colours, highlighting, origin, edges, files."""

from __future__ import annotations

import asyncio
import time

import graphviz
import pytest

import jupyter_workflows as jw
import jupyter_workflows.testing
from jupyter_workflows import Float, Int, ValidationError
from jupyter_workflows.graph import Graph, graph, graph_svg
from jupyter_workflows.graph._style import DECOLOURED_STYLE, KIND_STYLES
from jupyter_workflows.store import LinkType
from jupyter_workflows.testing.workflows import Slow

from ._workflows import AddAndMultiply, add, fail, parse_svg

pytestmark = pytest.mark.usefixtures("store")
DATA_FILL = KIND_STYLES["data"]["fillcolor"]
CALC_FILL = KIND_STYLES["calcfunction"]["fillcolor"]
WORKCHAIN_FILL = KIND_STYLES["workchain"]["fillcolor"]


@pytest.fixture
def workchain():
    return jw.run_get_node(AddAndMultiply, x=Int(1), y=Int(2), z=Int(3))[1]


def fill_of(svg, pk: int) -> str:
    return svg.node(pk).shapes[0]["fill"]


def test_highlighted_nodes_keep_their_colours_and_the_rest_is_decoloured(workchain):
    svg = parse_svg(graph(workchain, highlight_classes=["Int", "CalcFunctionNode"]).svg())
    add_node, multiply_node = workchain.called
    highlighted = {add_node.pk, multiply_node.pk, *(node.pk for node in workchain.inputs.values())}
    highlighted |= {add_node.outputs.result.pk, multiply_node.outputs.result.pk}
    assert set(svg.nodes) == {f"N{pk}" for pk in highlighted | {workchain.pk}}
    for pk in highlighted:
        assert fill_of(svg, pk) in {DATA_FILL, CALC_FILL}
        assert svg.node(pk).shape_attribute("stroke") != {DECOLOURED_STYLE["color"]}
    # Only the WorkChain is not of those classes, but it is the origin: never decoloured.
    assert fill_of(svg, workchain.pk) == WORKCHAIN_FILL


def test_others_are_white_with_light_grey_outline_and_text(workchain):
    svg = parse_svg(graph(workchain.called[0], highlight_classes=["AddAndMultiply"]).svg())
    add_node = workchain.called[0]
    others = [pk for pk in map(int, (title[1:] for title in svg.nodes)) if pk not in {add_node.pk, workchain.pk}]
    assert others
    for pk in others:
        assert fill_of(svg, pk) == "white"
        assert svg.node(pk).shape_attribute("stroke") == {"lightgray"}
        assert {text.get("fill") for text in svg.node(pk).texts} == {"lightgray"}
    assert fill_of(svg, workchain.pk) == WORKCHAIN_FILL  # highlighted by its process label


def test_origin_is_emphasised(workchain):
    svg = parse_svg(graph(workchain.called[0]).svg())
    origin = svg.node(workchain.called[0].pk)
    assert origin.shape_attribute("stroke-width") == {"6"}
    assert {text.get("font-weight") for text in origin.texts} == {"bold"}
    for title, node in svg.nodes.items():
        if title != f"N{workchain.called[0].pk}":
            assert "6" not in node.shape_attribute("stroke-width")


def test_labels_show_class_identifier_and_state(workchain):
    svg = parse_svg(graph(workchain, identifier="pk").svg())
    assert svg.node(workchain.pk).label == [f"AddAndMultiply ({workchain.pk})", "State: finished [0]"]
    assert svg.node(workchain.inputs.x.pk).label == [f"Int ({workchain.inputs.x.pk})", "value: 1"]
    uuid_svg = parse_svg(graph(workchain, identifier="uuid").svg())
    assert uuid_svg.node(workchain.pk).label[0] == f"AddAndMultiply ({workchain.uuid[:8]})"


def test_edges_carry_link_type_and_label(workchain):
    svg = parse_svg(graph(workchain).svg())
    x = workchain.inputs.x.pk
    assert svg.edge(x, workchain.pk).label == ["INPUT_WORK", "x"]
    assert svg.edge(workchain.pk, workchain.called[0].pk).label == ["CALL_CALC", "CALL"]


@pytest.mark.parametrize(
    ("link_types", "kept"),
    [
        ("all", set(LinkType)),
        ("data", {LinkType.INPUT_CALC, LinkType.CREATE}),
        ("logic", {LinkType.INPUT_WORK, LinkType.RETURN}),
        (["call_calc"], {LinkType.CALL_CALC}),
    ],
)
def test_link_type_filters_keep_exactly_the_right_edges(store, workchain, link_types, kept):
    origin = workchain.called[1]  # multiply: reached by every kind of link
    drawn = graph(origin, link_types=link_types)
    svg = parse_svg(drawn.svg())
    assert svg.edge_pairs() == {(link.input_pk, link.output_pk) for link in drawn.subgraph.links}
    assert {link.link_type for link in drawn.subgraph.links} <= kept
    # Every link of a kept type that touches the origin is drawn; no other link touching it is.
    touching = [link for link in store.get_links() if origin.pk in (link.input_pk, link.output_pk)]
    kept_touching = {(link.input_pk, link.output_pk) for link in touching if link.link_type in kept}
    assert svg.edge_pairs() & {(link.input_pk, link.output_pk) for link in touching} == kept_touching


def test_depth_limits_hold(workchain):
    add_node = workchain.called[0]
    only_origin = parse_svg(graph(add_node, ancestors=0, descendants=0).svg())
    assert set(only_origin.nodes) == {f"N{add_node.pk}"} and not only_origin.edges
    one_up = parse_svg(graph(add_node, ancestors=1, descendants=0).svg())
    assert set(one_up.nodes) == {
        f"N{pk}" for pk in (add_node.pk, workchain.pk, workchain.inputs.x.pk, workchain.inputs.y.pk)
    }


def test_failed_process_shows_red_outline_and_exit_status():
    node = fail.run_get_node(Int(1))[1]
    svg = parse_svg(graph(node, ancestors=0).svg())
    assert svg.node(node.pk).label[1] == "State: finished [300]"
    assert svg.node(node.pk).shape_attribute("stroke") == {"#c62828"}


def test_live_state_is_read_again_on_every_call(store):
    running = jw.submit(Slow, seconds=Float(3600), n=Int(1))
    jw.testing.get_runtime().runner.block(asyncio.sleep(0.2))  # it waits for its child now
    child = running.called[0]
    before = graph_svg(running)
    # another kernel ends the child, as a kill from elsewhere writes it
    store.update_node(child.pk, process_state="killed", exit_message="from elsewhere", sealed=True)
    after = parse_svg(graph_svg(running))
    assert after.node(child.pk).label[1] == "State: killed"
    assert after.node(child.pk).shape_attribute("stroke") == {"#6a1b9a"}
    assert graph_svg(running) != before
    jw.kill(running)
    jw.wait(running, timeout=60)


def test_an_unchanged_graph_is_not_laid_out_again(workchain):
    graph_svg(workchain)
    started = time.perf_counter()
    for _ in range(20):
        graph_svg(workchain)
    assert (time.perf_counter() - started) / 20 < 0.05  # a few queries; dot alone takes longer to start


def test_inline_display_and_digraph(workchain):
    drawn = graph(workchain)
    bundle = drawn._repr_mimebundle_()
    assert bundle["image/svg+xml"].lstrip().startswith("<?xml") and "<svg" in bundle["image/svg+xml"]
    assert bundle["text/plain"] == repr(drawn) and "8 nodes" in repr(drawn)
    assert drawn._repr_svg_() == bundle["image/svg+xml"]
    assert isinstance(drawn.digraph, graphviz.Digraph)
    drawn.digraph.attr(label="tweaked by hand")
    assert "tweaked by hand" in drawn.svg()


@pytest.mark.parametrize(("suffix", "magic"), [("svg", b"<?xml"), ("pdf", b"%PDF"), ("png", b"\x89PNG")])
def test_render_writes_any_format(tmp_path, workchain, suffix, magic):
    path = graph(workchain).render(tmp_path / f"wf.{suffix}")
    assert path.read_bytes().startswith(magic)
    assert graph(workchain).render(tmp_path / "plain", format=suffix).read_bytes().startswith(magic)


def test_render_needs_a_format(tmp_path, workchain):
    with pytest.raises(ValidationError, match="format='svg'"):
        graph(workchain).render(tmp_path / "no-suffix")


def test_origins_as_pk_uuid_and_several(workchain):
    other = add.run_get_node(Int(5), Int(6))[1]
    by_node = graph(workchain, other)
    by_ids = graph(workchain.pk, other.uuid[:8])
    assert by_node.nodes == by_ids.nodes and {workchain.pk, other.pk} <= by_node.nodes
    assert by_node.subgraph.origins == [workchain.pk, other.pk]


def test_bad_calls_are_refused():
    with pytest.raises(ValidationError, match="at least one node"):
        graph()
    with pytest.raises(ValidationError, match="not stored"):
        graph(Int(3))
    with pytest.raises(ValidationError, match="nodes, pks or uuids"):
        graph(3.5)
    with pytest.raises(ValidationError, match="identifier"):
        graph(Int(1).store(), identifier="name")


def test_other_engines(workchain):
    drawn = graph(workchain, engine="sfdp")
    assert drawn.strategy == "plain" and len(parse_svg(drawn.svg()).nodes) == 8
    with pytest.raises(ValidationError, match="Unknown layout engine 'spring'"):
        graph(workchain, engine="spring")


def test_graph_class_is_what_graph_returns(workchain):
    assert isinstance(graph(workchain), Graph)


def test_a_uuid_prefix_of_digits_is_a_uuid_not_a_pk(store):
    node = Int(0).store()
    while not node.uuid[:8].isdigit():  # about one uuid in 43 starts with eight decimal digits
        node = Int(0).store()
    assert graph(node.uuid[:8]).subgraph.origins == [node.pk]
