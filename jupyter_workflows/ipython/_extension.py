"""``%load_ext jupyter_workflows``: rich display of process nodes, and the ``%workflows`` line magic."""

from __future__ import annotations

from typing import Any

from ._display import enable_rich_display

__all__ = ["load_ipython_extension", "unload_ipython_extension"]


def load_ipython_extension(ipython: Any) -> None:
    """Called by ``%load_ext jupyter_workflows``: registers the display of process nodes and ``%workflows``."""
    from ._magics import WorkflowsMagics

    enable_rich_display(ipython)
    ipython.register_magics(WorkflowsMagics)


def unload_ipython_extension(ipython: Any) -> None:
    """Called by ``%unload_ext jupyter_workflows``: removes ``%workflows`` (process nodes keep their rich display)."""
    ipython.magics_manager.magics["line"].pop("workflows", None)
