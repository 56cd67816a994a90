"""The DER explorer widget and the pure functions behind it."""

import re

import pytest

from pki_lab.loading import tree_of
from pki_lab.tamper import tamper
from pki_lab.widgets import TryIt
from pki_lab.widgets.der import (
    CONTENT_COLOUR,
    FLIPPED_COLOUR,
    HEADER_COLOUR,
    der_explorer,
    highlight_html,
    node_options,
    tamper_html,
)


@pytest.fixture(scope="module")
def tree(hierarchy):
    """The DER tree of the demo leaf."""
    return tree_of(hierarchy.leaf)


def _cells(html_text):
    """(offset, mark, hex) of every byte of the hex view, from each row's offset and the byte's position."""
    out = []
    for start, row in re.findall(r"^\s*(\d+)  (.*)$", html_text.split("<pre", 1)[1].split(">", 1)[1], re.M):
        cells = re.findall(r"(?:<span class='(\w)'[^>]*>)?([0-9A-F]{2})(?:</span>)?", row)
        out += [(int(start) + i, mark, byte) for i, (mark, byte) in enumerate(cells)]
    return out


def _marked(html_text, kind):
    return [offset for offset, mark, _ in _cells(html_text) if mark == kind]


def test_highlight_marks_exactly_the_chosen_fields_header_and_content_bytes(tree):
    node = tree.find("tbsCertificate.validity.notAfter")
    text = highlight_html(tree, node)
    assert _marked(text, "h") == list(range(node.offset, node.content_offset))
    assert _marked(text, "c") == list(range(node.content_offset, node.end))
    assert HEADER_COLOUR in text and CONTENT_COLOUR in text
    assert "tbsCertificate.validity.notAfter" in text


def test_highlight_shows_every_byte_once_and_marks_a_flipped_byte(tree):
    text = highlight_html(tree, None, flipped=7)
    cells = _cells(text)
    assert [c[0] for c in cells] == list(range(len(tree.data)))
    assert "".join(c[2] for c in cells) == tree.data.hex().upper()
    assert _marked(text, "x") == [7] and FLIPPED_COLOUR in text


def test_node_options_list_every_node_in_byte_order(tree):
    options = node_options(tree)
    assert [i for _, i in options] == list(range(len(tree.nodes())))
    assert any("tbsCertificate.extensions[subjectAltName]" in label for label, _ in options)


def test_tamper_html_lists_the_reports_sentences(hierarchy):
    report = tamper(hierarchy.leaf, 120, issuer=hierarchy.intermediate.certificate)
    text = tamper_html(report)
    assert text.count("<li>") == len(report.sentences())
    assert "#cf222e" in text  # red: the signature broke


def test_the_widget_highlights_the_chosen_field_and_runs_the_tamper_lab(hierarchy, tree):
    tryit = der_explorer(hierarchy.leaf, issuer=hierarchy.intermediate.certificate)
    assert isinstance(tryit, TryIt) and repr(tryit).startswith("Try it: choose a field")
    index = [n.path for n in tree.nodes()].index("tbsCertificate.subject")
    tryit.parts["tree"].value = index
    assert tryit.parts["offset"].value == tree.nodes()[index].content_offset
    assert "<b>tbsCertificate.subject</b>" in tryit.parts["hex"].value
    tryit.parts["offset"].value = 120
    tryit.parts["button"].click()
    assert "no longer verifies" in tryit.parts["report"].value
    assert _marked(tryit.parts["hex"].value, "x") == [120]


def test_labels_keep_their_indentation_in_a_browser(tree):
    """A <select> collapses ordinary spaces, so indentation and alignment use non-breaking spaces."""
    from pki_lab.widgets.der import node_label

    node = tree.find("tbsCertificate.validity.notAfter")
    label = node_label(node)
    assert " " not in label.split("UTCTime")[0]
    assert label.startswith("\u00a0\u00a0113" + "\u00a0" * (2 + 2 * node.depth) + "tbsCertificate.validity.notAfter")
