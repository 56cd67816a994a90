"""The tamper lab: one flipped byte, and what breaks (RFC 5280 4.1.1.3: the signature covers tbsCertificate)."""

import pytest

from pki_lab import data, to_der
from pki_lab.errors import ParameterError, WrongTypeError
from pki_lab.loading import tree_of
from pki_lab.tamper import flip_byte, signature_verifies, tamper


@pytest.fixture(scope="module")
def leaf(hierarchy):
    return hierarchy.leaf


@pytest.fixture(scope="module")
def issuer(hierarchy):
    """The leaf's issuer: the demo hierarchy's issuing CA."""
    return hierarchy.intermediate.certificate


@pytest.fixture(scope="module")
def tree(leaf):
    return tree_of(leaf)


# (rule id, field path, what a reader sees changed); the byte flipped is the field's last content byte.
TBS_FIELDS = [
    ("serial-change-breaks-signature", "tbsCertificate.serialNumber", "serial number"),
    ("issuer-name-change-breaks-signature", "tbsCertificate.issuer[commonName].value", "issuer"),
    ("not-before-change-breaks-signature", "tbsCertificate.validity.notBefore", "notBefore"),
    ("not-after-change-breaks-signature", "tbsCertificate.validity.notAfter", "notAfter"),
    ("subject-name-change-breaks-signature", "tbsCertificate.subject[commonName].value", "subject"),
    ("san-change-breaks-signature", "tbsCertificate.extensions[subjectAltName].extnValue.dNSName[0]",
     "subjectAltName extension"),
]


@pytest.mark.parametrize("path, changed", [f[1:] for f in TBS_FIELDS], ids=[f[0] for f in TBS_FIELDS])
def test_a_flipped_content_byte_in_tbs_breaks_the_signature_and_shows_the_change(leaf, issuer, tree, path, changed):
    node = tree.find(path)
    offset = node.end - 2  # a content byte (a date's last digit is 'Z', so take the one before)
    report = tamper(leaf, offset, issuer=issuer)
    assert report.field == path
    assert not report.in_header
    assert report.parses and report.loads
    assert report.signature_valid is False
    assert [c[0] for c in report.changed] == [changed]
    before, after = report.changed[0][1:]
    assert before != after
    assert f"The {changed} changed from {before} to {after}." in report.sentences()


def test_the_untampered_certificate_verifies(hierarchy, leaf, issuer):
    """The failure twin of the tests above: with nothing changed, the signature verifies."""
    assert signature_verifies(leaf, issuer.public_key())
    assert not signature_verifies(leaf, hierarchy.root.certificate.public_key())  # the wrong issuer


def test_a_flipped_signature_byte_breaks_the_signature_but_no_tbs_field(leaf, issuer, tree):
    node = tree.find("signatureValue.s")
    report = tamper(leaf, node.end - 1, issuer=issuer)
    assert report.field == "signatureValue.s"
    assert report.signature_valid is False
    assert [c[0] for c in report.changed] == ["signature"]


def test_a_flipped_length_byte_stops_the_der_parse(leaf, issuer):
    report = tamper(leaf, 1, issuer=issuer)  # the outer SEQUENCE's length
    assert report.in_header and not report.parses and not report.loads
    assert report.signature_valid is None
    assert "no longer well-formed DER" in str(report)
    assert "cannot even be checked" in str(report)


def test_the_tampered_bytes_differ_in_exactly_one_byte(leaf, issuer):
    report = tamper(leaf, 120, mask=0xFF, issuer=issuer)
    original = to_der(leaf)
    assert [i for i in range(len(original)) if original[i] != report.tampered[i]] == [120]
    assert report.new_byte == original[120] ^ 0xFF


def test_a_self_signed_root_is_checked_with_its_own_key_by_default():
    root = data.certificate("isrg_root_x1")
    modulus = tree_of(root).find("tbsCertificate.subjectPublicKeyInfo.subjectPublicKey.modulus")
    report = tamper(root, modulus.end - 1)
    assert report.signature_valid is False
    assert [c[0] for c in report.changed] == ["public key"]


def test_without_an_issuer_a_leaf_is_not_checked(leaf):
    assert tamper(leaf, 120).signature_valid is None


# The arguments are made from the leaf's DER size: the leaf is a fixture, not there when the cases are collected.
BAD = [
    ("offset-past-the-end", lambda size: dict(offset=size), ParameterError, "from 0 to"),
    ("negative-offset", lambda size: dict(offset=-1), ParameterError, "from 0 to"),
    ("mask-zero", lambda size: dict(offset=3, mask=0), ParameterError, "from 1 to 255"),
    ("issuer-is-text", lambda size: dict(offset=3, issuer="CA"), WrongTypeError, "issuer's certificate or public key"),
]


@pytest.mark.parametrize("make_kwargs, error, message", [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_bad_parameters_are_refused(leaf, make_kwargs, error, message):
    with pytest.raises(error, match=message):
        tamper(leaf, **make_kwargs(len(to_der(leaf))))


def test_only_certificates_can_be_tampered():
    with pytest.raises(WrongTypeError, match="x509.Certificate or its DER bytes"):
        tamper("cert.pem", 3)
    assert flip_byte(b"\x00\x01", 1, 0x03) == b"\x00\x02"


def test_mystery_copies_differ_in_one_readable_byte_inside_tbs(leaf, issuer, tree):
    from pki_lab.tamper import mystery_copy

    original = to_der(leaf)
    tbs = tree.find("tbsCertificate")
    seen = set()
    for seed in range(20):
        copy = mystery_copy(leaf, seed)
        diff = [i for i in range(len(original)) if original[i] != copy[i]]
        assert len(diff) == 1 and tbs.content_offset <= diff[0] < tbs.end
        node = tree.at(diff[0])
        assert node.tag in ("UTF8String", "PrintableString", "UTCTime", "IA5String") or ".dNSName[" in node.path
        assert not tamper(leaf, diff[0], issuer=issuer).signature_valid
        seen.add(diff[0])
    assert len(seen) > 5  # the seed matters
    assert mystery_copy(leaf, 3) == mystery_copy(leaf, 3)


@pytest.mark.parametrize("path", ["", "tbsCertificate"], ids=["certificate", "tbsCertificate"])
def test_a_sequence_tag_flipped_to_set_still_parses_but_is_no_certificate(leaf, issuer, tree, path):
    """X.690: 0x31 is a constructed SET, so the TLV structure reads; RFC 5280's ASN.1 wants a SEQUENCE there."""
    from cryptography import x509

    from pki_lab.der import parse

    node = tree.root if not path else tree.find(path)
    assert to_der(leaf)[node.offset] == 0x30
    report = tamper(leaf, node.offset, issuer=issuer)
    # what the lab's schema-less reader says: the bytes are consistent TLVs, the element is now a SET
    assert parse(report.tampered, x509=False).at(node.offset).tag == "SET"
    # what cryptography says: not a certificate
    with pytest.raises(ValueError):
        x509.load_der_x509_certificate(report.tampered)
    assert report.parses and not report.loads and report.parser_refuses
    assert report.tag_change == ("SEQUENCE", "SET")
    assert report.unsorted_set  # e.g. a BIT STRING (0x03...) after SEQUENCEs (0x30...)
    text = str(report)
    assert "still parse" in text and "well-formed DER" not in text
    assert "now says SET where RFC 5280's ASN.1 has SEQUENCE" in text and "X.690 11.6" in text


def test_a_content_byte_changes_no_tag(leaf, issuer, tree):
    report = tamper(leaf, tree.find("tbsCertificate.validity.notAfter").end - 2, issuer=issuer)
    assert report.tag_change is None and not report.parser_refuses and not report.unsorted_set
    assert "It still loads as a certificate." in report.sentences()


def test_set_of_order_compares_encodings_as_zero_padded_octet_strings():
    from pki_lab.der import parse
    from pki_lab.tamper import set_of_order

    def order(hex_text):
        data = bytes.fromhex(hex_text)
        return set_of_order(parse(data, x509=False).root, data)

    assert order("3106 020101 020102")          # 02 01 01 < 02 01 02
    assert not order("3106 020102 020101")      # out of order
    assert order("3106 0400 04020000")          # 04 00 padded to 04 00 00 00 equals a prefix: ascending
    assert not order("3106 04020001 0400")      # 04 02 ... after 04 00 (00 00): descending
    assert order("3100")                        # an empty SET OF is in order
