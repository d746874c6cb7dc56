"""jupyter_workflows: a Jupyter-first workflow engine whose processes run on the kernel's own event loop.

Write ``@calcfunction``/``@workfunction`` functions and ``WorkChain`` classes in notebook cells, call them like
functions (or ``submit`` them to run in the background), and every run leaves a provenance graph in a database.
"""

from typing import Any

from . import daemon as daemon
from ._core import (
    ArchiveError as ArchiveError,
    BrokerLoginError as BrokerLoginError,
    BrokerUnreachableError as BrokerUnreachableError,
    CheckpointError as CheckpointError,
    CodeTravelError as CodeTravelError,
    CommunicatorError as CommunicatorError,
    ExitCode as ExitCode,
    ExitCodesNamespace as ExitCodesNamespace,
    GraphvizError as GraphvizError,
    InputPort as InputPort,
    InvalidOperationError as InvalidOperationError,
    NodeNotFoundError as NodeNotFoundError,
    NotResumableError as NotResumableError,
    NoWorkerWarning as NoWorkerWarning,
    OutputPort as OutputPort,
    PortNamespace as PortNamespace,
    PortValidationError as PortValidationError,
    ProcessBuilder as ProcessBuilder,
    ProcessBuilderNamespace as ProcessBuilderNamespace,
    ProcessError as ProcessError,
    ProcessKilledError as ProcessKilledError,
    ProcessNotRunningHereError as ProcessNotRunningHereError,
    ProcessState as ProcessState,
    ProvenanceError as ProvenanceError,
    SerializationError as SerializationError,
    SpecError as SpecError,
    StoreError as StoreError,
    StoreUnreachableError as StoreUnreachableError,
    UsageError as UsageError,
    ValidationError as ValidationError,
    WorkflowsError as WorkflowsError,
)
from ._processes import Process as Process
from ._runtime import (
    configure as configure,
    disable_caching as disable_caching,
    enable_caching as enable_caching,
)
from ._version import __version__ as __version__
from .archive import export as export, import_archive as import_archive
from .control import kill as kill, pause as pause, play as play, processes as processes
from .functions import calcfunction as calcfunction, workfunction as workfunction
from .graph import graph as graph
from .ipython import (
    enable_rich_display as _enable_rich_display,
    load_ipython_extension as load_ipython_extension,
    unload_ipython_extension as unload_ipython_extension,
)
from .launch import (
    await_processes as await_processes,
    resume as resume,
    run as run,
    run_async as run_async,
    run_get_node as run_get_node,
    run_get_pk as run_get_pk,
    submit as submit,
    wait as wait,
    wait_async as wait_async,
)
from .nodes import (
    ArrayData as ArrayData,
    Bool as Bool,
    CalcFunctionNode as CalcFunctionNode,
    Data as Data,
    Dict as Dict,
    Float as Float,
    Int as Int,
    List as List,
    ProcessNode as ProcessNode,
    Str as Str,
    WorkChainNode as WorkChainNode,
    WorkFunctionNode as WorkFunctionNode,
    get_false_node as get_false_node,
    get_true_node as get_true_node,
    load_node as load_node,
    to_node as to_aiida_type,
)
from .store import LinkType as LinkType
from .workchains import (
    BaseRestartWorkChain as BaseRestartWorkChain,
    ProcessHandlerReport as ProcessHandlerReport,
    ToContext as ToContext,
    WorkChain as WorkChain,
    append_ as append_,
    assign_ as assign_,
    if_ as if_,
    process_handler as process_handler,
    return_ as return_,
    while_ as while_,
)


def monitor(*, state: str = "all", label: str = "", page_size: int = 20) -> Any:
    """A live list of every process in the store, with filters and bulk pause/play/kill (a widget)."""
    from .widgets import monitor as widgets_monitor

    return widgets_monitor(state=state, label=label, page_size=page_size)


_enable_rich_display()  # only inside IPython: process nodes display as live widgets (imported at first display)

__all__ = [
    "ArchiveError",
    "ArrayData",
    "BaseRestartWorkChain",
    "Bool",
    "BrokerLoginError",
    "BrokerUnreachableError",
    "CalcFunctionNode",
    "CheckpointError",
    "CodeTravelError",
    "CommunicatorError",
    "Data",
    "Dict",
    "ExitCode",
    "ExitCodesNamespace",
    "Float",
    "GraphvizError",
    "InputPort",
    "Int",
    "InvalidOperationError",
    "LinkType",
    "List",
    "NoWorkerWarning",
    "NodeNotFoundError",
    "NotResumableError",
    "OutputPort",
    "PortNamespace",
    "PortValidationError",
    "Process",
    "ProcessBuilder",
    "ProcessBuilderNamespace",
    "ProcessError",
    "ProcessHandlerReport",
    "ProcessKilledError",
    "ProcessNode",
    "ProcessNotRunningHereError",
    "ProcessState",
    "ProvenanceError",
    "SerializationError",
    "SpecError",
    "StoreError",
    "StoreUnreachableError",
    "Str",
    "ToContext",
    "UsageError",
    "ValidationError",
    "WorkChain",
    "WorkChainNode",
    "WorkFunctionNode",
    "WorkflowsError",
    "append_",
    "assign_",
    "await_processes",
    "calcfunction",
    "configure",
    "daemon",
    "disable_caching",
    "enable_caching",
    "export",
    "get_false_node",
    "get_true_node",
    "graph",
    "if_",
    "import_archive",
    "kill",
    "load_ipython_extension",
    "load_node",
    "monitor",
    "pause",
    "play",
    "process_handler",
    "processes",
    "resume",
    "return_",
    "run",
    "run_async",
    "run_get_node",
    "run_get_pk",
    "submit",
    "to_aiida_type",
    "unload_ipython_extension",
    "wait",
    "wait_async",
    "while_",
    "workfunction",
]
