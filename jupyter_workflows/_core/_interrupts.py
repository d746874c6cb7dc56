"""Where an interrupt (Ctrl-C, the kernel's Interrupt button: SIGINT) goes.

Python's own handler raises KeyboardInterrupt in whatever code runs at that moment: a background process's step, a
store commit, the engine's bookkeeping. So while the main thread is blocked on something of ours, the interrupt goes
to that thing instead (:func:`interrupts_go_to`):

* a cell blocked in ``jw.run(...)``: the process it runs is killed, then the cell gets KeyboardInterrupt;
* a cell blocked in ``jw.wait(...)``: the waiting stops (KeyboardInterrupt); the processes go on;
* a background step that holds the loop (the kernel is idle, so ipykernel ignores SIGINT): its process is killed.

A target's ``interrupt()`` runs inside the signal handler: it only sets flags, schedules work on the loop and, when
the code running at that moment is user code of a process being killed, raises there. Store commits are never cut
in half: :func:`interrupts_deferred` holds an interrupt back until the commit ended, then delivers it.

A daemon worker (an OS process of ours) also listens for a kill signal (SIGUSR1, :func:`listen_for_kill_signal`):
its broker thread sends it when a kill arrives, and the handler ends the user code that holds the loop if its process
is being killed, as the interrupt above does.

Uses ``_signal`` (the C module behind ``signal``): ``signal.signal`` converts handlers to enums on every call and
costs ten times more, which matters around every commit.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any, Protocol

from ._errors import InternalError

try:
    import _signal as _sig  # type: ignore[import-not-found]
except ImportError:  # not CPython
    import signal as _sig

__all__ = [
    "InterruptTarget",
    "interrupts_deferred",
    "interrupts_go_to",
    "kill_signal_heard",
    "listen_for_kill_signal",
    "send_kill_signal",
]

SIGINT = 2
# Only in an OS process of ours, a daemon worker (see listen_for_kill_signal); None where there is none (Windows).
KILL_SIGNAL: int | None = getattr(_sig, "SIGUSR1", None) if hasattr(_sig, "pthread_kill") else None
_MAIN = threading.main_thread()


class InterruptTarget(Protocol):
    def interrupt(self, frame: FrameType | None) -> None:
        """Called from the signal handler on the main thread with the frame it interrupted: set flags, schedule,
        or raise into user code."""


class _Slot:
    target: InterruptTarget | None = None
    kill_signal = False  # whether listen_for_kill_signal installed its handler


_slot = _Slot()


def _on_main_thread() -> bool:
    return threading.current_thread() is _MAIN


def _handler(signum: int, frame: FrameType | None) -> None:
    target = _slot.target
    if target is not None:
        target.interrupt(frame)


@contextmanager
def interrupts_go_to(target: InterruptTarget) -> Iterator[bool]:
    """While the block runs, an interrupt calls ``target.interrupt()``. Yields whether ``target`` got the slot: only
    the outermost blocking call owns it (nested calls are part of what it waits for), and only on the main thread."""
    if _slot.target is not None or not _on_main_thread():
        yield False
        return
    previous = _sig.signal(SIGINT, _handler)
    _slot.target = target
    try:
        yield True
    finally:
        _slot.target = None
        _sig.signal(SIGINT, previous)


@contextmanager
def interrupts_deferred() -> Iterator[None]:
    """No interrupt lands inside the block; one that arrives meanwhile is delivered right after it."""
    if not _on_main_thread():
        yield
        return
    arrived: list[Any] = []
    previous = _sig.signal(SIGINT, lambda signum, frame: arrived.append(signum))
    try:
        yield
    finally:
        _sig.signal(SIGINT, previous)
        if arrived:
            _sig.raise_signal(SIGINT)  # now handled by whatever handler was in place


def listen_for_kill_signal(handler: Callable[[int, FrameType | None], None]) -> None:
    """On the main thread: call ``handler(signum, frame)`` (in the signal handler) whenever another thread calls
    :func:`send_kill_signal`. For an OS process whose signals are all ours (a daemon worker): in a kernel, SIGUSR1
    belongs to the user."""
    if not _on_main_thread():
        raise InternalError("the kill signal is listened for on the main thread, where Python runs signal handlers")
    if KILL_SIGNAL is None:  # no such signal here: kills take effect when the code next waits or returns
        return
    _sig.signal(KILL_SIGNAL, handler)
    _slot.kill_signal = True


def kill_signal_heard() -> bool:
    """Whether this OS process listens for the kill signal (see :func:`listen_for_kill_signal`)."""
    return _slot.kill_signal


def send_kill_signal() -> None:
    """From any thread: run the main thread's kill handler (see :func:`listen_for_kill_signal`) at its next bytecode,
    cutting short a blocking call such as ``time.sleep``; nothing where nobody listens for it, or while no code that
    interrupts go to holds the main thread (a process's step, between its waits: no user code runs then)."""
    if _slot.kill_signal and _slot.target is not None and KILL_SIGNAL is not None and _MAIN.ident is not None:
        _sig.pthread_kill(_MAIN.ident, KILL_SIGNAL)
