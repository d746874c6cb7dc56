"""Broker messages: made valid, encoded as JSON, and checked whole when they arrive."""

from __future__ import annotations

import json
import pickle

import pytest

from jupyter_workflows._wire import BROKER_MESSAGE_VERSION, MAX_BROKER_MESSAGE_BYTES
from jupyter_workflows.broker import (
    MessageError,
    control_reply,
    control_request,
    decode,
    decode_broadcasts,
    encode,
    encode_broadcasts,
    process_task,
    state_changed,
)


def test_messages_round_trip_as_json():
    task = process_task("launch", 42, "store-1")
    assert task == {"version": BROKER_MESSAGE_VERSION, "kind": "launch", "pk": 42, "store": "store-1", "notify": ""}
    assert decode("task", encode("task", task)) == task
    request = control_request("kill", 1, "stop it")
    assert decode("control request", encode("control request", request)) == request
    change = state_changed(42, "running", "finished", 0)
    assert json.loads(encode("broadcast", change)) == change
    assert decode("control reply", encode("control reply", control_reply({"state": "running"})))["result"] == {
        "state": "running"
    }


def test_broadcasts_sent_together_arrive_in_their_order_and_each_is_checked():
    changes = [state_changed(3, None, "created"), state_changed(1, "running", "finished", 0)]
    assert decode_broadcasts(encode_broadcasts(changes)) == changes
    with pytest.raises(MessageError, match="must be a JSON array of broadcasts"):
        decode_broadcasts(b"[]")
    good = json.dumps(changes[0])
    with pytest.raises(MessageError, match="field 'to_state' is 'gone'"):
        decode_broadcasts(f"[{good}, {good.replace('created', 'gone')}]".encode())
    with pytest.raises(MessageError, match="run the same version of jupyter_workflows on every kernel and worker"):
        decode_broadcasts(good.replace(f'"version": {BROKER_MESSAGE_VERSION}', '"version": 2').encode())


def test_a_reply_carries_the_receivers_error():
    reply = control_reply(error=KeyError("no such process"))
    assert reply["error"] == "'no such process'" and reply["error_type"] == "KeyError" and reply["result"] is None


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (lambda: process_task("start", 1, "s"), "field 'kind' is 'start', not one of 'continue', 'launch'"),
        (lambda: process_task("launch", 0, "s"), "field 'pk' must be a positive int (got 0)"),
        (lambda: process_task("launch", True, "s"), "field 'pk' must be int (got bool True)"),
        (lambda: process_task("launch", 1, ""), "field 'store' must not be empty"),
        (lambda: control_request("explode", 1), "field 'intent' is 'explode'"),
        (lambda: control_request("kill", 0), "field 'pk' must be a positive int (got 0)"),
        (lambda: state_changed(1, "running", "done"), "field 'to_state' is 'done', not one of"),
    ],
)
def test_a_bad_message_is_refused_when_made(make, expected):
    with pytest.raises(MessageError, match="malformed") as caught:
        make()
    assert expected in str(caught.value)


def test_a_result_that_is_not_json_is_refused_when_encoded():
    with pytest.raises(MessageError, match="Send plain JSON values"):
        encode("control reply", control_reply({1, 2}))
    with pytest.raises(MessageError, match="Send plain JSON values"):
        encode("control reply", control_reply(float("nan")))


def test_an_oversized_message_is_refused_when_encoded_and_when_received():
    huge = control_reply("x" * MAX_BROKER_MESSAGE_BYTES)
    with pytest.raises(MessageError, match=r"more than the limit of 1,048,576.*put large values in the store"):
        encode("control reply", huge)
    body = json.dumps(huge).encode()
    with pytest.raises(MessageError, match=r"control reply message of 1,048,6\d\d bytes is over the limit"):
        decode("control reply", body)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (b"launch 42", "task message is not JSON"),
        (pickle.dumps({"version": 4, "kind": "launch"}), "task message is not UTF-8 text"),
        (b"[1, 2]", "task message must be a JSON object (got list)"),
        (b"[" * 100_000 + b"]" * 100_000, "task message is JSON nested too deeply to read"),
        (b'{"version": 99, "kind": "launch", "pk": 1, "store": "s"}', "wire-format version 99; this build"),
        (b'{"kind": "launch", "pk": 1, "store": "s"}', "wire-format version None"),
        (b'{"version": true, "kind": "launch", "pk": 1, "store": "s"}', "wire-format version True"),
        (b'{"version": 4, "kind": "launch", "pk": "1", "store": "s", "x": 0}', "unexpected field 'x'"),
        (b'{"version": 4, "kind": "launch", "pk": "1", "store": "s"}', "field 'pk' must be int (got str '1')"),
        (b'{"version": 4, "kind": "launch", "store": "s", "notify": ""}', "field 'pk' is missing"),
        (
            b'{"version": 4, "kind": "launch", "pk": 1, "store": "s", "notify": "state_changed.*"}',
            "field 'notify' is 'state_changed.*', which does not match",
        ),
    ],
)
def test_a_received_message_is_checked_whole(body, expected):
    with pytest.raises(MessageError) as caught:
        decode("task", body)
    assert expected in str(caught.value)


def test_every_problem_is_named_at_once():
    with pytest.raises(MessageError) as caught:
        decode("broadcast", b'{"version": 4, "kind": "state_changed", "pk": -1, "to_state": "gone", "extra": 1}')
    message = str(caught.value)
    for problem in ("unexpected field 'extra'", "'from_state' is missing", "'exit_status' is missing", "'pk' must"):
        assert problem in message
