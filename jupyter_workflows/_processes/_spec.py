"""The spec of processes whose inputs and outputs are data nodes."""

from __future__ import annotations

from .._core import InputPort, ProcessSpec as CoreProcessSpec
from ..nodes import Data, to_node

__all__ = ["MAX_LABEL_LENGTH", "ProcessSpec"]

MAX_LABEL_LENGTH = 255
"""The longest label (and CALL link label) a process takes, as AiiDA's; longer text goes into the description."""


def _short(value: str, _port: object) -> str | None:
    if len(value) <= MAX_LABEL_LENGTH:
        return None
    return (
        f"is {len(value):,} characters long; a label holds at most {MAX_LABEL_LENGTH} characters (put longer text "
        "into metadata.description)"
    )


class ProcessSpec(CoreProcessSpec):
    """Inputs and outputs are Data nodes unless declared otherwise; plain Python values given to inputs are wrapped
    into nodes (``1`` -> ``Int(1)``). Every process also takes ``metadata``: ``label``, ``description``,
    ``call_link_label``, ``store_provenance`` and ``disable_cache``, which are not stored as nodes."""

    default_input_type = Data
    default_output_type = Data
    serializer = staticmethod(to_node)

    def __init__(self) -> None:
        super().__init__()
        metadata = self.inputs.namespace("metadata", required=False, serializer=None, is_metadata=True)
        for name, help, validator in [
            ("label", "a short name for this run, shown in process lists and graphs", _short),
            ("description", "a longer description of this run", None),
            ("call_link_label", "the label of the CALL link from the caller", _short),
        ]:
            port = InputPort(name, valid_type=str, required=False, non_db=True, help=help, validator=validator)
            metadata.add(name, port)
        store = "False: run it without storing anything (a process function run in place; nothing it creates is stored)"
        metadata.add(
            "store_provenance", InputPort("store_provenance", valid_type=bool, required=False, non_db=True, help=store)
        )
        help = "True: run, even where caching would take the result of an earlier run"
        port = InputPort("disable_cache", valid_type=bool, required=False, non_db=True, help=help)
        metadata.add("disable_cache", port)
