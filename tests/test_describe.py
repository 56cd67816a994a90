import re

import pytest
from cryptography import x509
from hypothesis import given
from hypothesis import strategies as st

from pki_lab import data
from pki_lab.ca import CertificateAuthority
from pki_lab.describe import describe, extension_table, name_text, serial_hex, thumbprint
from pki_lab.errors import ParameterError, WrongTypeError
from pki_lab.loading import tree_of


def _provenance_fingerprints() -> dict[str, str]:
    """SHA-256 fingerprints that `openssl x509 -fingerprint` printed, as recorded in PROVENANCE.md."""
    text = data.provenance()
    out = {}
    for match in re.finditer(r"### `((?:roots|intermediates)/[^`]+)`.*?sha256 Fingerprint=([0-9A-F:]+)", text, re.S):
        out[match.group(1)] = match.group(2).replace(":", "")
    return out


def test_thumbprints_match_openssl_fingerprints_recorded_in_provenance():
    fingerprints = _provenance_fingerprints()
    assert len(fingerprints) >= 15
    for name, expected in fingerprints.items():
        assert thumbprint(data.certificate(name)) == expected, name


def test_thumbprint_separator_and_algorithms(hierarchy):
    plain = thumbprint(hierarchy.leaf, "sha1")
    assert len(plain) == 40 and plain.isupper()
    assert thumbprint(hierarchy.leaf, "sha1", sep=":").replace(":", "") == plain
    with pytest.raises(ParameterError, match="'md5'"):
        thumbprint(hierarchy.leaf, "md5")
    with pytest.raises(WrongTypeError, match="load_certificate"):
        thumbprint(b"bytes")


def test_fields_appear_in_certificate_order(hierarchy):
    fields = [row[0] for row in describe(hierarchy.leaf).rows]
    assert fields[:8] == ["Version", "Serial number", "Signature algorithm", "Issuer", "Not before",
                          "Not after", "Subject", "Subject public key"]
    assert fields[-3:] == ["Signature", "SHA-256 thumbprint", "SHA-1 thumbprint (legacy)"]
    assert "Extension: subjectAltName" in fields


def test_values_of_the_lab_leaf(hierarchy):
    d = describe(hierarchy.leaf)
    assert d.value("Version") == "v3"
    assert d.value("Issuer") == "CN=PKI Lab Issuing CA,O=PKI Lab"
    assert d.value("Not before") == "2026-03-15 12:00:00 UTC"
    assert d.value("Extension: basicConstraints") == "CA:FALSE [critical]"
    assert d.value("Extension: subjectAltName") == "DNS:www.example.com"
    assert d.value("SHA-256 thumbprint") == thumbprint(hierarchy.leaf)
    assert d.value("Subject public key").startswith("EC P-256, SPKI SHA-256 ")


def test_a_real_leaf_shows_scts_policies_and_revocation_pointers():
    d = describe(data.chain("stackoverflow.com").leaf)
    assert d.value("Extension: signedCertificateTimestampList").startswith("2 SCTs")
    assert d.value("Extension: certificatePolicies") == "CA/B Forum domain validated"
    assert d.value("Extension: cRLDistributionPoints") == "URI:http://e8.c.lencr.org/4.crl"
    assert d.value("Signature algorithm") == "ecdsa-with-SHA384"


def test_text_and_html_forms(hierarchy):
    d = describe(hierarchy.leaf)
    text = str(d)
    assert text.splitlines()[0] == "Certificate for CN=www.example.com"
    assert "-> Who vouches for this certificate" in text
    html = d._repr_html_()
    assert html.count("<tr>") == len(d.rows) + 1
    assert "<th style='text-align:left'>Issuer</th>" in html


def test_every_shipped_certificate_can_be_described():
    for name in data.files("roots") + data.files("intermediates"):
        assert describe(data.certificate(name)).value("Version") == "v3"
    for chain in data.chains():
        for cert in chain.certificates:
            describe(cert)


def test_describe_refuses_other_objects():
    with pytest.raises(WrongTypeError):
        describe("a string")


def test_extension_table_lists_every_extension_with_its_bytes():
    real = data.chain("stackoverflow.com").leaf
    table = extension_table(real)
    assert len(table.rows) == len(real.extensions)
    tree = tree_of(real)
    for (name, _, where), ext in zip(table.rows, real.extensions, strict=True):
        node = tree.find(f"tbsCertificate.extensions[{name.removesuffix(' [critical]')}]")
        assert f"bytes {node.offset} to {node.end - 1}" in where
        assert name.endswith("[critical]") == ext.critical
    assert table.value("signedCertificateTimestampList").startswith("2 SCTs")


def test_extension_table_refuses_what_is_not_a_certificate():
    with pytest.raises(WrongTypeError, match="Expected an x509.Certificate"):
        extension_table(b"0\x00")


def test_name_text_is_the_whole_rfc4514_name_or_says_empty():
    assert name_text(x509.Name([])) == "(empty)"
    subject = data.certificate("isrg_root_x1").subject
    assert name_text(subject) == "CN=ISRG Root X1,O=Internet Security Research Group,C=US"


@given(st.integers(min_value=-(2**160), max_value=2**160))
def test_a_serial_is_shown_as_the_twos_complement_bytes_der_holds(serial):
    # RFC 5280 4.1.2.2 wants a positive serial, but damaged and old certificates hold zero or negative ones.
    shown = bytes.fromhex(serial_hex(serial).replace(":", ""))
    assert int.from_bytes(shown, "big", signed=True) == serial
    assert len(shown) == (serial.bit_length() + 8) // 8


def test_the_sha1_thumbprint_comes_second_and_is_labelled_legacy_not_for_security(hierarchy):
    d = describe(hierarchy.leaf)
    assert d.value("SHA-1 thumbprint (legacy)") == thumbprint(hierarchy.leaf, "sha1")
    meaning = {field: text for field, _, text in d.rows}
    assert "collision-broken" in meaning["SHA-1 thumbprint (legacy)"]
    assert "register this one" in meaning["SHA-256 thumbprint"]


_OCSP = x509.AccessDescription(x509.oid.AuthorityInformationAccessOID.OCSP,
                               x509.UniformResourceIdentifier("http://ocsp.example.test"))
_CA_ISSUERS = x509.AccessDescription(x509.oid.AuthorityInformationAccessOID.CA_ISSUERS,
                                     x509.UniformResourceIdentifier("http://ca.example.test/issuer.cer"))


def _aia_meaning(descriptions):
    ca = CertificateAuthority.create_root("PKI Lab AIA Test Root")
    cert = ca.issue("aia.example.test", extensions=[(x509.AuthorityInformationAccess(descriptions), False)])
    return {field: meaning for field, _, meaning in describe(cert).rows}["Extension: authorityInfoAccess"]


def test_authority_info_access_with_ca_issuers_only_promises_no_ocsp():
    meaning = _aia_meaning([_CA_ISSUERS])
    assert "issuer's certificate" in meaning and "no OCSP responder" in meaning
    # the real case: Let's Encrypt's 2026 leaves name caIssuers only
    real = describe(data.chain("stackoverflow.com").leaf)
    assert {f: m for f, _, m in real.rows}["Extension: authorityInfoAccess"] == meaning


def test_authority_info_access_with_ocsp_only_names_the_responder_and_no_issuer_url():
    meaning = _aia_meaning([_OCSP])
    assert meaning.startswith("Where to ask the issuer's OCSP responder") and "no URL for the issuer's" in meaning


def test_authority_info_access_with_both_promises_both():
    meaning = _aia_meaning([_OCSP, _CA_ISSUERS])
    assert "OCSP responder" in meaning and "(caIssuers)" in meaning and " no " not in meaning
