"""The runtime: this OS process's store, runner and owner lease, as one object (see ``_runtime``), and which
processes may take their result from the cache (see ``_caching``)."""

from ._broker import BROKER_URL_ENV as BROKER_URL_ENV, BrokerLink as BrokerLink, namespace_of as namespace_of
from ._caching import (
    disable_caching as disable_caching,
    enable_caching as enable_caching,
    identifier_of as identifier_of,
    use_cache as use_cache,
)
from ._lease import (
    HEARTBEAT_SECONDS as HEARTBEAT_SECONDS,
    Lease as Lease,
    Ownership as Ownership,
    OwnerStatus as OwnerStatus,
    live_workers as live_workers,
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
    "BROKER_URL_ENV",
    "HEARTBEAT_SECONDS",
    "BrokerLink",
    "Lease",
    "OwnerStatus",
    "Ownership",
    "Runtime",
    "configure",
    "disable_caching",
    "enable_caching",
    "get_runtime",
    "identifier_of",
    "live_workers",
    "namespace_of",
    "on_loop_thread",
    "owner_alive",
    "owner_text",
    "ownership_of",
    "process_start_time",
    "swap_runtime",
    "use_cache",
]
