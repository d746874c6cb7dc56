"""Broadcast subjects and patterns follow AMQP topic rules, the same for every communicator."""

from __future__ import annotations

import pytest

from jupyter_workflows import UsageError
from jupyter_workflows.broker import Names, subject_matches
from jupyter_workflows.broker._names import check_identifier, check_namespace
from jupyter_workflows.broker._subjects import check_pattern, check_subject


@pytest.mark.parametrize(
    ("pattern", "subject", "matches"),
    [
        ("state_changed.*", "state_changed.42", True),
        ("state_changed.42", "state_changed.42", True),
        ("state_changed.42", "state_changed.7", False),
        ("state_changed.*", "state_changed", False),
        ("state_changed.*", "state_changed.42.x", False),
        ("state_changed.#", "state_changed", True),
        ("state_changed.#", "state_changed.42.x", True),
        ("#", "anything.at.all", True),
        ("*.42", "state_changed.42", True),
        ("#.42", "a.b.42", True),
        ("#.42", "a.b.43", False),
    ],
)
def test_subject_matching(pattern, subject, matches):
    assert subject_matches(pattern, subject) is matches


@pytest.mark.parametrize("pattern", ["", "state changed", "a..b", "a.b*", 42])
def test_a_bad_pattern_is_refused(pattern):
    with pytest.raises(UsageError, match="dot-separated words"):
        check_pattern(pattern)


def test_subjects_have_no_wildcards():
    assert check_subject("state_changed.42") == "state_changed.42"
    with pytest.raises(UsageError):
        check_subject("state_changed.*")


def test_names_are_prefixed_by_the_namespace():
    names = Names("jw-1234")
    assert names.tasks == "jw-1234.tasks" and names.rpc_queue("42") == "jw-1234.rpc.42"
    assert names.dead_letters == "jw-1234.dead-letters"


@pytest.mark.parametrize("bad", ["", "a b", "x" * 201, None])
def test_a_bad_namespace_is_refused(bad):
    with pytest.raises(UsageError, match="namespace"):
        check_namespace(bad)


@pytest.mark.parametrize("bad", ["", "4.2", "a b", 42])
def test_a_bad_identifier_is_refused(bad):
    with pytest.raises(UsageError, match="a process's pk as a string"):
        check_identifier(bad)
