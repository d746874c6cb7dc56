"""EnumData: an enum member as a data node; plain enum members given to process functions become one."""

from __future__ import annotations

import enum
import sys
import types

import pytest

import jupyter_workflows as jw
from jupyter_workflows import Int, Str, calcfunction, workfunction
from jupyter_workflows.nodes import EnumData, to_node
from jupyter_workflows.nodes._node import _IDENTITY

pytestmark = pytest.mark.usefixtures("store")


class Color(enum.Enum):
    RED = "red"
    GREEN = (0, 255, 0)


class Level(enum.IntEnum):
    LOW = 1


def test_a_member_is_stored_by_name_value_and_enum_class_and_reads_back():
    node = EnumData(Color.RED).store()
    assert (node.name, node.value, node.identifier) == ("RED", "red", f"{__name__}:Color")
    _IDENTITY.clear()  # a real read from the database
    loaded = jw.load_node(node.pk)
    assert loaded is not node and loaded.get_member() is Color.RED and loaded.member is Color.RED
    assert loaded == Color.RED and loaded == EnumData(Color.RED) and loaded != EnumData(Color.GREEN)
    assert EnumData(Color.GREEN).get_member() is Color.GREEN  # a tuple value is stored as a list, found by name


def test_to_node_wraps_enum_members_after_int_and_str():
    assert type(to_node(Color.RED)) is EnumData
    assert type(to_node(Level.LOW)) is Int  # an IntEnum member is an int first, as in AiiDA


def test_a_process_function_takes_and_returns_enum_members():
    @workfunction
    def echo(choice, default=Color.GREEN):
        return {"choice": choice, "default": default}

    @calcfunction
    def name_of(choice):
        return Str(choice.get_member().name.lower())

    result = echo(Color.RED)
    assert isinstance(result["choice"], EnumData) and result["choice"].get_member() is Color.RED
    assert result["default"].get_member() is Color.GREEN
    assert name_of(Color.RED) == "red"


def test_an_enum_that_cannot_be_imported_keeps_what_was_stored(monkeypatch):
    module = types.ModuleType("vanishing_enums")  # a module this kernel had, and a later one does not
    exec("import enum\nclass Gone(enum.Enum):\n    ONLY = 1", module.__dict__)
    monkeypatch.setitem(sys.modules, "vanishing_enums", module)
    node = EnumData(module.Gone.ONLY).store()
    monkeypatch.delitem(sys.modules, "vanishing_enums")
    _IDENTITY.clear()
    loaded = jw.load_node(node.pk)
    assert (loaded.name, loaded.value, loaded.identifier) == ("ONLY", 1, "vanishing_enums:Gone")
    with pytest.raises(ImportError, match=r"The enum class vanishing_enums:Gone of .* cannot be imported here"):
        loaded.get_member()
    assert loaded != module.Gone.ONLY


def test_what_is_not_an_enum_member_or_not_storable_is_refused():
    with pytest.raises(jw.SerializationError, match=r"EnumData takes an enum member, got str 'RED'"):
        EnumData("RED")

    class Odd(enum.Enum):
        THING = object()

    with pytest.raises(jw.SerializationError, match=r"object .* at Odd.THING cannot be stored"):
        EnumData(Odd.THING)
