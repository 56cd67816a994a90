"""The teaching DER reader: strict DER (X.690 section 10), exact round trips, field paths, and no crash on bad bytes."""

import base64
import re

import certifi
import pytest
from cryptography import x509
from cryptography.x509.oid import NameOID
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pki_lab import data, make_csr, named_key, to_der
from pki_lab.der import MAX_DEPTH, detect_kind, encode, encode_string, parse
from pki_lab.errors import MalformedInputError, ParameterError, WrongTypeError
from pki_lab.loading import tree_of

from .conftest import examples


def _certifi_roots():
    text = open(certifi.where(), "rb").read()
    blocks = re.findall(rb"-----BEGIN CERTIFICATE-----(.*?)-----END CERTIFICATE-----", text, re.DOTALL)
    return [base64.b64decode(b"".join(b.split())) for b in blocks]


def _lab_ders():
    out = {}
    for name in data.files("roots") + data.files("intermediates"):
        out[name] = to_der(data.certificate(name))
    for chain in data.chains():
        for i, cert in enumerate(chain.certificates):
            out[f"{chain.file}#{i}"] = to_der(cert)
    for name in data.files("revocation"):
        if "crl" in name:
            out[name] = to_der(data.crl(name))
    return out


LAB = _lab_ders()
CERTIFI = _certifi_roots()


# -- malformed input: each rule of DER, with the offset named ----------------------------------------

MALFORMED = [
    ("empty", b"", "empty"),
    ("truncated-header", b"\x30", "length byte is missing"),
    ("truncated-content", b"\x30\x05\x02\x01\x01", "announces 5 content bytes, but the data has only 3"),
    ("child-overruns-parent", b"\x30\x03\x02\x05\x01\x02\x03\x04\x05", "its parent element has only 1 left"),
    ("indefinite-length-ber", b"\x30\x80\x02\x01\x01\x00\x00", "indefinite length (0x80), which BER allows"),
    ("non-minimal-long-form", b"\x04\x81\x05hello", "not in its shortest form"),
    ("non-minimal-leading-zero", b"\x04\x82\x00\x80" + b"x" * 128, "not in its shortest form"),
    ("over-long-length", b"\x04\x84\xff\xff\xff\xff\x00", "announces 4,294,967,295 content bytes"),
    ("length-of-length-missing", b"\x04\x84\x01", "ends inside the 4-byte length"),
    ("reserved-length-0xff", b"\x04\xff", "0xFF, a value X.690 reserves"),
    ("trailing-garbage", b"\x05\x00\xde\xad", "2 unexpected bytes after the end of the outer element, starting at "
                                              "offset 2"),
    ("end-of-contents", b"\x30\x02\x00\x00", "Offset 2 holds tag 0x00"),
    ("constructed-integer", b"\x22\x03\x02\x01\x01", "INTEGER at offset 0 is in constructed form"),
    ("primitive-sequence", b"\x10\x00", "SEQUENCE at offset 0 is in primitive form"),
    ("high-tag-long-form-for-small-number", b"\x9f\x05\x00", "long form for a small tag number"),
    ("high-tag-leading-zero", b"\x9f\x80\x20\x00", "leading zero"),
    ("high-tag-too-long", b"\x9f\xff\xff\xff\xff\xff\x01\x00", "longer than 4 bytes"),
    ("high-tag-truncated", b"\x9f\x81", "ends inside the tag that starts at offset 0"),
]


@pytest.mark.parametrize("raw, message", [m[1:] for m in MALFORMED], ids=[m[0] for m in MALFORMED])
def test_der_violations_raise_a_malformed_input_error_naming_the_problem(raw, message):
    with pytest.raises(MalformedInputError) as info:
        parse(raw)
    assert message in str(info.value)
    assert str(info.value).endswith(".")


def test_deep_nesting_stops_at_the_depth_limit():
    """100 nested SEQUENCEs: refused with the offset of the first element too deep, not a RecursionError."""
    blob = b""
    for _ in range(100):
        blob = b"\x30" + encode_len(len(blob)) + blob
    with pytest.raises(MalformedInputError, match=f"nested more than {MAX_DEPTH} levels deep"):
        parse(blob)
    shallow = blob[-2 * 20:]  # the innermost 20 levels are fine
    assert len(parse(shallow).nodes()) == 20


def encode_len(n):
    return bytes([n]) if n < 0x80 else bytes([0x80 | ((n.bit_length() + 7) // 8)]) + n.to_bytes(
        (n.bit_length() + 7) // 8, "big")


def test_a_truncated_certificate_names_the_offset_of_the_outer_element(hierarchy):
    with pytest.raises(MalformedInputError, match="element at offset 0 announces"):
        parse(to_der(hierarchy.leaf)[:-10])


def test_wrong_types_are_refused():
    with pytest.raises(WrongTypeError, match="takes DER bytes, not str"):
        parse("30 00")


# -- fuzzing: only ever a tree or a MalformedInputError, and a tree always re-encodes exactly -------------

def _roundtrip_or_malformed(blob):
    try:
        tree = parse(blob)
    except MalformedInputError as exc:
        assert str(exc).endswith(".")
        return
    assert encode(tree.root) == blob
    for node in tree.nodes():
        node.value  # every preview renders  # noqa: B018


FUZZ = settings(max_examples=examples(2500), deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FUZZ
@given(st.binary(max_size=64))
def test_fuzz_random_bytes(blob):
    _roundtrip_or_malformed(blob)


@FUZZ
@given(st.binary(min_size=1, max_size=12).map(lambda b: b"\x30" + bytes([len(b) + 2]) + b"\x04" + bytes([len(b)]) + b))
def test_fuzz_random_bytes_inside_a_valid_frame(blob):
    _roundtrip_or_malformed(blob)


# The seeds besides the demo leaf, which comes from the session's ``hierarchy`` fixture.
_SEEDS = [LAB["roots/isrg_root_x1.pem"], to_der(data.crl("crl_rsa_public_root_ca_v1_2011")),
          to_der(make_csr(named_key("device-1"), "device_01", ["device-01.example.com"]))]


@st.composite
def _mutated(draw, seeds):
    blob = bytearray(draw(st.sampled_from(seeds)))
    for _ in range(draw(st.integers(1, 4))):
        action = draw(st.sampled_from(["flip", "set", "truncate", "insert", "delete"]))
        at = draw(st.integers(0, max(len(blob) - 1, 0)))
        if not blob:
            break
        if action == "flip":
            blob[at] ^= 1 << draw(st.integers(0, 7))
        elif action == "set":
            blob[at] = draw(st.sampled_from([0x00, 0x80, 0x81, 0x82, 0x84, 0xFF, 0x30, 0x1F]))
        elif action == "truncate":
            del blob[at:]
        elif action == "insert":
            blob[at:at] = draw(st.binary(min_size=1, max_size=3))
        else:
            del blob[at]
    return bytes(blob)


@FUZZ
@given(drawn=st.data())
def test_fuzz_mutated_certificates_crls_and_csrs(hierarchy, drawn):
    _roundtrip_or_malformed(drawn.draw(_mutated([to_der(hierarchy.leaf), *_SEEDS]), label="blob"))


# -- round trips of every real certificate and CRL -----------------------------------------------------

@pytest.mark.parametrize("name", sorted(LAB))
def test_every_shipped_certificate_and_crl_round_trips(name):
    tree = parse(LAB[name])
    assert encode(tree.root) == LAB[name]
    assert tree.kind == ("crl" if "crl" in name else "certificate")


def test_every_root_in_certifis_bundle_round_trips():
    assert len(CERTIFI) > 100
    for der in CERTIFI:
        tree = parse(der)
        assert encode(tree.root) == der
        assert tree.kind == "certificate"


# -- field paths --------------------------------------------------------------------------------------

def test_certificate_paths_match_what_cryptography_reads(hierarchy):
    leaf = hierarchy.leaf
    tree = tree_of(leaf)
    not_after = tree.find("tbsCertificate.validity.notAfter")
    assert not_after.value == leaf.not_valid_after_utc.strftime("%Y-%m-%d %H:%M:%S UTC")
    serial = tree.find("tbsCertificate.serialNumber")
    assert int.from_bytes(serial.content, "big") == leaf.serial_number
    san = tree.find("tbsCertificate.extensions[subjectAltName].extnValue.dNSName[0]")
    assert san.content.decode() == leaf.extensions.get_extension_for_class(
        x509.SubjectAlternativeName).value.get_values_for_type(x509.DNSName)[0]
    tbs = tree.find("tbsCertificate")
    assert tree.data[tbs.offset:tbs.end] == leaf.tbs_certificate_bytes
    sig = tree.find("signatureValue")
    assert sig.content[1:] == leaf.signature  # after the BIT STRING's unused-bits byte


def test_at_gives_the_deepest_field_and_header_bytes_are_told_apart(hierarchy):
    tree = tree_of(hierarchy.leaf)
    node = tree.find("tbsCertificate.validity.notBefore")
    assert tree.at(node.content_offset + 3).path == "tbsCertificate.validity.notBefore"
    assert tree.in_header(node.offset) and not tree.in_header(node.content_offset)
    assert tree.at(0).path == "Certificate"
    with pytest.raises(MalformedInputError, match="outside the data"):
        tree.at(len(tree.data))


def test_real_leaf_has_scts_policies_and_crl_distribution_points():
    tree = tree_of(data.chain("stackoverflow.com").leaf)
    for name in ("signedCertificateTimestampList", "certificatePolicies", "cRLDistributionPoints",
                 "authorityInfoAccess", "subjectAltName"):
        assert tree.find(f"tbsCertificate.extensions[{name}]").children


def test_rsa_keys_and_ecdsa_signatures_are_opened(hierarchy):
    root = tree_of(data.certificate("isrg_root_x1"))
    modulus = root.find("tbsCertificate.subjectPublicKeyInfo.subjectPublicKey.modulus")
    assert int.from_bytes(modulus.content, "big") == data.certificate("isrg_root_x1").public_key().public_numbers().n
    assert tree_of(hierarchy.leaf).find("signatureValue.r").tag == "INTEGER"


def test_csr_and_crl_paths():
    csr = tree_of(make_csr(named_key("device-1"), "device_01"))
    assert csr.kind == "csr"
    assert csr.find("certificationRequestInfo.subject[commonName].value").value == "'device_01'"
    crl = tree_of(data.crl("crl_rsa_public_root_ca_v1_2011"))
    assert crl.kind == "crl"
    assert crl.find("tbsCertList.revokedCertificates[0].userCertificate").tag == "INTEGER"
    assert crl.find("tbsCertList.nextUpdate").value == "2011-08-22 19:28:30 UTC"


def test_non_x509_der_gets_no_paths():
    tree = parse(bytes.fromhex("3006020101020102"))
    assert tree.kind == "der" == detect_kind(tree.root)
    assert [n.path for n in tree.nodes()] == ["", "", ""]
    assert str(tree).splitlines()[1].strip() == "2+2    INTEGER 1"


# -- value previews and string types ---------------------------------------------------------------------

PREVIEWS = [
    ("oid-with-name", "06032b6570", "1.3.101.112 (Ed25519)"),
    ("oid-invalid-trailing-continuation", "06022b81", "2B 81 (not a valid OID encoding)"),
    ("utctime-before-2050", "170d3236303331353132303030305a", "2026-03-15 12:00:00 UTC"),
    ("utctime-1950s", "170d3530303130313030303030305a", "1950-01-01 00:00:00 UTC"),
    ("printable-string-with-underscore", "13096465766963655f3031",
     "'device_01' (not allowed in a PrintableString: '_')"),
    ("utf8-string", "0c096465766963655f3031", "'device_01'"),
    ("boolean-non-der", "010101", "01 (not a DER BOOLEAN)"),
    ("negative-integer", "0201ff", "-1"),
]


@pytest.mark.parametrize("hexdata, preview", [p[1:] for p in PREVIEWS], ids=[p[0] for p in PREVIEWS])
def test_value_previews(hexdata, preview):
    assert parse(bytes.fromhex(hexdata)).root.value == preview


def test_cryptography_encodes_a_common_name_as_utf8string(hierarchy):
    """The lab relies on this for registration IDs such as device_01 (X.680: '_' is not printable)."""
    cert = hierarchy.intermediate.issue("device_01", profile="device")
    node = tree_of(cert).find("tbsCertificate.subject[commonName].value")
    assert node.tag == "UTF8String"
    assert cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == "device_01"


STRINGS = [
    ("utf8-holds-underscore", "device_01", "UTF8String", "0c096465766963655f3031"),
    ("printable-holds-letters-digits-hyphen", "device-01", "PrintableString", "13096465766963652d3031"),
    ("utf8-holds-non-ascii", "Zürich", "UTF8String", "0c075ac3bc72696368"),
]


@pytest.mark.parametrize("text, kind, hexdata", [s[1:] for s in STRINGS], ids=[s[0] for s in STRINGS])
def test_encode_string(text, kind, hexdata):
    assert encode_string(text, kind).hex() == hexdata
    assert parse(encode_string(text, kind)).root.tag == kind


REFUSED = [
    ("x680-printable-excludes-underscore", "device_01", "PrintableString", "'_' is not in its character set"),
    ("x680-printable-excludes-at-sign", "a@b", "PrintableString", "'@' is not in its character set"),
    ("ia5-is-ascii-only", "Zürich", "IA5String", "ASCII only"),
    ("unknown-type", "x", "BMPString", "must be one of"),
]


@pytest.mark.parametrize("text, kind, message", [r[1:] for r in REFUSED], ids=[r[0] for r in REFUSED])
def test_encode_string_refuses_characters_the_type_lacks(text, kind, message):
    with pytest.raises(ParameterError, match=message):
        encode_string(text, kind)
