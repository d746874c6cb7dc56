"""The one rule between the engine and its store: never yield to the event loop while a store transaction is open.

Processes share the loop and the store's connection. A transaction left open across a yield is joined (or
committed, or rolled back) by whatever process runs next: that is how provenance got lost. So a transaction belongs
to the code that opened it and ends before that code waits for anything. The store opens its transactions in
:func:`transaction_scope`; every place the engine yields (the portal's ``await_``, ``Runner.block``) calls
:func:`check_may_yield`, which turns a breach into an InternalError at the point where it happens. A transaction is
also never cut in half by an interrupt (see ``_interrupts``).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from ._errors import InternalError
from ._interrupts import interrupts_deferred

__all__ = ["check_may_yield", "transaction_scope"]


class _Open(threading.local):
    depth = 0


_open = _Open()


@contextmanager
def transaction_scope() -> Iterator[None]:
    """Mark a store transaction as open on this thread for the length of the block; interrupts wait for its end."""
    _open.depth += 1
    try:
        with interrupts_deferred():
            yield
    finally:
        _open.depth -= 1


def check_may_yield() -> None:
    """Raise InternalError if a store transaction is open on this thread (code is about to yield to the loop)."""
    if _open.depth:
        raise InternalError(
            "jupyter_workflows was about to yield to the event loop with a store transaction open; other processes "
            "would have joined it. This is a bug: please report it with the traceback."
        )
