"""Daemon workers: OS processes that run the processes submitted with ``submit(..., daemon=True)``.

Start one with ``python -m jupyter_workflows.worker --store URL --broker URL [--slots N]`` (on any machine that
reaches the store and the broker); see :class:`Worker` for what it does, and how it stops.
"""

from ._worker import DEFAULT_SLOTS as DEFAULT_SLOTS, Worker as Worker

__all__ = ["DEFAULT_SLOTS", "Worker"]
