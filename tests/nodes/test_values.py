"""Values of data nodes: what is refused and how, formatting, numpy scalars and arrays, exact storage round trips."""

from __future__ import annotations

import math
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from hypothesis import given, settings, strategies as st

import jupyter_workflows as jw
from jupyter_workflows import ArrayData, Bool, Dict, Float, Int, List, Str
from jupyter_workflows.nodes import to_node
from jupyter_workflows.store import Store

np = pytest.importorskip("numpy")  # numpy is optional for users, installed for the tests


@contextmanager
def fresh_loader(url: str) -> Iterator[Callable[[int], Any]]:
    """load_node through a second Store on the same database: its nodes are read from disk, not the identity cache."""
    other = Store(url)
    try:
        yield lambda pk: jw.load_node(pk, store=other)
    finally:
        other.close()


# -- SerializationError ------------------------------------------------------------------------------------------------
def test_serialization_error_is_public_and_both_a_type_and_a_value_error():
    assert jw.SerializationError is jw._core.SerializationError
    assert issubclass(jw.SerializationError, jw.ValidationError)  # and so a WorkflowsError
    for value, node_class in (("a", Int), ({1: 2}, Dict)):
        with pytest.raises(TypeError):
            node_class(value)
        with pytest.raises(ValueError):  # noqa: PT011  what AiiDA code catches, either of the two
            node_class(value)


def test_refusals_say_what_was_wrong_what_is_expected_and_how_to_fix():
    with pytest.raises(jw.SerializationError, match=r"^Int needs an integer, got str 'a'; pass e.g. Int\(3\)$"):
        Int("a")
    with pytest.raises(jw.SerializationError, match=r"got str '5'.*convert the text first: Int\(int\('5'\)\)"):
        Int("5")
    with pytest.raises(jw.SerializationError, match=r"Float needs a real number, got complex 1j; pass e.g. Float"):
        Float(1j)
    with pytest.raises(jw.SerializationError, match=r"Bool needs True or False, got int 2; pass e.g. Bool\(True\)"):
        Bool(2)
    with pytest.raises(jw.SerializationError, match=r"key 1 \(int\) at top level is not a str; use str keys, e.g. '1'"):
        Dict({1: 2})
    with pytest.raises(jw.SerializationError, match=r"List needs a list or tuple, got set \{1\}"):
        List({1})


def test_a_refused_input_is_reported_by_the_process_as_a_validation_error():
    @jw.calcfunction
    def double(x: Int):
        return x * 2

    with pytest.raises(jw.ValidationError, match=r"Input 'x' of double.*cannot be stored"):
        double({1})


# -- formatting --------------------------------------------------------------------------------------------------------
def test_data_nodes_format_like_their_values():
    assert f"{Float(3.14159):.2f}" == "3.14" and f"{Int(42):>5}" == "   42" and f"{Int(255):x}" == "ff"
    assert f"{Str('ab'):*^6}" == "**ab**" and f"{Bool(True)}" == "True" and f"{Float(0.5):.0%}" == "50%"
    assert f"{List([1, 2])}" == "[1, 2]" and f"{Dict({'a': 1})}" == "{'a': 1}"
    assert "{:,}".format(Int(1234567)) == "1,234,567"  # noqa: UP032  str.format goes through __format__ too


# -- numpy scalars -----------------------------------------------------------------------------------------------------
def test_numpy_scalars_are_accepted_as_the_python_values_they_hold():
    assert Bool(np.True_).value is True and Bool(np.bool_(False)).value is False
    assert type(Int(np.int64(3)).value) is int and type(Int(np.uint8(7)).value) is int
    assert type(Float(np.float32(0.5)).value) is float and Float(np.float32(0.5)) == 0.5
    assert type(Str(np.str_("a")).value) is str
    assert [type(to_node(v)) for v in (np.True_, np.int16(1), np.float64(1.5), np.str_("s"))] == [Bool, Int, Float, Str]
    listed = List([np.True_, np.int8(1), np.float16(0.5), [np.int64(2)]])
    assert [type(v) for v in listed.value] == [bool, int, float, list] and listed == [True, 1, 0.5, [2]]
    assert Dict({"a": np.float32(1.5), "b": {"c": np.False_}}).value == {"a": 1.5, "b": {"c": False}}
    with pytest.raises(jw.SerializationError, match=r"Int needs an integer, got float 1\.5"):
        Int(np.float64(1.5))


def test_numpy_scalars_are_accepted_as_process_inputs_and_outputs(store):
    @jw.calcfunction
    def flip(flag: Bool):
        return np.logical_not(flag.value)  # a numpy bool

    result = flip(np.True_)
    assert type(result) is Bool and result.value is False and result.is_stored


def test_values_never_import_numpy():
    code = (
        "import sys, jupyter_workflows as jw\n"
        "from jupyter_workflows.nodes import to_node\n"
        "jw.Bool(True), jw.Int(1), jw.Float(2.0), jw.Str('s'), jw.List([1, (2,)]), jw.Dict({'a': {'b': 1.5}})\n"
        "to_node(3), to_node([1]), f'{jw.Float(1.0):.1f}'\n"
        "print('numpy' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


# -- ArrayData arithmetic ----------------------------------------------------------------------------------------------
def test_array_arithmetic_gives_new_unstored_array_nodes(store):
    a = ArrayData(np.array([1.0, 2.0, 3.0])).store()
    b = ArrayData(np.array([4.0, 5.0, 6.0]))
    ones = [1, 1, 1]
    results = {
        "a + 1": (a + 1, [2, 3, 4]),
        "1 + a": (1 + a, [2, 3, 4]),
        "a * b": (a * b, [4, 10, 18]),
        "b - a": (b - a, [3, 3, 3]),
        "a / 2": (a / 2, [0.5, 1, 1.5]),
        "6 / a": (6 / a, [6, 3, 2]),
        "b // a": (b // a, [4, 2, 2]),
        "b % a": (b % a, [0, 1, 0]),
        "a ** 2": (a**2, [1, 4, 9]),
        "2 ** a": (2**a, [2, 4, 8]),
        "-a": (-a, [-1, -2, -3]),
        "+a": (+a, [1, 2, 3]),
        "abs(-a)": (abs(-a), [1, 2, 3]),
        "Int(2) * a": (Int(2) * a, [2, 4, 6]),
        "a - Float(0.5)": (a - Float(0.5), [0.5, 1.5, 2.5]),
        "ndarray + a": (np.ones(3) + a, [2, 3, 4]),
        "np.float64 * a": (np.float64(2) * a, [2, 4, 6]),
        "a + list": (a + ones, [2, 3, 4]),
    }
    for text, (result, expected) in results.items():
        assert type(result) is ArrayData and not result.is_stored, text
        assert np.array_equal(result.value, expected), text
    assert a.is_stored and np.array_equal(a.value, [1, 2, 3])  # the operands do not change


def test_array_matmul_broadcasting_and_dtype():
    m = ArrayData(np.eye(2, dtype=np.int32))
    v = np.array([3, 4], dtype=np.int32)
    assert type(m @ v) is ArrayData and (m @ v) == [3, 4] and (v @ m) == [3, 4]
    assert (m + ArrayData(np.array([10, 20]))).shape == (2, 2)
    assert (m * 2).dtype == np.int32 and (m / 2).dtype == np.float64


def test_array_ordering_and_bitwise_operators_are_elementwise():
    a = ArrayData(np.array([1, 2, 3]))
    assert type(a < 2) is ArrayData and (a < 2) == [True, False, False]
    assert (a <= 2) == [True, True, False] and (a > 2) == [False, False, True] and (a >= 2) == [False, True, True]
    assert (2 > a) == [True, False, False]  # noqa: SIM300  the reflected operator
    assert (a[np.asarray(a > 1)] == [2, 3]).all()
    assert ((a > 1) & (a < 3)) == [False, True, False] and ((a < 2) | (a > 2)) == [True, False, True]
    assert ((a > 1) ^ True) == [True, False, False] and (~(a > 1)) == [True, False, False]


def test_array_equality_compares_whole_arrays_like_every_data_node():
    a = ArrayData(np.array([1, 2, 3]))
    assert a == [1, 2, 3] and np.array([1, 2, 3]) == a and a != [1, 2, 4] and a != ArrayData(np.array([1, 2]))
    assert float(np.sum(a)) == 6.0 and np.sum(a) == 6 and float(np.mean(a + 1)) == 3.0
    assert type(np.sqrt(a)) is np.ndarray  # numpy functions take the node and give plain arrays


def test_array_results_that_cannot_be_stored_are_refused():
    with pytest.raises(jw.SerializationError, match="holds Python objects"):
        ArrayData(np.array([1, 2])) + np.array([1, 2], dtype=object)


# -- exact round trips through a real store (SQLite and PostgreSQL) ----------------------------------------------------
def test_tag_like_dicts_round_trip_through_the_store(any_store, store_url):
    values = [
        {"__float__": "inf"},  # read back as a float before the one codec
        {"__float__": "hello"},  # could not be read back at all
        {"__dict__": {"__float__": "nan"}},
        {"__data__": 1, "attributes": {"value": 2}},
        {"a": [{"__tuple__": [1]}, {"__node__": "uuid"}, {"__x__": None}]},
        {"nan": math.nan, "inf": [math.inf, -math.inf], "text": "ünïcödé ✓ \u2028 \t 😀"},
    ]
    pks = [Dict(value).store().pk for value in values]
    with fresh_loader(store_url) as load:
        for pk, value in zip(pks, values, strict=True):
            reloaded = load(pk)
            assert type(reloaded) is Dict and reloaded is not jw.load_node(pk)
            assert same(reloaded.value, value)


def test_non_finite_floats_round_trip_through_the_store(any_store, store_url):
    values = [math.inf, -math.inf, math.nan, -0.0, 1e20, 1.7976931348623157e308, 5e-324, 0.1]
    pks = [Float(value).store().pk for value in values]
    pks.append(List(values).store().pk)
    with fresh_loader(store_url) as load:
        *floats, listed = (load(pk).value for pk in pks)
    assert same(floats, values) and same(listed, values)  # JSONB: 1e20 came back as an int, -0.0 as 0.0


def test_what_the_old_encoder_wrote_still_reads(store, sqlite_url):
    node = Float(1.0).store()
    store.update_attributes(node.pk, {"value": {"__float__": "inf"}})  # the row as the old encoder wrote Float(inf)
    broken = Dict({}).store()
    store.update_attributes(broken.pk, {"value": {"a": {"__nope__": 1}}})  # a tag this version does not know
    with fresh_loader(sqlite_url) as load:
        assert load(node.pk).value == math.inf
        with pytest.raises(jw.StoreError, match=rf"value of Dict<{broken.pk}> cannot be read: value\['a'\] holds the "):
            load(broken.pk)


NO_NUL = st.characters(exclude_categories=("Cs",), exclude_characters="\x00")  # JSONB holds neither
keys = st.one_of(
    st.text(NO_NUL, max_size=6),
    st.sampled_from(["__float__", "__dict__", "__data__", "__node__", "__tuple__", "__attrdict__"]),
    st.from_regex(r"__[a-z]{1,5}__", fullmatch=True),
)
plain_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**63), 2**63 - 1) | st.floats() | st.text(NO_NUL, max_size=10),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(keys, children, max_size=3),
    max_leaves=12,
)


def test_any_dict_or_list_round_trips_through_the_store(any_store, store_url):
    stored: list[tuple[int, Any]] = []

    @settings(max_examples=60, deadline=None)
    @given(st.dictionaries(keys, plain_values, max_size=4) | st.lists(plain_values, max_size=4))
    def store_one(value: Any) -> None:
        stored.append((to_node(value).store().pk, value))

    store_one()
    with fresh_loader(store_url) as load:
        for pk, value in stored:
            assert same(load(pk).value, value)


def same(a: Any, b: Any) -> bool:
    """Equal, of the same types all the way down, with NaN equal to NaN (dict order aside: JSONB sorts keys)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, float):
        return (math.isnan(a) and math.isnan(b)) or (a == b and math.copysign(1, a) == math.copysign(1, b))
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same(a[key], b[key]) for key in a)
    return bool(a == b)
