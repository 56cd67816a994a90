"""The course's website (``make book``), read in a real Chromium: ``make test-book`` runs this after building it.

* every page of the site loads with no console error, no failed request and nothing fetched from outside the
  site; every internal link, image, script and stylesheet answers HTTP 200, every ``#anchor`` (the chapters'
  ``glossary.md#spki`` links among them) names an id of its target page; every image shows;
* the checker is not blind: a copy of the site with a broken link, a broken anchor and a missing figure fails;
* every chapter notebook on disk has its page, in course order in the sidebar, with its sections in the page's
  table of contents, its figures, and each widget's stable text form ("Try it: ...");
* the Colab install cell and the badge images are not on any page; the text links and the header's launch
  buttons (Binder, Colab) point at the notebook in the repository of ``pyproject.toml``;
* the search page finds ``pathLenConstraint`` in chapter 04 and ``OCSP`` in chapter 07, offline;

and saves screenshots (landing page, chapter 04 at a figure and at its widget, search results, glossary) in
``ui-screenshots/book/``.
"""

from __future__ import annotations

import json
import re
import shutil
import tomllib
import urllib.parse

import pytest

from ..ui.jupyterlab import ROOT
from .site import crawl, serve

pytestmark = pytest.mark.ui

NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
REPOSITORY = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["urls"]["Repository"]
OWNER_REPO = urllib.parse.urlsplit(REPOSITORY).path.strip("/")


def _cells(notebook) -> list[dict]:
    return json.loads(notebook.read_text())["cells"]


def _stored_texts(notebook, prefix: str) -> list[str]:
    """The text/plain outputs of a notebook that start with ``prefix``."""
    texts = []
    for cell in _cells(notebook):
        for out in cell.get("outputs", []):
            text = "".join(out.get("data", {}).get("text/plain", ""))
            if text.startswith(prefix):
                texts.append(text)
    return texts


def _stored_images(notebook) -> int:
    return sum("image/png" in out.get("data", {}) for cell in _cells(notebook) for out in cell.get("outputs", []))


def _section_titles(notebook) -> list[str]:
    """The ``## `` headings of the notebook's markdown cells (outside code fences)."""
    titles = []
    for cell in _cells(notebook):
        if cell["cell_type"] != "markdown":
            continue
        fenced = False
        for line in "".join(cell["source"]).splitlines():
            if line.startswith("```"):
                fenced = not fenced
            elif not fenced and line.startswith("## "):
                titles.append(line[3:].strip())
    return titles


def _page_of(notebook) -> str:
    return f"notebooks/{notebook.stem}.html"


# --- Every page, every link ----------------------------------------------------------------------------------


def test_there_are_chapters_to_check():
    assert len(NOTEBOOKS) >= 13, NOTEBOOKS


def test_every_page_loads_and_every_internal_link_resolves(site_report, site_dir):
    problems = site_report.problems()
    assert not problems, "\n".join(problems)
    on_disk = {path.relative_to(site_dir).as_posix() for path in site_dir.rglob("*.html")
               if not path.relative_to(site_dir).parts[0].startswith("_")}
    loaded = {url.removeprefix(site_report.base) for url in site_report.pages}
    assert on_disk <= loaded, f"pages not loaded: {sorted(on_disk - loaded)}"
    # The check saw the site's real links, not an empty page: every chapter links to the glossary's anchors.
    glossary_anchors = {fragment for page, fragment in site_report.fragments if page.endswith("glossary.html")}
    assert len(glossary_anchors) >= 20, sorted(glossary_anchors)
    assert len(site_report.statuses) > 50


def test_the_site_loads_nothing_from_outside_it(site_report):
    assert site_report.refused == [], "the site asked for (refused): " + "\n".join(sorted(set(site_report.refused)))


def test_a_broken_link_a_broken_anchor_and_a_missing_figure_are_found(site_dir, browser, tmp_path):
    """The checker is not blind: break a copy of chapter 04's page five ways and each break is reported.

    A link to a missing page, an anchor to a missing section, a figure whose file is gone, a script that throws,
    and an image from outside the site (refused, as every request out of the site is).
    """
    copy = tmp_path / "html"
    shutil.copytree(site_dir, copy)
    page = copy / "notebooks" / "04_chain_of_trust.html"
    html = page.read_text()
    figure = re.search(r'src="\.\./(_images/[^"]+\.png)"', html)
    assert figure, "chapter 04 shows no figure"
    (copy / figure.group(1)).unlink()
    html, links = re.subn(r'href="02_hashes_and_signatures\.html"', 'href="02_no_such_chapter.html"', html, count=1)
    assert links == 1
    html, anchors = re.subn(r'href="#[a-z0-9-]+"', 'href="#no-such-section"', html, count=1)
    assert anchors == 1
    html = html.replace("</body>", '<script>throw new Error("a broken script")</script>'
                        '<img src="https://example.org/tracker.png" alt=""></body>', 1)
    page.write_text(html)
    with serve(copy) as base:
        report = crawl(browser, base, ["notebooks/04_chain_of_trust.html"], follow=False)
    problems = "\n".join(report.problems())
    assert "broken link: notebooks/02_no_such_chapter.html answers HTTP 404" in problems
    assert "broken anchor: notebooks/04_chain_of_trust.html#no-such-section" in problems
    assert f"image does not show: ../{figure.group(1)}" in problems
    assert f"HTTP 404 for {base}{figure.group(1)}" in problems
    assert "page error: a broken script" in problems
    assert report.refused == ["https://example.org/tracker.png"]


# --- The chapters -------------------------------------------------------------------------------------------


def test_every_chapter_is_in_the_sidebar_in_course_order(page, site):
    page.goto(site + "book/intro.html")
    hrefs = page.eval_on_selector_all("nav.bd-docs-nav a.reference", "els => els.map(a => a.href)")
    pages = [urllib.parse.urlsplit(h).path.lstrip("/") for h in hrefs]
    chapters = [p for p in pages if re.fullmatch(r"notebooks/\d\d_.*\.html", p)]
    assert chapters == [_page_of(nb) for nb in NOTEBOOKS]
    for extra in ("notebooks/glossary.html", "docs/instructor-guide.html", "docs/validator-rules.html",
                  "docs/cli.html"):
        assert extra in pages


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.stem)
def test_chapter_page_shows_its_sections_figures_and_widgets(notebook, page, site):
    page.goto(site + _page_of(notebook), wait_until="networkidle")
    article = page.locator("article.bd-article")
    text = article.inner_text()

    sections = _section_titles(notebook)
    # Each `## ` section of the notebook is a section of the page, listed in the page's contents (right sidebar).
    toc = page.eval_on_selector_all("#pst-page-toc-nav a.nav-link", "els => els.map(a => a.getAttribute('href'))")
    heads = page.eval_on_selector_all("article section > h2", "els => els.map(h => '#' + h.parentElement.id)")
    assert len(heads) == len(sections) >= 5, (heads, sections)
    missing = [h for h in heads if h not in toc]
    assert not missing, f"sections missing from the page's contents: {missing}"
    assert {"#recap", "#further-reading"} <= set(heads)

    images = page.eval_on_selector_all("article .cell_output img",
                                       "els => els.map(i => i.complete && i.naturalWidth > 0)")
    assert images.count(True) == len(images) == _stored_images(notebook)

    for widget_text in _stored_texts(notebook, "Try it:"):
        assert widget_text in text, f"the widget's text form is not on the page: {widget_text!r}"
    assert page.locator('script[type="application/vnd.jupyter.widget-view+json"]').count() == 0

    # The Colab install cell and the badge images are left out; the text links stay.
    assert "google.colab" not in page.content()
    assert page.locator("img[src*='badge']").count() == 0
    notebook_path = f"notebooks/{notebook.name}"
    colab = f"https://colab.research.google.com/github/{OWNER_REPO}/blob/main/{notebook_path}"
    assert article.get_by_role("link", name="Open in Colab").first.get_attribute("href") == colab
    binder_badge = article.get_by_role("link", name="Launch on Binder").first.get_attribute("href")
    assert binder_badge.startswith(f"https://mybinder.org/v2/gh/{OWNER_REPO}/")

    # The header's launch buttons open this notebook on Binder (JupyterLab) and on Colab.
    launch = page.eval_on_selector_all(".dropdown-launch-buttons a", "els => els.map(a => a.href)")
    assert launch == [f"https://mybinder.org/v2/gh/{OWNER_REPO}/main?urlpath=lab/tree/{notebook_path}", colab]


def test_the_glossary_and_the_instructor_guide_are_pages(page, site):
    page.goto(site + "notebooks/glossary.html")
    assert page.locator("article h1").inner_text().strip().lower().startswith("glossary")
    assert page.locator("article section > h2").count() >= 30
    assert page.locator("[id='spki']").count() >= 1
    page.goto(site + "docs/instructor-guide.html")
    assert "instructor guide" in page.locator("article h1").inner_text().lower()


# --- Search ----------------------------------------------------------------------------------------------------


def _search(page, site, term: str) -> list[str]:
    """Type ``term`` into the sidebar's search field, press Enter, and return the result pages (paths)."""
    page.goto(site + "book/intro.html")
    page.locator(".bd-sidebar-primary .search-button-field").click()  # opens the search dialog
    field = page.locator("#pst-search-dialog input[name='q']")
    field.fill(term)
    field.press("Enter")
    page.wait_for_url(re.compile(r"search\.html\?q="))
    page.wait_for_selector("#search-results .search-summary", timeout=20_000)
    hrefs = page.eval_on_selector_all("#search-results ul.search li a", "els => els.map(a => a.href)")
    return [urllib.parse.urlsplit(href).path.lstrip("/") for href in hrefs]


@pytest.mark.parametrize(("term", "chapter"), [
    ("pathLenConstraint", "notebooks/04_chain_of_trust.html"),
    ("OCSP", "notebooks/07_revocation.html"),
])
def test_search_finds_the_chapter_that_teaches_a_term(term, chapter, page, site):
    results = _search(page, site, term)
    assert chapter in results, results
    # The result opens the chapter, with the term on it.
    page.locator(f"#search-results ul.search li a[href*='{chapter.split('/')[-1]}']").first.click()
    page.wait_for_load_state("networkidle")
    assert urllib.parse.urlsplit(page.url).path.endswith(chapter)
    assert term.lower() in page.locator("article").inner_text().lower()


# --- Screenshots -----------------------------------------------------------------------------------------------


def test_screenshots(page, site, screenshot_dir):
    page.goto(site + "index.html")  # a redirect to the landing page
    page.wait_for_url(re.compile(r"book/intro\.html"))
    page.wait_for_load_state("networkidle")
    page.screenshot(path=str(screenshot_dir / "landing.png"))

    page.goto(site + "notebooks/04_chain_of_trust.html", wait_until="networkidle")
    page.screenshot(path=str(screenshot_dir / "chapter-04-top.png"))
    figure = page.locator("article .cell_output img").first
    figure.scroll_into_view_if_needed()
    page.screenshot(path=str(screenshot_dir / "chapter-04-figure.png"))
    widget = page.locator("article .cell_output", has_text="Try it:").first
    widget.scroll_into_view_if_needed()
    page.evaluate("() => window.scrollBy(0, -200)")
    page.screenshot(path=str(screenshot_dir / "chapter-04-widget.png"))

    _search(page, site, "pathLenConstraint")
    page.screenshot(path=str(screenshot_dir / "search-pathlenconstraint.png"))

    page.goto(site + "notebooks/glossary.html#spki", wait_until="networkidle")
    page.screenshot(path=str(screenshot_dir / "glossary-spki.png"))
    for name in ("landing", "chapter-04-top", "chapter-04-figure", "chapter-04-widget", "search-pathlenconstraint",
                 "glossary-spki"):
        assert (screenshot_dir / f"{name}.png").stat().st_size > 10_000
