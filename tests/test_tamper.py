"""The tamper lab: one flipped byte, and what breaks (RFC 5280 4.1.1.3: the signature covers tbsCertificate)."""

import pytest

from pki_lab import data, demo_hierarchy, to_der
from pki_lab.errors import ParameterError, WrongTypeError
from pki_lab.loading import tree_of
from pki_lab.tamper import flip_byte, signature_verifies, tamper

H = demo_hierarchy()
LEAF, ISSUER = H.leaf, H.intermediate.certificate
TREE = tree_of(LEAF)

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
def test_a_flipped_content_byte_in_tbs_breaks_the_signature_and_shows_the_change(path, changed):
    node = TREE.find(path)
    offset = node.end - 2  # a content byte (a date's last digit is 'Z', so take the one before)
    report = tamper(LEAF, offset, issuer=ISSUER)
    assert report.field == path
    assert not report.in_header
    assert report.parses and report.loads
    assert report.signature_valid is False
    assert [c[0] for c in report.changed] == [changed]
    before, after = report.changed[0][1:]
    assert before != after
    assert f"The {changed} changed from {before} to {after}." in report.sentences()


def test_the_untampered_certificate_verifies():
    """The failure twin of the tests above: with nothing changed, the signature verifies."""
    assert signature_verifies(LEAF, ISSUER.public_key())
    assert not signature_verifies(LEAF, H.root.certificate.public_key())  # the wrong issuer


def test_a_flipped_signature_byte_breaks_the_signature_but_no_tbs_field():
    node = TREE.find("signatureValue.s")
    report = tamper(LEAF, node.end - 1, issuer=ISSUER)
    assert report.field == "signatureValue.s"
    assert report.signature_valid is False
    assert [c[0] for c in report.changed] == ["signature"]


def test_a_flipped_length_byte_stops_the_der_parse():
    report = tamper(LEAF, 1, issuer=ISSUER)  # the outer SEQUENCE's length
    assert report.in_header and not report.parses and not report.loads
    assert report.signature_valid is None
    assert "no longer well-formed DER" in str(report)
    assert "cannot even be checked" in str(report)


def test_the_tampered_bytes_differ_in_exactly_one_byte():
    report = tamper(LEAF, 120, mask=0xFF, issuer=ISSUER)
    original = to_der(LEAF)
    assert [i for i in range(len(original)) if original[i] != report.tampered[i]] == [120]
    assert report.new_byte == original[120] ^ 0xFF


def test_a_self_signed_root_is_checked_with_its_own_key_by_default():
    root = data.certificate("isrg_root_x1")
    modulus = tree_of(root).find("tbsCertificate.subjectPublicKeyInfo.subjectPublicKey.modulus")
    report = tamper(root, modulus.end - 1)
    assert report.signature_valid is False
    assert [c[0] for c in report.changed] == ["public key"]


def test_without_an_issuer_a_leaf_is_not_checked():
    assert tamper(LEAF, 120).signature_valid is None


BAD = [
    ("offset-past-the-end", dict(offset=len(to_der(LEAF))), ParameterError, "from 0 to"),
    ("negative-offset", dict(offset=-1), ParameterError, "from 0 to"),
    ("mask-zero", dict(offset=3, mask=0), ParameterError, "from 1 to 255"),
    ("issuer-is-text", dict(offset=3, issuer="CA"), WrongTypeError, "issuer's certificate or public key"),
]


@pytest.mark.parametrize("kwargs, error, message", [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_bad_parameters_are_refused(kwargs, error, message):
    with pytest.raises(error, match=message):
        tamper(LEAF, **kwargs)


def test_only_certificates_can_be_tampered():
    with pytest.raises(WrongTypeError, match="x509.Certificate or its DER bytes"):
        tamper("cert.pem", 3)
    assert flip_byte(b"\x00\x01", 1, 0x03) == b"\x00\x02"


def test_mystery_copies_differ_in_one_readable_byte_inside_tbs():
    from pki_lab.tamper import mystery_copy

    original = to_der(LEAF)
    tbs = TREE.find("tbsCertificate")
    seen = set()
    for seed in range(20):
        copy = mystery_copy(LEAF, seed)
        diff = [i for i in range(len(original)) if original[i] != copy[i]]
        assert len(diff) == 1 and tbs.content_offset <= diff[0] < tbs.end
        node = TREE.at(diff[0])
        assert node.tag in ("UTF8String", "PrintableString", "UTCTime", "IA5String") or ".dNSName[" in node.path
        assert not tamper(LEAF, diff[0], issuer=ISSUER).signature_valid
        seen.add(diff[0])
    assert len(seen) > 5  # the seed matters
    assert mystery_copy(LEAF, 3) == mystery_copy(LEAF, 3)
