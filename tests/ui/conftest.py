"""Fixtures for the real-browser tests: one JupyterLab server and one headless Chromium per session.

The tests skip, with the reason, where Chromium or Playwright is missing; with ``PKI_LAB_REQUIRE_UI=1``
(``make test-ui`` and CI set it) they fail instead, so a CI run can never pass by skipping them.
Screenshots go to ``$PKI_LAB_UI_SCREENSHOTS`` (default: ``ui-screenshots/`` in the repository), printed
at the end of the run.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from .jupyterlab import CHROMIUM_FLAGS, ROOT, chromium_path, missing_requirements, require, running_jupyterlab

SCREENSHOTS = Path(os.environ.get("PKI_LAB_UI_SCREENSHOTS") or ROOT / "ui-screenshots").resolve()
_used: list[Path] = []  # set once a test asked for the screenshot folder


def _require_ui() -> None:
    require(missing_requirements())


@pytest.fixture(scope="session")
def screenshot_dir() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    _used.append(SCREENSHOTS)
    return SCREENSHOTS


@pytest.fixture(scope="session")
def lab_server():
    _require_ui()
    with running_jupyterlab(ROOT / "notebooks") as server:
        yield server


@pytest.fixture(scope="session")
def browser():
    _require_ui()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_FLAGS, headless=True)
        try:
            yield chromium
        finally:
            chromium.close()


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if _used:
        terminalreporter.write_line(f"UI screenshots: {SCREENSHOTS}")
