"""The runtime: this OS process's store, runner and owner lease, as one object (see ``_runtime``)."""

from ._lease import (
    Lease as Lease,
    Ownership as Ownership,
    OwnerStatus as OwnerStatus,
    owner_alive as owner_alive,
    owner_text as owner_text,
    ownership_of as ownership_of,
    process_start_time as process_start_time,
)
from ._runtime import (
    Runtime as Runtime,
    configure as configure,
    get_runtime as get_runtime,
    on_loop_thread as on_loop_thread,
    swap_runtime as swap_runtime,
)

__all__ = [
    "Lease",
    "OwnerStatus",
    "Ownership",
    "Runtime",
    "configure",
    "get_runtime",
    "on_loop_thread",
    "owner_alive",
    "owner_text",
    "ownership_of",
    "process_start_time",
    "swap_runtime",
]
