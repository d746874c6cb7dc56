"""The process lifecycle: CREATED -> RUNNING <-> WAITING -> FINISHED | EXCEPTED | KILLED, with pause and kill.

A process runs its lifecycle as synchronous engine code (``execute``) inside a portal greenlet (see ``_portal``):
inline when called synchronously, or in its own asyncio task when submitted. It only ever waits in
``_await()``, so pause takes effect at step boundaries and kill interrupts the current wait at once.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import traceback
from collections.abc import Awaitable, Mapping
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, TypeVar

import greenlet

from ._attribute_dict import AttributeDict
from ._errors import ValidationError
from ._exit_code import ERROR_MISSING_OUTPUT, ExitCode
from ._portal import await_, in_background, in_portal
from ._ports import PortNamespace
from ._spec import ProcessSpec
from ._states import ProcessState, check_transition

if TYPE_CHECKING:
    from ._runner import Runner

__all__ = ["Process", "ProcessRecord", "current_process"]

T = TypeVar("T")
REPORT = 23  # logging level of process reports, between INFO and WARNING (as AiiDA's REPORT)
logging.addLevelName(REPORT, "REPORT")
_LOGGER = logging.getLogger("jupyter_workflows.report")

_CURRENT: contextvars.ContextVar[Process | None] = contextvars.ContextVar(
    "jupyter_workflows.current_process", default=None
)


def current_process() -> Process | None:
    """The process whose code is running right now, or None outside any process."""
    return _CURRENT.get()


class ProcessRecord(Protocol):
    """What the engine needs from the persistent side of a process: its process node."""

    @property
    def pk(self) -> int | None: ...

    def record_state(
        self,
        state: ProcessState,
        *,
        exit_status: int | None = None,
        exit_message: str | None = None,
        exception: str | None = None,
    ) -> None: ...

    def record_paused(self, paused: bool) -> None: ...

    def record_report(self, levelname: str, message: str) -> None: ...

    def record_status(self, status: str | None, step: str | None = None) -> None: ...

    def record_output(self, label: str, value: Any) -> None: ...


class _Killed(BaseException):
    """Unwinds a process that was asked to die. A BaseException so that ``except Exception`` in user code lets it by."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class Process:
    """Base of every process. Subclasses implement ``_run()``, returning None, an exit status or an ExitCode."""

    _spec_class: ClassVar[type[ProcessSpec]] = ProcessSpec
    node_kind: ClassVar[str] = "process"

    # -- the spec ---------------------------------------------------------------------------------------------------
    @classmethod
    def define(cls, spec: ProcessSpec) -> None:
        """Declare inputs, outputs and exit codes on ``spec``. Call ``super().define(spec)`` first."""

    @classmethod
    def spec(cls) -> ProcessSpec:
        """The (cached, sealed) spec of this class."""
        cached = cls.__dict__.get("_jw_spec")
        if cached is None:
            cached = cls._spec_class()
            cls.define(cached)
            cached.sealed = True
            cls._jw_spec = cached  # type: ignore[attr-defined]
        return cached

    @property
    def exit_codes(self) -> Any:
        return self.spec().exit_codes

    # -- lifecycle --------------------------------------------------------------------------------------------------
    def __init__(
        self, inputs: Mapping[str, Any], node: ProcessRecord, runner: Runner, *, label: str, parent: Process | None
    ) -> None:
        self.inputs = _attribute_tree(inputs)
        assert node.pk is not None, "a process's node is stored before the process is created"
        self.node = node
        self.pk: int = node.pk
        self.runner = runner
        self.label = label
        self.parent = parent
        self.children: list[Process] = []
        self.state = ProcessState.CREATED
        self.paused = False
        self.outputs = AttributeDict()
        self.exit_code: ExitCode | None = None
        self.exception: BaseException | None = None
        self.terminated: asyncio.Future[Process] = runner.loop.create_future()
        self.task: asyncio.Task[Any] | None = None
        self._started = False
        self._kill_message: str | None = None
        self._waiting: asyncio.Future[Any] | None = None
        self._play: asyncio.Future[None] | None = None
        self.context = contextvars.copy_context()
        self.context.run(_CURRENT.set, self)
        runner.adopt(self)
        if parent is not None:
            parent.children.append(self)
            runner.events.publish(parent.pk, "called", child=self.pk)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.label}<{self.pk}> {self.state.value}{' paused' if self.paused else ''}>"

    @property
    def name(self) -> str:
        return f"{self.label}<{self.pk}>"

    def execute(self) -> Process:
        """Run to a terminal state. Synchronous engine code: runs in a portal, or inline if it never waits."""
        if self._started:
            return self
        self._started = True
        try:
            self._step_boundary()
            self._move(ProcessState.RUNNING)
            result = self._run()
            self._check_killed()
            self._finish(result)
        except _Killed as killed:
            self._end_killed(killed.message)
        except asyncio.CancelledError:
            self._end_killed(self._kill_message or "The process was cancelled.")
        except KeyboardInterrupt:
            self._end_killed("Interrupted by the user (KeyboardInterrupt).")
            raise
        except (greenlet.GreenletExit, GeneratorExit):  # its task or greenlet is being destroyed: the loop ends
            self._end_killed("The process was stopped because its event loop (kernel) shut down.")
            raise
        except BaseException as error:
            self._end_excepted(error)
        finally:
            self._release()
        return self

    def _run(self) -> Any:
        raise NotImplementedError

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
        raise TypeError(
            f"{self.name} returned {type(result).__name__} {result!r} from a step; return None to go on, "
            "an ExitCode (e.g. self.exit_codes.ERROR_X) or an int exit status to stop."
        )

    def _missing_outputs(self) -> list[str]:
        missing: list[str] = []
        _collect_missing(self.spec().outputs, self.outputs, "", missing)
        return missing

    def _end_killed(self, message: str) -> None:
        self._kill_message = self._kill_message or message
        self._kill_children()
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
        if not self.terminated.done():
            self.terminated.set_result(self)
        self.runner.release(self)

    def _move(self, state: ProcessState, **info: Any) -> None:
        old = self.state
        check_transition(self.name, old, state)
        self.state = state
        self.node.record_state(state, **info)
        self.runner.events.publish(self.pk, "state", old=old.value, new=state.value)

    # -- waiting ------------------------------------------------------------------------------------------------------
    def _await(self, awaitable: Awaitable[T]) -> T:
        """Wait for ``awaitable`` through the portal; kill interrupts the wait. Only place a process ever waits."""
        future = asyncio.ensure_future(awaitable, loop=self.runner.loop)
        self._waiting = future
        try:
            return await_(future)
        except asyncio.CancelledError:
            if self._kill_message is not None:
                raise _Killed(self._kill_message) from None
            raise
        except BaseException:
            if not future.done():
                future.cancel()
            raise
        finally:
            self._waiting = None

    def _step_boundary(self) -> None:
        """Between two steps: take a turn if other work waits for the loop, stop if killed, hold while paused."""
        if in_background():
            turn = self.runner.time_slices.turn()
            if turn is not None:
                self._await(turn)
        while self.paused:
            self._check_killed()
            self._play = self.runner.loop.create_future()
            self._await(self._play)
        self._check_killed()

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
            self.paused = True
            self.node.record_paused(True)
            self.runner.events.publish(self.pk, "paused", paused=True)
        return True

    def play(self) -> bool:
        """Let a paused process go on. False if it already terminated."""
        if self.state.is_terminal:
            return False
        if self.paused:
            self.paused = False
            self.node.record_paused(False)
            self.runner.events.publish(self.pk, "paused", paused=False)
            if self._play is not None and not self._play.done():
                self._play.set_result(None)
        return True

    def kill(self, message: str | None = None) -> bool:
        """Kill the process and its running children. Takes effect at once when it waits (or has not started),
        otherwise at its next step boundary. False if it already terminated."""
        if self.state.is_terminal:
            return False
        self._kill_message = self._kill_message or message or "Killed by the user."
        self._kill_children()
        if not self._started:
            self._started = True
            self._move(ProcessState.KILLED, exit_message=self._kill_message)
            self._release()
            if self.task is not None:
                self.task.cancel()
        elif self._waiting is not None and not self._waiting.done():
            self._waiting.cancel()
        return True

    def _kill_children(self) -> None:
        for child in self.children:
            if not child.state.is_terminal:
                child.kill(f"Killed by its caller {self.name}.")

    # -- what steps use -----------------------------------------------------------------------------------------------
    def report(self, message: str, *args: Any) -> None:
        """Record a report message for this process (shown by widgets, ``jw.report(node)`` and the log)."""
        text = message % args if args else str(message)
        self.node.record_report("REPORT", text)
        _LOGGER.log(REPORT, "[%s|%s]: %s", self.pk, self.label, text)
        self.runner.events.publish(self.pk, "report", levelname="REPORT", message=text)

    def out(self, label: str, value: Any) -> None:
        """Register an output. Raises ValidationError at once if the spec has no such output or the type is wrong."""
        if isinstance(value, Mapping) and isinstance(self.spec().outputs.get_port(label), PortNamespace):
            for key, item in value.items():
                self.out(f"{label}.{key}", item)
            return
        problems = self._output_problems(label, value)
        if problems:
            raise ValidationError(f"Invalid output of {self.name}", problems)
        self.outputs.set_path(label, value)
        self.node.record_output(label, value)
        self.runner.events.publish(self.pk, "output", label=label)

    def _output_problems(self, label: str, value: Any) -> list[str]:
        outputs = self.spec().outputs
        port = outputs.get_port(label)
        if port is not None and not isinstance(port, PortNamespace):
            return port.validate(value, label, self.name)
        *parents, name = label.split(".")
        namespace = outputs.get_port(".".join(parents)) if parents else outputs
        if not isinstance(namespace, PortNamespace):
            return [f"{self.name} has no output '{label}'; known: {', '.join(sorted(outputs)) or 'none'}"]
        return namespace.validate_values({name: value}, f"{'.'.join(parents)}." if parents else "", self.name)

    def set_status(self, status: str | None, step: str | None = None) -> None:
        self.node.record_status(status, step)
        self.runner.events.publish(self.pk, "status", status=status, step=step)


def _attribute_tree(values: Mapping[str, Any]) -> AttributeDict:
    return AttributeDict({k: _attribute_tree(v) if isinstance(v, dict) else v for k, v in values.items()})


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
