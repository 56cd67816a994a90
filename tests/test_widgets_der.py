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
    assert any("extensions[subjectAltName]" in label for label, _ in options)


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
    assert label.startswith("\u00a0\u00a0113" + "\u00a0" * (2 + 2 * node.depth) + "notAfter\u00a0")


def test_labels_are_short_enough_to_read_and_the_list_is_as_wide_as_the_longest(tree):
    """Rows were clipped: a label shows the field's own name (the indentation gives the rest) and a short value."""
    from pki_lab.widgets.der import label_width, node_label

    san = tree.find("tbsCertificate.extensions[subjectAltName].extnValue.dNSName[0]")
    assert "dNSName[0]" in node_label(san) and "tbsCertificate" not in node_label(san)
    assert "[subjectAltName]" in node_label(tree.find("tbsCertificate.extensions[subjectAltName]"))
    options = node_options(tree)
    longest = max(len(label) for label, _ in options)
    assert longest <= 90  # about 650 px of 12 px monospace, beside the 62-character hex pane
    assert label_width(options) == f"{longest + 3}ch"


def test_node_index_at_is_the_deepest_field_holding_the_offset(tree):
    from pki_lab.widgets.der import node_index_at

    nodes = tree.nodes()
    not_after = tree.find("tbsCertificate.validity.notAfter")
    for offset in (not_after.offset, not_after.content_offset, not_after.end - 1):
        assert nodes[node_index_at(tree, offset)] is not_after
    assert node_index_at(tree, 0) == 0  # the outer SEQUENCE's tag
    assert nodes[node_index_at(tree, not_after.end)] is not not_after


@pytest.mark.parametrize("size, offset, first", [
    (482, 0, 0),            # the top: no rows above to show
    (482, 40, 0),           # row 2, with two rows of context, starts at row 0
    (482, 200, 10),         # row 12 -> from row 10
    (482, 481, 11),         # the last byte: the window ends at the last row (31 rows, 20 shown)
    (100, 99, 0),           # fewer rows than the window: always from the top
])
def test_scroll_row_brings_the_offset_into_view(size, offset, first):
    from pki_lab.widgets.der import VISIBLE_ROWS, scroll_row

    assert scroll_row(size, offset) == first
    assert first <= offset // 16 < first + VISIBLE_ROWS


def test_offset_message_refuses_offsets_outside_the_certificate_with_a_sentence():
    from pki_lab.widgets.der import offset_message

    assert offset_message(0, 482) is None and offset_message(481, 482) is None
    assert offset_message(482, 482) == ("Offset 482 is past the end (the certificate has 482 bytes, offsets 0 to "
                                        "481); nothing was selected or flipped.")
    assert "before the start" in offset_message(-1, 482)
    assert "whole number" in offset_message("7", 482) and "whole number" in offset_message(True, 482)


def test_a_window_of_rows_shows_exactly_those_bytes_and_says_which(tree):
    text = highlight_html(tree, None, first_row=10, visible=20)
    offsets = [c[0] for c in _cells(text)]
    assert offsets == list(range(160, min(len(tree.data), 480)))
    assert f"bytes 160 to {offsets[-1]} of {len(tree.data)}" in text


def test_the_widget_follows_a_typed_offset_and_refuses_one_past_the_end(hierarchy, tree):
    tryit = der_explorer(hierarchy.leaf, issuer=hierarchy.intermediate.certificate)
    parts = tryit.parts
    nodes = tree.nodes()
    not_after = tree.find("tbsCertificate.validity.notAfter")
    parts["offset"].value = not_after.content_offset + 3
    assert nodes[parts["tree"].value] is not_after  # the tree highlight follows the typed offset
    assert parts["offset"].value == not_after.content_offset + 3  # and does not reset it
    assert _marked(parts["hex"].value, "c") == list(range(not_after.content_offset, not_after.end))
    # a field near the end scrolls the hex pane there
    sig = tree.find("signatureValue.s")
    parts["tree"].value = nodes.index(sig)
    shown = [c[0] for c in _cells(parts["hex"].value)]
    assert sig.offset in shown and 0 not in shown
    # past the end: a sentence, nothing clamped, nothing flipped
    parts["offset"].value = len(tree.data) + 10
    assert parts["offset"].value == len(tree.data) + 10
    assert f"Offset {len(tree.data) + 10} is past the end (the certificate has {len(tree.data)} bytes" in \
        parts["message"].value
    parts["button"].click()
    assert parts["report"].value == "" and "past the end" in parts["message"].value
    # back in range: the message goes
    parts["offset"].value = 120
    assert parts["message"].value == ""


def test_the_flipped_byte_shows_its_new_value(hierarchy, tree):
    tryit = der_explorer(hierarchy.leaf, issuer=hierarchy.intermediate.certificate)
    tbs = tree.find("tbsCertificate")
    tryit.parts["offset"].value = tbs.offset
    tryit.parts["button"].click()
    flipped = [(o, byte) for o, mark, byte in _cells(tryit.parts["hex"].value) if mark == "x"]
    assert flipped == [(tbs.offset, "31")]  # 0x30 with its lowest bit flipped: SET
    assert "now says SET" in tryit.parts["report"].value


def test_a_label_keeps_a_dotted_extension_oid_whole():
    """An extension the lab cannot name is shown by its OID, whose dots are not field separators."""
    from cryptography import x509

    from pki_lab.ca import CertificateAuthority
    from pki_lab.widgets.der import node_label

    ca = CertificateAuthority.create_root("PKI Lab OID Label Root")
    oid = x509.ObjectIdentifier("1.3.6.1.4.1.99999.1")
    cert = ca.issue("oid.example.test", extensions=[(x509.UnrecognizedExtension(oid, b"\x05\x00"), False)])
    node = tree_of(cert).find("tbsCertificate.extensions[1.3.6.1.4.1.99999.1]")
    assert "\u00a0extensions[1.3.6.1.4.1.99999.1]\u00a0" in node_label(node)


def test_flip_preview_says_what_the_button_will_do_before_it_is_pressed(tree):
    """The 'flip' menu and the offset box only set what the button does, so a line shows their choice at once."""
    from pki_lab.widgets.der import flip_preview

    tbs = tree.find("tbsCertificate")
    assert tree.data[tbs.offset] == 0x30
    assert flip_preview(tree, tbs.offset, 0x01) == (
        f"will flip: byte {tbs.offset} from 0x30 to 0x31 (the tag byte of tbsCertificate: SEQUENCE -> SET)")
    assert flip_preview(tree, tbs.offset, 0xFF).endswith(
        "from 0x30 to 0xCF (the tag byte of tbsCertificate: SEQUENCE -> [PRIVATE 15], constructed -> primitive)")
    assert "(a length byte of tbsCertificate)" in flip_preview(tree, tbs.offset + 1, 0x01)
    not_after = tree.find("tbsCertificate.validity.notAfter")
    byte = tree.data[not_after.content_offset]
    assert flip_preview(tree, not_after.content_offset, 0x01) == (
        f"will flip: byte {not_after.content_offset} from 0x{byte:02X} to 0x{byte ^ 1:02X} (a content byte of "
        f"tbsCertificate.validity.notAfter: {chr(byte)!r} -> {chr(byte ^ 1)!r})")
    # the highest bit takes a character out of ASCII: no character is promised
    assert flip_preview(tree, not_after.content_offset, 0x80).endswith("(a content byte of "
                                                                       "tbsCertificate.validity.notAfter)")
    for offset in (len(tree.data), -1, "7"):
        assert flip_preview(tree, offset, 0x01).startswith("will flip: nothing (the offset must be a byte")


def test_flip_preview_agrees_with_what_the_tamper_lab_then_does(hierarchy, tree):
    from pki_lab.widgets.der import flip_preview

    for offset, mask in ((0, 0x80), (4, 0x01), (120, 0xFF), (300, 0x01)):
        report = tamper(hierarchy.leaf, offset, mask=mask, issuer=hierarchy.intermediate.certificate)
        preview = flip_preview(tree, offset, mask)
        assert preview.startswith(f"will flip: byte {offset} from 0x{report.old_byte:02X} to 0x{report.new_byte:02X}")
        assert f"of {report.field}" in preview
        if report.tag_change:
            assert f"{report.tag_change[0]} -> {report.tag_change[1]}" in preview


def test_the_widget_shows_the_flip_it_will_make_as_the_menu_and_offset_change(hierarchy, tree):
    tryit = der_explorer(hierarchy.leaf, issuer=hierarchy.intermediate.certificate)
    parts = tryit.parts
    tbs = tree.find("tbsCertificate")
    parts["offset"].value = tbs.offset
    assert "from 0x30 to 0x31 (the tag byte of tbsCertificate: SEQUENCE -&gt; SET)" in parts["preview"].value
    assert parts["report"].value == ""  # nothing flipped yet
    parts["mask"].value = 0x80
    assert "from 0x30 to 0xB0" in parts["preview"].value
    index = [n.path for n in tree.nodes()].index("tbsCertificate.subject")
    parts["tree"].value = index  # choosing a field moves the offset, and the preview follows it
    assert f"will flip: byte {parts['offset'].value} from" in parts["preview"].value
    parts["offset"].value = len(tree.data)
    assert "will flip: nothing" in parts["preview"].value
