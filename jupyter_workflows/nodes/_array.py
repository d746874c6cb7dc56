"""ArrayData: a numpy array as a data node (numpy is optional: needed only when arrays are used).

Stored as the ``.npy`` bytes (``allow_pickle=False``, so object arrays are refused) in the node's attributes.
Arithmetic, ordering comparisons and bitwise operators work elementwise and give new unstored ArrayData nodes, as Int
and Float give new nodes; ``==`` compares whole arrays (True or False), like every data node.
"""

from __future__ import annotations

import base64
import io
import operator
from collections.abc import Callable
from typing import Any

from .._core import SerializationError
from ._data import Data

__all__ = ["ArrayData"]


def _elementwise(op: Callable[[Any, Any], Any], reflected: bool = False) -> Callable[[ArrayData, Any], ArrayData]:
    def method(self: ArrayData, other: Any) -> ArrayData:
        other_value = other.value if isinstance(other, Data) else other
        return ArrayData(op(other_value, self._value) if reflected else op(self._value, other_value))

    return method


def _unary(op: Callable[[Any], Any]) -> Callable[[ArrayData], ArrayData]:
    def method(self: ArrayData) -> ArrayData:
        return ArrayData(op(self._value))

    return method


class ArrayData(Data):
    """A numpy array. ``value`` gives a read-only view; numpy functions take the node directly (``np.sum(node)``),
    and ``node + 1``, ``2 * node``, ``node < limit`` give new ArrayData nodes."""

    node_type = "data.ArrayData"
    # Above ndarray's, so that ``array + node`` lets the node answer (an ArrayData) instead of numpy (a bare array).
    __array_priority__ = 1000.0

    __add__, __radd__ = _elementwise(operator.add), _elementwise(operator.add, True)
    __sub__, __rsub__ = _elementwise(operator.sub), _elementwise(operator.sub, True)
    __mul__, __rmul__ = _elementwise(operator.mul), _elementwise(operator.mul, True)
    __matmul__, __rmatmul__ = _elementwise(operator.matmul), _elementwise(operator.matmul, True)
    __truediv__, __rtruediv__ = _elementwise(operator.truediv), _elementwise(operator.truediv, True)
    __floordiv__, __rfloordiv__ = _elementwise(operator.floordiv), _elementwise(operator.floordiv, True)
    __mod__, __rmod__ = _elementwise(operator.mod), _elementwise(operator.mod, True)
    __pow__, __rpow__ = _elementwise(operator.pow), _elementwise(operator.pow, True)
    __and__, __rand__ = _elementwise(operator.and_), _elementwise(operator.and_, True)
    __or__, __ror__ = _elementwise(operator.or_), _elementwise(operator.or_, True)
    __xor__, __rxor__ = _elementwise(operator.xor), _elementwise(operator.xor, True)
    __lt__, __le__ = _elementwise(operator.lt), _elementwise(operator.le)
    __gt__, __ge__ = _elementwise(operator.gt), _elementwise(operator.ge)
    __neg__, __pos__ = _unary(operator.neg), _unary(operator.pos)
    __abs__, __invert__ = _unary(operator.abs), _unary(operator.invert)

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
