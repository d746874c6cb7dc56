"""The test harness for code that uses jupyter_workflows (and for jupyter_workflows' own tests).

``temporary_store()`` makes a fresh store current for a block; ``isolated_runtime()`` gives a block a runtime of
its own (store, runner on the loop, owner identity), as a second kernel would have; ``provenance_problems(store)``
lists every inconsistency of stored provenance (for stress tests, run it from a fresh process);
``rabbitmq_node()`` starts a private RabbitMQ node (its own port and data) for tests that stop or restart the broker;
``daemon_workers()`` starts daemon workers as OS processes (and stops or kills them).
"""

from .._runtime import Runtime as Runtime, get_runtime as get_runtime
from ._daemon import DaemonWorkers as DaemonWorkers, WorkerProcess as WorkerProcess, daemon_workers as daemon_workers
from ._integrity import provenance_problems as provenance_problems
from ._rabbitmq_node import RabbitMQNode as RabbitMQNode, rabbitmq_node as rabbitmq_node
from ._store import isolated_runtime as isolated_runtime, temporary_store as temporary_store

__all__ = [
    "DaemonWorkers",
    "RabbitMQNode",
    "Runtime",
    "WorkerProcess",
    "daemon_workers",
    "get_runtime",
    "isolated_runtime",
    "provenance_problems",
    "rabbitmq_node",
    "temporary_store",
]
