"""Data nodes behave like the values they hold, and a stored node never changes."""

from __future__ import annotations

import math

import pytest

import jupyter_workflows as jw
from jupyter_workflows import Bool, Dict, Float, Int, List, Str, calcfunction
from jupyter_workflows.nodes import to_node

pytestmark = pytest.mark.usefixtures("store")


def test_arithmetic_and_comparisons_like_numbers():
    x, y = Int(7), Int(2)
    assert isinstance(x + y, Int) and x + y == 9
    assert x - 1 == 6 and 10 - x == 3 and x * y == 14 and x // y == 3 and x % y == 1 and x**y == 49
    assert isinstance(x / y, Float) and x / y == 3.5
    assert Int(x + y) == 9  # AiiDA's spelling
    assert x > y and x >= 7 and y < 3 and not (x < y)
    assert -x == -7 and abs(Int(-3)) == 3 and int(x) == 7 and float(y) == 2.0
    assert [10, 20, 30][Int(1)] == 20  # usable as an index
    assert Float(1.5) + 1 == 2.5 and round(Float(2.567), 1) == 2.6
    assert bool(Int(0)) is False and bool(Bool(True)) is True


def test_equality_with_plain_values_and_other_nodes():
    assert Int(3) == 3 and Int(3) == Int(3) and Str("a") == "a" and List([1]) == [1] and Dict({"a": 1}) == {"a": 1}
    assert Int(3) != 4


def test_to_node_wraps_plain_values():
    assert type(to_node(True)) is Bool and type(to_node(1)) is Int and type(to_node(1.0)) is Float
    assert type(to_node("s")) is Str and type(to_node([1])) is List and type(to_node({"a": 1})) is Dict
    node = Int(1)
    assert to_node(node) is node


def test_get_true_node_and_get_false_node_give_a_new_node_each_call():
    @calcfunction
    def is_positive(x):
        return jw.get_true_node() if x > 0 else jw.get_false_node()

    true, false = jw.get_true_node(), jw.get_false_node()
    assert type(true) is Bool and true == True and true.pk is None  # noqa: E712 (AiiDA's comparison)
    assert type(false) is Bool and false == False and false.pk is None  # noqa: E712
    assert jw.get_true_node() is not true
    result, node = jw.run_get_node(is_positive, 1)
    assert result == jw.get_true_node() and result.pk is not None and result.creator.pk == node.pk
    assert is_positive(-1).value is False


def test_store_assigns_pk_and_load_returns_the_same_object():
    node = Dict({"nested": {"a": [1, 2.5, None, True]}}).store()
    assert node.pk is not None and node.is_stored
    assert jw.load_node(node.pk) is node
    assert jw.load_node(node.uuid) is node
    assert jw.load_node(node.uuid[:8]) is node


def test_values_survive_a_reload(store):
    pks = [Float(math.inf).store().pk, List([1, "a", {"b": None}]).store().pk, Str("ü").store().pk]
    from jupyter_workflows.nodes._node import _IDENTITY

    _IDENTITY.clear()  # force a real read from the database
    inf, listed, text = (jw.load_node(pk) for pk in pks)
    assert inf.value == math.inf and listed.value == [1, "a", {"b": None}] and text.value == "ü"


def test_stored_nodes_are_immutable():
    listed = List([1]).store()
    with pytest.raises(jw.StoreError, match="stored and cannot change"):
        listed.append(2)
    table = Dict({"a": 1})
    table["b"] = 2
    assert table.store().value == {"a": 1, "b": 2}
    with pytest.raises(jw.StoreError):
        table["c"] = 3


def test_values_that_json_cannot_hold_are_refused_with_the_path():
    with pytest.raises(jw.SerializationError, match=r"set .* at \['a'\]\[1\] cannot be stored"):
        Dict({"a": [1, {2}]})
    with pytest.raises(jw.SerializationError, match=r"key 1 .* is not a str"):
        Dict({1: "x"})
    with pytest.raises(jw.SerializationError, match=r"object .* at \['t'\]\[0\]\[1\] cannot be stored"):
        Dict({"t": [(1, object())]})


def test_unknown_node_raises_clear_error():
    with pytest.raises(jw.NodeNotFoundError):
        jw.load_node(10**9)


def test_numpy_arrays_become_array_nodes(store):
    np = pytest.importorskip("numpy")  # numpy is optional for users, installed for the tests
    from jupyter_workflows import ArrayData, calcfunction

    @calcfunction
    def scale(array: np.ndarray, factor: float):
        return np.asarray(array) * factor.value

    data = np.arange(6, dtype=np.float32).reshape(2, 3)
    result, node = scale.run_get_node(data, 2)
    assert isinstance(node.inputs.array, ArrayData) and isinstance(result, ArrayData)
    assert result.shape == (2, 3) and result.dtype == np.float32
    assert result == data * 2 and float(np.sum(result)) == 30.0
    data[0, 0] = 99  # the stored input does not change with the caller's array
    assert node.inputs.array[0, 0] == 0
    from jupyter_workflows.nodes._node import _IDENTITY

    _IDENTITY.clear()
    reloaded = jw.load_node(result.pk)
    assert reloaded is not result and reloaded == result and reloaded.dtype == np.float32
    with pytest.raises(jw.ValidationError, match="Python objects"):
        scale(np.array([object()]), 1.0)


def test_every_node_gets_a_random_version_4_uuid():
    import uuid

    uuids = [Int(1).uuid for _ in range(2000)]
    assert len(set(uuids)) == 2000
    for text in uuids:
        parsed = uuid.UUID(text)
        assert str(parsed) == text and parsed.version == 4 and parsed.variant == uuid.RFC_4122
    assert {text[19] for text in uuids} == set("89ab")  # all four variant digits occur


def test_equal_content_equal_hash_and_only_content_counts():
    from jupyter_workflows.nodes import Data

    class Tagged(Data):  # content beyond its value: the tag is stored, and hashed
        def __init__(self, value, tag):
            super().__init__(value)
            self.tag = tag

        @property
        def attributes(self):
            return {"value": self.value, "tag": self.tag}

    for _ in range(2):  # the second time from what the first remembered
        assert Int(1).content_hash() == Int(1).content_hash() != Bool(True).content_hash()
        assert Int(1).content_hash() != Float(1.0).content_hash() != Float(-0.0).content_hash()
        assert Float(0.0).content_hash() != Float(-0.0).content_hash()
        assert Str("a").content_hash() != Str("b").content_hash()
        assert Str("x" * 500).content_hash() == Str("x" * 500).content_hash()
        assert Tagged(1, "a").content_hash() != Tagged(1, "b").content_hash()
