"""The process lifecycle: CREATED -> RUNNING <-> WAITING -> FINISHED | EXCEPTED | KILLED, with pause and kill.

A process runs its lifecycle as synchronous engine code (``execute``) inside a portal greenlet (see ``_portal``):
inline when called synchronously, or in its own asyncio task when submitted. It only ever waits in
``_await()``, so pause takes effect at step boundaries and kill interrupts the current wait at once.
"""

from __future__ import annotations

import abc
import asyncio
import contextvars
import dataclasses
import logging
import os
import re
import time
import traceback
import weakref
from collections.abc import Awaitable, Callable, Iterable, Mapping
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, TypeVar

import greenlet

from . import _inbox
from ._attribute_dict import AttributeDict, frozen_tree
from ._builder import ProcessBuilder
from ._errors import IncompleteDefineError, SpecError, UsageError, ValidationError
from ._exit_code import ERROR_MISSING_OUTPUT, ExitCode, ExitCodes
from ._interrupts import SIGINT, listen_for_kill_signal
from ._portal import await_, discard, in_background, in_portal
from ._ports import PortNamespace
from ._spec import ProcessSpec
from ._states import ProcessState, check_transition

if TYPE_CHECKING:
    from ._runner import Runner

__all__ = [
    "REPORT_LOGGER_NAME",
    "PreparedProcess",
    "Process",
    "ProcessRecord",
    "current_process",
    "killed_with_caller",
    "kills_reach_user_code",
]

T = TypeVar("T")
P = TypeVar("P", bound="Process")
REPORT = 23  # logging level of process reports, between INFO and WARNING (as AiiDA's REPORT)
logging.addLevelName(REPORT, "REPORT")
REPORT_LOGGER_NAME = "jupyter_workflows.report"
_LOGGER = logging.getLogger(REPORT_LOGGER_NAME)
_WITH_CALLER = re.compile(r" \(killed with its caller [^()]*\)\Z")  # what killed_with_caller adds

# A weak reference: the process holds the context it runs in, which would otherwise hold it (a cycle per process,
# left to the garbage collector).
_CURRENT: contextvars.ContextVar[weakref.ref[Process] | None] = contextvars.ContextVar(
    "jupyter_workflows.current_process", default=None
)
_PREPARED: contextvars.ContextVar[PreparedProcess | None] = contextvars.ContextVar(
    "jupyter_workflows.prepared_process", default=None
)


def killed_with_caller(reason: str, caller: str) -> str:
    """The exit message of a process killed with its caller ``caller`` (``label<pk>``): the kill's ``reason`` and
    that caller, once (a reason that names a caller further up, as a kill sent down a tree of workers does, no
    longer names it: each message names the caller the kill came through)."""
    return f"{_WITH_CALLER.sub('', reason)} (killed with its caller {caller})"


def current_process() -> Process | None:
    """The process whose code is running right now, or None outside any process."""
    current = _CURRENT.get()
    return None if current is None else current()


class ProcessRecord(Protocol):
    """What the engine needs from the persistent side of a process: its process node.

    ``pk`` is None while the node is not stored yet (a quick calcfunction is stored whole when it ends). Reports,
    outputs and status are gathered in memory and committed with the next state change, pause flag, checkpoint or
    :meth:`flush`: a process commits before it yields to the loop, so no transaction ever spans a yield.
    """

    @property
    def pk(self) -> int | None: ...

    def record_state(
        self,
        state: ProcessState,
        *,
        exit_status: int | None = None,
        exit_message: str | None = None,
        exception: str | None = None,
    ) -> ProcessState: ...

    def record_paused(self, paused: bool) -> None: ...

    def record_report(self, levelname: str, message: str) -> None: ...

    def record_status(self, status: str | None, step: str | None = None) -> None: ...

    def record_output(self, label: str, value: Any) -> None: ...

    def flush(self) -> None: ...

    @property
    def state_unsaved(self) -> bool:
        """Whether a state on the way (running, waiting) was recorded and is not committed yet."""
        ...

    def relabel(self, process_label: str) -> None: ...

    process: Process | None  # the process object writing through this record, while it runs here


@dataclasses.dataclass
class PreparedProcess:
    """Everything a new process object is made of, prepared (inputs validated, node described) by the launcher.

    ``store_now``: the node is written when the object exists (before ``on_create``); False for a run written
    whole when it ends, or a cache hit. ``resumed``: the process is taken up again (``jw.resume``), not created, so
    ``on_create`` is not called."""

    process_class: type[Process]
    inputs: Mapping[str, Any]
    node: ProcessRecord
    runner: Runner
    label: str
    parent: Process | None
    store_now: bool = True
    resumed: bool = False
    # A cache hit: the process ends as an earlier run of the same code on the same inputs did, with these outputs
    # (label, value; validated when that run made them) and this exit code, instead of running.
    replayed: tuple[list[tuple[str, Any]], ExitCode] | None = None
    taken: bool = False


class _ExitCodesOfClass:
    """``exit_codes`` read on a process class (``MyWorkChain.exit_codes.ERROR_X``) or on one of its processes."""

    def __get__(self, instance: object, owner: type[Process]) -> ExitCodes:
        return owner.spec().exit_codes


class _Killed(BaseException):
    """Unwinds a process that was asked to die. A BaseException so that ``except Exception`` in user code lets it by."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class _HandedOver(BaseException):
    """Unwinds a process that stops running here, as stored, for another runtime to continue (see ``hand_over``)."""


class ProcessType(abc.ABCMeta):
    """The metaclass of processes: once every ``__init__`` of a new process ran, its node is stored and its
    ``on_create`` is called (plumpy's order, which AiiDA's processes rely on). An ABCMeta, so that a process class
    may also derive from ``abc.ABC``."""

    def __call__(cls, *args: Any, **kwargs: Any) -> Any:
        process = super().__call__(*args, **kwargs)
        process._created()
        return process


class Process(metaclass=ProcessType):
    """Base of every process. Subclasses implement ``_run()``, returning None, an exit status or an ExitCode.

    ``Process(inputs={...})`` (AiiDA's way) validates the inputs and makes the process with its node, not started;
    the engine makes its processes through :meth:`from_prepared`."""

    _spec_class: ClassVar[type[ProcessSpec]] = ProcessSpec
    node_kind: ClassVar[str] = "process"
    runs_inline: ClassVar[bool] = False  # a plain call that never waits (a synchronous calcfunction)
    single_result: ClassVar[bool] = False  # a run returns the output 'result' itself when it is the only one
    SINGLE_OUTPUT_LINKNAME: ClassVar[str] = "result"  # the output label of a lone value: ``out(value)``
    exit_codes = _ExitCodesOfClass()
    writes_at_end: ClassVar[bool] = False  # nothing of a run is stored before it ends: it may stop at any wait
    # (a hand-over) and run again from the start (a calcfunction)

    @classmethod
    def current(cls) -> Process | None:
        """The process whose code runs right now (a calcfunction or workfunction body, a WorkChain step, and what
        they call), or None outside any process. Each process of an ``asyncio.gather`` sees itself."""
        return current_process()

    # -- the spec ---------------------------------------------------------------------------------------------------
    @classmethod
    def define(cls, spec: ProcessSpec) -> None:
        """Declare inputs, outputs and exit codes on ``spec``. Call ``super().define(spec)`` first."""
        spec.defined_by_base = True

    @classmethod
    def spec(cls) -> ProcessSpec:
        """The (cached, sealed) spec of this class."""
        cached = cls.__dict__.get("_jw_spec")
        if cached is None:
            cached = cls._spec_class()
            cls.define(cached)
            if not cached.defined_by_base:
                raise IncompleteDefineError(
                    f"{cls.__name__}.define(spec) does not call super().define(spec): the ports and exit codes of "
                    f"the classes it derives from would be missing. Call super().define(spec) first in it."
                )
            cached.sealed = True
            cls._jw_spec = cached  # type: ignore[attr-defined]
        return cached

    @classmethod
    def get_exit_statuses(cls, exit_code_labels: Iterable[str]) -> list[int]:
        """The statuses of the exit codes with these labels (AttributeError for an unknown label)."""
        return [getattr(cls.exit_codes, label).status for label in exit_code_labels]

    @classmethod
    def get_builder(cls) -> ProcessBuilder:
        """A builder for this process's inputs: set them one by one (``builder.x = Int(1)``), each checked as it is
        set, then launch it with ``run(builder)`` or ``submit(builder)``."""
        return ProcessBuilder(cls)

    @classmethod
    def build_process_type(cls) -> str:
        """``module.qualname`` of the process's code, the identifier ``enable_caching(identifier=...)`` matches."""
        return f"{cls.__module__}.{cls.__qualname__}"

    @classmethod
    def code_digest(cls) -> str:
        """What a process node's hash includes of the process's code (a process function: its source too)."""
        return cls.build_process_type()

    @classmethod
    def recorded_source(cls) -> tuple[dict[str, Any], str | None]:
        """Where the process's code is, as its node records it (a process function: AiiDA's ``function_name``,
        ``function_namespace``, ``function_starting_line_number``, ``function_number_of_lines``), and the text of
        its source file (None when there is none). A process class records nothing of it."""
        return {}, None

    @classmethod
    def inputs_from_call(cls, args: tuple[Any, ...], kwargs: dict[str, Any]) -> dict[str, Any]:
        """The inputs of a call ``run(cls, ...)``: keywords, or one mapping (and keywords on top)."""
        if len(args) == 1 and isinstance(args[0], Mapping) and not hasattr(args[0], "pk"):
            return {**args[0], **kwargs}
        if args:
            raise UsageError(
                f"{cls.__name__} takes its inputs as keywords: run({cls.__name__}, x=Int(1)) or "
                f"run({cls.__name__}, {{'x': Int(1)}}); got {len(args)} positional argument(s)."
            )
        return kwargs

    # -- lifecycle --------------------------------------------------------------------------------------------------
    @classmethod
    def prepare(cls, inputs: Mapping[str, Any], runner: Runner | None) -> PreparedProcess:
        """Validate ``inputs`` and describe the node of a new process of this class (the layer that stores nodes
        implements it)."""
        raise UsageError(f"{cls.__name__} cannot be made directly; launch it with jw.run({cls.__name__}, ...).")

    @classmethod
    def from_prepared(cls: type[P], prepared: PreparedProcess) -> P:
        """The process object of what a launcher prepared: through ``__init__`` (a subclass's too) and ``on_create``."""
        token = _PREPARED.set(prepared)
        try:
            return cls()
        finally:
            _PREPARED.reset(token)

    def __init__(
        self,
        inputs: Mapping[str, Any] | None = None,
        logger: logging.Logger | None = None,
        runner: Runner | None = None,
        parent_pid: int | None = None,
        enable_persistence: bool = True,
    ) -> None:
        """A new process of this class with these inputs, validated at once (ValidationError), not started: run it
        with ``jw.run(process)``. AiiDA's signature; ``runner`` is the runtime's runner (or None), and ``logger``,
        ``parent_pid`` and ``enable_persistence`` take their defaults only: reports go to the node's log, the
        caller is the process running now, and a WorkChain always checkpoints."""
        prepared = _PREPARED.get()
        if prepared is None or prepared.taken or prepared.process_class is not type(self):
            _check_defaults(type(self).__name__, logger=logger, parent_pid=parent_pid, persist=enable_persistence)
            prepared = type(self).prepare(inputs or {}, runner)
        prepared.taken = True
        self._prepared: PreparedProcess | None = prepared
        self.inputs = frozen_tree(prepared.inputs)
        self.node = prepared.node
        self.runner = prepared.runner
        self.label = prepared.label
        self.parent = prepared.parent
        self.children: list[Process] = []
        self.last_call = 0  # the highest pk among the processes it called (here or on a daemon worker)
        # The pks of the processes it called since it runs here (here or on a daemon worker), and of those a resumed
        # WorkChain waits for: a kill that arrives on another thread finds those this runtime took from the queue,
        # which are not among its ``children``.
        self.called_pks: set[int] = set()
        self.state = ProcessState.CREATED
        self.paused = False
        self.interrupted = False  # an interrupt (SIGINT) killed it while the main thread waited for it
        self.user_seconds = 0.0  # time spent in its user code (waits inside it included)
        self.outputs = AttributeDict()
        self.exit_code: ExitCode | None = None
        self.replayed: tuple[list[tuple[str, Any]], ExitCode] | None = prepared.replayed
        self.exception: BaseException | None = None
        self.terminated: asyncio.Future[None] = self.runner.loop.create_future()
        self.task: asyncio.Task[Any] | None = None
        self._started = False
        self._announced = False
        self._kill_reason: str | None = None  # why it was asked to die (the user's words)
        self._kill_message: str | None = None  # what is recorded: the reason, and the caller it came through
        self._handing_over = False  # asked to stop here at its next checkpoint (see hand_over)
        self._waiting: asyncio.Future[Any] | None = None
        self._waiting_at_checkpoint = False  # what it waits for may be left (a hand-over) without losing a step
        self._play: asyncio.Future[None] | None = None
        self.context = contextvars.copy_context()
        self.context.run(_CURRENT.set, weakref.ref(self))

    def _created(self) -> None:
        """After every ``__init__``: store the node (unless the launcher defers it), adopt the process, call
        ``on_create``. A process whose ``on_create`` raised ends as excepted, and the error propagates."""
        prepared = self.__dict__.get("_prepared")
        if prepared is None:
            raise SpecError(
                f"{type(self).__name__}.__init__ must call super().__init__(...): the process has no node otherwise."
            )
        self._prepared = None
        self.node.process = self
        label = self._build_process_label()
        if label != self.label and not prepared.resumed:
            self.label = label
            self.node.relabel(label)
        if prepared.store_now:
            self.node.flush()
        self.runner.adopt(self)
        if self.parent is not None:
            self.parent.children.append(self)
        self._announce()
        if prepared.resumed:
            return
        try:
            self._user(self.on_create)
        except BaseException as error:  # it never starts: it ends here, as a run that raised (or was interrupted)
            self._started = True
            if isinstance(error, KeyboardInterrupt):
                self.request_kill("Interrupted by the user (KeyboardInterrupt).")
                self._end_killed()
            else:
                self._end_excepted(error)
            self._release()
            raise

    def _build_process_label(self) -> str:
        """The process label its node records (the class's name); override it for another (AiiDA's hook)."""
        return self.label

    def on_create(self) -> None:
        """Called once a new process and its node exist, before it starts (not when it is resumed). Override it to
        set up ``self.ctx`` or attributes; call ``super().on_create()`` first."""

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name} {self.state.value}{' paused' if self.paused else ''}>"

    @property
    def pk(self) -> int | None:
        """The pk of the process node; None until it is stored."""
        return self.node.pk

    @property
    def started(self) -> bool:
        """Whether it was launched (a process runs once), or ended before it could start (killed)."""
        return self._started

    @property
    def name(self) -> str:
        pk = self.node.pk
        return self.label if pk is None else f"{self.label}<{pk}>"

    def execute(self) -> None:
        """Run to a terminal state. Synchronous engine code: runs in a portal, or inline if it never waits. Returns
        nothing: its task's result would hold the process, which holds its task (a cycle per process)."""
        if self._started:
            return
        self._started = True
        try:
            self._step_boundary()
            self._move(ProcessState.RUNNING)
            result = self._run() if self.replayed is None else self._replay()
            self._check_killed()
            self._finish(result)
        except _HandedOver:
            if self.state is ProcessState.CREATED:  # it never started (a worker's claim may have recorded it as
                self.node.record_state(ProcessState.CREATED)  # running): it goes back as created
            self.node.flush()  # it stays as stored, in the state it had: another runtime continues it
        except _Killed:
            self._end_killed()
        except asyncio.CancelledError:
            self.request_kill("The process was cancelled.")
            self._end_killed()
        except KeyboardInterrupt:
            self.request_kill("Interrupted by the user (KeyboardInterrupt).")
            self._end_killed()
            raise
        except (greenlet.GreenletExit, GeneratorExit):  # its task or greenlet is being destroyed: the loop ends
            self.request_kill("The process was stopped because its event loop (kernel) shut down.")
            self._end_killed()
            raise
        except BaseException as error:
            if self._kill_message is not None:  # killed while in a child call: the error is the kill's echo
                self._end_killed()
            else:
                self._end_excepted(error)
        finally:
            self._release()

    def _run(self) -> Any:
        raise NotImplementedError

    def _replay(self) -> ExitCode:
        assert self.replayed is not None
        outputs, exit_code = self.replayed
        for label, value in outputs:
            self.node.record_output(label, value)
            self.outputs.set_path(label, value)
            self._publish("output", label=label)
        return exit_code

    def _user(self, function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Call user code (a body, a step, a condition): the one door from the engine into user code, which is
        where an interrupt that kills this process may land (see :func:`_in_user_code`)."""
        started = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            self.user_seconds += time.perf_counter() - started

    def _finish(self, result: Any) -> None:
        exit_code = self._exit_code_of(result)
        if exit_code.status == 0:
            missing = self._missing_outputs()
            if missing:
                exit_code = ERROR_MISSING_OUTPUT.format(labels=", ".join(missing))
        self.exit_code = exit_code
        self._move(ProcessState.FINISHED, exit_status=exit_code.status, exit_message=exit_code.message)

    def _exit_code_of(self, result: Any) -> ExitCode:
        if result is None:
            return ExitCode()
        if isinstance(result, ExitCode):
            return result
        if isinstance(result, int) and not isinstance(result, bool):
            return ExitCode(result)
        raise ValidationError(
            f"{self.name} returned {type(result).__name__} {result!r}",
            ["return None to go on, an ExitCode (e.g. self.exit_codes.ERROR_X) or an int exit status to stop"],
        )

    def _missing_outputs(self) -> list[str]:
        missing: list[str] = []
        _collect_missing(self.spec().outputs, self.outputs, "", missing)
        return missing

    def _end_killed(self) -> None:
        assert self._kill_message is not None
        self._apply_kill_to_children()
        self._wait_for_children_to_die()
        if not self.state.is_terminal:
            self._move(ProcessState.KILLED, exit_message=self._kill_message)

    def _end_excepted(self, error: BaseException) -> None:
        self.exception = error
        text = "".join(traceback.format_exception(type(error), error, error.__traceback__))
        if not self.state.is_terminal:
            self._move(ProcessState.EXCEPTED, exit_message=f"{type(error).__name__}: {error}", exception=text)

    def _release(self) -> None:
        self._waiting = None
        if not self.terminated.done() and (self.state.is_terminal or not self._handing_over):
            self.terminated.set_result(None)
        self.runner.release(self)

    def _move(self, state: ProcessState, **info: Any) -> None:
        """Record the new state, then take it: the in-memory state never runs ahead of the store."""
        old = self.state
        check_transition(self.name, old, state)
        self.state = self.node.record_state(state, **info)  # ended elsewhere meanwhile: that end stands
        self._announce()
        # committed: whether the store holds the state already (a terminal one does; a state on the way is
        # usually committed with the process's next write)
        data: dict[str, Any] = {"committed": state.is_terminal or not self.node.state_unsaved, "paused": self.paused}
        if state.is_terminal:
            data["exit_status"] = info.get("exit_status")
        if state is ProcessState.KILLED:
            data["reason"] = self._kill_reason
        self._publish("state", old=old.value, new=state.value, **data)

    def _announce(self) -> None:
        """Tell the caller's observers about this process, once it has a pk."""
        if self._announced or self.node.pk is None:
            return
        self._announced = True
        if self.parent is not None:
            self.parent.record_call(self.node.pk)

    def record_call(self, pk: int) -> None:
        """A process this one called got its pk (it runs here, or was sent to a daemon worker): tell observers."""
        self.last_call = max(self.last_call, pk)
        self.called_pks.add(pk)
        self._publish("called", child=pk)

    def _publish(self, kind: str, **data: Any) -> None:
        pk = self.node.pk
        if pk is not None:
            self.runner.events.publish(pk, kind, **data)

    # -- waiting ------------------------------------------------------------------------------------------------------
    def wait_for(self, awaitable: Awaitable[T]) -> T:
        """Wait for ``awaitable`` from this process's synchronous code (a step, a body); a kill interrupts it."""
        return self._await(awaitable)

    def _await(self, awaitable: Awaitable[T], *, commit: bool = True, at_checkpoint: bool = False) -> T:
        """Wait for ``awaitable`` through the portal; kill interrupts the wait. Only place a process ever waits.

        What the process recorded so far is committed first, so that other kernels see it while it waits (no
        transaction is ever open across the wait either way); ``commit=False`` for a wait of one loop iteration.
        ``at_checkpoint``: the store holds everything of the process up to this wait, so a hand-over may end it.
        """
        if self._kill_message is not None:
            discard(awaitable)
            raise _Killed(self._kill_message)
        at_checkpoint = at_checkpoint or self.writes_at_end
        if at_checkpoint and self._handing_over:
            discard(awaitable)
            raise _HandedOver
        if commit:
            self.node.flush()
        future = asyncio.ensure_future(awaitable, loop=self.runner.loop)
        self._waiting = future
        self._waiting_at_checkpoint = at_checkpoint
        try:
            return await_(future)
        except asyncio.CancelledError:
            if self._kill_message is not None:
                raise _Killed(self._kill_message) from None
            if at_checkpoint and self._handing_over:
                raise _HandedOver from None
            raise
        except BaseException:
            if not future.done():
                future.cancel()
            raise
        finally:
            self._waiting = None
            self._waiting_at_checkpoint = False

    def _await_off_slot(self, awaitable: Awaitable[T]) -> T:
        """:meth:`_await` at a checkpoint, for something other than this process's own work (its children, play):
        its run slot (see ``_slots``; a daemon worker's) is free meanwhile, and taken again before it runs on."""
        holder = self._slot_holder()
        slots = self.runner.slots
        if slots is None or holder.pk is None or not slots.set_aside(holder.pk):
            return self._await(awaitable, at_checkpoint=True)
        result = self._await(awaitable, at_checkpoint=True)  # killed or handed over: it ends without its slot
        back = slots.take_back(holder.pk)
        if back is not None:
            self._await(back, commit=False, at_checkpoint=True)  # an interrupted wait cancels ``back``
        return result

    def _slot_holder(self) -> Process:
        """The process whose slot this one runs in: itself, or the caller it runs inside (``run`` in a step)."""
        holder = self
        while holder.task is None and holder.parent is not None:
            holder = holder.parent
        return holder

    def _await_user(self, awaitable: Awaitable[T]) -> T:
        """Await what user code returned (an ``async def`` body or step) as a task in the process's context. A
        coroutine that never gets to run (the process was killed first) is closed, not left "never awaited"."""
        if self._kill_message is not None:
            discard(awaitable)
            raise _Killed(self._kill_message)
        task = self.context.run(self.runner.loop.create_task, _as_coroutine(awaitable))
        task.add_done_callback(lambda _: discard(awaitable))
        return self._await(task)

    def _step_boundary(self) -> None:
        """Between two steps (the store holds all of the process): take a turn if other work waits for the loop,
        stop if killed or handed over, hold while paused."""
        if in_background():
            turn = self.runner.time_slices.turn()
            if turn is not None:
                # A turn is short: what is pending goes with the next write, but a state on the way goes now: its
                # broadcast leaves on the loop's next turn, and says the store holds it.
                self._await(turn, commit=self.node.state_unsaved)
        elif in_portal() and _inbox.waiting(self.runner.loop):  # run synchronously, it holds the loop: let
            self._await(_inbox.let_in(), commit=self.node.state_unsaved)  # control and clicks from other threads act
        while self.paused:
            self._check_killed()
            self._before_rest()
            self._play = self.runner.loop.create_future()
            self._await_off_slot(self._play)
        self._check_killed()
        if self._handing_over:
            self._before_rest()
            raise _HandedOver

    def _before_rest(self) -> None:
        """About to hold at a step boundary (paused) or to stop there (handed over): store what a checkpoint would
        (a kind of process that defers its checkpoint writes it here)."""

    def _check_killed(self) -> None:
        if self._kill_message is not None:
            raise _Killed(self._kill_message)

    def _wait_for_children_to_die(self) -> None:
        alive = [child.terminated for child in self.children if not child.terminated.done()]
        if not alive or not in_portal():
            return
        try:
            await_(asyncio.wait(alive))
        except BaseException:  # a second interrupt: stop waiting, the children finish dying on their own
            return

    # -- controls -----------------------------------------------------------------------------------------------------
    def pause(self) -> bool:
        """Hold the process at its next step boundary. False if it already terminated."""
        if self.state.is_terminal:
            return False
        if not self.paused:
            self.node.record_paused(True)
            self.paused = True
            self._publish("paused", paused=True, state=self.state.value)
        return True

    def play(self) -> bool:
        """Let a paused process go on. False if it was not paused (or already terminated)."""
        if self.state.is_terminal or not self.paused:
            return False
        self.node.record_paused(False)
        self.paused = False
        self._publish("paused", paused=False, state=self.state.value)
        if self._play is not None and not self._play.done():
            self._play.set_result(None)
        return True

    def kill(self, message: str | None = None) -> bool:
        """Kill the process and its running children, recording ``message`` as the reason. Takes effect at once
        when it waits (or has not started), otherwise at its next step boundary. False if it already terminated."""
        if self.state.is_terminal:
            return False
        self.request_kill(message or "Killed by the user.")
        self._apply_kill()
        return True

    def hand_over(self) -> bool:
        """Stop running this process here at its next checkpoint (before it starts, at a step boundary, or while it
        waits for children or for play; a calcfunction, which stores nothing before its end, at any wait), leaving
        it in the store as it is, for another runtime to continue. Its ``task`` then ends; ``terminated`` stays
        pending, since it did not terminate. A process function that started ends first, unless it waits (it keeps
        no checkpoint). False if it already terminated."""
        if self.state.is_terminal:
            return False
        self._handing_over = True
        if self._waiting is not None and self._waiting_at_checkpoint and not self._waiting.done():
            self._waiting.cancel()
        return True

    @property
    def handed_over(self) -> bool:
        """Whether it stopped here without terminating, handed over to another runtime (see :meth:`hand_over`)."""
        return self._handing_over and not self.state.is_terminal and self not in self.runner.live

    def request_kill(self, reason: str, *, via: Process | None = None) -> None:
        """Mark this process and its descendants to die, without acting yet (safe inside a signal handler).

        The first reason wins. Descendants record the same reason and the caller the kill came through."""
        if self._kill_message is None:
            self._kill_reason = _WITH_CALLER.sub("", reason)
            self._kill_message = reason if via is None else killed_with_caller(reason, via.name)
        for child in self.children:
            if not child.state.is_terminal:
                child.request_kill(self._kill_reason or reason, via=self)

    def _apply_kill(self) -> None:
        """Act on a kill request: end a process that never started, interrupt a wait, then the same for children."""
        if self.state.is_terminal or self._kill_message is None:
            return
        if not self._started:
            self._started = True
            self._move(ProcessState.KILLED, exit_message=self._kill_message)
            self._release()
            if self.task is not None:
                self.task.cancel()
        elif self._waiting is not None and not self._waiting.done():
            self._waiting.cancel()
        self._apply_kill_to_children()

    def _apply_kill_to_children(self) -> None:
        for child in self.children:
            if not child.state.is_terminal:
                child.request_kill(self._kill_reason or "Killed.", via=self)
                child._apply_kill()

    def interrupt(self, frame: FrameType | None) -> None:
        """SIGINT while the main thread waits for this process (see ``_interrupts``): kill it and its children.

        Runs inside the signal handler: marks, schedules the rest on the loop, and raises into the interrupted code
        only if it is user code of a process being killed. Engine code is never cut: the kill takes effect at its
        next check (a wait, a step boundary, the start of a child)."""
        self.interrupted = True
        self.request_kill("Interrupted by the user (kernel interrupt).")
        if not self.runner.loop.is_closed():
            self.runner.loop.call_soon_threadsafe(self._apply_kill)
        _raise_in_killed_user_code(SIGINT, frame)

    def check_killed(self) -> None:
        """Raise the kill's unwinding exception if this process was asked to die (before it starts a child)."""
        self._check_killed()

    # -- what steps use -----------------------------------------------------------------------------------------------
    def report(self, message: str, *args: Any) -> None:
        """Record a report message for this process (shown by widgets, ``jw.report(node)`` and the log)."""
        text = message % args if args else str(message)
        self.node.record_report("REPORT", text)
        _LOGGER.log(REPORT, "[%s|%s]: %s", self.pk, self.label, text)
        self._publish("report", levelname="REPORT", message=text)

    def out(self, label: Any, value: Any = None) -> None:
        """Register an output; ``out(value)`` alone registers it as ``result``. Raises ValidationError at once if the
        spec has no such output, the type is wrong, or the label was registered already (one label, one output)."""
        if value is None:  # as AiiDA: the one argument is the value
            label, value = self.SINGLE_OUTPUT_LINKNAME, label
        port = self.spec().outputs.get_port(label)
        if isinstance(value, Mapping) and (isinstance(port, PortNamespace) or (port is None and value)):
            for key, item in value.items():  # a namespace of outputs (declared, or made on the fly in a dynamic one)
                self.out(f"{label}.{key}", item)
            return
        problems = self._output_problems(label, value)
        parts = label.split(".")
        for depth in range(1, len(parts) + 1):  # the label, or a label above it that holds a value, not outputs
            path = ".".join(parts[:depth])
            held = self.outputs.get_path(path)
            if held is not None and (depth == len(parts) or not isinstance(held, Mapping)):
                problems.append(f"output '{path}' was registered already; each output label takes one value")
                break
        if problems:
            raise ValidationError(f"Invalid output of {self.name}", problems)
        self.node.record_output(label, value)
        self.outputs.set_path(label, value)
        self._publish("output", label=label)

    def _output_problems(self, label: str, value: Any) -> list[str]:
        outputs = self.spec().outputs
        port = outputs.get_port(label)
        if port is not None and not isinstance(port, PortNamespace):
            return port.problems_with(value, label, self.name)
        *parents, name = label.split(".")
        namespace = outputs
        for depth, part in enumerate(parents):
            inner = namespace.ports.get(part)
            if isinstance(inner, PortNamespace):
                namespace = inner
            elif inner is None and namespace.dynamic:  # a namespace made on the fly, as a dict would make it
                nested: Any = value
                for key in reversed([*parents[depth + 1 :], name]):
                    nested = {key: nested}
                prefix = ".".join(parents[:depth])
                return namespace.validate_values({part: nested}, f"{prefix}." if prefix else "", self.name)
            else:
                return [f"{self.name} has no output '{label}'; known: {', '.join(sorted(outputs)) or 'none'}"]
        return namespace.validate_values({name: value}, f"{'.'.join(parents)}." if parents else "", self.name)

    def set_status(self, status: str | None, step: str | None = None) -> None:
        self.node.record_status(status, step)
        self._publish("status", status=status, step=step)


async def _as_coroutine(awaitable: Awaitable[T]) -> T:
    return await awaitable


_PACKAGE = str(Path(__file__).resolve().parent.parent) + os.sep  # jupyter_workflows/


def _raise_in_killed_user_code(signum: int, frame: FrameType | None) -> None:
    """A signal handler: if the interrupted code (``frame``) is user code of a process being killed, end that code
    there (the kill takes effect at once, not when the code next waits or returns). Engine code is never cut."""
    current = current_process()
    if current is not None and current._kill_message is not None and _in_user_code(frame):
        raise _Killed(current._kill_message)


def kills_reach_user_code() -> None:
    """In this OS process (a daemon worker, from its main thread), a kill that arrives on another thread while user
    code holds the loop (a calcfunction's body, which never waits) ends that code at once: see
    :func:`~jupyter_workflows._core._interrupts.send_kill_signal`."""
    listen_for_kill_signal(_raise_in_killed_user_code)


def _in_user_code(frame: FrameType | None) -> bool:
    """Whether ``frame`` runs user code: following its callers, a process's ``_user`` (the door into user code)
    comes before any frame of this package's own code."""
    while frame is not None:
        if frame.f_code is _USER_CODE:
            return True
        if frame.f_code.co_filename.startswith(_PACKAGE):
            return False
        frame = frame.f_back
    return False


def _check_defaults(name: str, *, logger: Any, parent_pid: Any, persist: bool) -> None:
    given = [
        text
        for text, differs in [
            (f"logger={logger!r}", logger is not None),
            (f"parent_pid={parent_pid!r}", parent_pid is not None),
            ("enable_persistence=False", not persist),
        ]
        if differs
    ]
    if given:
        raise UsageError(
            f"{name}({', '.join(given)}): a process reports to its node's log, its caller is the process running "
            "when it is made, and it always stores its progress; leave these arguments out."
        )


def _collect_missing(namespace: PortNamespace, values: Mapping[str, Any], prefix: str, missing: list[str]) -> None:
    for name, port in namespace.ports.items():
        if isinstance(port, PortNamespace):
            inner = values.get(name)
            if isinstance(inner, Mapping):
                _collect_missing(port, inner, f"{prefix}{name}.", missing)
            elif port.required and any(p.required for p in port.ports.values()):
                missing.append(f"{prefix}{name}")
        elif port.required and name not in values:
            missing.append(f"{prefix}{name}")


_USER_CODE = Process._user.__code__
