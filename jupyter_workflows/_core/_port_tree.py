"""The port tree of a process: its inputs with their types, defaults, required markers and help, as short text (for
error notes and docstrings) and as HTML with the values set so far (for a builder in a notebook)."""

from __future__ import annotations

import html
from collections.abc import Iterator, Mapping
from typing import Any

from ._ports import InputPort, Port, PortNamespace, type_names

__all__ = ["describe_port", "must_give", "port_tree_html", "port_tree_text", "value_text"]

NAME_WIDTH = 28  # text columns are aligned up to these widths; longer entries push their own line only
TYPE_WIDTH = 30
HELP_WIDTH = 70
MAX_LINES = 40  # a tree longer than this is cut, saying how many ports were left out


def must_give(port: Port) -> bool:
    """Whether a launch fails without a value for ``port``: required, no default, and (a namespace) something
    inside it must be given."""
    if isinstance(port, PortNamespace):
        return port.required and any(must_give(inner) for inner in port.ports.values())
    return port.required and not (isinstance(port, InputPort) and port.has_default)


def describe_port(port: Port) -> str:
    """'Int, required', 'Float, default 1.0', 'namespace of Data (any name)': what a port takes, in a few words."""
    if isinstance(port, PortNamespace):
        text = "namespace"
        if port.dynamic:
            text += f" (any name{'' if port.valid_type is None else ': ' + type_names(port.valid_type)})"
        return text + (", required" if must_give(port) else "")
    text = type_names(port.valid_type)
    if isinstance(port, InputPort) and port.has_default:
        return f"{text}, default {_default_text(port)}"
    return f"{text}, {'required' if port.required else 'optional'}"


def port_doc(port: Port, path: str) -> str:
    """The docstring of a builder's port attribute: what ``builder.x?`` shows in a notebook."""
    return f"{path}: {describe_port(port)}" + (f"\n\n{port.help}" if port.help else "")


def value_text(value: Any, width: int = 60) -> str:
    """A value as a builder shows it: ``Int(1)`` for a data node of a plain value, the repr otherwise, cut short."""
    if getattr(type(value), "plain_type", None) is not None:
        text = f"{type(value).__name__}({getattr(value, 'value', value)!r})"
    else:
        text = repr(value)
    return text if len(text) <= width else text[: width - 3] + "..."


def _default_text(port: InputPort) -> str:
    default = port.default
    if callable(default) and not isinstance(default, type):
        return "computed at launch"
    return value_text(default, 30)


def _short(text: str | None, width: int = HELP_WIDTH) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= width else text[: width - 3] + "..."


# -- text -----------------------------------------------------------------------------------------------------------
def port_tree_text(namespace: PortNamespace, title: str) -> str:
    """The ports of ``namespace`` as an aligned tree under ``title``; a namespace where nothing is required is one
    line (``metadata  optional: label, description``), and a long tree is cut."""
    rows = list(_text_rows(namespace, 1))
    if namespace.dynamic:
        rows.append(("  (any other name)", type_names(namespace.valid_type), ""))
    if not rows:
        return f"{title}: none"
    cut = len(rows) - MAX_LINES
    rows = rows[:MAX_LINES]
    name_width = min(NAME_WIDTH, max(len(name) for name, _, _ in rows))
    type_width = min(TYPE_WIDTH, max(len(kind) for _, kind, _ in rows))
    lines = [f"{title} (* required):"]
    for name, kind, help_text in rows:
        line = (
            f"{name:<{name_width}}  {kind:<{type_width}}  {help_text}" if help_text else f"{name:<{name_width}}  {kind}"
        )
        lines.append(line.rstrip())
    if cut > 0:
        lines.append(f"  ... and {cut} more")
    return "\n".join(lines)


def _in_order(namespace: PortNamespace) -> list[tuple[str, Port]]:
    """The ports as declared, with the namespaces that need nothing (``metadata``) last."""
    ports = list(namespace.ports.items())
    return sorted(ports, key=lambda item: isinstance(item[1], PortNamespace) and not must_give(item[1]))


def _text_rows(namespace: PortNamespace, depth: int) -> Iterator[tuple[str, str, str]]:
    indent = "  " * depth
    for name, port in _in_order(namespace):
        marker = " *" if must_give(port) else ""
        if not isinstance(port, PortNamespace):
            yield f"{indent}{name}{marker}", describe_port(port), _short(port.help)
        elif not must_give(port) and port.ports and not port.dynamic:
            yield f"{indent}{name}", "optional: " + ", ".join(port.ports), _short(port.help)
        else:
            yield f"{indent}{name}{marker}", describe_port(port), _short(port.help)
            yield from _text_rows(port, depth + 1)


# -- HTML -----------------------------------------------------------------------------------------------------------
_CELL = "padding:1px 10px 1px 0;text-align:left;vertical-align:top;border:none"
_MUTED = "opacity:0.6"
_REQUIRED = "color:#d84315"  # the 'failed' colour of the process badges


def port_tree_html(namespace: PortNamespace, values: Mapping[str, Any], title: str) -> str:
    """A table of the ports of ``namespace`` with the values set so far: unset ports greyed, required ones that are
    still missing in the 'failed' colour, names given to a dynamic namespace listed with their values."""
    rows = "".join(_html_rows(namespace, values, 0, needed=True))
    missing = sum(1 for _ in _missing(namespace, values))
    state = (
        f'<span style="{_REQUIRED}">{missing} required input{"s" if missing != 1 else ""} not set</span>'
        if missing
        else '<span style="opacity:0.7">every required input is set</span>'
    )
    head = "".join(f'<th style="{_CELL}">{name}</th>' for name in ("input", "type", "value", "help"))
    return (
        f'<div class="jw-builder"><div><b>{html.escape(title)}</b> &middot; {state}</div>'
        f'<table style="border-collapse:collapse;font-size:0.92em;margin-top:2px"><thead><tr>{head}</tr></thead>'
        f"<tbody>{rows}</tbody></table></div>"
    )


def _html_rows(namespace: PortNamespace, values: Mapping[str, Any], depth: int, *, needed: bool) -> Iterator[str]:
    """``needed``: whether this namespace will be launched (its required ports are then missing if not set)."""
    for name, port in _in_order(namespace):
        given = name in values
        value = values.get(name)
        if isinstance(port, PortNamespace):
            inner = value if isinstance(value, Mapping) else {}
            yield _row(name, port, depth, "", namespace_row=True)
            yield from _html_rows(port, inner, depth + 1, needed=bool(inner) or (needed and must_give(port)))
        elif given:
            yield _row(name, port, depth, html.escape(value_text(value)))
        elif needed and must_give(port):
            yield _row(name, port, depth, f'<span style="{_REQUIRED}">required, not set</span>')
        else:
            text = f"default {_default_text(port)}" if isinstance(port, InputPort) and port.has_default else "not set"
            yield _row(name, port, depth, f'<span style="{_MUTED}">{html.escape(text)}</span>', unset=True)
    for name in values.keys() - namespace.ports.keys():  # names given to a dynamic namespace
        value = values[name]
        if isinstance(value, Mapping) and getattr(type(value), "plain_type", None) is None:
            yield _plain_row(name, depth, "")
            yield from _html_rows(PortNamespace(dynamic=True), value, depth + 1, needed=False)
        else:
            yield _plain_row(name, depth, html.escape(value_text(value)))


def _row(name: str, port: Port, depth: int, value: str, *, namespace_row: bool = False, unset: bool = False) -> str:
    label = html.escape(name) + ("." if namespace_row else "")
    if must_give(port):
        label = f'<b>{label}</b><span style="{_REQUIRED}" title="required">*</span>'
    style = f"{_CELL};padding-left:{depth * 1.2}em" + (f";{_MUTED}" if unset else "")
    kind = html.escape(describe_port(port))
    return (
        f'<tr><td style="{style}"><code>{label}</code></td><td style="{_CELL};{_MUTED}">{kind}</td>'
        f'<td style="{_CELL}"><code>{value}</code></td>'
        f'<td style="{_CELL};{_MUTED}">{html.escape(_short(port.help, 120))}</td></tr>'
    )


def _plain_row(name: str, depth: int, value: str) -> str:
    return (
        f'<tr><td style="{_CELL};padding-left:{depth * 1.2}em"><code>{html.escape(name)}</code></td>'
        f'<td style="{_CELL};{_MUTED}">(dynamic)</td><td style="{_CELL}"><code>{value}</code></td>'
        f'<td style="{_CELL}"></td></tr>'
    )


def _missing(namespace: PortNamespace, values: Mapping[str, Any]) -> Iterator[str]:
    for name, port in namespace.ports.items():
        if isinstance(port, PortNamespace):
            inner = values.get(name)
            if isinstance(inner, Mapping) and inner:
                yield from _missing(port, inner)
            elif must_give(port):
                yield from _missing(port, {})
        elif name not in values and must_give(port):
            yield name
