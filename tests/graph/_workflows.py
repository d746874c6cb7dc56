"""Workflows whose provenance the graph tests draw, and an SVG reader for checking what Graphviz drew."""

# The shared example workflows, re-exported for the graph tests.
from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

from jupyter_workflows import ExitCode, calcfunction
from jupyter_workflows.testing.workflows import AddAndMultiply, FanOut, add, add_loop, multiply

__all__ = ["AddAndMultiply", "FanOut", "SvgGraph", "SvgShape", "add", "add_loop", "fail", "multiply", "parse_svg"]

SVG = "{http://www.w3.org/2000/svg}"
XLINK = "{http://www.w3.org/1999/xlink}"


@calcfunction
def fail(x):
    return ExitCode(300, "it failed on purpose")


@dataclass
class SvgShape:
    """One node or edge of a Graphviz SVG: the attributes of its shapes and the lines of its label."""

    title: str
    shapes: list[dict[str, str]] = field(default_factory=list)
    texts: list[dict[str, str]] = field(default_factory=list)
    tooltip: str | None = None

    @property
    def label(self) -> list[str]:
        return [text["text"] for text in self.texts]

    def shape_attribute(self, name: str) -> set[str]:
        return {shape.get(name, "") for shape in self.shapes}


@dataclass
class SvgGraph:
    nodes: dict[str, SvgShape]
    edges: dict[str, SvgShape]
    root: ET.Element

    def node(self, pk: int) -> SvgShape:
        return self.nodes[f"N{pk}"]

    def edge(self, tail: int, head: int) -> SvgShape:
        """The edge from node ``tail`` to node ``head``, whatever ports it uses."""
        for title, shape in self.edges.items():
            ends = [end.split(":")[0] for end in title.split("->")]
            if ends == [f"N{tail}", f"N{head}"]:
                return shape
        raise KeyError(f"N{tail}->N{head}")

    def edge_pairs(self) -> set[tuple[int, int]]:
        pairs = set()
        for title in self.edges:
            tail, head = (end.split(":")[0] for end in title.split("->"))  # "N2:e->N5:e": ports after the colon
            pairs.add((int(tail.removeprefix("N")), int(head.removeprefix("N"))))
        return pairs

    def centre_y(self, pk: int) -> float:
        """Vertical centre of a node's label (SVG y grows downwards)."""
        ys = [float(text["y"]) for text in self.node(pk).texts]
        return sum(ys) / len(ys)


def parse_svg(svg: str | bytes) -> SvgGraph:
    """Nodes and edges of a Graphviz SVG by their titles (``N12``, ``N3->N12``)."""
    root = ET.fromstring(svg)
    nodes: dict[str, SvgShape] = {}
    edges: dict[str, SvgShape] = {}
    for group in root.iter(f"{SVG}g"):
        kind = group.get("class")
        if kind not in {"node", "edge"}:
            continue
        shape = _read_group(group)
        (nodes if kind == "node" else edges)[shape.title] = shape
    return SvgGraph(nodes, edges, root)


def _read_group(group: ET.Element) -> SvgShape:
    title = group.find(f"{SVG}title")
    shape = SvgShape(title="".join(title.itertext()) if title is not None else "")
    for element in group.iter():
        tag = element.tag.removeprefix(SVG)
        if tag in {"ellipse", "polygon", "path"} and element.get("fill") != "transparent":
            shape.shapes.append(dict(element.attrib))
        elif tag == "text":
            shape.texts.append({**element.attrib, "text": "".join(element.itertext())})
        elif tag == "a" and element.get(f"{XLINK}title"):
            shape.tooltip = element.get(f"{XLINK}title")
    return shape
