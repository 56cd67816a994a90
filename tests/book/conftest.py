"""Fixtures for the website's browser test: the built site, served on 127.0.0.1, and one headless Chromium.

The site is ``_build/html`` (what ``make book`` builds), or ``$PKI_LAB_BOOK_HTML``. Where the site, Chromium or
Playwright is missing the tests skip, saying why; with ``PKI_LAB_REQUIRE_UI=1`` (``make test-book`` and CI set
it) they fail instead. Screenshots go to ``ui-screenshots/book/`` (or ``$PKI_LAB_UI_SCREENSHOTS/book``).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from ..ui.jupyterlab import CHROMIUM_FLAGS, ROOT, chromium_path, missing_requirements, require
from .site import crawl, serve

SITE = Path(os.environ.get("PKI_LAB_BOOK_HTML") or ROOT / "_build" / "html").resolve()
SCREENSHOTS = Path(os.environ.get("PKI_LAB_UI_SCREENSHOTS") or ROOT / "ui-screenshots").resolve() / "book"


def _require(reason: str | None) -> None:
    require(reason, "the website test")


@pytest.fixture(scope="session")
def site_dir() -> Path:
    _require(None if (SITE / "index.html").is_file() else f"the website is not built ({SITE}): run `make book`")
    return SITE


@pytest.fixture(scope="session")
def site(site_dir) -> str:
    with serve(site_dir) as base:
        yield base


@pytest.fixture(scope="session")
def browser():
    _require(missing_requirements())
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_FLAGS, headless=True)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture(scope="session")
def site_report(site_dir, site, browser):
    """Every page on disk (and everything they link to), loaded and checked once for the whole session."""
    pages = sorted(path.relative_to(site_dir).as_posix() for path in site_dir.rglob("*.html")
                   if not path.relative_to(site_dir).parts[0].startswith("_"))
    return crawl(browser, site, ["index.html", *pages])


@pytest.fixture
def page(browser, site):
    """A page that may load only the site (every other request is refused)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(60_000)  # generous: the CI machine's 2 cores may be busy
    context.route("**/*", lambda route: route.continue_() if route.request.url.startswith(site) else route.abort())
    try:
        yield context.new_page()
    finally:
        context.close()


@pytest.fixture(scope="session")
def screenshot_dir() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
