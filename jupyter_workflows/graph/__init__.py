"""Provenance graphs in the notebook: ``jw.graph(node, highlight_classes=["Int"])`` shows inline as SVG.

Options follow AiiDA's ``verdi node graph generate`` (depths, link types, process inputs/outputs, identifier,
engine); ``highlight_classes`` decolours every node not of the chosen classes. Large graphs stay fast: the subgraph
is read with a few set-based queries per level, and long edges are drawn after ``dot``'s layout (see ``_layout``).
"""

from ._extract import DEFAULT_MAX_NODES as DEFAULT_MAX_NODES, Subgraph as Subgraph
from ._graph import DEFAULT_TIMEOUT as DEFAULT_TIMEOUT, Graph as Graph, graph as graph, graph_svg as graph_svg
from ._layout import DOT_PROGRAM_ENV as DOT_PROGRAM_ENV

__all__ = ["DEFAULT_MAX_NODES", "DEFAULT_TIMEOUT", "DOT_PROGRAM_ENV", "Graph", "Subgraph", "graph", "graph_svg"]
