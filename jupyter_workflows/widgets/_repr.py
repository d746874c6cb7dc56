"""Static views of a process: the HTML and text shown where widgets cannot run (nbconvert output, a notebook reopened
without its kernel, a terminal IPython), and the HTML fragments the live widgets are built from."""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from typing import Any

from .._runtime import Ownership
from ..nodes import Data, ProcessNode, flat_namespace
from ._snapshot import ProcessSnapshot
from ._style import badge_html, escape

__all__ = [
    "details_html",
    "outputs_html",
    "process_html",
    "process_text",
    "reports_html",
    "title_html",
    "traceback_html",
]

MAX_REPORTS = 200  # the newest ones; older lines are counted, not shown
MAX_CHILDREN = 50  # in the static card; the live widget pages through all of them
VALUE_WIDTH = 120
_BOX = "max-height:16em;overflow:auto;margin:0;padding:4px 6px;background:rgba(127,127,127,0.08);border-radius:3px"


def title_html(snap: ProcessSnapshot) -> str:
    label = f" <i>{escape(snap.label)}</i>" if snap.label else ""
    return (
        f'<span class="jw-title"><b>{escape(snap.process_label)}</b>&lt;{snap.pk}&gt;'
        f' <span style="opacity:0.7">{escape(snap.kind)}</span>{label}</span>'
    )


def details_html(snap: ProcessSnapshot, steps: Iterable[str] = ()) -> str:
    """The step of the outline, the status, the exit status and message, and who runs the process."""
    parts: list[str] = []
    outline = list(steps)
    if snap.step and outline:
        parts.append(
            "step: " + " → ".join(f"<b><u>{escape(s)}</u></b>" if s == snap.step else escape(s) for s in outline)
        )
    elif snap.step:
        parts.append(f"step: <b>{escape(snap.step)}</b>")
    if snap.status and not snap.terminated:
        parts.append(escape(snap.status))
    if snap.paused:
        parts.append("paused: holds at its next step boundary until Play")
    if snap.terminated and snap.state == "finished":
        parts.append(
            f"exit status {snap.exit_status}" + (f": {escape(snap.exit_message)}" if snap.exit_message else "")
        )
    elif snap.terminated and snap.exit_message:
        parts.append(escape(snap.exit_message))
    if snap.ownership is Ownership.ELSEWHERE:
        parts.append(f"runs in {escape(snap.owner_text)}: steer it from there")
    elif snap.ownership is Ownership.ORPHANED:
        parts.append(
            "orphaned: the kernel that ran it died"
            + (" (Resume continues it here from its last checkpoint)" if snap.resumable else "")
        )
    return '<div class="jw-details" style="font-size:0.9em">' + " · ".join(parts) + "</div>" if parts else ""


def reports_html(reports: Iterable[Any]) -> str:
    rows = list(reports)
    if not rows:
        return '<div class="jw-reports" style="opacity:0.6">No reports yet.</div>'
    hidden = len(rows) - MAX_REPORTS
    lines = [f"… {hidden} earlier line(s) not shown"] if hidden > 0 else []
    for report in rows[-MAX_REPORTS:]:
        stamp = time.strftime("%H:%M:%S", time.localtime(report.time))
        lines.append(f"{stamp} [{report.levelname}] {report.message}")
    return f'<pre class="jw-reports" style="{_BOX}">{escape(chr(10).join(lines))}</pre>'


def _value_text(value: Any) -> str:
    text = repr(value.value) if isinstance(value, Data) else repr(value)
    return text if len(text) <= VALUE_WIDTH else text[: VALUE_WIDTH - 1] + "…"


def outputs_html(outputs: Mapping[str, Any]) -> str:
    pairs = list(flat_namespace(outputs))
    if not pairs:
        return '<div class="jw-outputs" style="opacity:0.6">No outputs yet.</div>'
    rows = "".join(
        f"<tr><td style='text-align:left;padding-right:1em'><code>{escape(label)}</code></td>"
        f"<td style='text-align:left;padding-right:1em'><code>{escape(_value_text(node))}</code></td>"
        f"<td style='text-align:left;opacity:0.7'>{escape(type(node).__name__)}&lt;{getattr(node, 'pk', '')}&gt;</td>"
        "</tr>"
        for label, node in pairs
    )
    return f'<table class="jw-outputs">{rows}</table>'


def traceback_html(text: str | None) -> str:
    return f'<pre class="jw-traceback" style="{_BOX};color:#b71c1c">{escape(text or "No traceback recorded.")}</pre>'


def _called_html(children: list[ProcessNode]) -> str:
    rows = []
    for child in children[:MAX_CHILDREN]:
        snap = ProcessSnapshot.of(child)
        rows.append(
            f"<li>{badge_html(snap.badge, snap.badge_text, inline=True)} {title_html(snap)} "
            f'<span style="opacity:0.7">{snap.duration_text(ticking=False)}</span></li>'
        )
    if len(children) > MAX_CHILDREN:
        rows.append(f"<li>… and {len(children) - MAX_CHILDREN} more</li>")
    return f'<ul class="jw-called" style="margin:0;padding-left:1.2em">{"".join(rows)}</ul>'


def process_html(node: ProcessNode) -> str:
    """A static card: what the widget shows, as it was at display time (said so, since it never updates)."""
    snap = ProcessSnapshot.of(node)
    sections = [
        f"<div>{badge_html(snap.badge, snap.badge_text, inline=True)} {title_html(snap)} "
        f'<span style="opacity:0.7">{snap.duration_text(ticking=False)}</span></div>',
        details_html(snap),
    ]
    reports = node.reports
    if reports:
        sections.append(f"<details open><summary>Report ({len(reports)})</summary>{reports_html(reports)}</details>")
    children = node.called
    if children:
        sections.append(f"<details><summary>Called ({len(children)})</summary>{_called_html(children)}</details>")
    outputs = node.outputs
    if outputs:
        sections.append(f"<details open><summary>Outputs</summary>{outputs_html(outputs)}</details>")
    if snap.state == "excepted":
        sections.append(f"<details open><summary>Traceback</summary>{traceback_html(node.exception)}</details>")
    stamp = time.strftime("%Y-%m-%d %H:%M:%S")
    sections.append(
        f'<div style="opacity:0.6;font-size:0.8em">as of {stamp} (a snapshot; live view needs the kernel)</div>'
    )
    return '<div class="jw-process-card" style="line-height:1.5">' + "".join(sections) + "</div>"


def process_text(node: ProcessNode) -> str:
    """A few lines of plain text: the repr, then step, status, exit message, outputs and the last reports."""
    snap = ProcessSnapshot.of(node)
    lines = [repr(node)]
    if snap.step:
        lines.append(f"  step: {snap.step}")
    if snap.status and not snap.terminated:
        lines.append(f"  status: {snap.status}")
    if snap.exit_message:
        lines.append(f"  message: {snap.exit_message}")
    if snap.ownership is Ownership.ORPHANED:
        lines.append("  orphaned: the kernel that ran it died (jw.resume(node) continues a WorkChain)")
    for label, value in flat_namespace(node.outputs):
        lines.append(f"  output {label} = {_value_text(value)}")
    for report in node.reports[-5:]:
        lines.append(f"  [{report.levelname}] {report.message}")
    return "\n".join(lines)
