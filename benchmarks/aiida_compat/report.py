"""A pytest plugin that writes one JSON line per test (and per module that failed to import) to $COMPAT_REPORT,
and deselects the tests whose ids $COMPAT_SET_ASIDE lists (one a line; pytest's --deselect takes prefixes).

A test passed when its setup, call and teardown all passed and it touched no stand-in (see shim.py); otherwise its
line names the first phase that did not and the cause: the exception's type and the first line of its message.
Lines are written as tests end, so a run that is killed still leaves the results of the tests before.
"""

from __future__ import annotations

import json
import os
import re
import sys
from typing import Any

import pytest

_first_failure: dict[str, dict[str, str]] = {}
_touched_before: dict[str, int] = {}


def cause_of(typename: str, value: BaseException | None) -> str:
    """``Type: first line of the message``, with addresses and UUIDs blanked so that alike failures group."""
    if typename == "FixtureLookupError":
        return f"fixture {getattr(value, 'argname', '?')!r} not found"
    lines = str(value).strip().splitlines() if value is not None else []
    return normalized(f"{typename}: {lines[0]}" if lines else typename)


def normalized(text: str) -> str:
    text = re.sub(r"^[\w.]+\.(\w+): ", r"\1: ", text)  # aiida_compat_shim.OutOfScope: ... -> OutOfScope: ...
    text = re.sub(r"0x[0-9a-f]+", "0x…", text)
    return re.sub(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", "<uuid>", text)


def _write(record: dict[str, Any]) -> None:
    with open(os.environ["COMPAT_REPORT"], "a", encoding="utf-8") as stream:
        stream.write(json.dumps(record) + "\n")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    set_aside = set(os.environ.get("COMPAT_SET_ASIDE", "").splitlines())
    config.hook.pytest_deselected(items=[item for item in items if item.nodeid in set_aside])
    items[:] = [item for item in items if item.nodeid not in set_aside]


def _touched() -> list[BaseException]:
    """The stand-ins' failures so far (see aiida_compat_shim.TOUCHED)."""
    shim = sys.modules.get("aiida_compat_shim")
    return shim.TOUCHED if shim is not None else []


def pytest_runtest_logstart(nodeid: str, location: Any) -> None:
    _touched_before[nodeid] = len(_touched())


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    outcome = yield
    report = outcome.get_result()
    touched = _touched()[_touched_before[item.nodeid] :]
    if report.when == "teardown" and touched and item.nodeid not in _first_failure:
        error = touched[0]
        _first_failure[item.nodeid] = {"phase": "call", "cause": cause_of(type(error).__name__, error)}
    if report.passed or item.nodeid in _first_failure:
        return
    if report.skipped:
        cause = f"Skipped: {call.excinfo.value if call.excinfo else ''}"
    elif call.excinfo is not None:
        cause = cause_of(call.excinfo.typename, call.excinfo.value)
    else:
        cause = str(report.longrepr).strip().splitlines()[-1]
    _first_failure[item.nodeid] = {"phase": report.when, "cause": cause}


def pytest_runtest_logfinish(nodeid: str, location: Any) -> None:
    failure = _first_failure.get(nodeid)
    _write({"id": nodeid, "passed": failure is None, **(failure or {})})


def pytest_collectreport(report: pytest.CollectReport) -> None:
    """A module that failed to import: the cause is the first line of the last ``E`` block of pytest's report."""
    if report.failed:
        lines = str(report.longrepr).strip().splitlines()
        end = max((index + 1 for index, line in enumerate(lines) if line.startswith("E ")), default=0)
        start = end
        while start > 0 and lines[start - 1].startswith("E "):
            start -= 1
        cause = lines[start][1:].strip() if start < end else lines[-1]
        _write({"module": report.nodeid, "cause": normalized(cause)})
