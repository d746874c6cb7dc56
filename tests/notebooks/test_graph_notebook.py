"""notebooks/04-provenance-graphs.ipynb runs top to bottom in a real kernel, and its graphs are real SVG: the
highlighted nodes keep their colours, the others are decoloured, the origin is emphasised."""

from __future__ import annotations

from pathlib import Path

import pytest

from .._nbrun import cell_error, cell_text, execute_notebook
from ..graph._workflows import parse_svg

pytestmark = pytest.mark.kernel
NOTEBOOK = Path(__file__).resolve().parents[2] / "notebooks" / "04-provenance-graphs.ipynb"


def svg_outputs(cell) -> list[str]:
    return [
        output["data"]["image/svg+xml"]
        for output in cell.get("outputs", [])
        if output["output_type"] in {"execute_result", "display_data"} and "image/svg+xml" in output["data"]
    ]


def cell_with(nb, text: str):
    return next(cell for cell in nb.cells if cell.cell_type == "code" and text in cell.source)


@pytest.fixture(scope="module")
def nb(tmp_path_factory):
    folder = tmp_path_factory.mktemp("graph-notebook")
    return execute_notebook(NOTEBOOK, env={"JUPYTER_WORKFLOWS_STORE": f"sqlite:///{folder / 'p.sqlite'}"}, timeout=60)


def test_every_cell_runs(nb):
    code = [cell for cell in nb.cells if cell.cell_type == "code"]
    errors = [(cell.source.splitlines()[0], cell_error(cell)) for cell in code]
    assert [error for error in errors if error[1] is not None] == []
    assert [cell.execution_count for cell in code] == list(range(1, len(code) + 1))  # every cell ran, in order


def test_the_first_graph_is_inline_svg_with_every_kind_of_node(nb):
    svg = parse_svg(svg_outputs(cell_with(nb, "jw.graph(node)"))[0])
    labels = [node.label[0].split(" (")[0] for node in svg.nodes.values()]
    assert {"sweep", "AddAndMultiply", "add", "multiply", "Int"} <= set(labels)
    assert len(svg.edges) > len(svg.nodes)


def test_highlighted_nodes_keep_colours_and_the_others_are_decoloured(nb):
    svg = parse_svg(svg_outputs(cell_with(nb, 'highlight_classes=["AddAndMultiply", "Int"]'))[0])
    for node in svg.nodes.values():
        kind = node.label[0].split(" (")[0]
        fill = node.shapes[0]["fill"]
        if kind in {"AddAndMultiply", "Int"}:
            assert fill != "white" and node.shape_attribute("stroke") != {"lightgray"}
        elif "6" not in node.shape_attribute("stroke-width"):  # the origin (sweep) is never decoloured
            assert fill == "white" and node.shape_attribute("stroke") == {"lightgray"}
    origins = [node for node in svg.nodes.values() if "6" in node.shape_attribute("stroke-width")]
    assert [node.label[0].split(" (")[0] for node in origins] == ["sweep"]


def test_a_typo_in_a_class_lists_the_classes(nb):
    text = cell_text(cell_with(nb, "AddAndMultipy"))
    assert "'AddAndMultipy' matches no node" in text and "AddAndMultiply, CalcFunctionNode" in text


def test_files_are_written_and_the_big_workflow_is_drawn(nb):
    text = cell_text(cell_with(nb, "sweep.pdf"))
    assert "sweep.pdf" in text and "sweep.png" in text and "sweep.svg" in text
    big = cell_with(nb, "add_loop.run_get_node(150)")
    assert "deferred layout" in cell_text(big)
    assert len(parse_svg(svg_outputs(big)[0]).nodes) == 302
    assert "more than 100 nodes" in cell_text(cell_with(nb, "max_nodes=100"))


def test_the_archive_cell_exports_and_imports_nothing_twice(nb):
    cell = cell_with(nb, 'jw.export(node, path=folder / "sweep.aiida")')
    text = cell_text(cell)
    assert "sweep.aiida:" in text and "(AiiDA archive main_0001" in text
    assert "0 new nodes, 0 new links, 0 logs;" in text and "were in the store already" in text
    assert len(svg_outputs(cell)) == 1
