"""How states look: the badge of each state (text and colour), durations, and small HTML helpers.

One table, shared by the live widgets and the static HTML fallback, so a process looks the same everywhere.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

__all__ = [
    "BADGES",
    "STYLESHEET",
    "Badge",
    "badge_html",
    "badge_of",
    "escape",
]


@dataclass(frozen=True)
class Badge:
    key: str  # "running", "paused", "failed", ...: also the CSS class suffix jw-state-<key>
    background: str
    foreground: str = "#ffffff"


# Colours: AiiDA's mapping (finished -> success, excepted -> danger, killed -> warning, running/waiting -> info),
# with paused (a flag, not a state) and failed (finished with a non-zero exit status) told apart. Contrast >= 4.5:1.
BADGES: dict[str, Badge] = {
    badge.key: badge
    for badge in (
        Badge("created", "#cfd8dc", "#263238"),
        Badge("running", "#1565c0"),
        Badge("waiting", "#6a1b9a"),
        Badge("paused", "#ffb300", "#3e2723"),
        Badge("finished", "#2e7d32"),
        Badge("failed", "#d84315"),
        Badge("excepted", "#b71c1c"),
        Badge("killed", "#4e342e"),
        Badge("orphaned", "#616161"),
    )
}

HELP_BLOCKED = (
    "Clicks are handled while the kernel is idle or a cell awaits (await jw.wait_async(...)); while a cell runs a "
    "process synchronously (jw.run()), a click over a comm subshell (JupyterLab >= 4.4) acts at its next step; "
    "other clicks wait for the cell to end. Use jw.submit() or await to keep control."
)


def badge_of(state: str, *, paused: bool = False, exit_status: int | None = None) -> tuple[str, str]:
    """``(key, text)`` of the badge for a process state (``"finished"``, ``"running"``, ...) and its flags."""
    if state == "finished":
        if exit_status:
            return "failed", f"failed [{exit_status}]"
        return "finished", "finished"
    if state in {"excepted", "killed"}:
        return state, state
    if paused:
        return "paused", "paused"
    return (state, state) if state in BADGES else ("created", state or "created")


_BADGE_SHAPE = (
    "display:inline-block;padding:1px 8px;border-radius:9px;font-size:0.85em;font-weight:600;line-height:1.6;"
    "white-space:nowrap"
)
# What live widgets share through one <style> element (sent once per widget, not with every update); the static
# HTML fallback inlines the same styles instead, since it must stand alone.
STYLESHEET = "<style>" + "".join(
    [f".jw-badge{{{_BADGE_SHAPE}}}"]
    + [f".jw-state-{b.key}{{background:{b.background};color:{b.foreground}}}" for b in BADGES.values()]
    + [".jw-cell{display:inline-block;overflow:hidden;text-overflow:ellipsis;white-space:nowrap;vertical-align:middle}",
       ".jw-dim{opacity:0.7}"]
) + "</style>"  # fmt: skip


def badge_html(key: str, text: str, *, title: str = "", inline: bool = False) -> str:
    """A state badge; ``inline`` carries its own styles (for HTML shown without the widgets' STYLESHEET)."""
    badge = BADGES.get(key, BADGES["created"])
    tip = f' title="{escape(title)}"' if title else ""
    style = f' style="{_BADGE_SHAPE};background:{badge.background};color:{badge.foreground}"' if inline else ""
    return f'<span class="jw-badge jw-state-{badge.key}" data-state="{badge.key}"{tip}{style}>{escape(text)}</span>'


def escape(text: object) -> str:
    return html.escape(str(text), quote=True)
