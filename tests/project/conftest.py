"""Shared by the repository tests: skip-or-fail on a missing prerequisite, and one Debian chromium for the session.

Playwright's sync API runs one event loop per process, so every browser test (the notebooks in JupyterLab, the
slide decks) shares this one session-scoped browser instead of starting its own.
"""

from __future__ import annotations

import os
import shutil

import pytest

try:
    from playwright.sync_api import sync_playwright
except ImportError:  # reported by the `browser` fixture
    sync_playwright = None

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
                 "--disable-dev-shm-usage"]  # containers often have a tiny /dev/shm


def must_have(condition: bool, reason: str, *, test: str = "BROWSER TEST") -> None:
    """Skip loudly when a prerequisite is missing; under CI=true (CI installs everything), fail instead."""
    if not condition:
        message = f"{test} NOT RUN: {reason}"
        pytest.fail(message) if os.environ.get("CI") == "true" else pytest.skip(message)


@pytest.fixture(scope="session")
def browser():
    """Debian chromium under Playwright; skipped (or failed under CI=true) when either is missing."""
    executable = shutil.which("chromium")
    must_have(executable is not None, "no `chromium` on PATH (apt-get install -y chromium)")
    must_have(sync_playwright is not None, "the Python package `playwright` is not installed")
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()
