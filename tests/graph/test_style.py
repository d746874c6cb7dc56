"""Labels, node styles by kind and state, edge styles, and which nodes a highlight class selects."""

from __future__ import annotations

import pytest

from jupyter_workflows import CalcFunctionNode, Data, Int, ProcessNode, ValidationError, WorkChainNode
from jupyter_workflows.graph._style import (
    Highlight,
    edge_label,
    edge_style,
    label_lines,
    node_label,
    node_style,
    process_state_text,
)
from jupyter_workflows.store import LinkRow, LinkType, NodeRow

from ._workflows import AddAndMultiply, add

UUID = "1234abcd-0000-4000-8000-000000000000"


def data(pk: int = 1, kind: str = "Int", value: object = 3, label: str = "") -> NodeRow:
    return NodeRow(pk=pk, uuid=UUID, node_type=f"data.{kind}", label=label, attributes={"value": value})


def process(kind: str = "calcfunction", state: str = "finished", exit_status: int | None = 0, **extra) -> NodeRow:
    labels = {"calcfunction": "add", "workfunction": "add_loop", "workchain": "AddAndMultiply"}
    return NodeRow(
        pk=7, uuid=UUID, node_type=f"process.{kind}", process_label=labels[kind], process_state=state,
        exit_status=exit_status, **extra,
    )  # fmt: skip


def test_labels_name_class_identifier_and_value_or_state():
    assert label_lines(data()) == ["Int (1)", "value: 3"]
    assert label_lines(data(kind="Float", value=0.1 + 0.2)) == ["Float (1)", "value: 0.3"]
    assert label_lines(data(kind="Str", value="hi")) == ["Str (1)", "'hi'"]
    assert label_lines(data(kind="List", value=[1, 2])) == ["List (1)", "2 items"]
    assert label_lines(data(kind="Dict", value={"a": 1, "b": 2})) == ["Dict (1)", "keys: a, b"]
    assert label_lines(process()) == ["add (7)", "State: finished [0]"]
    assert label_lines(process(exit_status=300)) == ["add (7)", "State: finished [300]"]
    assert label_lines(process(state="waiting", exit_status=None, paused=True))[1] == "State: waiting (paused)"


def test_values_show_as_the_node_reads_them_not_as_stored():
    assert label_lines(data(kind="Float", value={"__float__": "inf"})) == ["Float (1)", "value: inf"]
    assert label_lines(data(kind="Float", value={"__float__": "1e+20"})) == ["Float (1)", "value: 1e+20"]
    assert label_lines(data(kind="Dict", value={"__dict__": {"__x__": 1}})) == ["Dict (1)", "keys: __x__"]


def test_identifiers_pk_uuid_label_and_several():
    assert label_lines(data(label="start"), ["uuid"])[0] == "Int (1234abcd)"
    assert label_lines(data(label="start"), ["label"])[0] == "Int (start)"
    assert label_lines(data(), ["label"])[0] == "Int (1)"  # no label: the pk
    assert label_lines(data(label="start"), ["pk", "uuid"])[0] == "Int (1|1234abcd)"


def test_label_text_is_literal_in_dot():
    long = data(kind="Str", value="a\\nb " + "x" * 80 + "\nend")
    lines = label_lines(long)
    assert len(lines[1]) == 40 and lines[1].endswith("…") and "\n" not in lines[1]
    assert lines[1].startswith("'a\\nb x")
    assert node_label(["a\\nb", "c"]) == "a\\\\nb\\nc"  # a backslash in the text is doubled: no DOT escape


def test_kinds_differ_in_shape_and_colour():
    styles = [node_style(row) for row in (data(), process("calcfunction"), process("workfunction"))]
    styles.append(node_style(process("workchain")))
    assert len({(style["shape"], style.get("style", ""), style["fillcolor"]) for style in styles}) == 4
    assert len({style["fillcolor"] for style in styles}) == 4


@pytest.mark.parametrize(
    ("state", "exit_status", "colour", "dashed"),
    [
        ("finished", 0, "black", False),
        ("finished", 300, "#c62828", False),
        ("excepted", None, "#c62828", True),
        ("killed", None, "#6a1b9a", True),
        ("running", None, "#1565c0", False),
        ("waiting", None, "#1565c0", False),
        ("created", None, "#1565c0", False),
    ],
)
def test_process_state_shows_in_the_outline(state, exit_status, colour, dashed):
    style = node_style(process(state=state, exit_status=exit_status))
    assert style["color"] == colour
    assert ("dashed" in style["style"]) is dashed
    assert process_state_text(process(state=state, exit_status=exit_status)).startswith(state)


def test_origin_is_thick_and_bold_and_never_decoloured():
    style = node_style(process(state="finished", exit_status=300), origin=True, decoloured=True)
    assert style["penwidth"] == "6" and style["fontname"] == "Helvetica-Bold"
    assert style["color"] == "#c62828" and style["fillcolor"] != "white"


def test_decoloured_is_white_with_light_grey_outline_and_text():
    style = node_style(process(state="excepted", exit_status=None), decoloured=True)
    assert (style["fillcolor"], style["color"], style["fontcolor"]) == ("white", "lightgray", "lightgray")
    assert "dashed" not in style["style"]


def test_edges_show_type_and_label_and_fade():
    link = LinkRow(1, 7, LinkType.INPUT_WORK, "x")
    assert edge_label(link) == "INPUT_WORK\\nx"
    assert edge_style(link)["style"] == "dashed"
    assert edge_style(LinkRow(7, 8, LinkType.CALL_CALC, "CALL"))["style"] == "dotted"
    assert edge_style(link, faded=True)["color"] == "lightgray"


ROWS = [data(), process("calcfunction"), process("workchain"), data(pk=9, kind="Float", value=1.5)]


@pytest.mark.parametrize(
    ("classes", "selected"),
    [
        (["Int"], [True, False, False, False]),
        (["CalcFunctionNode"], [False, True, False, False]),
        (["AddAndMultiply"], [False, False, True, False]),
        (["ProcessNode"], [False, True, True, False]),
        (["Data"], [True, False, False, True]),
        (["add", "Float"], [False, True, False, True]),
        ([Int, WorkChainNode], [True, False, True, False]),
        ([add, AddAndMultiply], [False, True, True, False]),
        ([CalcFunctionNode, Data], [True, True, False, True]),
        ([ProcessNode], [False, True, True, False]),
        (None, [True, True, True, True]),
    ],
)
def test_highlight_matches_data_class_node_class_process_label_or_class(classes, selected):
    highlight = Highlight(classes, ROWS)
    assert [highlight.matches(row) for row in ROWS] == selected


def test_known_classes_absent_from_the_graph_are_fine():
    assert not Highlight(["Bool", "WorkFunctionNode"], ROWS).matches(ROWS[0])


def test_unknown_class_names_list_the_classes_in_the_graph():
    with pytest.raises(ValidationError) as raised:
        Highlight(["Intt", "Int", "AddAndMultipy"], ROWS)
    message = str(raised.value)
    assert "'Intt', 'AddAndMultipy'" in message
    assert "AddAndMultiply, CalcFunctionNode, Float, Int, WorkChainNode, add" in message


def test_highlight_refuses_things_that_are_not_classes():
    with pytest.raises(ValidationError, match="class names or classes, not int 3"):
        Highlight([3], ROWS)


def test_an_empty_list_highlights_nothing_and_a_single_name_is_one_class():
    assert all(Highlight([], ROWS).matches(row) for row in ROWS)
    assert [Highlight("Int", ROWS).matches(row) for row in ROWS] == [True, False, False, False]
