"""The Provenance section of a ProcessWidget: drawn only while open, redrawn as the process and its children move."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import jupyter_workflows as jw
from jupyter_workflows import Float, Int
from jupyter_workflows.widgets import ProcessWidget
from jupyter_workflows.widgets._provenance import REDRAW_SECONDS

from ._workflows import Slow
from .conftest import settle, until


def drawn_nodes(widget: ProcessWidget) -> dict[str, str]:
    """The graph's node labels (first line) and their fill colours, from the SVG the section shows."""
    markup = widget.sections["provenance"].children[0].value
    svg = markup[markup.index("<svg") : markup.rindex("</svg>") + len("</svg>")]
    nodes = {}
    for group in ET.fromstring(svg).iter("{http://www.w3.org/2000/svg}g"):
        if group.get("class") != "node":
            continue
        texts = [t.text or "" for t in group.iter("{http://www.w3.org/2000/svg}text")]
        shape = next(e for e in group if e.tag.rsplit("}", 1)[-1] in {"polygon", "ellipse", "path"})
        nodes[texts[0]] = shape.get("fill", "")
    return nodes


def test_the_graph_is_drawn_when_opened_and_follows_the_children():
    node = jw.submit(Slow, seconds=Float(0.6), n=Int(2))
    widget = ProcessWidget(node)
    view = widget._sections.provenance
    settle(0.2)
    assert view.draws == 0 and widget.sections["provenance"].children[0].value == ""  # closed: nothing drawn
    widget.sections["provenance"].selected_index = 0  # the user opens it
    until(lambda: view.draws >= 1)
    first = drawn_nodes(widget)
    assert f"Slow ({node.pk})" in first
    assert sum(label.startswith("sleepy") for label in first) == 2  # the children it submitted
    states = lambda: " ".join(widget.sections["provenance"].children[0].value.split())  # noqa: E731
    assert "State: running" in states() or "State: created" in states()
    jw.wait(node)
    until(lambda: "State: running" not in states() and f"Slow ({node.pk})" in drawn_nodes(widget), timeout=5)
    last = drawn_nodes(widget)
    assert any(label.startswith("add") for label in last)  # collect's calcfunction appeared
    assert "State: finished [0]" in states()
    draws = view.draws
    settle(2 * REDRAW_SECONDS)
    assert view.draws == draws  # finished: no more redraws


def test_closing_the_section_stops_redrawing():
    node = jw.submit(Slow, seconds=Float(5), n=Int(1))
    widget = ProcessWidget(node)
    view = widget._sections.provenance
    widget.sections["provenance"].selected_index = 0
    until(lambda: view.draws >= 1)
    widget.sections["provenance"].selected_index = None
    settle(0.05)
    draws = view.draws
    settle(2 * REDRAW_SECONDS)
    assert view.draws == draws
    jw.kill(node)
    jw.wait(node)
