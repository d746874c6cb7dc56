"""How times are shown: durations, ages and start times, the same in every view (lists, widgets, magics)."""

from __future__ import annotations

import time

__all__ = ["format_age", "format_duration", "format_since"]


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
