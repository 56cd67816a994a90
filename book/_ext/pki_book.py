"""PKI Lab's website: the two things Jupyter Book 1 cannot be told in `_config.yml`.

* **The Colab install cell is not shown.** Every chapter's first code cell installs `pki_lab` when it runs on
  Colab and does nothing anywhere else (notebooks/README.md). It is tagged `hide-input`, which JupyterLab and
  Colab show collapsed; a web page runs no code, so the site drops the cell (the landing page says what the
  Colab launch button does instead). Only a cell that is tagged `hide-input` *and* holds the Colab guard is
  dropped, so a future `hide-input` cell with another purpose stays on the page, collapsed.
* **The launch badges' images are not fetched.** Each chapter's title cell has a Binder and a Colab badge (an
  image from mybinder.org or colab.research.google.com) followed by a text link to the same address. The site
  keeps the text links and drops the linked images: the page header's launch buttons (built from the same
  repository address) do the same job, and the site then loads nothing from the network, so it reads the same
  offline.

* **One id per glossary entry.** The glossary puts ``<a id="spki"></a>`` before ``## SPKI`` so that a link
  ``glossary.md#spki`` finds its entry in JupyterLab, whose heading ids keep the heading's case ("SPKI"). On the
  site the heading's section already has the id ``spki``; the raw anchor would repeat it (two elements with one
  id), so it is dropped wherever a section has the same id, and kept where it is the only one.

All happen when a page is read (``doctree-read``), so the search index never sees the dropped text.
"""

from __future__ import annotations

import re

from docutils import nodes

#: What marks the Colab install cell (notebooks/README.md, item 2).
COLAB_GUARD = '"google.colab" in sys.modules'
#: The badge images of the title cells (tests/test_notebooks_meta.py checks the badges' links).
BADGE_IMAGES = (
    "https://mybinder.org/badge_logo.svg",
    "https://colab.research.google.com/assets/colab-badge.svg",
)


def is_colab_install_cell(node: nodes.Node) -> bool:
    """A myst-nb code cell tagged ``hide-input`` whose source holds the Colab guard."""
    if not isinstance(node, nodes.container) or node.get("nb_element") != "cell_code":
        return False
    tags = (node.get("cell_metadata") or {}).get("tags", [])
    return "hide-input" in tags and COLAB_GUARD in node.astext()


def is_badge_link(node: nodes.Node) -> bool:
    """A link whose only content is one of the launch badges' images."""
    return (isinstance(node, nodes.reference) and len(node.children) == 1
            and isinstance(node.children[0], nodes.image) and node.children[0].get("uri") in BADGE_IMAGES)


#: A raw HTML anchor and nothing else: ``<a id="spki"></a>``.
RAW_ANCHOR = re.compile(r'\s*<a id="([^"]+)"></a>\s*')


def drop_colab_cells_and_badges(app, doctree: nodes.document) -> None:
    for node in list(doctree.findall(lambda n: is_colab_install_cell(n) or is_badge_link(n))):
        node.parent.remove(node)


def drop_anchors_that_repeat_a_section_id(app, doctree: nodes.document) -> None:
    """Drop a paragraph that is only ``<a id="X"></a>`` (MyST keeps it as raw HTML pieces) if a section has id X."""
    section_ids = {id_ for section in doctree.findall(nodes.section) for id_ in section["ids"]}
    for paragraph in list(doctree.findall(nodes.paragraph)):
        pieces = [child for child in paragraph.children if not (isinstance(child, nodes.Text) and not child.strip())]
        if not pieces or not all(isinstance(p, nodes.raw) and p.get("format") == "html" for p in pieces):
            continue
        anchor = RAW_ANCHOR.fullmatch("".join(p.astext() for p in pieces))
        if anchor and anchor.group(1) in section_ids:
            paragraph.parent.remove(paragraph)


def setup(app):
    app.connect("doctree-read", drop_colab_cells_and_badges)
    app.connect("doctree-read", drop_anchors_that_repeat_a_section_id)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "1"}
