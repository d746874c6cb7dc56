"""WorkChain: a process made of steps, run along an outline, that submits children and waits for them.

Steps are plain methods (or ``async def``). A step returns None to go on, ``ToContext(...)`` to wait for the
processes it submitted, or an exit code to stop. The WorkChain checkpoints after every step, so a new kernel can
resume it (``jw.resume``) from where the old one died.
"""

from __future__ import annotations

import inspect
import warnings
from collections.abc import Callable, Mapping
from typing import Any, ClassVar

from .._code import class_path
from .._core import (
    AttributeDict,
    ExitCode,
    FrozenAttributeDict,
    InvalidOperationError,
    PortNamespace,
    ProcessState,
    ProtectedMethodError,
    SpecError,
    UsageError,
    ValidationError,
)
from .._core._expose import exposed_key, namespace_levels
from .._processes import Process, ProcessSpec, launch_inputs, start_created, submit, wait_terminated
from .._wire import CHECKPOINT_VERSION, AwaitedChild, Checkpoint
from ..nodes import Bool, ProcessNode, WorkChainNode, load_node
from ._checkpoint import Unencodable, decode_context, encode_context
from ._context import awaited
from ._outline import Branch, Jump, Program, Return, Step, compile_outline

__all__ = ["WorkChain", "WorkChainSpec"]


class WorkChainSpec(ProcessSpec):
    def __init__(self) -> None:
        super().__init__()
        self.program = Program()
        self.has_outline = False

    def outline(self, *instructions: Any) -> None:
        """The steps of the WorkChain: ``spec.outline(cls.a, if_(cls.c)(cls.b), while_(cls.w)(cls.d), cls.e)``.

        Checked at once: anything that is not a step, a condition or ``return_`` raises SpecError here."""
        self._check_open()
        self.program = compile_outline(instructions, "spec.outline(...)")
        self.has_outline = True


class WorkChain(Process):
    """Base class of WorkChains. Subclasses implement ``define(cls, spec)`` (calling ``super().define(spec)``) with
    ``spec.input``/``output``/``exit_code``/``outline``, and the step methods the outline names.

    A WorkChain without an outline (only inputs, say, for others to expose) can be defined, but not run."""

    _spec_class = WorkChainSpec
    node_class: ClassVar[type[ProcessNode]] = WorkChainNode
    node_kind = "workchain"

    @classmethod
    def spec(cls) -> WorkChainSpec:
        spec = super().spec()
        assert isinstance(spec, WorkChainSpec)
        return spec

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "run" in cls.__dict__:
            raise ProtectedMethodError(
                f"{cls.__name__} overrides run(): the method `run` is protected cannot be overridden. A WorkChain runs "
                "its outline: name the method differently and put it in spec.outline(...)."
            )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        if type(self) is WorkChain:
            raise InvalidOperationError(
                "The base WorkChain class cannot be made or launched: derive a class from it with an outline in "
                "define(cls, spec), and launch that."
            )
        super().__init__(*args, **kwargs)
        self.ctx = AttributeDict()
        self._pc = 0
        self._awaiting: list[AwaitedChild] = []
        self._warned_unresumable = False
        self._checkpoint_owed = False  # its last step ran and wrote no checkpoint (see _before_rest)

    # -- running the outline ------------------------------------------------------------------------------------------
    def _run(self) -> ExitCode | None:
        spec = self.spec()
        if not spec.has_outline:  # as in AiiDA: defining it is fine, running it is not
            raise SpecError(
                f"{type(self).__name__} has no outline, so it has nothing to run: call spec.outline(cls.first_step, "
                "...) in its define(cls, spec). (A WorkChain without an outline can still have its inputs exposed.)"
            )
        program = spec.program
        while True:  # no checkpoint before the first step: resuming without one starts from the beginning
            self._wait_for_children()
            self._step_boundary()
            if self._pc >= len(program):
                return None
            instruction = program[self._pc]
            if isinstance(instruction, Step):
                stop = self._run_step(instruction)
                if stop is not None:
                    return stop
            elif isinstance(instruction, Branch):
                self._pc = self._pc + 1 if self._holds(instruction.condition) else instruction.target
            elif isinstance(instruction, Jump):
                self._pc = instruction.target
            elif isinstance(instruction, Return):
                return instruction.exit_code

    def _run_step(self, step: Step) -> ExitCode | None:
        self.set_status(None, step=step.function.__name__)
        result = self._call(step.function)
        self._pc += 1
        if isinstance(result, Mapping):
            for key, value in result.items():
                self._wait_for(key, value)
        elif result is not None:
            exit_code = self._exit_code_of(result)
            if exit_code.status != 0:  # as in AiiDA: only a non-zero exit code stops the outline
                return exit_code
        if self._awaiting:  # it waits for them next: the checkpoint's write records that too
            self._move(ProcessState.WAITING)
        elif self._pc >= len(self.spec().program):  # the outline is done: its end, written next, stores the
            self._checkpoint_owed = True  # step's outputs, unless it pauses or is handed over first
            return None
        self._checkpoint()
        return None

    def _before_rest(self) -> None:
        if self._checkpoint_owed:  # it stops after its last step: continued elsewhere, that step must not run again
            self._checkpoint()

    def _holds(self, condition: Callable[[Any], Any]) -> bool:
        """Whether the condition of an ``if_``/``while_`` holds. A value that is no bool (or Bool node) is taken by
        its truth, with a warning, as AiiDA does: ``return 'false'`` would otherwise silently count as true."""
        result = self._call(condition)
        if not isinstance(result, (bool, Bool)) and type(result).__name__ != "bool_":  # numpy's bool
            warnings.warn(
                f"The conditional predicate `{condition.__name__}` returned `{result}` of type "
                f"{type(result).__name__} instead of a bool; it is taken as {bool(result)}. Return True or False.",
                UserWarning,
                stacklevel=2,
            )
        return bool(result)

    def _call(self, function: Callable[[Any], Any]) -> Any:
        result = self._user(function, self)
        return self._await_user(result) if inspect.isawaitable(result) else result

    def restore(
        self, checkpoint: Checkpoint | None, *, state: ProcessState, paused: bool, outputs: Mapping[str, Any]
    ) -> None:
        """Take up where the stored process was (``jw.resume``): its state, pause flag and outputs, and the
        checkpoint's context, outline position and awaited children. Without a checkpoint (it died before its
        first step ended), it starts from the beginning of its outline."""
        self.state = state
        self.paused = paused
        self.outputs = AttributeDict(outputs)
        if checkpoint is None:
            return
        self.ctx = decode_context(checkpoint["ctx"])
        self._pc = checkpoint["pc"]
        self._awaiting = [AwaitedChild(**entry) for entry in checkpoint["awaiting"]]
        self.last_call = checkpoint.get("children_until", 0)
        self.called_pks.update(entry["pk"] for entry in self._awaiting)  # a kill finds them where they run here

    @property
    def awaiting(self) -> list[AwaitedChild]:
        """The children this WorkChain waits for before its next step (a copy)."""
        return [AwaitedChild(**entry) for entry in self._awaiting]

    def replace_awaited(self, old_pk: int, new_pk: int) -> None:
        """Wait for process ``new_pk`` instead of ``old_pk`` (a child that runs again after a resume)."""
        for entry in self._awaiting:
            if entry["pk"] == old_pk:
                entry["pk"] = new_pk
                self.called_pks.add(new_pk)

    def _wait_for(self, key: str, value: Any) -> None:
        if isinstance(value, (list, tuple)):  # several: the key holds their nodes, in this order
            if not all(isinstance(item, ProcessNode) for item in value):
                raise UsageError(
                    f"ToContext({key}=[...]) of {self.name} got {value!r}; a list waits for processes: give the nodes "
                    "that self.submit(...) returned, and nothing else."
                )
            self.ctx.set_path(key, [])
            for item in value:
                self._awaiting.append({"key": key, "pk": item.pk, "mode": "append"})
        else:
            key, node, mode = awaited(key, value)
            if not isinstance(node, ProcessNode):
                raise UsageError(
                    f"ToContext({key}=...) of {self.name} got {node!r}; it waits for processes: pass the node that "
                    "self.submit(...) returned (a list of them, or append_(node) to collect several under one key)."
                )
            self._awaiting.append({"key": key, "pk": node.pk, "mode": mode})  # type: ignore[typeddict-item]
        if not self._awaiting:
            return  # an empty list: nothing to wait for
        first = [load_node(entry["pk"]) for entry in self._awaiting[:5]]
        self.set_status(_waiting_status(first, len(self._awaiting)))  # as in AiiDA: at once, not only once it waits

    def _wait_for_children(self) -> None:
        if not self._awaiting:
            return
        nodes = [load_node(entry["pk"]) for entry in self._awaiting]
        # Waiting: its step just called them, and the wait looks at the store. Running: it was resumed so.
        waiting = self.state is ProcessState.WAITING
        pending = nodes if waiting else [node for node in nodes if not node.is_terminated]  # type: ignore[attr-defined]
        if pending:
            if not waiting:
                self._move(ProcessState.WAITING)
            self.set_status(_waiting_status(pending[:5], len(pending)))
            self._await_off_slot(wait_terminated(pending))  # type: ignore[arg-type]
            self._move(ProcessState.RUNNING)
            self.set_status(None)
        for entry, node in zip(self._awaiting, nodes, strict=True):
            if entry["mode"] == "append":
                existing = self.ctx.get_path(entry["key"])
                self.ctx.set_path(entry["key"], [*(existing or []), node])
            else:
                self.ctx.set_path(entry["key"], node)
        self._awaiting = []

    def _checkpoint(self) -> None:
        self._checkpoint_owed = False
        unresumable = None
        try:
            ctx = encode_context(self.ctx)
        except Unencodable as problem:
            ctx, unresumable = None, f"{problem}; keep nodes or plain JSON values in self.ctx to allow resuming"
            if not self._warned_unresumable:
                self._warned_unresumable = True
                warnings.warn(f"{self.name} cannot be resumed after a crash: {unresumable}.", stacklevel=2)
        program = self.spec().program
        checkpoint: Checkpoint = {
            "version": CHECKPOINT_VERSION,
            "process_class": class_path(type(self)),
            "outline": program.fingerprint,
            "pc": self._pc,
            "ctx": ctx,
            "awaiting": list(self._awaiting),
            "children_until": self.last_call,
            "unresumable": unresumable,
        }
        self.node.save_checkpoint(checkpoint)  # type: ignore[attr-defined]

    # -- what steps use -----------------------------------------------------------------------------------------------
    def submit(self, process: Any, *args: Any, **kwargs: Any) -> ProcessNode:
        """Start a child process (a WorkChain or a process function, or a process made by its constructor) in the
        background; returns its node. Wait for it by returning ``ToContext(key=node)``. On a daemon worker (or with
        ``jw.configure(daemon=True)``) the child goes to the daemon's queue, and any worker may run it."""
        if isinstance(process, Process) and not (args or kwargs):
            return start_created(process).node  # type: ignore[return-value]
        return submit(*launch_inputs(process, args, kwargs))

    def to_context(self, **children: Any) -> None:
        """Wait for these processes after the current step, like returning ``ToContext(**children)``."""
        for key, value in children.items():
            self._wait_for(key, value)

    def exposed_inputs(self, process: Any, namespace: str | None = None, agglomerate: bool = True) -> AttributeDict:
        """The inputs of this WorkChain that were exposed from ``process`` into ``namespace`` (to pass on to it). With
        ``agglomerate``, also those exposed from it into the namespaces above (the deeper one wins)."""
        exposed = self.spec().exposed_inputs
        key = exposed_key(process)
        result = AttributeDict()
        found = False
        for level in namespace_levels(namespace, agglomerate):
            names = exposed.get(level, {}).get(key)
            if names is None:
                continue
            found = True
            values = self.inputs if level is None else self.inputs.get_path(level, {})
            result.update({name: _thawed(values[name]) for name in names if name in values})
            ports = self.spec().inputs.get_port(level) if level is not None else None
            if level == namespace and isinstance(ports, PortNamespace) and ports.dynamic:
                # what the exposed dynamic namespace took beyond its ports is its process's too (AiiDA drops it)
                result.update({name: _thawed(value) for name, value in values.items() if name not in ports})
        if not found:
            raise UsageError(
                f"{type(self).__name__} exposed no inputs of {getattr(process, '__name__', process)}"
                f"{f' in namespace {namespace!r}' if namespace else ''}; call spec.expose_inputs(...) in define()."
            )
        return result

    def exposed_outputs(
        self, node: ProcessNode, process: Any, namespace: str | None = None, agglomerate: bool = True
    ) -> AttributeDict:
        """The outputs of ``node`` (a finished ``process``) that this WorkChain exposed, keyed by where they go
        ('namespace.label'), ready for ``self.out_many(...)``. With ``agglomerate``, also those exposed into the
        namespaces above ``namespace`` (the deeper one wins)."""
        exposed = self.spec().exposed_outputs
        key = exposed_key(process)
        destination: dict[str, str | None] = {}
        found = False
        for level in namespace_levels(namespace, agglomerate):
            names = exposed.get(level, {}).get(key)
            if names is not None:
                found = True
                destination.update(dict.fromkeys(names, level))
        if not found:
            raise UsageError(
                f"{type(self).__name__} exposed no outputs of {getattr(process, '__name__', process)}"
                f"{f' in namespace {namespace!r}' if namespace else ''}; call spec.expose_outputs(...) in define()."
            )
        outputs = node.outputs
        return AttributeDict(
            {
                f"{level}.{name}" if level else name: outputs[name]
                for name, level in destination.items()
                if name in outputs
            }
        )

    def out_many(self, outputs: Mapping[str, Any], namespace: str | None = None) -> None:
        for label, value in outputs.items():
            self.out(f"{namespace}.{label}" if namespace else label, value)

    def _exit_code_of(self, result: Any) -> ExitCode:
        if result is None or isinstance(result, ExitCode) or (isinstance(result, int) and not isinstance(result, bool)):
            return super()._exit_code_of(result)
        raise ValidationError(
            f"Step of {self.name} returned {type(result).__name__} {result!r}",
            ["return None to go on, ToContext(...) to wait for submitted processes, or an exit code to stop"],
        )


def _thawed(value: Any) -> Any:
    """What ``exposed_inputs`` hands out: namespaces as changeable AttributeDicts, ready to adapt and pass on."""
    return value.thawed() if isinstance(value, FrozenAttributeDict) else value


def _waiting_status(first: list[Any], count: int) -> str:
    """The process status of a WorkChain waiting for ``count`` processes, of which ``first`` (process nodes) are
    named."""
    labels = ", ".join(f"{node.process_label}<{node.pk}>" for node in first)
    more = f" and {count - len(first)} more" if count > len(first) else ""
    return f"Waiting for {count} process(es): {labels}{more}"
