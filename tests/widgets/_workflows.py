"""Processes for the widget tests (importable by a subprocess that plays another kernel)."""

from __future__ import annotations

from jupyter_workflows import WorkChain
from jupyter_workflows.testing.workflows import Nested, Slow, add, sleepy

__all__ = ["Broken", "Failing", "Nested", "Slow", "add", "sleepy"]


class Failing(WorkChain):
    @classmethod
    def define(cls, spec):
        super().define(spec)
        spec.exit_code(401, "ERROR_ON_PURPOSE", "It failed on purpose.")
        spec.outline(cls.fail)

    def fail(self):
        return self.exit_codes.ERROR_ON_PURPOSE


class Broken(WorkChain):
    @classmethod
    def define(cls, spec):
        super().define(spec)
        spec.outline(cls.explode)

    def explode(self):
        raise RuntimeError("boom on purpose")
