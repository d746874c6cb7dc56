"""How times and tables are shown as text: durations, ages and start times, the same in every view (lists, widgets,
magics), and the plain-text tables of the terminal and of ``print()``."""

from __future__ import annotations

import time
from collections.abc import Sequence

__all__ = ["format_age", "format_duration", "format_since", "text_table"]

LAST_RULE = 60


def text_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """Columns padded to their widest cell, a rule of dashes under the headers (as ``verdi`` prints its tables). The
    last column is not padded, and its rule stops at :data:`LAST_RULE` characters (a long message is no column)."""
    table = [tuple(headers), *(tuple(row) for row in rows)]
    widths = [max(len(line[i]) for line in table) for i in range(len(headers))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip() for line in table]
    rules = [*widths[:-1], min(widths[-1], max(LAST_RULE, len(headers[-1])))]
    lines.insert(1, "  ".join("-" * width for width in rules))
    return "\n".join(lines)


def format_duration(seconds: float) -> str:
    """``0.4 s``, ``12.3 s``, ``2 min 05 s``, ``1 h 02 min``, ``3 d 4 h``."""
    seconds = max(0.0, seconds)
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, secs = divmod(int(seconds), 60)
    if minutes < 60:
        return f"{minutes} min {secs:02d} s"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours} h {minutes:02d} min"
    days, hours = divmod(hours, 24)
    return f"{days} d {hours} h"


def format_age(seconds: float) -> str:
    """A coarse age (``< 1 min``, ``7 min``, ``2 h 05 min``, ``3 d``): it changes rarely, so a list of many rows is not
    re-sent every second just because time passed."""
    minutes = int(max(0.0, seconds) // 60)
    if minutes < 1:
        return "< 1 min"
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min" if hours < 24 else f"{hours // 24} d"


def format_since(started: float) -> str:
    """``since 14:03:07`` (a view that is not refreshed every second must not show a frozen running time)."""
    return "since " + time.strftime("%H:%M:%S", time.localtime(started))
