"""The one JSON codec: every value it writes reads back exactly, and no user dict is ever mistaken for a tag."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest
from hypothesis import given, settings, strategies as st

from jupyter_workflows._core import AttributeDict, ExitCode, SerializationError
from jupyter_workflows._core._codec import PLAIN, Codec, Extension, UnreadableValue, is_tag_key

TAG_KEYS = ["__float__", "__dict__", "__data__", "__node__", "__tuple__", "__attrdict__", "__exit_code__"]

keys = st.one_of(
    st.text(max_size=8),
    st.sampled_from(TAG_KEYS),
    st.from_regex(r"__[a-z_0-9]{1,6}__", fullmatch=True),  # any tag-shaped key
    st.sampled_from(["__", "___", "____", "_____", "__x", "x__"]),  # near misses
)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(),  # hypothesis' text has no lone surrogates, which JSON text cannot carry either
)
json_values = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(keys, children, max_size=4),
    max_leaves=25,
)
tag_like_dicts = st.builds(lambda key, value: {key: value}, keys.filter(is_tag_key), json_values)
values = st.recursive(
    scalars | tag_like_dicts,
    lambda children: (
        st.lists(children, max_size=4)
        | st.lists(children, max_size=4).map(tuple)
        | st.dictionaries(keys, children, max_size=4)
        | st.dictionaries(keys, children, max_size=4).map(AttributeDict)
        | st.builds(ExitCode, st.integers(0, 999), st.none() | st.text(), st.booleans())
    ),
    max_leaves=25,
)


def same(a: Any, b: Any) -> bool:
    """Equal, of the same types all the way down, with NaN equal to NaN."""
    if type(a) is not type(b):
        return False
    if isinstance(a, float):
        return (math.isnan(a) and math.isnan(b)) or (a == b and math.copysign(1, a) == math.copysign(1, b))
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same(a[key], b[key]) for key in a)
    return bool(a == b)


def through_json(value: Any, codec: Codec = PLAIN) -> Any:
    text = json.dumps(codec.encode(value), allow_nan=False)  # no NaN/Infinity: PostgreSQL's JSONB refuses them
    return codec.decode(json.loads(text))


@settings(max_examples=400)
@given(values)
def test_every_value_round_trips_exactly(value):
    assert same(through_json(value), value)


@settings(max_examples=200)
@given(values)
def test_encoding_is_stable_json(value):
    encoded = PLAIN.encode(value)
    assert PLAIN.encode(PLAIN.decode(encoded)) == encoded
    assert json.loads(json.dumps(encoded, allow_nan=False)) == encoded


@settings(max_examples=200)
@given(json_values)
def test_plain_json_without_tag_like_dicts_is_written_as_is(value):
    encoded = PLAIN.encode(value)
    if not _has_tag_like_dict(value) and not _has_tagged_float(value):
        assert encoded == value


@given(st.sampled_from(TAG_KEYS) | st.from_regex(r"__[a-z]{1,6}__", fullmatch=True), json_values)
def test_a_tag_like_dict_is_escaped_alone_and_not_among_other_keys(key, inner):
    assert PLAIN.encode({key: "x"}) == {"__dict__": {key: "x"}}
    assert PLAIN.encode({key: "x", "other": 1}) == {key: "x", "other": 1}
    assert same(through_json({key: inner}), {key: inner})
    assert same(through_json([{"a": {key: inner}}]), [{"a": {key: inner}}])


def test_the_tags():
    assert PLAIN.encode([math.inf, -math.inf]) == [{"__float__": "inf"}, {"__float__": "-inf"}]
    assert PLAIN.encode(math.nan) == {"__float__": "nan"}
    # PostgreSQL's JSONB would give these back as 0.0 and as the int 100000000000000000000
    assert PLAIN.encode([-0.0, 0.0, 1e20, 1e16, 9999999999999998.0, -1e300, 1e-300]) == [
        {"__float__": "-0.0"},
        0.0,
        {"__float__": "1e+20"},
        {"__float__": "1e+16"},
        9999999999999998.0,
        {"__float__": "-1e+300"},
        1e-300,
    ]
    assert PLAIN.encode((1, "a")) == {"__tuple__": [1, "a"]}
    assert PLAIN.encode(AttributeDict(a=1)) == {"__attrdict__": {"a": 1}}
    assert PLAIN.encode(ExitCode(3, "bad", True)) == {"__exit_code__": [3, "bad", True]}
    assert PLAIN.encode({"__float__": "inf"}) == {"__dict__": {"__float__": "inf"}}
    assert isinstance(PLAIN.decode({"__exit_code__": [3, "bad", True]}), ExitCode)


def test_an_exit_code_written_with_its_old_label_still_reads():
    assert PLAIN.decode({"__exit_code__": [3, "bad", "ERROR_BAD"]}) == ExitCode(3, "bad", False)
    assert PLAIN.decode({"__exit_code__": [3, None, None]}) == ExitCode(3)


def test_the_old_float_encoding_still_reads():
    assert PLAIN.decode({"__float__": "inf"}) == math.inf
    assert PLAIN.decode({"__float__": "-inf"}) == -math.inf
    assert math.isnan(PLAIN.decode({"__float__": "nan"}))


def test_unknown_tags_and_bad_payloads_name_the_path():
    with pytest.raises(UnreadableValue, match=r"value\['a'\]\[1\] holds the unknown tag '__x__'"):
        PLAIN.decode({"a": [0, {"__x__": 1}]})
    with pytest.raises(UnreadableValue, match=r"ctx\['f'\] holds the float tag with 'hello'; expected a float's"):
        PLAIN.decode({"f": {"__float__": "hello"}}, "ctx")
    with pytest.raises(UnreadableValue, match=r"value should hold a list, not dict"):
        PLAIN.decode({"__tuple__": {}})
    with pytest.raises(UnreadableValue, match=r"value holds a malformed __exit_code__ tag"):
        PLAIN.decode({"__exit_code__": [1, 2, 3, 4, 5]})


def test_what_json_cannot_hold_is_refused_with_the_path():
    with pytest.raises(SerializationError, match=r"value\['a'\] has the key 1 \(int\); JSON keys must be str"):
        PLAIN.encode({"a": {1: 2}})
    with pytest.raises(SerializationError, match=r"value\[0\]\[1\] holds a set, which cannot be stored as JSON"):
        PLAIN.encode([(1, {2})])
    with pytest.raises(TypeError):  # SerializationError is a TypeError (and a ValueError), as AiiDA users expect
        PLAIN.encode(object())


class Point:
    def __init__(self, x: int, y: int) -> None:
        self.x, self.y = x, y


def test_extensions_add_tags_and_receive_their_payload_untouched():
    seen = []

    def decode_point(payload: Any, path: str) -> Point:
        seen.append(payload)
        return Point(*payload["xy"])

    codec = Codec([Extension(Point, "__point__", lambda p, _: {"xy": [p.x, p.y]}, decode_point)])
    encoded = codec.encode({"p": Point(1, 2)})
    assert encoded == {"p": {"__point__": {"xy": [1, 2]}}}
    point = codec.decode(encoded)["p"]
    assert (point.x, point.y) == (1, 2) and seen == [{"xy": [1, 2]}]
    with pytest.raises(UnreadableValue, match="unknown tag '__point__'"):
        PLAIN.decode(encoded)  # a codec without the extension refuses what it cannot read


def test_the_first_extension_that_applies_wins():
    codec = Codec(
        [
            Extension(Point, "__origin__", lambda p, _: None, lambda p, _: Point(0, 0), when=lambda p: p.x == p.y == 0),
            Extension(Point, "__point__", lambda p, _: [p.x, p.y], lambda p, _: Point(*p)),
        ]
    )
    assert codec.encode([Point(0, 0), Point(1, 0)]) == [{"__origin__": None}, {"__point__": [1, 0]}]
    assert [(p.x, p.y) for p in codec.decode(codec.encode([Point(0, 0), Point(1, 0)]))] == [(0, 0), (1, 0)]


def test_extension_tags_must_be_tag_shaped_and_new():
    for tag in ("point", "__float__"):
        with pytest.raises(ValueError, match="must look like '__name__' and be new"):
            Codec([Extension(Point, tag, lambda p, _: None, lambda p, _: None)])


def _has_tag_like_dict(value: Any) -> bool:
    if isinstance(value, list):
        return any(map(_has_tag_like_dict, value))
    if isinstance(value, dict):
        own = len(value) == 1 and is_tag_key(next(iter(value)))
        return own or any(map(_has_tag_like_dict, value.values()))
    return False


def _has_tagged_float(value: Any) -> bool:
    if isinstance(value, float):
        return not math.isfinite(value) or abs(value) >= 1e16 or (value == 0 and math.copysign(1, value) < 0)
    if isinstance(value, (list, dict)):
        return any(map(_has_tagged_float, value.values() if isinstance(value, dict) else value))
    return False


# -- the codec as checkpoints use it (workchains._checkpoint: stored nodes by reference, unstored data by value) -------
contexts = st.dictionaries(st.text(max_size=6) | st.sampled_from(TAG_KEYS), values, max_size=4).map(AttributeDict)


def test_a_context_with_a_data_key_among_others_reads_back(store):
    from jupyter_workflows.workchains._checkpoint import decode_context, encode_context

    ctx = AttributeDict(meta={"__data__": "data.Int", "attributes": {"value": 1}}, only={"__data__": 1})
    encoded = json.loads(json.dumps(encode_context(ctx), allow_nan=False))
    assert same(decode_context(encoded), ctx)  # was "corrupted at ctx: 'attributes'"


@settings(max_examples=200)
@given(contexts)
def test_every_context_round_trips(ctx):
    from jupyter_workflows.workchains._checkpoint import decode_context, encode_context

    assert same(decode_context(json.loads(json.dumps(encode_context(ctx), allow_nan=False))), ctx)


def test_nodes_in_a_context(store):
    import numpy as np

    from jupyter_workflows import ArrayData, Dict, Float, Int, List
    from jupyter_workflows.workchains._checkpoint import decode_context, encode_context

    stored = Int(5).store()
    unstored = [Int(3), Float(math.nan), Dict({"__float__": "inf", "x": {"__node__": 1}}), List([(1, 2)])]
    ctx = AttributeDict(stored=stored, unstored=unstored, array=ArrayData(np.arange(3)), pair=(stored, Int(1)))
    encoded = json.loads(json.dumps(encode_context(ctx), allow_nan=False))
    assert encoded["__attrdict__"]["stored"] == {"__node__": stored.uuid}
    assert encoded["__attrdict__"]["unstored"][0] == {"__data__": ["data.Int", {"value": 3}]}
    back = decode_context(encoded)
    assert back.stored is stored and back.pair[0] is stored and back.pair[1] == 1 and not back.pair[1].is_stored
    assert [type(node) for node in back.unstored] == [Int, Float, Dict, List]
    assert not any(node.is_stored for node in back.unstored) and back.unstored[0] == 3
    assert math.isnan(back.unstored[1].value) and back.unstored[2].value == {"__float__": "inf", "x": {"__node__": 1}}
    assert back.unstored[3] == [[1, 2]] and back.array == [0, 1, 2] and back.array.dtype == np.arange(3).dtype


def test_what_a_checkpoint_cannot_hold_is_named(store):
    from jupyter_workflows.nodes import CalcFunctionNode
    from jupyter_workflows.workchains._checkpoint import Unencodable, encode_context

    with pytest.raises(Unencodable, match=r"ctx\['a'\]\[0\] holds a set, which cannot be stored as JSON"):
        encode_context(AttributeDict(a=[{1}]))
    with pytest.raises(Unencodable, match=r"ctx\['b'\] has the key 1 \(int\)"):
        encode_context(AttributeDict(b={1: 2}))
    with pytest.raises(Unencodable, match=r"ctx\['p'\] holds an unstored CalcFunctionNode"):
        encode_context(AttributeDict(p=CalcFunctionNode(process_label="add")))


def test_a_corrupted_context_is_a_checkpoint_error_naming_the_path(store):
    from jupyter_workflows import CheckpointError
    from jupyter_workflows.workchains._checkpoint import decode_context

    corrupted = {
        r"ctx\['a'\] holds the unknown tag '__pickle__'": {"__attrdict__": {"a": {"__pickle__": "x"}}},
        r"ctx\[0\] holds a malformed __data__ tag": [{"__data__": ["data.Int"]}],
        r"ctx holds unstored data of the non-data type 'process.ProcessNode'": {
            "__data__": ["process.ProcessNode", {}]
        },
        r"ctx holds unstored data that cannot be read .*value\['x'\] holds the unknown tag '__y__'": {
            "__data__": ["data.Dict", {"value": {"x": {"__y__": 1}}}]
        },
        r"ctx holds a node reference that is not a uuid: 1": {"__node__": 1},
        r"ctx holds unstored data that is not \[node_type, attributes\]: \[1, \{\}\]": {"__data__": [1, {}]},
    }
    for message, encoded in corrupted.items():
        with pytest.raises(CheckpointError, match=r"^The checkpoint's context is corrupted: " + message):
            decode_context(encoded)


def test_the_inputs_of_a_process_are_written_as_attribute_dicts_and_read_back_changeable():
    from jupyter_workflows._core._attribute_dict import frozen_tree

    inputs = frozen_tree({"x": 1, "group": {"y": [2]}})
    decoded = PLAIN.decode(json.loads(json.dumps(PLAIN.encode(inputs))))
    assert type(decoded) is AttributeDict and type(decoded.group) is AttributeDict
    assert decoded == {"x": 1, "group": {"y": [2]}}
