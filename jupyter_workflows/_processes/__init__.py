"""Shared by process functions, WorkChains and the launchers: the data-node spec, instantiation, running, waiting."""

from ._daemon import (
    communicator as communicator,
    queue_again as queue_again,
    queue_continue as queue_continue,
    queue_continue_soon as queue_continue_soon,
    submit as submit,
)
from ._instantiate import (
    Launch as Launch,
    enqueue as enqueue,
    instantiate as instantiate,
    launch_inputs as launch_inputs,
    process_class_of as process_class_of,
)
from ._orphans import end_orphan_tree as end_orphan_tree, record_end as record_end
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
from ._steering import Intent as Intent, steer as steer, steer_async as steer_async
from ._waiting import (
    StateChangeFeed as StateChangeFeed,
    follow_state_changes as follow_state_changes,
    wait_terminated as wait_terminated,
)

__all__ = [
    "Intent",
    "Launch",
    "Process",
    "ProcessSpec",
    "StateChangeFeed",
    "communicator",
    "end_orphan_tree",
    "enqueue",
    "follow_state_changes",
    "instantiate",
    "launch_inputs",
    "process_class_of",
    "queue_again",
    "queue_continue",
    "queue_continue_soon",
    "record_end",
    "result_of",
    "run",
    "run_async",
    "run_created",
    "start",
    "start_created",
    "steer",
    "steer_async",
    "submit",
    "wait_terminated",
]
