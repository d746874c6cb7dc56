"""GenericData: a stored data node of a type this package has no class for.

Such nodes come from AiiDA archives (a StructureData, a BandsData) or from a Data subclass whose module is not
imported here. They read back as they were stored: their node type, and their attributes as ``value`` (or, for a
node that holds a single ``value``, that value), read-only. Exported again, they are the same node.
"""

from __future__ import annotations

import contextlib
import copy
from typing import Any

from .._core._codec import PLAIN, UnreadableValue
from ..store import EXTRAS
from ._data import Data

__all__ = ["GenericData"]


class GenericData(Data):
    """Data of a type without a class here: ``type_name`` is its class's name (``"StructureData"``), ``node_type``
    its stored type, ``value`` (and ``node.base.attributes``) what it holds."""

    node_type = "data.GenericData"  # each node has its own: the stored one

    @property
    def type_name(self) -> str:
        """The name of the class the node was made with (``"StructureData"``)."""
        return self.node_type.rsplit(".", 1)[-1]

    @property
    def attributes(self) -> dict[str, Any]:
        return copy.deepcopy(self._attributes)

    @property
    def value(self) -> Any:
        return copy.deepcopy(self._value)

    def _load_row(self, row: Any) -> None:
        stored_type = getattr(row, "node_type", None)
        if stored_type:
            self.node_type = stored_type  # type: ignore[misc]  # an instance's own type, as stored
        self._attributes = {key: value for key, value in row.attributes.items() if key != EXTRAS}
        self._value = self._attributes
        if set(self._attributes) == {"value"}:  # a value written by this package's codec
            with contextlib.suppress(UnreadableValue):  # else the attributes, as they are
                self._value = PLAIN.decode(self._attributes["value"])

    def __repr__(self) -> str:
        where = f"pk={self._pk}" if self._pk is not None else "unstored"
        return f"<GenericData {self.type_name}: {where}>"

    def __str__(self) -> str:
        return f"{self.type_name}({self._value!r})"

    __hash__ = Data.__hash__
