"""``node.base.extras``: what users note on a node (tags, scores, a "checked" flag), AiiDA's extras.

Unlike a node's content, extras may change at any time, on a stored node and on a sealed process node too; they are
no part of the node's hash. They are kept in the node's row (the ``extras`` key of its attributes): an unstored
node keeps them in memory until it is stored, a stored node reads and writes them in the store at each call, so
that every kernel sees the others' changes. Values are JSON (through the codec): numbers, strings, booleans, None,
lists and dicts.

Two keys are AiiDA's names for what this engine keeps elsewhere and are read-only here: ``_aiida_hash`` (the node's
hash, ``node.base.caching.get_hash()``) and ``_aiida_cached_from`` (the uuid of the run a cached process was taken
from).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from .._core import UsageError
from .._core._codec import PLAIN
from ..store import EXTRAS
from ._caching import NodeCaching
from ._data import _plain
from ._keyed import NamedValues

__all__ = ["NodeExtras"]

_HASH, _CACHED_FROM = "_aiida_hash", "_aiida_cached_from"


class NodeExtras(NamedValues):
    """A node's extras: ``get(key, default)``, ``set(key, value)``, ``set_many``, ``reset``, ``delete``, ``clear``,
    ``all``, ``keys()``, ``items()``."""

    noun = "extra"

    # -- reading ------------------------------------------------------------------------------------------------------
    @property
    def all(self) -> dict[str, Any]:
        """Every extra (a copy), with AiiDA's ``_aiida_hash`` and ``_aiida_cached_from`` where the node has them."""
        node = self._node
        stored = node.provenance_store.get_node(node.pk).attributes.get(EXTRAS, {}) if node.pk is not None else None
        values = {key: PLAIN.decode(value) for key, value in (stored or node.unstored_extras).items()}
        caching = NodeCaching(node)
        for key, value in ((_HASH, caching.get_hash()), (_CACHED_FROM, _cache_source(caching))):
            if value is not None:
                values[key] = value
        return values

    # -- writing ------------------------------------------------------------------------------------------------------
    def set(self, key: str, value: Any) -> None:
        """Set the extra ``key`` (stored at once on a stored node, sealed or not)."""
        self.set_many({key: value})

    def set_many(self, values: Mapping[str, Any]) -> None:
        self._change(values=_checked(values))

    def reset(self, values: Mapping[str, Any]) -> None:
        """Replace all extras by ``values``."""
        self._change(values=_checked(values), clear=True)

    def delete(self, key: str) -> None:
        """Delete the extra ``key``; AttributeError if it has none."""
        self.delete_many([key])

    def delete_many(self, keys: Iterable[str]) -> None:
        keys = list(keys)
        _check_keys(keys)
        missing = [key for key in keys if key not in self.all]
        if missing:
            raise AttributeError(f"{self._node!r} has no extra {missing[0]!r} to delete.")
        self._change(deleted=keys)

    def clear(self) -> None:
        """Delete every extra."""
        self._change(clear=True)

    def _change(self, *, values: dict[str, Any] | None = None, deleted: list[str] = (), clear: bool = False) -> None:  # type: ignore[assignment]
        node = self._node
        if node.pk is not None:
            node.provenance_store.update_extras(node.pk, values=values, deleted=deleted, clear=clear)
            return
        extras = node.unstored_extras
        if clear:
            extras.clear()
        for key in deleted:
            extras.pop(key, None)
        extras.update(values or {})


def _checked(values: Mapping[str, Any]) -> dict[str, Any]:
    """The extras ``values`` as they are stored (JSON); SerializationError naming what cannot be."""
    _check_keys(values)
    return {key: PLAIN.encode(_plain(value, f"extra {key!r}")) for key, value in values.items()}


def _check_keys(keys: Iterable[Any]) -> None:
    for key in keys:
        if not isinstance(key, str) or not key or "." in key:
            raise UsageError(f"An extra's key is a non-empty str without dots, e.g. 'tag' (got {key!r}).")
        if key in (_HASH, _CACHED_FROM):
            raise UsageError(
                f"The extra {key!r} is AiiDA's name for what node.base.caching keeps, and cannot be changed here; "
                "use node.base.caching (e.g. is_valid_cache = False) instead."
            )


def _cache_source(caching: NodeCaching) -> str | None:
    try:
        return caching.get_cache_source()
    except UsageError:  # a data node: no cache source
        return None
