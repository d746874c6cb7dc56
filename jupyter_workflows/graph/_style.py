"""How nodes and edges look: labels, styles by node kind and process state, highlighting and origin emphasis.

Kinds differ by shape and fill (data: green ellipse, calcfunction: pink box, workfunction: orange rounded box,
workchain: amber hexagon). A process's state shows in its sub-label ("State: finished [0]") and in its outline:
black when it finished ok, red when it failed or excepted (dashed), purple dashed when killed, blue while it is
created, running or waiting. The origin nodes get a thick outline and a bold label. With ``highlight_classes``, the
other nodes are decoloured (white fill, light grey outline and text) and so are the edges between two of them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from .._core._codec import PLAIN, UnreadableValue
from .._core._errors import ValidationError
from ..nodes import Node
from ..nodes._node import node_class_for
from ..store import LinkRow, LinkType, NodeRow

__all__ = [
    "GRAPH_ATTRIBUTES",
    "IDENTIFIERS",
    "Highlight",
    "edge_style",
    "label_lines",
    "node_label",
    "node_style",
    "resolve_identifiers",
]

Style = dict[str, str]

IDENTIFIERS = ("pk", "uuid", "label")
GRAPH_ATTRIBUTES: Mapping[str, Style] = {
    "graph": {"rankdir": "TB", "fontname": "Helvetica"},
    "node": {"fontname": "Helvetica", "fontsize": "11", "style": "filled", "penwidth": "1"},
    "edge": {"fontname": "Helvetica", "fontsize": "9"},
}

KIND_STYLES: Mapping[str, Style] = {
    "data": {"shape": "ellipse", "fillcolor": "#8cd499"},
    "calcfunction": {"shape": "box", "fillcolor": "#efbcc3"},
    "workfunction": {"shape": "box", "style": "filled,rounded", "fillcolor": "#e38851"},
    "workchain": {"shape": "hexagon", "fillcolor": "#f5cd79"},
    "process": {"shape": "box", "fillcolor": "#d0d0d0"},
}
STATE_OUTLINES: Mapping[str, Style] = {
    "finished_ok": {"color": "black"},
    "failed": {"color": "#c62828", "penwidth": "3"},
    "excepted": {"color": "#c62828", "penwidth": "3", "dashed": "yes"},
    "killed": {"color": "#6a1b9a", "penwidth": "3", "dashed": "yes"},
    "active": {"color": "#1565c0", "penwidth": "3"},  # created, running, waiting
}
ORIGIN_STYLE: Style = {"penwidth": "6", "fontname": "Helvetica-Bold"}
DECOLOURED_STYLE: Style = {"color": "lightgray", "fillcolor": "white", "fontcolor": "lightgray", "penwidth": "1"}
LINK_STYLES: Mapping[LinkType, Style] = {
    LinkType.INPUT_CALC: {"style": "solid"},
    LinkType.CREATE: {"style": "solid"},
    LinkType.INPUT_WORK: {"style": "dashed"},
    LinkType.RETURN: {"style": "dashed"},
    LinkType.CALL_CALC: {"style": "dotted", "color": "#555555"},
    LinkType.CALL_WORK: {"style": "dotted", "color": "#555555"},
}
FADED_EDGE_STYLE: Style = {"color": "lightgray", "fontcolor": "lightgray"}
MAX_VALUE_CHARS = 40


# -- labels -----------------------------------------------------------------------------------------------------------
def resolve_identifiers(identifier: str | Sequence[str]) -> tuple[str, ...]:
    """``"pk"``, ``"uuid"``, ``"label"`` or several of them (shown joined with ``|``)."""
    chosen = (identifier,) if isinstance(identifier, str) else tuple(identifier)
    unknown = [repr(name) for name in chosen if name not in IDENTIFIERS]
    if unknown or not chosen:
        raise ValidationError(f"Unknown identifier {', '.join(unknown) or '(none)'}; choose from pk, uuid, label")
    return chosen


def display_class(row: NodeRow) -> str:
    """The class as the graph shows it: the process label of a process, the data class name of data."""
    if row.process_label:
        return row.process_label
    return row.node_type.rsplit(".", 1)[-1]


def label_lines(row: NodeRow, identifiers: Sequence[str] = ("pk",)) -> list[str]:
    """``"<class> (<identifier>)"`` and the sub-labels (value, or process state), as plain text."""
    ids = "|".join(_identifier(row, name) for name in identifiers)
    return [f"{display_class(row)} ({ids})", *_sublabels(row)]


def node_label(lines: Sequence[str]) -> str:
    """Label lines as one DOT label string (escaped, centred lines)."""
    return "\\n".join(_escape(line) for line in lines)


def _identifier(row: NodeRow, name: str) -> str:
    if name == "uuid":
        return row.uuid.split("-", 1)[0]
    if name == "label":
        return row.label or str(row.pk)
    return str(row.pk)


def _sublabels(row: NodeRow) -> list[str]:
    if row.node_type.startswith("process."):
        return [f"State: {process_state_text(row)}"]
    if "value" not in row.attributes:
        return []
    try:
        value = PLAIN.decode(row.attributes["value"])  # as the node reads it: tags (inf, large floats) decoded
    except UnreadableValue:
        value = row.attributes["value"]
    return [_value_text(row.node_type.rsplit(".", 1)[-1], value)]


def process_state_text(row: NodeRow) -> str:
    """``"finished [0]"``, ``"excepted"``, ``"waiting (paused)"``, ..."""
    state = row.process_state or "created"
    if state == "finished":
        state += f" [{row.exit_status if row.exit_status is not None else 0}]"
    if row.paused and state in {"created", "running", "waiting"}:
        state += " (paused)"
    return state


def _value_text(kind: str, value: Any) -> str:
    if kind == "List" and isinstance(value, list):
        return f"{len(value)} items"
    if kind == "Dict" and isinstance(value, dict):
        return _shorten("keys: " + ", ".join(map(str, value)))
    if kind == "Str" and isinstance(value, str):
        return _shorten(f"'{value}'")
    if isinstance(value, float):
        return f"value: {value:.6g}"
    return _shorten(f"value: {value}")


def _shorten(text: str) -> str:
    text = " ".join(text.split())  # newlines and runs of spaces: one space
    return text if len(text) <= MAX_VALUE_CHARS else text[: MAX_VALUE_CHARS - 1] + "…"


def _escape(text: str) -> str:
    """Text shown literally in a DOT label: backslashes are not escapes (graphviz.escape; plus no HTML)."""
    return text.replace("\\", "\\\\")


# -- node and edge styles --------------------------------------------------------------------------------------------
def node_kind(row: NodeRow) -> str:
    """``"data"``, ``"calcfunction"``, ``"workfunction"``, ``"workchain"`` or ``"process"``."""
    if row.node_type.startswith("data."):
        return "data"
    kind = row.node_type.split(".", 1)[1]
    return kind if kind in KIND_STYLES else "process"


def state_of(row: NodeRow) -> str | None:
    """The outline group of a process (a key of STATE_OUTLINES); None for data."""
    if not row.node_type.startswith("process."):
        return None
    state = row.process_state or "created"
    if state == "finished":
        return "finished_ok" if not row.exit_status else "failed"
    return state if state in STATE_OUTLINES else "active"


def node_style(row: NodeRow, *, origin: bool = False, decoloured: bool = False) -> Style:
    """DOT attributes of a node (without its label)."""
    style = {"style": "filled", **KIND_STYLES[node_kind(row)]}
    outline = dict(STATE_OUTLINES.get(state_of(row) or "", {}))
    dashed = outline.pop("dashed", None) is not None
    style.update(outline)
    if decoloured and not origin:
        style.update(DECOLOURED_STYLE)
        dashed = False
    if dashed:
        style["style"] += ",dashed"
    if origin:
        style.update(ORIGIN_STYLE)
    return style


def edge_label(link: LinkRow) -> str:
    """``"<LINK_TYPE>\\n<link label>"``, as AiiDA's ``annotate_links='both'``."""
    return f"{link.link_type.name}\\n{_escape(link.link_label)}"


def edge_style(link: LinkRow, *, faded: bool = False) -> Style:
    """DOT attributes of an edge (without its label): the line style of its link type."""
    style = dict(LINK_STYLES[link.link_type])
    if faded:
        style.update(FADED_EDGE_STYLE)
    return style


# -- highlighting -----------------------------------------------------------------------------------------------------
class Highlight:
    """Which nodes keep their colours: those matching any of the given classes (all of them when none is given).

    A class is named by data class (``"Int"``), node class (``"CalcFunctionNode"``, also base classes such as
    ``"ProcessNode"`` or ``"Data"``), process label (``"AddAndMultiply"``), or given as the class itself (a Data
    or process node class, a WorkChain class, a calcfunction or workfunction).
    """

    def __init__(self, classes: Iterable[Any] | str | None, rows: Iterable[NodeRow]) -> None:
        items = [classes] if isinstance(classes, str) else list(classes or ())
        self.active = bool(items)  # as in AiiDA, an empty list highlights nothing, so nothing is decoloured
        named = [_class_name(item) for item in items]
        self.names = frozenset(name for name, _ in named)
        if self.active:
            _check_known(named, list(rows))

    def matches(self, row: NodeRow) -> bool:
        return not self.active or not self.names.isdisjoint(class_names(row))


def class_names(row: NodeRow) -> set[str]:
    """Every name that selects this node: display class, data class name and node class names (with bases)."""
    names = {display_class(row), row.node_type.rsplit(".", 1)[-1]}
    names.update(cls.__name__ for cls in node_class_for(row.node_type).__mro__ if _is_node_class(cls))
    return names


def _class_name(item: Any) -> tuple[str, bool]:
    """(name, whether it is a real class) for a name, a node class, a process class or a process function."""
    if isinstance(item, str):
        return item, False
    process_class = getattr(item, "process_class", None)  # a calcfunction or workfunction
    if isinstance(process_class, type):
        return process_class.__name__, True
    if isinstance(item, type):
        return item.__name__, True
    raise ValidationError(
        f"highlight_classes takes class names or classes, not {type(item).__name__} {item!r}; "
        "pass e.g. 'Int', 'CalcFunctionNode', a process label or the class itself"
    )


def _check_known(named: list[tuple[str, bool]], rows: list[NodeRow]) -> None:
    """Names that are no node class and match no node of this graph are typos: say which classes there are."""
    present = set().union(*(class_names(row) for row in rows)) if rows else set()
    known = present | {cls.__name__ for cls in _node_classes()}
    unknown = [name for name, is_class in named if not is_class and name not in known]
    if unknown:
        shown = sorted({display_class(row) for row in rows} | {node_class_for(r.node_type).__name__ for r in rows})
        raise ValidationError(
            f"highlight_classes {', '.join(map(repr, unknown))} matches no node in this graph; "
            f"the classes in the graph are: {', '.join(shown) or '(none)'}"
        )


def _is_node_class(cls: type) -> bool:
    return issubclass(cls, Node) and cls is not Node


def _node_classes() -> list[type[Node]]:
    found: list[type[Node]] = []
    pending = list(Node.__subclasses__())
    while pending:
        cls = pending.pop()
        found.append(cls)
        pending.extend(cls.__subclasses__())
    return found
