"""A daemon worker (``python -m tests.worker.patient_worker``, the worker's arguments) whose processes' children stay
queued: their tasks never reach the broker (as with ``losing_worker``), and it never looks for lost tasks. While its
processes wait it never looks at the store either: only what is sent to it wakes them (a test of what reaches it)."""

from __future__ import annotations

import sys

import tests.worker.losing_worker  # noqa: F401 - the tasks of what it submits are lost
from jupyter_workflows._processes import _waiting
from jupyter_workflows.worker.__main__ import main

_waiting.POLL_WITH_BROKER = (3600.0, 3600.0)

if __name__ == "__main__":
    sys.exit(main([*sys.argv[1:], "--sweep", "3600"]))
