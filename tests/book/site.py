"""Serve the built website on 127.0.0.1 and check it in a real Chromium, as a reader's browser sees it.

Used by ``tests/book/test_book_site.py``. :func:`serve` runs Python's ``http.server`` in a thread on a free
loopback port; :func:`crawl` loads pages in Chromium (the system's, through Playwright, as ``tests/ui`` does)
and reports, per page, every problem a reader would meet:

* a link or resource of the site (``a[href]``, ``img``/``script``/``source`` ``src``, ``link[href]``) that does
  not answer HTTP 200, and a ``#fragment`` whose id is not in the target page;
* an image that did not load or decode (``naturalWidth`` 0); two elements with the same id (an anchor is then
  ambiguous);
* a console error, an uncaught page error, a request that failed or answered 400 or more;
* any request that leaves the site (it is refused, so nothing goes out; the site must need no network).

With ``follow=True`` it also loads every page of the site it finds a link to, so a page nobody links to is the
only kind it does not reach (the test loads every page on disk as well).
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import re
import sys
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

# What the page shows, collected after it loaded: links, resources, images that failed, the section TOC.
_COLLECT = """() => ({
    links: [...document.querySelectorAll('a[href]')].map(a => a.href),
    resources: [...document.querySelectorAll('img[src], script[src], iframe[src], source[src], video[src]')]
        .map(e => e.src)
        .concat([...document.querySelectorAll('link[href]')].map(l => l.href)),
    brokenImages: [...document.images].filter(i => !i.complete || i.naturalWidth === 0)
        .map(i => i.getAttribute('src')),
    repeatedIds: [...document.querySelectorAll('[id]')].map(e => e.id)
        .filter((id, index, ids) => ids.indexOf(id) !== index),
})"""


#: A page that only sends the browser elsewhere (Jupyter Book's index.html).
_REDIRECT = re.compile(r'<meta http-equiv="refresh" content="\d+;\s*url=([^"]+)"', re.IGNORECASE)


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):
        pass


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        # The browser drops a connection when a page closes mid-download: not the site's fault, not worth a trace.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


@contextlib.contextmanager
def serve(root: Path) -> Iterator[str]:
    """Serve ``root`` on 127.0.0.1 (a free port) in a thread; yield its base URL (ending in ``/``)."""
    handler = functools.partial(_QuietHandler, directory=str(root))
    server = _Server(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


class _Ids(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if value and (name == "id" or (tag == "a" and name == "name")):
                self.ids.add(value)


@dataclass
class PageReport:
    url: str
    links: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


@dataclass
class SiteReport:
    base: str
    pages: dict[str, PageReport] = field(default_factory=dict)
    #: internal URLs checked (without fragment) -> HTTP status (0: no answer)
    statuses: dict[str, int] = field(default_factory=dict)
    #: fragments checked: (page URL, fragment)
    fragments: set[tuple[str, str]] = field(default_factory=set)
    refused: list[str] = field(default_factory=list)

    def problems(self) -> list[str]:
        return [f"{self._short(page.url)}: {problem}" for page in self.pages.values() for problem in page.problems]

    def _short(self, url: str) -> str:
        return url.removeprefix(self.base) or "/"


def _status(report: SiteReport, url: str) -> int:
    if url not in report.statuses:
        try:
            with urllib.request.urlopen(url, timeout=10) as response:
                report.statuses[url] = response.status
        except urllib.error.HTTPError as error:
            report.statuses[url] = error.code
        except OSError:
            report.statuses[url] = 0
    return report.statuses[url]


@functools.lru_cache(maxsize=512)
def _ids_of(url: str) -> frozenset[str]:
    with urllib.request.urlopen(url, timeout=10) as response:
        parser = _Ids()
        parser.feed(response.read().decode("utf-8", "replace"))
    return frozenset(parser.ids)


def _is_page(url: str) -> bool:
    path = urllib.parse.urlsplit(url).path
    return (path.endswith(".html") or path.endswith("/")) and "/_static/" not in path and "/_sources/" not in path


def _check_page(page, report: SiteReport, url: str) -> PageReport:
    from playwright.sync_api import TimeoutError as PlaywrightTimeout  # only where the browser tests run

    result = PageReport(url)
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(f"console {msg.type}: {msg.text}") if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(f"page error: {exc}"))
    page.on("response", lambda r: errors.append(f"HTTP {r.status} for {r.url}")
            if r.status >= 400 and r.url.startswith(report.base) else None)
    page.on("requestfailed", lambda r: errors.append(f"request failed: {r.url} ({r.failure})")
            if r.url.startswith(report.base) else None)
    with urllib.request.urlopen(url, timeout=30) as answer:
        redirect = _REDIRECT.search(answer.read().decode("utf-8", "replace"))
    if redirect:  # index.html sends the reader to the landing page: check where it goes, and follow it
        target = urllib.parse.urljoin(url, redirect.group(1))
        _check_target(report, result, target)
        result.links = [target]
        return result
    # "load": the page and everything it names (scripts, styles, images, fonts) have arrived. Generous timeouts:
    # a CI machine of 2 cores may be busy with other tests.
    response = page.goto(url, wait_until="load", timeout=90_000)
    if response is None or response.status != 200:
        result.problems.append(f"the page answers {response.status if response else 'nothing'}")
        return result
    page.evaluate("() => window.scrollTo(0, document.body.scrollHeight)")  # lazy images load too
    with contextlib.suppress(PlaywrightTimeout):  # an image that never completes is reported below
        page.wait_for_function("() => [...document.images].every(i => i.complete)", timeout=30_000)
    found = page.evaluate(_COLLECT)
    result.problems.extend(errors)
    result.problems.extend(f"image does not show: {src}" for src in found["brokenImages"])
    result.problems.extend(f"two elements have the id {id_!r}" for id_ in sorted(set(found["repeatedIds"])))
    result.links = found["links"]
    for target in found["links"] + found["resources"]:
        _check_target(report, result, target)
    return result


def _check_target(report: SiteReport, result: PageReport, target: str) -> None:
    if not target.startswith(report.base):
        return  # a link out of the site (RFCs, Binder, Colab): not followed, nothing loaded from it
    address, _, fragment = target.partition("#")
    address = address or result.url.partition("#")[0]
    status = _status(report, address)
    if status != 200:
        result.problems.append(f"broken link: {target.removeprefix(report.base)} answers HTTP {status or 'nothing'}")
        return
    fragment = urllib.parse.unquote(fragment)
    if fragment and _is_page(address):
        report.fragments.add((address, fragment))
        if fragment not in _ids_of(address):
            result.problems.append(f"broken anchor: {target.removeprefix(report.base)} (no id {fragment!r} there)")


def crawl(browser, base: str, start: list[str], *, follow: bool = True) -> SiteReport:
    """Load ``start`` (paths under ``base``) in Chromium and, with ``follow``, every page of the site they reach."""
    report = SiteReport(base)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(60_000)

    def only_the_site(route) -> None:
        if route.request.url.startswith(base):
            route.continue_()
        else:
            report.refused.append(route.request.url)
            route.abort()

    context.route("**/*", only_the_site)
    queue = [base + path for path in start]
    try:
        while queue:
            url = queue.pop(0).partition("#")[0]
            if url in report.pages:
                continue
            page = context.new_page()
            try:
                report.pages[url] = _check_page(page, report, url)
            finally:
                page.close()
            if follow:
                queue.extend(link.partition("#")[0] for link in report.pages[url].links
                             if link.startswith(base) and _is_page(link) and "?" not in link)
    finally:
        context.close()
    return report
