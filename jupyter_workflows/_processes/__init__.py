"""Shared by process functions, WorkChains and the launchers: the data-node spec, instantiation, running, waiting."""

from ._instantiate import (
    Launch as Launch,
    instantiate as instantiate,
    launch_inputs as launch_inputs,
    process_class_of as process_class_of,
)
from ._orphans import end_orphan_tree as end_orphan_tree
from ._process import Process as Process
from ._running import (
    result_of as result_of,
    run as run,
    run_async as run_async,
    run_created as run_created,
    start as start,
    start_created as start_created,
)
from ._spec import ProcessSpec as ProcessSpec
from ._waiting import wait_terminated as wait_terminated

__all__ = [
    "Launch",
    "Process",
    "ProcessSpec",
    "end_orphan_tree",
    "instantiate",
    "launch_inputs",
    "process_class_of",
    "result_of",
    "run",
    "run_async",
    "run_created",
    "start",
    "start_created",
    "wait_terminated",
]
