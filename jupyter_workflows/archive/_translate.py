"""Nodes as this package stores them and as AiiDA's archive holds them, each way.

Node types map by a table (``data.Int`` is ``data.core.int.Int.``, ``process.workchain`` is
``process.workflow.workchain.WorkChainNode.``); a type of neither table keeps its name, with AiiDA's trailing dot
added or taken away, so that it comes back as it went. Values take AiiDA's attribute names (a Dict's keys, a List's
``list``, an ArrayData's ``array|<name>`` with the array in a ``<name>.npy`` file), process columns become AiiDA's
process attributes, and extras are AiiDA's extras. A data node of a type this package does not know keeps its
attributes as they are, and its files in its ``aiida_repository`` attribute, so that exporting it again gives AiiDA
the same node.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from .._core import ArchiveError, ProcessState
from .._core._codec import PLAIN, UnreadableValue
from ..nodes._caching import content_hash
from ..store import EXTRAS, NodeRow

__all__ = ["REPOSITORY", "AiidaNode", "from_aiida", "to_aiida"]

REPOSITORY = "aiida_repository"
"""The attribute of a node of an unknown type that holds the files it had in AiiDA: ``{relative path: base64}``."""

ARRAY_PREFIX = "array|"
ARRAY_NAME = "array_name"  # our ArrayData's attribute for the name AiiDA gave its one array, when not "default"
DEFAULT_ARRAY = "default"
CHECKPOINTS = "checkpoints"  # AiiDA's serialised process state: code, never imported (as aiida's own importer does)
LABEL_LENGTH = 255  # AiiDA's VARCHAR(255) for labels (enforced by PostgreSQL)

DATA_TYPES = {
    "data.Data": "data.Data.",
    "data.NumericType": "data.core.numeric.NumericType.",
    "data.Int": "data.core.int.Int.",
    "data.Float": "data.core.float.Float.",
    "data.Str": "data.core.str.Str.",
    "data.Bool": "data.core.bool.Bool.",
    "data.List": "data.core.list.List.",
    "data.Dict": "data.core.dict.Dict.",
    "data.ArrayData": "data.core.array.ArrayData.",
    "data.EnumData": "data.core.enum.EnumData.",
}
PROCESS_TYPES = {
    "process.ProcessNode": "process.ProcessNode.",
    "process.CalculationNode": "process.calculation.CalculationNode.",
    "process.WorkflowNode": "process.workflow.WorkflowNode.",
    "process.calcfunction": "process.calculation.calcfunction.CalcFunctionNode.",
    "process.workfunction": "process.workflow.workfunction.WorkFunctionNode.",
    "process.workchain": "process.workflow.workchain.WorkChainNode.",
}
TO_AIIDA = {**DATA_TYPES, **PROCESS_TYPES}
FROM_AIIDA = {aiida: ours for ours, aiida in TO_AIIDA.items()}

# Process columns and AiiDA's attribute of each (the same names, as node.base.attributes shows them).
PROCESS_COLUMNS = ("process_label", "process_state", "process_status", "exit_status", "exit_message", "exception")
TERMINAL = {state.value for state in (ProcessState.FINISHED, ProcessState.EXCEPTED, ProcessState.KILLED)}


@dataclass
class AiidaNode:
    """A node as the archive's ``db_dbnode`` holds it, and the files of its repository (relative path: bytes)."""

    uuid: str
    node_type: str
    process_type: str | None
    label: str
    description: str
    ctime: float
    mtime: float
    attributes: dict[str, Any]
    extras: dict[str, Any]
    files: dict[str, bytes] = field(default_factory=dict)


def aiida_node_type(node_type: str) -> str:
    """AiiDA's node type string of one of ours (``data.Int`` -> ``data.core.int.Int.``)."""
    return TO_AIIDA.get(node_type) or f"{node_type}."


def our_node_type(node_type: str) -> str:
    """Our node type of one of AiiDA's (``data.core.int.Int.`` -> ``data.Int``)."""
    return FROM_AIIDA.get(node_type) or node_type.removesuffix(".")


def is_known(node_type: str) -> bool:
    """Whether an AiiDA node type is one this package has a class for (else it comes in as generic data)."""
    return node_type in FROM_AIIDA


# -- ours -> AiiDA ------------------------------------------------------------------------------------------------
def to_aiida(row: NodeRow) -> AiidaNode:
    """The archive's form of a stored node."""
    attributes = {key: value for key, value in row.attributes.items() if key not in (EXTRAS, REPOSITORY)}
    files = {path: base64.b64decode(text) for path, text in row.attributes.get(REPOSITORY, {}).items()}
    process_type = None
    if row.node_type.startswith("process."):
        attributes = _process_attributes(row, attributes)
        process_type = attributes.get("process_type")
    else:
        convert = _DATA_TO_AIIDA.get(row.node_type)
        if convert is not None:
            attributes, files = convert(attributes)
    return AiidaNode(
        uuid=row.uuid,
        node_type=aiida_node_type(row.node_type),
        process_type=str(process_type) if process_type is not None else None,
        label=row.label[:LABEL_LENGTH],
        description=row.description,
        ctime=row.ctime,
        mtime=row.mtime or row.ctime,
        attributes=attributes,
        extras=dict(row.attributes.get(EXTRAS, {})),
        files=files,
    )


def _process_attributes(row: NodeRow, attributes: dict[str, Any]) -> dict[str, Any]:
    columns = {name: getattr(row, name) for name in PROCESS_COLUMNS}
    columns["paused"] = row.paused or None
    columns["sealed"] = row.sealed or row.process_state in TERMINAL or None
    return {**attributes, **{key: value for key, value in columns.items() if value is not None}}


def _value(attributes: Mapping[str, Any]) -> Any:
    try:
        return PLAIN.decode(attributes.get("value"))
    except UnreadableValue:
        return attributes.get("value")


def _scalar_to_aiida(attributes: dict[str, Any]) -> tuple[dict[str, Any], dict[str, bytes]]:
    return {**attributes, "value": _value(attributes)}, {}


def _dict_to_aiida(attributes: dict[str, Any]) -> tuple[dict[str, Any], dict[str, bytes]]:
    return dict(_value(attributes) or {}), {}


def _list_to_aiida(attributes: dict[str, Any]) -> tuple[dict[str, Any], dict[str, bytes]]:
    return {"list": list(_value(attributes) or [])}, {}


def _array_to_aiida(attributes: dict[str, Any]) -> tuple[dict[str, Any], dict[str, bytes]]:
    import numpy as np  # an ArrayData exists only where numpy does

    content = base64.b64decode(attributes["array"])
    name = str(attributes.get(ARRAY_NAME, DEFAULT_ARRAY))
    shape = np.load(io.BytesIO(content), allow_pickle=False).shape
    return {f"{ARRAY_PREFIX}{name}": list(shape)}, {f"{name}.npy": content}


_DATA_TO_AIIDA: dict[str, Callable[[dict[str, Any]], tuple[dict[str, Any], dict[str, bytes]]]] = {
    "data.Int": _scalar_to_aiida,
    "data.Float": _scalar_to_aiida,
    "data.Str": _scalar_to_aiida,
    "data.Bool": _scalar_to_aiida,
    "data.EnumData": _scalar_to_aiida,
    "data.Dict": _dict_to_aiida,
    "data.List": _list_to_aiida,
    "data.ArrayData": _array_to_aiida,
}


# -- AiiDA -> ours ------------------------------------------------------------------------------------------------
@dataclass
class Translated:
    """A node of the archive as a row for the store; ``generic``: it came in as data of a type we have no class for
    (its AiiDA type); ``files_dropped``: files of a process node that were not kept (their paths)."""

    row: NodeRow
    generic: str | None = None
    files_dropped: list[str] = field(default_factory=list)


def from_aiida(node: AiidaNode) -> Translated:
    """The store's row for a node of the archive (pk 0: not stored yet)."""
    ours = our_node_type(node.node_type)
    row = NodeRow(
        pk=0,
        uuid=node.uuid,
        node_type=ours,
        label=node.label or "",
        description=node.description or "",
        ctime=node.ctime,
        mtime=node.mtime or node.ctime,
    )
    result = Translated(row)
    if ours.startswith("process."):
        row.attributes = _process_columns(row, node)
        result.files_dropped = sorted(node.files)
    elif not ours.startswith("data."):
        raise ArchiveError(
            f"Node {node.uuid} of the archive has the node type {node.node_type!r}, which is neither data nor a "
            "process; the archive is damaged or was written by a newer AiiDA"
        )
    else:
        attributes = _data_from_aiida(node)
        if attributes is None:  # a type we do not know, or an ArrayData of several arrays: generic data
            row.node_type = node.node_type.removesuffix(".")  # never one of ours: it would load as that class
            attributes = dict(node.attributes)
            if node.files:
                attributes[REPOSITORY] = {
                    path: base64.b64encode(data).decode("ascii") for path, data in node.files.items()
                }
            result.generic = node.node_type.removesuffix(".").rsplit(".", 1)[-1]
        row.hash = content_hash(row.node_type, attributes)
        row.attributes = attributes
    extras = {key: value for key, value in node.extras.items() if not key.startswith("_aiida_")}
    if extras:
        row.attributes[EXTRAS] = extras
    return result


def _process_columns(row: NodeRow, node: AiidaNode) -> dict[str, Any]:
    attributes = dict(node.attributes)
    for name in PROCESS_COLUMNS:
        value = attributes.pop(name, None)
        setattr(row, name, None if value is None else (int(value) if name == "exit_status" else str(value)))
    row.paused = bool(attributes.pop("paused", False))
    attributes.pop("sealed", None)
    # Sealed whatever its state: nothing runs it here, so nothing may ever change it (nor resume it as an orphan).
    # aiida-core exports terminated processes only; a process of another state keeps the state the archive names.
    row.sealed = True
    attributes.pop(CHECKPOINTS, None)
    if node.process_type:
        attributes["process_type"] = node.process_type
    return attributes


def _data_from_aiida(node: AiidaNode) -> dict[str, Any] | None:
    """Our attributes of a data node of a known type; None when it must come in as generic data."""
    ours = FROM_AIIDA.get(node.node_type)
    attributes = node.attributes
    if ours in ("data.Int", "data.Float", "data.Str", "data.Bool", "data.EnumData") and "value" in attributes:
        return {**attributes, "value": PLAIN.encode(attributes["value"])}
    if ours == "data.Dict":
        return {"value": PLAIN.encode(dict(attributes))}
    if ours == "data.List" and set(attributes) <= {"list"}:
        return {"value": PLAIN.encode(list(attributes.get("list", [])))}
    if ours == "data.ArrayData":
        return _array_from_aiida(node)
    if ours in ("data.Data", "data.NumericType"):
        return dict(attributes)
    return None


def _array_from_aiida(node: AiidaNode) -> dict[str, Any] | None:
    names = [key[len(ARRAY_PREFIX) :] for key in node.attributes if key.startswith(ARRAY_PREFIX)]
    if len(names) != 1 or len(node.attributes) != 1 or set(node.files) != {f"{names[0]}.npy"}:
        return None  # several arrays (or none): our ArrayData holds one
    attributes: dict[str, Any] = {"array": base64.b64encode(node.files[f"{names[0]}.npy"]).decode("ascii")}
    if names[0] != DEFAULT_ARRAY:
        attributes[ARRAY_NAME] = names[0]
    return attributes


def repository_tree(files: Mapping[str, str]) -> dict[str, Any]:
    """AiiDA's ``repository_metadata`` for files given as {relative path: sha256 key}."""
    root: dict[str, Any] = {}
    for path, key in sorted(files.items()):
        *folders, name = path.split("/")
        level = root
        for folder in folders:
            level = level.setdefault("o", {}).setdefault(folder, {})
        level.setdefault("o", {})[name] = {"k": key}
    return root


def repository_files(tree: Mapping[str, Any], prefix: str = "") -> Iterator[tuple[str, str]]:
    """(relative path, sha256 key) of every file of a ``repository_metadata`` tree."""
    for name, entry in (tree.get("o") or {}).items():
        path = f"{prefix}{name}"
        if entry.get("k") is not None:
            yield path, str(entry["k"])
        else:
            yield from repository_files(entry, f"{path}/")
