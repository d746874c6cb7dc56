"""The daemon: workers that run the processes submitted with ``submit(..., daemon=True)``, kept running by a
supervisor, outliving the notebook that started them.

    jw.configure(broker="amqp://guest:guest@127.0.0.1:5672/")   # or $JUPYTER_WORKFLOWS_BROKER
    jw.daemon.start(workers=2)        # or, in a terminal: jupyter workflows daemon start 2
    jw.daemon.status()                # each worker's pid, load and processes; the broker and the store
    jw.daemon.incr(), jw.daemon.decr() # one worker more, or less
    jw.daemon.stop()                  # processes in flight are handed over and continue after the next start

Each worker is an OS process with its own event loop (``python -m jupyter_workflows.worker``); the supervisor, a
detached OS process of its own, starts a worker again when it dies, and logs it. One daemon per store and machine:
its pid, state and log files are in a folder named after the store's identity, under
``$JUPYTER_WORKFLOWS_DAEMON_DIR`` or ``<Jupyter runtime dir>/workflows/daemon``. The store and the broker are the
configured ones (``jw.configure``, ``$JUPYTER_WORKFLOWS_STORE``, ``$JUPYTER_WORKFLOWS_BROKER``) unless given.
"""

from .._core import DaemonError as DaemonError
from ._lifecycle import (
    decr as decr,
    incr as incr,
    restart as restart,
    start as start,
    status as status,
    stop as stop,
)

__all__ = ["DaemonError", "decr", "incr", "restart", "start", "status", "stop"]
