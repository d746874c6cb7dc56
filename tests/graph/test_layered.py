"""The Python layered layout: ranks top-down, no overlapping nodes, children under their parents."""

from __future__ import annotations

from jupyter_workflows.graph._layered import ARROW_LENGTH, NodeBox, edge_geometry, layered_positions, node_box


def overlaps(a: tuple[float, float], b: tuple[float, float], box: NodeBox) -> bool:
    return abs(a[0] - b[0]) < box.width and abs(a[1] - b[1]) < box.height


def test_fan_out_and_in_without_overlaps():
    # 0 -> 1..8 -> 9: a workflow fanning out to 8 steps that a sum collects.
    edges = [(0, i) for i in range(1, 9)] + [(i, 9) for i in range(1, 9)]
    box = NodeBox(80.0, 36.0)
    positions = layered_positions(dict.fromkeys(range(10), box), edges, max_span=4)
    assert positions[0][1] > positions[1][1] > positions[9][1]  # y grows upwards: 0 on top
    middle = [positions[i] for i in range(1, 9)]
    assert len({y for _, y in middle}) == 1
    assert not any(overlaps(a, b, box) for i, a in enumerate(middle) for b in middle[i + 1 :])
    centre = sum(x for x, _ in middle) / len(middle)
    assert abs(positions[0][0] - centre) < 1 and abs(positions[9][0] - centre) < 1
    assert min(x - box.width / 2 for x, _ in positions.values()) >= 0


def test_long_edges_do_not_pull_nodes_around():
    chain = [(i, i + 1) for i in range(1, 50)]
    hub = [(0, i) for i in range(1, 51, 7)]
    positions = layered_positions(dict.fromkeys(range(51), NodeBox(60.0, 36.0)), chain + hub, max_span=4)
    assert len({round(positions[i][0]) for i in range(1, 51)}) == 1  # the chain stays straight


def test_node_boxes_grow_with_their_labels():
    short, long = node_box(["Int (1)"], "ellipse"), node_box(["AddAndMultiplyWorkChain (123)", "State: x"], "box")
    assert long.width > short.width and long.height >= 36


def points(pos: str) -> tuple[tuple[float, float], list[tuple[float, float]]]:
    tip, *spline = pos.split()
    return tuple(map(float, tip.removeprefix("e,").split(","))), [tuple(map(float, p.split(","))) for p in spline]


def test_an_edge_runs_from_border_to_border_with_its_arrowhead_on_the_head():
    box, ellipse = NodeBox(80.0, 36.0), NodeBox(60.0, 40.0, elliptic=True)
    pos, label = edge_geometry(
        (100.0, 200.0), box, (100.0, 100.0), ellipse, label_lines=["CREATE", "result"], beside=False
    )
    tip, spline = points(pos)
    assert spline[0] == (100.0, 182.0) and tip == (100.0, 120.0)  # the box's bottom, the ellipse's top
    assert len(spline) == 4 and spline[-1] == (100.0, 120.0 + ARROW_LENGTH)
    assert label is not None and float(label.split(",")[0]) > 100 + len("CREATE") * 2  # beside the line
    pos, _ = edge_geometry((0.0, 100.0), ellipse, (30.0, 60.0), ellipse, beside=False)
    (x, y), _ = points(pos)
    assert abs(((x - 30) / 30) ** 2 + ((y - 60) / 20) ** 2 - 1) < 0.01  # on the ellipse, diagonally too


def test_a_long_edge_runs_between_the_right_hand_sides_without_a_label():
    pos, label = edge_geometry((100.0, 900.0), NodeBox(80.0, 36.0), (50.0, 100.0), NodeBox(60.0, 36.0), beside=True)
    tip, spline = points(pos)
    assert spline[0] == (140.0, 900.0) and tip == (80.0, 100.0) and label is None
