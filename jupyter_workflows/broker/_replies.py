"""What an RPC's caller gets: the answer's result, or an error that says who did not answer and why."""

from __future__ import annotations

from typing import Any

from .._core import RemoteError
from .._wire import ControlReply

__all__ = ["no_answer", "nobody_holds", "result_of"]


def result_of(reply: ControlReply, identifier: str) -> Any:
    """The reply's result; RemoteError with the receiver's message if its handler raised."""
    if reply["error"] is None:
        return reply["result"]
    raise RemoteError(
        f"The holder of {identifier!r} answered with an error: {reply['error']}", reply["error_type"] or ""
    )


def nobody_holds(identifier: str, namespace: str) -> str:
    return (
        f"Nobody holds {identifier!r} in namespace {namespace!r}: no kernel or worker serves RPCs to it (the process "
        "may have ended, not started yet, or run with another store)."
    )


def no_answer(identifier: str, namespace: str, timeout: float) -> str:
    return (
        f"The holder of {identifier!r} in namespace {namespace!r} did not answer within {timeout:g} s (its event loop "
        "may be busy, for example in a notebook cell that blocks); try again, or pass a longer timeout."
    )
