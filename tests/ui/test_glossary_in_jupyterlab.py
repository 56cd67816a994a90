"""A chapter's glossary link, clicked in a real JupyterLab, opens the glossary rendered at the term.

The anchor is the raw ``<a id="slug">`` before each heading (JupyterLab's own heading ids keep the heading's case,
``SPKI``, so ``#spki`` would not find them); JupyterLab's sanitizer keeps it as ``data-jupyter-id``, where its
fragment lookup searches (tests/test_glossary.py checks every anchor and link without a browser).
"""

from __future__ import annotations

import pytest

from .jupyterlab import only_local_requests

pytestmark = pytest.mark.ui

_CURRENT = "() => { const w = window.jupyterapp && window.jupyterapp.shell.currentWidget; return w && w.title.label; }"
_TARGET_TOP = """slug => {
    const w = window.jupyterapp.shell.currentWidget;
    const target = w.node.querySelector(`.jp-RenderedMarkdown [data-jupyter-id="${slug}"]`);
    return target ? target.getBoundingClientRect().top : null;
}"""


@pytest.mark.parametrize(("chapter", "slug"), [
    ("03_anatomy_of_an_x509_certificate.ipynb", "asn1"),
    ("07_revocation.ipynb", "must-staple"),
    ("11_iot_device_identity.ipynb", "sas-token"),
])
def test_a_glossary_link_opens_the_glossary_at_its_term(lab_server, browser, screenshot_dir, chapter, slug):
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    try:
        only_local_requests(page, lab_server, [])
        page.goto(lab_server.lab_url(chapter))
        link = page.locator(f'.jp-MarkdownOutput a[href*="glossary.md"][href*="#{slug}"]').first
        link.wait_for(timeout=120_000)
        link.scroll_into_view_if_needed()
        link.click()
        page.wait_for_function(f"() => ({_CURRENT})() === 'glossary.md'", timeout=60_000)
        page.wait_for_function(f"() => ({_TARGET_TOP})('{slug}') !== null", timeout=30_000)
        page.wait_for_timeout(1000)  # the scroll to the fragment follows the render
        top = page.evaluate(_TARGET_TOP, slug)
        page.screenshot(path=screenshot_dir / f"glossary-from-{chapter[:2]}-{slug}.png")
        assert 0 <= top < 200, f"glossary.md opened, but #{slug} is at y={top}, not at the top of the view"
    finally:
        page.close()
