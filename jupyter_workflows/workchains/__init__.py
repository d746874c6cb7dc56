"""What users write: WorkChains, their outline (if_, while_, return_) and ToContext/append_/assign_."""

from ._context import ToContext as ToContext, append_ as append_, assign_ as assign_
from ._outline import if_ as if_, return_ as return_, while_ as while_
from ._workchain import WorkChain as WorkChain, WorkChainSpec as WorkChainSpec

__all__ = ["ToContext", "WorkChain", "WorkChainSpec", "append_", "assign_", "if_", "return_", "while_"]
