"""Process: the public base of every process whose inputs and outputs are data nodes (AiiDA's ``Process``).

WorkChains and process functions derive from it. A class may also derive from it directly, as in AiiDA: declare
ports in ``define(cls, spec)``, set ``_node_class`` (a WorkflowNode by default) and implement ``run(self)``.
"""

from __future__ import annotations

import inspect
from typing import TYPE_CHECKING, Any, ClassVar

from .._core import Process as CoreProcess, UsageError
from ..nodes import ProcessNode, WorkflowNode
from ._spec import ProcessSpec

if TYPE_CHECKING:
    from .._core import PortNamespace

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
        """What a process of a class derived directly from Process does; WorkChains and functions do not use it."""
        raise NotImplementedError(f"{type(self).__name__} derives from Process and must implement run(self).")

    def _run(self) -> Any:
        result = self._user(self.run)
        return self._await_user(result) if inspect.isawaitable(result) else result
