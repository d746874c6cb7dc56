"""ArrayData: a numpy array as a data node (numpy is optional: needed only when arrays are used).

Stored as the ``.npy`` bytes (``allow_pickle=False``, so object arrays are refused) in the node's attributes.
"""

from __future__ import annotations

import base64
import io
from typing import Any

from .._core import SerializationError
from ._data import Data

__all__ = ["ArrayData"]


class ArrayData(Data):
    """A numpy array. ``value`` gives a read-only view; numpy functions take the node directly (``np.sum(node)``)."""

    node_type = "data.ArrayData"

    def _coerce(self, value: Any) -> Any:
        import numpy as np

        array = np.array(value)  # a copy: later changes to the caller's array do not reach the node
        if array.dtype.hasobject:
            raise SerializationError(
                f"an array of dtype {array.dtype} holds Python objects, which cannot be stored; use a numeric dtype"
            )
        array.setflags(write=False)
        return array

    @property
    def attributes(self) -> dict[str, Any]:
        import numpy as np

        buffer = io.BytesIO()
        np.save(buffer, self._value, allow_pickle=False)
        return {"array": base64.b64encode(buffer.getvalue()).decode("ascii")}

    def _load_row(self, row: Any) -> None:
        import numpy as np

        array = np.load(io.BytesIO(base64.b64decode(row.attributes["array"])), allow_pickle=False)
        array.setflags(write=False)
        self._value = array

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(self._value.shape)

    @property
    def dtype(self) -> Any:
        return self._value.dtype

    def __array__(self, dtype: Any = None, copy: Any = None) -> Any:
        return self._value if dtype is None else self._value.astype(dtype)

    def __len__(self) -> int:
        return len(self._value)

    def __getitem__(self, index: Any) -> Any:
        return self._value[index]

    def __eq__(self, other: object) -> bool:
        import numpy as np

        other_value = other.value if isinstance(other, Data) else other
        try:
            return bool(np.array_equal(self._value, np.asarray(other_value)))
        except (TypeError, ValueError):
            return False

    __hash__ = Data.__hash__

    def __repr__(self) -> str:
        where = f"pk={self._pk}" if self._pk is not None else "unstored"
        return f"<ArrayData: {where} shape={self.shape} dtype={self.dtype}>"
