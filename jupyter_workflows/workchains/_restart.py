"""BaseRestartWorkChain: run a child process again and again, fixing its inputs with process handlers, until it ends
well (AiiDA's standard way to retry a failing step).

A subclass sets ``_process_class``, puts the child's inputs into ``self.ctx.inputs`` in ``setup`` and declares the
outline ``setup, while_(should_run_process)(run_process, inspect_process), results``. After each child,
``inspect_process`` calls the ``@process_handler`` methods (highest priority first); a handler that fixed something
returns a ``ProcessHandlerReport`` and the child runs again with the new ``self.ctx.inputs``.
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Mapping
from typing import Any, ClassVar

from .._core import ExitCode, Process, SpecError, UsageError
from .._processes import process_class_of
from ..nodes import Bool, Data, Dict, Int, ProcessNode, Str
from ._context import ToContext, append_
from ._handlers import ProcessHandler, ProcessHandlerReport
from ._workchain import WorkChain, WorkChainSpec

__all__ = ["BaseRestartWorkChain"]

UNHANDLED_FAILURE_ACTIONS = ("abort", "pause", "restart_once", "restart_and_pause")


def _validate_on_unhandled_failure(value: Str, _port: object) -> str | None:
    if value.value not in UNHANDLED_FAILURE_ACTIONS:
        return f"{value.value!r} is not an action; use one of {', '.join(map(repr, UNHANDLED_FAILURE_ACTIONS))}"
    return None


def _validate_handler_overrides(
    process_class: type[BaseRestartWorkChain], overrides: Dict, _port: object
) -> str | None:
    """The keys name process handlers of ``process_class``; the values are {'enabled': bool, 'priority': int}
    (or, deprecated, a bool)."""
    handlers = sorted(handler.__name__ for handler in process_class.get_process_handlers())
    for name, override in overrides.get_dict().items():
        if not process_class.is_process_handler(name):
            return f"{name!r} is not a process handler of {process_class.__name__}; its handlers: {handlers or 'none'}"
        if isinstance(override, bool):
            warnings.warn(
                f"handler_overrides={{{name!r}: {override}}} is deprecated (as in AiiDA); write "
                f"{{{name!r}: {{'enabled': {override}}}}} instead.",
                DeprecationWarning,
                stacklevel=2,
            )
            continue
        if not isinstance(override, dict):
            return f"the override of {name!r} is a dict such as {{'enabled': True, 'priority': 100}} (got {override!r})"
        unknown = sorted(set(override) - {"enabled", "priority"})
        if unknown:
            return f"the override of {name!r} takes the keys 'enabled' and 'priority' (got {', '.join(unknown)})"
        if not isinstance(override.get("enabled", True), bool):
            return f"'enabled' of the override of {name!r} is True or False (got {override['enabled']!r})"
        priority = override.get("priority", 0)
        if not isinstance(priority, int) or isinstance(priority, bool):
            return f"'priority' of the override of {name!r} is an int (got {priority!r})"
    return None


class BaseRestartWorkChain(WorkChain):
    """Runs ``_process_class`` with ``self.ctx.inputs`` until it finishes well, calling the process handlers after
    each run that did not. Subclass it: set ``_process_class`` (a process class or a process function), fill
    ``self.ctx.inputs`` in ``setup`` (after ``super().setup()``) and declare the outline::

        spec.outline(cls.setup, while_(cls.should_run_process)(cls.run_process, cls.inspect_process), cls.results)

    Inputs: ``max_iterations`` (default 5), ``handler_overrides``, ``on_unhandled_failure`` ('abort' by default,
    'pause', 'restart_once' or 'restart_and_pause') and ``pause_on_max_iterations``.
    """

    _process_class: ClassVar[Any] = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        function = cls.__dict__.get("_process_class")
        if function is not None and not isinstance(function, type | staticmethod):
            # a process function is a descriptor: self._process_class would be the function bound to self
            cls._process_class = staticmethod(function)

    @classmethod
    def spec(cls) -> WorkChainSpec:
        spec = super().spec()
        if spec.program is not None:  # a class meant to run (an abstract base without an outline may lack one)
            cls._check_process_class()
        return spec

    @classmethod
    def _check_process_class(cls) -> type[Process]:
        if cls._process_class is None:
            raise SpecError(
                f"{cls.__name__} does not say which process it runs: set the class attribute _process_class to a "
                "process class or a @calcfunction/@workfunction (class MyBase(BaseRestartWorkChain): "
                "_process_class = my_function)."
            )
        try:
            return process_class_of(cls._process_class)
        except UsageError as error:
            raise SpecError(f"{cls.__name__}._process_class is not a process: {error}") from None

    @property
    def process_class(self) -> type[Process]:
        """The process class this WorkChain runs (of ``_process_class``)."""
        return self._check_process_class()

    @classmethod
    def define(cls, spec: WorkChainSpec) -> None:  # type: ignore[override]
        super().define(spec)
        spec.input(
            "max_iterations",
            valid_type=Int,
            default=lambda: Int(5),
            help="how many times at most the process runs before the work chain gives up",
        )
        spec.input(
            "handler_overrides",
            valid_type=Dict,
            required=False,
            validator=functools.partial(_validate_handler_overrides, cls),
            help="per process handler {'enabled': bool, 'priority': int}, overriding what its decorator says",
        )
        spec.input(
            "on_unhandled_failure",
            valid_type=Str,
            required=False,
            validator=_validate_on_unhandled_failure,
            help="what to do when the process failed and no handler dealt with it: 'abort' (the default), 'pause', "
            "'restart_once' (then abort) or 'restart_and_pause'",
        )
        spec.input(
            "pause_on_max_iterations",
            valid_type=Bool,
            required=False,
            help="pause for inspection instead of failing when max_iterations is reached; playing it resets the "
            "iteration count",
        )
        spec.exit_code(301, "ERROR_SUB_PROCESS_EXCEPTED", "The sub process excepted.")
        spec.exit_code(302, "ERROR_SUB_PROCESS_KILLED", "The sub process was killed.")
        spec.exit_code(401, "ERROR_MAXIMUM_ITERATIONS_EXCEEDED", "The maximum number of iterations was exceeded.")
        spec.exit_code(402, "ERROR_UNHANDLED_FAILURE", "The process failed with an unhandled failure.")

    # -- process handlers ---------------------------------------------------------------------------------------------
    @classmethod
    def is_process_handler(cls, name: str | object) -> bool:
        """Whether ``name`` (a method name, or the method itself) is a process handler of this class."""
        handler = _class_members(cls).get(name) if isinstance(name, str) else name
        return isinstance(handler, ProcessHandler)

    @classmethod
    def get_process_handlers(cls) -> list[ProcessHandler]:
        """The process handlers of this class (inherited ones included), by name."""
        members = _class_members(cls)
        return [members[name] for name in sorted(members) if isinstance(members[name], ProcessHandler)]

    def get_process_handlers_by_priority(self) -> list[tuple[int, ProcessHandler]]:
        """(priority, handler) of each enabled handler, with the ``handler_overrides`` input applied."""
        handlers = []
        for handler in self.get_process_handlers():
            override = self.ctx.handler_overrides.get(handler.__name__, {})
            if isinstance(override, bool):  # the deprecated form: enabled or not
                override = {"enabled": override}
            if not override.get("enabled", handler.enabled):
                continue
            handlers.append((override.get("priority", handler.priority), handler))
        return handlers

    # -- the outline steps --------------------------------------------------------------------------------------------
    def setup(self) -> None:
        """Set up the context; a subclass then puts the child's inputs into ``self.ctx.inputs``."""
        overrides = self.inputs.get("handler_overrides")
        self.ctx.handler_overrides = overrides.get_dict() if overrides is not None else {}
        self.ctx.process_name = self.process_class.__name__
        self.ctx.unhandled_failure = False
        self.ctx.is_finished = False
        self.ctx.iteration = 0

    def should_run_process(self) -> bool:
        """Whether to run the process (again): until it finished well, or a handler stopped the work chain."""
        return not self.ctx.is_finished

    def run_process(self) -> ToContext:
        """Submit the process with ``self.ctx.inputs``; its CALL link is labelled ``iteration_01``, ``_02``, ..."""
        if "inputs" not in self.ctx:
            raise UsageError(
                f"{type(self).__name__} has no inputs for {self.ctx.process_name} in self.ctx.inputs; set them in "
                "setup(): self.ctx.inputs = self.exposed_inputs(...) (or a dict of the inputs)."
            )
        self.ctx.iteration += 1
        launched = len(self.ctx.get("children", [])) + 1  # equals the iteration unless a pause reset the count
        inputs = dict(self.ctx.inputs)
        inputs["metadata"] = {**inputs.get("metadata", {}), "call_link_label": f"iteration_{launched:02d}"}
        node = self.submit(self.process_class, **inputs)
        self.report(f"launching {self.ctx.process_name}<{node.pk}> iteration #{self.ctx.iteration}")
        return ToContext(children=append_(node))

    def inspect_process(self) -> ExitCode | None:
        """Look at the child that just ended and call the process handlers.

        An excepted or killed child stops the work chain (301, 302). A child that failed and that no handler dealt
        with is an unhandled failure: what happens then is the ``on_unhandled_failure`` input. When a handler
        returned a report, the child runs again (its exit status 0) or the work chain stops with its exit code; at
        ``max_iterations`` it stops with 401 (or pauses, with ``pause_on_max_iterations``). A child that finished
        well and that no handler objected to ends the loop.
        """
        node = self.ctx.children[-1]
        if node.is_excepted:
            return self.spec().exit_codes.ERROR_SUB_PROCESS_EXCEPTED
        if node.is_killed:
            return self.spec().exit_codes.ERROR_SUB_PROCESS_KILLED
        last_report = self._call_handlers(node)
        if node.is_failed and last_report is None:
            return self._unhandled_failure(node)
        self.ctx.unhandled_failure = False  # it finished well, or a handler dealt with it
        if last_report is None:
            self.ctx.is_finished = True
            return None
        return self._handled(node, last_report)

    def results(self) -> ExitCode | None:
        """Attach the outputs of the last child as the outputs of this work chain."""
        node = self.ctx.children[-1]
        self.report(f"work chain completed after {self.ctx.iteration} iterations")
        self._attach_outputs(node)
        return None

    def get_outputs(self, node: ProcessNode) -> Mapping[str, Any]:
        """The outputs of ``node`` to attach; override it to leave some out or to change them (through a
        calcfunction, to keep the provenance). By default all of them: only those this work chain declares (or, if
        its outputs are dynamic, any) are attached."""
        return node.outputs

    # -- helpers ------------------------------------------------------------------------------------------------------
    def _call_handlers(self, node: ProcessNode) -> ProcessHandlerReport | None:
        """Call the enabled handlers, highest priority first; the last report returned (None if none was)."""
        last_report = None
        for _, handler in sorted(self.get_process_handlers_by_priority(), key=lambda entry: entry[0], reverse=True):
            report = handler(self, node)
            if report is None:
                continue
            if not isinstance(report, ProcessHandlerReport):
                raise UsageError(
                    f"Process handler {handler.__name__} of {type(self).__name__} returned {type(report).__name__} "
                    f"{report!r}; a handler returns None or a ProcessHandlerReport(do_break=..., exit_code=...)."
                )
            last_report = report
            self.report(f"process handler {handler.__name__} dealt with {self.ctx.process_name}<{node.pk}>")
            if report.do_break:
                break
        return last_report

    def _unhandled_failure(self, node: ProcessNode) -> ExitCode | None:
        action = self.inputs.get("on_unhandled_failure")
        action = action.value if action is not None else "abort"
        name = f"{self.ctx.process_name}<{node.pk}>"
        if action == "abort":
            self.report(f"{name} failed with an unhandled failure, aborting")
            return self.spec().exit_codes.ERROR_UNHANDLED_FAILURE
        if action == "pause":
            self.report(f"{name} failed with an unhandled failure, pausing for inspection")
            self._pause_for_inspection(retry=True)
            return None
        if not self.ctx.unhandled_failure:  # restart_once, restart_and_pause: the first time, run it again
            self.ctx.unhandled_failure = True
            self.report(f"{name} failed with an unhandled failure, restarting once more")
            return None
        if action == "restart_once":
            self.report(f"{name} failed with an unhandled failure for the second consecutive time, aborting")
            return self.spec().exit_codes.ERROR_UNHANDLED_FAILURE
        self.report(f"{name} failed with an unhandled failure for the second consecutive time, pausing for inspection")
        self.ctx.unhandled_failure = False  # played again, it gets two tries again
        self._pause_for_inspection(retry=True)
        return None

    def _handled(self, node: ProcessNode, report: ProcessHandlerReport) -> ExitCode | None:
        if self.ctx.is_finished:  # a handler attached the results itself (self.results()) and ends the work chain
            return report.exit_code
        pause_at_max = bool(self.inputs.get("pause_on_max_iterations", False))
        at_max = self.ctx.iteration >= self.inputs.max_iterations.value
        name = f"{self.ctx.process_name}<{node.pk}>"
        if at_max:
            self.report(f"Reached the maximum number of global iterations ({self.inputs.max_iterations.value}).")
            if not pause_at_max:
                self.report(f"Aborting! Last ran: {name}")
                return self.spec().exit_codes.ERROR_MAXIMUM_ITERATIONS_EXCEEDED
        outcome = "finished successfully" if node.is_finished_ok else "failed"
        if report.exit_code.status == 0:
            action = "but a handler was triggered" if node.is_finished_ok else "but a handler dealt with the problem"
            self.report(f"{name} {outcome} {action}, restarting")
        else:
            self.report(f"{name} {outcome} but a handler detected an unrecoverable problem, aborting")
        if report.exit_code.status == 0 and at_max:
            self.report("Resetting the iteration counter(s) and pausing for inspection.")
            self.ctx.iteration = 0
            self._pause_for_inspection(retry=False)
            return None
        return report.exit_code

    def _pause_for_inspection(self, *, retry: bool) -> None:
        pk = self.node.pk
        hint = "If running it again as it is may help (a transient failure), p" if retry else "P"
        self.report(f"{hint}lay this work chain with jw.play({pk}); otherwise kill it with jw.kill({pk}).")
        self.set_status(f"Paused for inspection: see the report of {type(self).__name__}<{pk}>")
        self.pause()

    def _attach_outputs(self, node: ProcessNode) -> Mapping[str, Any]:
        """Register the outputs of ``node`` (as ``get_outputs`` gives them) that this work chain's spec takes and
        that are not registered yet; report each required output that ``node`` lacks. Returns ``get_outputs``."""
        outputs = self.get_outputs(node)
        ports = self.spec().outputs
        for name, value in outputs.items():
            declared = name in ports
            if self.outputs.get(name) is None and (declared or (ports.dynamic and isinstance(value, Data))):
                self.out(name, value)
        for name, port in ports.items():
            if port.required and name not in outputs:
                self.report(
                    f"required output `{name}` was not an output of {self.ctx.process_name}<{node.pk}> (or an "
                    "incorrect class/output is being exposed)."
                )
        return outputs


def _class_members(cls: type) -> dict[str, Any]:
    """The attributes of ``cls`` as its class dicts hold them, subclasses winning: unlike ``getattr``, reading them
    runs no descriptor (a property or a spec computed on access)."""
    members: dict[str, Any] = {}
    for klass in reversed(cls.__mro__):
        members.update(vars(klass))
    return members
