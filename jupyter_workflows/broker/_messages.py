"""Making, encoding and checking broker messages (their formats are typed in :mod:`jupyter_workflows._wire`).

A message is a JSON object with a ``version``, UTF-8, at most 1 MiB; over RabbitMQ, broadcasts travel in batches, a
JSON array of them (:func:`encode_broadcasts`). It is checked whole when it is made (so a bad message is refused
before it reaches the broker) and again when it arrives (so a handler only ever sees a well-formed message). What
fails raises :class:`MessageError` naming every problem; a communicator that receives such a message logs that and
dead-letters it. Nothing is pickled or evaluated.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, cast

from .._core import MessageError, ProcessState
from .._wire import (
    BROKER_MESSAGE_VERSION,
    MAX_BROKER_MESSAGE_BYTES,
    ControlReply,
    ControlRequest,
    ProcessTask,
    StateChanged,
)

__all__ = [
    "MessageKind",
    "control_reply",
    "control_request",
    "decode",
    "decode_broadcasts",
    "encode",
    "encode_broadcasts",
    "process_task",
    "state_changed",
]

MessageKind = Literal["task", "control request", "control reply", "broadcast"]
TaskKind = Literal["launch", "continue"]
Intent = Literal["pause", "play", "kill", "status"]


@dataclass(frozen=True)
class _Field:
    types: tuple[type, ...]
    choices: frozenset[object] = frozenset()  # empty: any value of the types
    nonzero: bool = False  # an int at least 1, a string not empty
    form: re.Pattern[str] | None = None  # a string must match it whole


_STATES = frozenset(state.value for state in ProcessState)
_PK = _Field((int,), nonzero=True)
_SCHEMAS: dict[MessageKind, dict[str, _Field]] = {
    "task": {
        "kind": _Field((str,), frozenset({"launch", "continue"})),
        "pk": _PK,
        "store": _Field((str,), nonzero=True),
        "notify": _Field((str,), form=re.compile(r"(to\.[A-Za-z0-9_\-]{1,40})?")),
    },
    "control request": {
        "intent": _Field((str,), frozenset({"pause", "play", "kill", "status"})),
        "pk": _PK,
        "message": _Field((str,)),
    },
    "control reply": {
        "result": _Field((object,)),
        "error": _Field((str, type(None))),
        "error_type": _Field((str, type(None))),
    },
    "broadcast": {
        "kind": _Field((str,), frozenset({"state_changed"})),
        "pk": _PK,
        "from_state": _Field((str, type(None)), _STATES | {None}),
        "to_state": _Field((str,), _STATES),
        "exit_status": _Field((int, type(None))),
        "paused": _Field((bool,)),
    },
}


def process_task(kind: TaskKind, pk: int, store: str, notify: str = "") -> ProcessTask:
    """A task that has a worker run (``launch``) or resume (``continue``) process ``pk`` of the store ``store``;
    ``notify``: the address of a communicator its terminal state's broadcast also goes to (see
    ``Communicator.address``)."""
    document = {"version": BROKER_MESSAGE_VERSION, "kind": kind, "pk": pk, "store": store, "notify": notify}
    return cast(ProcessTask, _checked("task", document))


def control_request(intent: Intent, pk: int, message: str = "") -> ControlRequest:
    """An RPC asking the holder of process ``pk`` to pause, play, kill it, or report its status."""
    document = {"version": BROKER_MESSAGE_VERSION, "intent": intent, "pk": pk, "message": message}
    return cast(ControlRequest, _checked("control request", document))


def control_reply(result: Any = None, error: BaseException | None = None) -> ControlReply:
    """The answer to a control request: ``result`` (JSON), or the ``error`` the handler raised."""
    document = {
        "version": BROKER_MESSAGE_VERSION,
        "result": None if error else result,
        "error": None if error is None else str(error) or type(error).__name__,
        "error_type": None if error is None else type(error).__name__,
    }
    return cast(ControlReply, _checked("control reply", document))


def state_changed(
    pk: int, from_state: str | None, to_state: str, exit_status: int | None = None, *, paused: bool = False
) -> StateChanged:
    """The broadcast sent when process ``pk`` moves between two states, or is paused or played (``from_state`` and
    ``to_state`` the same then); its subject is ``state_changed.<pk>``."""
    document = {
        "version": BROKER_MESSAGE_VERSION,
        "kind": "state_changed",
        "pk": pk,
        "from_state": from_state,
        "to_state": to_state,
        "exit_status": exit_status,
        "paused": paused,
    }
    return cast(StateChanged, _checked("broadcast", document))


def encode(kind: MessageKind, message: Mapping[str, Any]) -> bytes:
    """The message as compact JSON, checked first. Raises MessageError naming every problem."""
    _checked(kind, message)
    return _dumps(kind, message)


def encode_broadcasts(messages: Sequence[Mapping[str, Any]]) -> bytes:
    """Broadcasts sent together (one message on the broker for many state changes), as a compact JSON array, each
    checked first. Raises MessageError naming every problem."""
    for message in messages:
        _checked("broadcast", message)
    return _dumps("broadcast", list(messages))


def _dumps(kind: MessageKind, document: object) -> bytes:
    try:
        body = json.dumps(document, separators=(",", ":"), allow_nan=False, ensure_ascii=False).encode()
    except (TypeError, ValueError) as exc:  # not JSON (a set, an object), NaN, or a lone surrogate
        raise MessageError(f"Cannot send this {kind} message: {exc}. Send plain JSON values.") from None
    if len(body) > MAX_BROKER_MESSAGE_BYTES:
        raise MessageError(
            f"Cannot send this {kind} message: it is {len(body):,} bytes, more than the limit of "
            f"{MAX_BROKER_MESSAGE_BYTES:,}. Messages name things in the store; put large values in the store."
        )
    return body


def decode(kind: MessageKind, body: bytes) -> dict[str, Any]:
    """The message in ``body``, checked whole. Raises MessageError saying what was wrong."""
    return _checked(kind, _loads(kind, body))


def decode_broadcasts(body: bytes) -> list[dict[str, Any]]:
    """The broadcasts sent together in ``body`` (see :func:`encode_broadcasts`), each checked whole. Raises
    MessageError saying what was wrong."""
    document = _loads("broadcast", body)
    if isinstance(document, dict):  # one alone: a sender of another version, most likely; say which
        return [_checked("broadcast", document)]
    if not isinstance(document, list) or not document:
        raise MessageError(f"broadcast message must be a JSON array of broadcasts (got {_short(document)})")
    return [_checked("broadcast", message) for message in document]


def _loads(kind: MessageKind, body: bytes) -> object:
    if len(body) > MAX_BROKER_MESSAGE_BYTES:
        raise MessageError(f"{kind} message of {len(body):,} bytes is over the limit of {MAX_BROKER_MESSAGE_BYTES:,}")
    try:
        return json.loads(body.decode())
    except UnicodeDecodeError as exc:
        raise MessageError(f"{kind} message is not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except ValueError as exc:
        raise MessageError(f"{kind} message is not JSON ({exc})") from None
    except RecursionError:  # arrays or objects nested thousands deep: no message of ours nests more than twice
        raise MessageError(f"{kind} message is JSON nested too deeply to read") from None


def _checked(kind: MessageKind, document: object) -> dict[str, Any]:
    if not isinstance(document, dict):
        raise MessageError(f"{kind} message must be a JSON object (got {type(document).__name__})")
    version = document.get("version")
    if version != BROKER_MESSAGE_VERSION or type(version) is not int:
        raise MessageError(
            f"{kind} message has wire-format version {version!r}; this build of jupyter_workflows reads version "
            f"{BROKER_MESSAGE_VERSION}: run the same version of jupyter_workflows on every kernel and worker"
        )
    schema = _SCHEMAS[kind]
    problems = [f"unexpected field {key!r}" for key in document if key not in schema and key != "version"]
    problems += [f"field {key!r} is missing" for key in schema if key not in document]
    problems += [p for key, field in schema.items() if key in document for p in _field_problems(key, field, document)]
    if problems:
        raise MessageError(f"malformed {kind} message: {'; '.join(problems)}")
    return document


def _field_problems(key: str, field: _Field, document: dict[str, Any]) -> list[str]:
    value = document[key]
    expected = " or ".join("null" if t is type(None) else t.__name__ for t in field.types)
    # bool is an int to Python, never to the wire format.
    is_bool_for_int = isinstance(value, bool) and int in field.types
    if is_bool_for_int or not isinstance(value, field.types):
        return [f"field {key!r} must be {expected} (got {type(value).__name__} {_short(value)})"]
    if field.choices and value not in field.choices:
        allowed = ", ".join(sorted(repr(choice) for choice in field.choices))
        return [f"field {key!r} is {_short(value)}, not one of {allowed}"]
    if field.nonzero and isinstance(value, int) and value < 1:
        return [f"field {key!r} must be a positive int (got {value})"]
    if field.nonzero and value == "":
        return [f"field {key!r} must not be empty"]
    if field.form is not None and isinstance(value, str) and not field.form.fullmatch(value):
        return [f"field {key!r} is {_short(value)}, which does not match {field.form.pattern}"]
    return []


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
