"""Process: the public base of every process whose inputs and outputs are data nodes (AiiDA's ``Process``).

WorkChains and process functions derive from it. A class may also derive from it directly, as in AiiDA: declare
ports in ``define(cls, spec)``, set ``_node_class`` (a WorkflowNode by default) and implement ``run(self)``.
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, ClassVar

from .._core import PreparedProcess, Process as CoreProcess, UsageError
from .._runtime import get_runtime
from ..nodes import ProcessNode, WorkflowNode
from ._instantiate import Launch, prepare
from ._spec import ProcessSpec

if TYPE_CHECKING:
    from .._core import PortNamespace, Runner

__all__ = ["Process"]


class _SpecMetadata:
    """``spec_metadata`` on a process class: the ``metadata`` input namespace of its spec."""

    def __get__(self, instance: object, owner: type[Process]) -> PortNamespace:
        return owner.spec().inputs["metadata"]  # type: ignore[return-value]


class Process(CoreProcess):
    """Base of WorkChain and of the processes of ``@calcfunction``/``@workfunction``: ``spec()``, ``define(cls,
    spec)``, ``exit_codes``, ``Process.current()``, and in a running process ``node``, ``inputs``, ``out(...)``,
    ``report(...)``. Derive from it directly by implementing ``run(self)`` (plain or ``async``); it returns None,
    an exit status or an ExitCode."""

    _spec_class = ProcessSpec
    node_class: ClassVar[type[ProcessNode]] = WorkflowNode
    spec_metadata = _SpecMetadata()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        node_class = cls.__dict__.get("_node_class")  # AiiDA's spelling; checked when the class is launched
        if node_class is not None:
            cls.node_class = node_class

    @classmethod
    def spec(cls) -> ProcessSpec:
        spec = super().spec()
        assert isinstance(spec, ProcessSpec)
        return spec

    @classmethod
    def prepare(cls, inputs: Mapping[str, Any], runner: Runner | None) -> PreparedProcess:
        """What ``cls(inputs=...)`` makes: validated inputs and a node, written as created (AiiDA's ``on_create``)."""
        runtime = get_runtime()
        if runner is not None and runner is not runtime.runner:
            raise UsageError(
                f"{cls.__name__}(runner=...) got {runner!r}, not the runner of this kernel's runtime "
                f"({runtime.runner!r}); leave runner out."
            )
        if not runtime.runner.on_loop_thread:  # its node is written, and its on_create runs, on that thread
            raise UsageError(
                f"{cls.__name__}(...) was called from a thread other than the one running the event loop; make the "
                f"process there (the notebook's main thread), or launch it from here with jw.run({cls.__name__}, ...)."
            )
        return prepare(cls, inputs, launch=Launch.CREATE)

    @classmethod
    def is_valid_cache(cls, node: ProcessNode) -> bool:
        """Whether ``node`` (a finished run of this class) may serve as a cache source: not if its exit code says
        ``invalidates_cache``. Override to refine; return False at least where this returns False."""
        status = node.exit_status
        if status is None:
            return True
        try:
            return not cls.exit_codes(status).invalidates_cache
        except UsageError:  # a status the class does not declare
            return True

    def run(self) -> Any:
        """What a process of a class derived directly from Process does (nothing, unless overridden: as in AiiDA, a
        class may declare only its spec); WorkChains and functions do not use it."""
        return None

    def _run(self) -> Any:
        result = self._user(self.run)
        return self._await_user(result) if inspect.isawaitable(result) else result
