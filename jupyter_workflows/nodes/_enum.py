"""EnumData: a member of a Python ``enum.Enum`` as a data node (AiiDA's ``EnumData``).

Stored as the member's ``name``, its ``value`` (through the JSON codec, so it must be plain data) and the
``identifier`` of its enum class (``"module:QualName"``). ``get_member()`` gives the member back while that class can
be imported; the node itself always reads back (its name, value and identifier), whether the class exists or not.
"""

from __future__ import annotations

import enum
import importlib
import sys
from typing import Any

from .._core import SerializationError, StoreError
from .._core._codec import PLAIN, UnreadableValue
from ._data import Data, _plain

__all__ = ["EnumData"]


class EnumData(Data):
    """An enum member: ``EnumData(Color.RED)``; ``name``, ``value`` and ``identifier`` as stored, ``get_member()``
    (or ``member``) for the member itself. A plain enum member given as a process input becomes one."""

    node_type = "data.EnumData"

    def __init__(self, member: enum.Enum, *, label: str = "", description: str = "") -> None:
        if not isinstance(member, enum.Enum):
            raise SerializationError(
                f"EnumData takes an enum member, got {type(member).__name__} {member!r}; pass e.g. EnumData(Color.RED)"
            )
        enum_class = type(member)
        self._name = member.name
        self._identifier = f"{enum_class.__module__}:{enum_class.__qualname__}"
        super().__init__(
            _plain(member.value, f"{enum_class.__name__}.{member.name}"), label=label, description=description
        )

    @property
    def name(self) -> str:
        """The member's name (``'RED'``)."""
        return self._name

    @property
    def identifier(self) -> str:
        """Where its enum class is defined, ``"module:QualName"``."""
        return self._identifier

    @property
    def member(self) -> enum.Enum:
        return self.get_member()

    def get_enum(self) -> type[enum.Enum]:
        """The enum class; ImportError if it cannot be imported here (its module is gone, or it was defined in
        another notebook)."""
        module_name, _, qualname = self._identifier.partition(":")
        try:
            target: Any = sys.modules["__main__"] if module_name == "__main__" else importlib.import_module(module_name)
            for part in qualname.split("."):
                target = getattr(target, part)
        except (ImportError, AttributeError, KeyError):
            raise ImportError(
                f"The enum class {self._identifier} of {self!r} cannot be imported here; define or import it first "
                "(its name, value and identifier are on the node: .name, .value, .identifier)."
            ) from None
        if not (isinstance(target, type) and issubclass(target, enum.Enum)):
            raise ImportError(f"{self._identifier} is no enum class any more (it is {target!r}).")
        return target

    def get_member(self) -> enum.Enum:
        """The member, by its name (or, if the enum has no member of that name any more, by its value); ValueError
        if the enum changed so that it has neither."""
        enum_class = self.get_enum()
        if self._name in enum_class.__members__:
            return enum_class[self._name]
        try:
            return enum_class(self._value)
        except ValueError:
            raise ValueError(
                f"{enum_class.__qualname__} has no member {self._name} nor one of value {self._value!r} any more: "
                "its definition changed since the node was stored."
            ) from None

    @property
    def attributes(self) -> dict[str, Any]:
        return {"name": self._name, "value": PLAIN.encode(self._value), "identifier": self._identifier}

    def _load_row(self, row: Any) -> None:
        attributes = row.attributes
        try:
            self._name = str(attributes["name"])
            self._identifier = str(attributes["identifier"])
            self._value = PLAIN.decode(attributes.get("value"))
        except (KeyError, UnreadableValue) as error:
            where = f"EnumData<{self._pk}>" if self._pk is not None else "an unstored EnumData"
            raise StoreError(
                f"The stored member of {where} cannot be read ({error}); it was written by a newer jupyter_workflows "
                "or changed by hand."
            ) from None

    def __eq__(self, other: object) -> bool:
        if isinstance(other, EnumData):
            return self.attributes == other.attributes
        if isinstance(other, enum.Enum):
            try:
                return self.get_member() == other
            except (ImportError, ValueError):
                return False
        return False

    __hash__ = Data.__hash__

    def __repr__(self) -> str:
        where = f"pk={self._pk}" if self._pk is not None else "unstored"
        return f"<EnumData: {where} {self._identifier.partition(':')[2]}.{self._name}>"

    def __str__(self) -> str:
        return f"{self._identifier.partition(':')[2]}.{self._name}"
