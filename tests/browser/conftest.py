"""Browser tests: Debian's chromium driven by Playwright (never `playwright install`), screenshots kept as artefacts."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from ..conftest import service_missing
from ._lab import CHROMIUM, CHROMIUM_ARGS

ROOT = Path(__file__).resolve().parent.parent.parent


@pytest.fixture(scope="session")
def artifacts() -> Path:
    """Where screenshots and measurements go: $JW_TEST_ARTIFACTS (set by `make test`), else test-artifacts/."""
    directory = Path(os.environ.get("JW_TEST_ARTIFACTS") or ROOT / "test-artifacts") / "browser"
    directory.mkdir(parents=True, exist_ok=True)
    return directory


@pytest.fixture(scope="module")
def chromium() -> Iterator[object]:
    """Playwright's sync API keeps an asyncio loop marked as running on this thread while it is open: module scope
    closes it before the tests of other folders run (they would bind the engine to that loop)."""
    if not os.access(CHROMIUM, os.X_OK):
        service_missing("chromium", f"{CHROMIUM} is missing (make system-deps installs it)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        service_missing("playwright", "the playwright package is not installed (make install)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()
