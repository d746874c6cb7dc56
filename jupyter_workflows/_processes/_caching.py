"""Taking a run's result from the cache: the hash of a new process node, the finished run of the same hash it may
be taken from, and the replay of that run's end (clones of its outputs, its exit code).

The source found for a hash is remembered per store (a re-run cell asks for the same one again and again), as a hint
only: before it is used, one look-up by primary key checks that it still exists and may serve (another program, or
``is_valid_cache = False``, may have withdrawn it). A hash the hints do not know is looked up in the store, where
another program may have added a source meanwhile.
"""

from __future__ import annotations

import weakref
from collections.abc import Mapping
from typing import Any

from .._core import ExitCode, Process
from .._runtime import use_cache
from ..nodes import Data, ProcessNode
from ..nodes._caching import process_hash
from ..nodes._links import NAMESPACE_SEPARATOR
from ..nodes._node import node_class_for
from ..store import CacheSource, NodeRow, Store

__all__ = ["cache_source_for", "hash_of_run", "replayed_end"]

_HINTS_KEPT = 1024  # sources remembered per store; the oldest hint goes first
_hints: weakref.WeakKeyDictionary[Store, dict[tuple[str, str], CacheSource]] = weakref.WeakKeyDictionary()


def hash_of_run(process_class: type[Process], node_class: type[ProcessNode], inputs: list[tuple[str, Data]]) -> str:
    """The hash of a new run: its node type, its process's code, and its inputs' hashes by link label."""
    digests = ((label, data.content_hash()) for label, data in inputs)
    return process_hash(node_class.node_type, process_class.code_digest(), digests)


def cache_source_for(
    process_class: type[Process], node_class: type[ProcessNode], hash: str, metadata: Mapping[str, Any], store: Store
) -> CacheSource | None:
    """The finished run this new one takes its result from: only for a calculation, with caching enabled for its
    process (and not ``metadata.disable_cache``), when a valid cache source of the same hash exists whose outputs
    this kernel can rebuild."""
    if not node_class.cachable or metadata.get("disable_cache"):
        return None
    if not use_cache(process_class.build_process_type()):
        return None
    return _valid_source(store, hash, node_class.node_type)


def _valid_source(store: Store, hash: str, node_type: str) -> CacheSource | None:
    """The remembered source of ``hash`` if it still serves, else the store's (remembered for next time)."""
    hints = _hints.get(store)
    if hints is None:
        hints = _hints[store] = {}
    key = (hash, node_type)
    hint = hints.get(key)
    if hint is not None:
        if store.is_cache_source(hint.pk):
            return hint
        del hints[key]
    source = store.find_cache_source(hash, node_type)
    if source is None or not all(_rebuildable(row) for _, row in source.outputs):
        return None
    if len(hints) >= _HINTS_KEPT:
        del hints[next(iter(hints))]
    hints[key] = source
    return source


def _rebuildable(row: NodeRow) -> bool:
    """Whether this kernel knows the output's data class (a class defined in a module it has not imported, not)."""
    return node_class_for(row.node_type).node_type == row.node_type


def replayed_end(source: CacheSource) -> tuple[list[tuple[str, Any]], ExitCode]:
    """How a new process ends as ``source`` did, without running (``PreparedProcess.replayed``): with clones of its
    outputs (CREATE links, as AiiDA's) and its exit code."""
    outputs = [(label.replace(NAMESPACE_SEPARATOR, "."), _clone(row)) for label, row in source.outputs]
    return outputs, ExitCode(source.exit_status or 0, source.exit_message)


def _clone(row: NodeRow) -> Data:
    clone = Data.from_attributes(row.node_type, row.attributes, hash=row.hash)
    clone.label = row.label
    clone.description = row.description
    return clone
