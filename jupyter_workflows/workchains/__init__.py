"""What users write: WorkChains, their outline (if_, while_, return_), ToContext/append_/assign_, and the
BaseRestartWorkChain with its process handlers."""

from ._context import ToContext as ToContext, append_ as append_, assign_ as assign_
from ._handlers import ProcessHandlerReport as ProcessHandlerReport, process_handler as process_handler
from ._outline import if_ as if_, return_ as return_, while_ as while_
from ._restart import BaseRestartWorkChain as BaseRestartWorkChain
from ._workchain import WorkChain as WorkChain, WorkChainSpec as WorkChainSpec

__all__ = [
    "BaseRestartWorkChain",
    "ProcessHandlerReport",
    "ToContext",
    "WorkChain",
    "WorkChainSpec",
    "append_",
    "assign_",
    "if_",
    "process_handler",
    "return_",
    "while_",
]
