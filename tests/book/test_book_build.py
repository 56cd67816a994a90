"""The website's build rules, on a small book made for the test (``make test-book`` runs it; it needs .venv-book).

A notebook written here holds what the real chapters hold, plus what they could hold one day: a Colab install
cell, a second ``hide-input`` cell that is not one, the two launch badges, raw ``<a id>`` anchors before headings
(as the glossary has), and a widget output saved *with* its
widget view but without the widget state (what JupyterLab stores when "save widget state" is off). Built with the
course's own ``book/_config.yml`` and extension, the page must

* leave out the Colab cell, and show the other ``hide-input`` cell collapsed (not lose it);
* drop the badge images and keep their text links;
* show the widget's text form ("Try it: ..."), where myst-nb's default would pick the widget view and render an
  invisible ``<script>`` (an empty output: checked too, so the test shows why the setting is there);
* load nothing from a CDN;
* keep one element per id where a glossary-style ``<a id>`` repeats its heading's id.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess

import pytest

from ..ui.jupyterlab import ROOT

pytestmark = pytest.mark.ui

JUPYTER_BOOK = ROOT / ".venv-book" / "bin" / "jupyter-book"
WIDGET_TEXT = "Try it: a widget saved with its view (an interactive widget: run this notebook in JupyterLab to use it)"
BINDER = "https://mybinder.org/v2/gh/pki-lab/pki-lab/HEAD?labpath=notebooks%2F99_check.ipynb"
COLAB = "https://colab.research.google.com/github/pki-lab/pki-lab/blob/main/notebooks/99_check.ipynb"


def _markdown(text: str) -> dict:
    return {"cell_type": "markdown", "metadata": {}, "source": text.splitlines(keepends=True)}


def _code(source: str, tags=(), outputs=()) -> dict:
    return {"cell_type": "code", "execution_count": None, "metadata": {"tags": list(tags)},
            "outputs": list(outputs), "source": source.splitlines(keepends=True)}


def _notebook() -> dict:
    colab_cell = ('import sys\n\nif "google.colab" in sys.modules:  # on Colab only\n'
                  '    get_ipython().run_line_magic("pip", "install -q pki-lab")\n')
    widget_output = {"output_type": "execute_result", "execution_count": 3, "metadata": {}, "data": {
        "application/vnd.jupyter.widget-view+json": {"model_id": "0123456789abcdef0123456789abcdef",
                                                     "version_major": 2, "version_minor": 0},
        "text/plain": WIDGET_TEXT}}
    cells = [
        _markdown(f"# 99 · A check\n\n[![Launch on Binder](https://mybinder.org/badge_logo.svg)]({BINDER}) "
                  f"[Launch on Binder]({BINDER})\n[![Open in Colab](https://colab.research.google.com/assets/"
                  f"colab-badge.svg)]({COLAB}) [Open in Colab]({COLAB})\n"),
        _code(colab_cell, tags=["hide-input"]),
        _markdown('<a id="a-section"></a>\n\n## A section\n\nSome prose.\n\n<a id="x509"></a>\n\n## X.509\n'),
        _code("answer = 6 * 7  # a helper kept collapsed\n", tags=["hide-input"]),
        _code("explorer()", outputs=[widget_output]),
    ]
    return {"cells": cells, "nbformat": 4, "nbformat_minor": 5, "metadata": {
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {"name": "python"}}}


def _build(project, config) -> str:
    result = subprocess.run(
        [str(JUPYTER_BOOK), "build", ".", "--config", config, "--toc", "book/_toc.yml", "--all", "-W", "-n",
         "--keep-going"], cwd=project, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return (project / "_build" / "html" / "notebooks" / "99_check.html").read_text()


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    if not JUPYTER_BOOK.exists():
        reason = "the book's venv is not installed: run `make book` (it creates .venv-book)"
        if os.environ.get("PKI_LAB_REQUIRE_UI", "").strip() not in ("", "0"):
            pytest.fail(reason, pytrace=False)
        pytest.skip(reason)
    project = tmp_path_factory.mktemp("book") / "course"
    shutil.copytree(ROOT / "book", project / "book", ignore=shutil.ignore_patterns("_build", "__pycache__"))
    (project / "book" / "_toc.yml").write_text(
        "format: jb-book\nroot: book/intro\nchapters:\n  - glob: notebooks/[0-9][0-9]_*\n")
    (project / "book" / "intro.md").write_text("# A small book\n")
    (project / "notebooks").mkdir()
    (project / "notebooks" / "99_check.ipynb").write_text(json.dumps(_notebook()))
    return project


def test_the_course_config_leaves_out_the_colab_cell_and_badges_and_shows_widget_text(project):
    html = _build(project, "book/_config.yml")
    assert "google.colab" not in html
    # The other hide-input cell is still there, collapsed under myst-nb's toggle.
    hidden = re.search(r'<details class="[^"]*\bhide above-input">(.*?)</details>', html, flags=re.DOTALL)
    assert hidden and "answer" in hidden.group(1) and "a helper kept collapsed" in hidden.group(1)
    assert "badge" not in html
    assert f'href="{BINDER.replace("&", "&amp;")}"' in html and ">Launch on Binder</a>" in html
    assert f'href="{COLAB}"' in html and ">Open in Colab</a>" in html
    assert WIDGET_TEXT in html
    assert "application/vnd.jupyter.widget-view+json" not in html
    assert not re.search(r"""src=["']https?://""", html), "the page loads a script or image from the network"
    # A glossary-style anchor that repeats its section's id is dropped; one that is the only such id stays.
    assert html.count('id="a-section"') == 1 and '<section id="a-section">' in html
    assert html.count('id="x509"') == 1 and '<section id="x-509">' in html


def test_without_the_setting_a_saved_widget_view_would_be_an_empty_output(project):
    """What myst-nb does by default with a widget view and no widget state: the reason for the setting."""
    config = (project / "book" / "_config.yml").read_text()
    default = re.sub(r"    nb_mime_priority_overrides:\n      - .*\n", "", config)
    assert default != config
    (project / "book" / "_config_default.yml").write_text(default)
    html = _build(project, "book/_config_default.yml")
    assert '<script type="application/vnd.jupyter.widget-view+json">' in html
    assert WIDGET_TEXT not in html
