"""A daemon worker (``python -m tests.worker.losing_worker``, the worker's arguments) whose tasks for the processes
it submits never reach the broker: as if it were SIGKILLed after each child's commit, before the broker took the
child's task. (Every task: a test that uses it kills it once its WorkChain waits for such a child.)"""

from __future__ import annotations

import sys
from typing import Any

from jupyter_workflows._runtime._broker import BrokerLink
from jupyter_workflows.worker.__main__ import main


def lose(self: BrokerLink, task: Any, failed: Any) -> None:
    """The task dies with this worker."""


BrokerLink.send_task_soon = lose  # type: ignore[method-assign]

if __name__ == "__main__":
    sys.exit(main())
