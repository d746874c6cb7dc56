"""Helpers for testing code that uses jupyter_workflows (and for jupyter_workflows' own tests)."""

from ._store import temporary_store as temporary_store

__all__ = ["temporary_store"]
