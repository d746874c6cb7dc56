"""The packaging tests build from this checkout (setuptools writes build/ and *.egg-info into it), so under
pytest-xdist their modules take turns: each holds an exclusive lock on build/.packaging.lock while it runs."""

from __future__ import annotations

import fcntl
from collections.abc import Iterator

import pytest

from ._venvs import BUILD


@pytest.fixture(scope="module", autouse=True)
def _one_packaging_module_at_a_time() -> Iterator[None]:
    BUILD.mkdir(exist_ok=True)
    with open(BUILD / ".packaging.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield
