"""Property and exhaustive tests of the ML-DSA parts: every keyUsage combination against RFC 9881 section 5, any
signature bytes in the DER tree, any bytes through the parameters check, any spelling of a kind."""

from __future__ import annotations

import itertools

import cryptography
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from hypothesis import given, settings
from hypothesis import strategies as st

from pki_lab import clock
from pki_lab.ca import CertificateAuthority
from pki_lab.der.encode import bit_string, children, sequence
from pki_lab.der.paths import ml_dsa_parameters_problem, parse
from pki_lab.keys import KEY_KINDS, canonical_kind, named_key
from pki_lab.loading import load_certificate, to_der
from pki_lab.names import make_name
from pki_lab.validation import Rule, validate_chain
from pki_lab.validation.facts import Facts
from pki_lab.validation.mldsa import FORBIDDEN_BITS, SIGNATURE_BITS, ml_dsa_problem

RELEASE = tuple(int(p) for p in cryptography.__version__.split(".")[:2])
needs_x509 = pytest.mark.skipif(RELEASE < (49, 0), reason="ML-DSA certificates need cryptography 49.0 or newer "
                                "(48's X.509 builders refuse ML-DSA keys)")
BITS = ("digital_signature", "content_commitment", "key_encipherment", "data_encipherment", "key_agreement",
        "key_cert_sign", "crl_sign", "encipher_only", "decipher_only")


def _combinations():
    for values in itertools.product((False, True), repeat=len(BITS)):
        bits = dict(zip(BITS, values, strict=True))
        if (bits["encipher_only"] or bits["decipher_only"]) and not bits["key_agreement"]:
            continue  # RFC 5280 4.2.1.3: undefined without keyAgreement (cryptography refuses to build it)
        yield bits


def _certificate(public_key, usage: x509.KeyUsage) -> x509.Certificate:
    name = make_name("Usage table")
    return (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(public_key).serial_number(1)
            .not_valid_before(clock.LAB_EPOCH).not_valid_after(clock.LAB_EPOCH)
            .add_extension(usage, critical=True).sign(named_key("usage-table-ca"), hashes.SHA256()))


@needs_x509
def test_every_key_usage_combination_is_judged_as_rfc9881_section_5_says():
    """All 2^9 keyUsage bit sets (those RFC 5280 defines): an ML-DSA certificate passes exactly when at least one of
    the four signature bits is set and none of the five others; a P-256 certificate is never judged by this rule."""
    ml_dsa, ec_key = named_key("usage-table", "ml-dsa-44").public_key(), named_key("usage-table").public_key()
    allowed = {a for a, _ in SIGNATURE_BITS}
    forbidden = {a for a, _ in FORBIDDEN_BITS}
    assert allowed | forbidden == set(BITS) and not allowed & forbidden
    seen = 0
    for bits in _combinations():
        usage = x509.KeyUsage(**bits)
        verdict = ml_dsa_problem(_certificate(ml_dsa, usage), Facts())
        on = {b for b, v in bits.items() if v}
        assert (verdict is None) is (bool(on & allowed) and not on & forbidden), bits
        if verdict is not None:
            assert verdict[0] == "RFC 9881 5"
        assert ml_dsa_problem(_certificate(ec_key, usage), Facts()) is None
        seen += 1
    assert seen == 2 ** 6 + 2 ** 6 * 4  # six free bits; keyAgreement adds encipherOnly and decipherOnly (x4)


@needs_x509
@settings(max_examples=40, deadline=None)
@given(st.binary(min_size=2420, max_size=2420))
def test_any_ml_dsa_signature_bytes_stay_a_closed_leaf_of_the_der_tree(signature):
    """Whatever 2,420 bytes an ML-DSA-44 signature holds (a third start with 0x30 here), the tree never reads them
    as DER; the TBS keeps its field paths."""
    if signature[0] % 3 == 0:
        signature = b"\x30\x82\x09\x70\x04\x82\x09\x6c" + signature[8:]  # one that parses as DER from end to end
    tbs, algorithm, _ = children(_ML_DSA_CERT)
    tree = parse(sequence(tbs, algorithm, bit_string(signature)))
    assert tree.kind == "certificate"
    node = tree.find("signatureValue")
    assert not node.children and node.length == 2421
    assert tree.find("tbsCertificate.subjectPublicKeyInfo.algorithm.algorithm").value.endswith("(ML-DSA-44)")


def _ml_dsa_certificate() -> bytes:
    if RELEASE < (49, 0):
        return b""
    name = make_name("Random signature")
    key = named_key("random-signature", "ml-dsa-44")
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(7).not_valid_before(clock.LAB_EPOCH).not_valid_after(clock.LAB_EPOCH).sign(key, None))
    return cert.public_bytes(serialization.Encoding.DER)


_ML_DSA_CERT = _ml_dsa_certificate()


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=600))
def test_the_parameters_check_answers_any_bytes(data):
    """Never an exception: a sentence or None, whatever comes in (it runs before a loader's own checks)."""
    answer = ml_dsa_parameters_problem(data)
    assert answer is None or answer.endswith("(its AlgorithmIdentifier is the OID alone)")


@settings(max_examples=100, deadline=None)
@given(st.sampled_from(KEY_KINDS + ("ml-kem-768", "ml-kem-1024")),
       st.lists(st.sampled_from(["upper", "dashless", "underscore", "space"]), max_size=3))
def test_any_spelling_of_a_kind_names_the_same_kind(kind, changes):
    spelled = kind
    for change in changes:
        spelled = {"upper": spelled.upper(), "dashless": spelled.replace("-", ""),
                   "underscore": spelled.replace("-", "_"), "space": f" {spelled} "}[change]
    assert canonical_kind(spelled) == kind, spelled
    assert canonical_kind(canonical_kind(spelled)) == canonical_kind(spelled)


_KINDS = ("ec", "p384", "ed25519", "rsa", "ml-dsa-44", "ml-dsa-65", "ml-dsa-87")


@needs_x509
@settings(max_examples=25, deadline=None)
@given(st.tuples(st.sampled_from(_KINDS), st.sampled_from(_KINDS), st.sampled_from(_KINDS)),
       st.integers(min_value=1, max_value=40), st.sampled_from([0x01, 0x80]))
def test_any_mix_of_algorithms_validates_and_any_flipped_signature_bit_fails(kinds, back, mask):
    """root -> intermediate -> leaf with any three key kinds: valid under RFC 5280; a bit flipped near the end of
    the leaf (inside its signature, whatever the algorithm) fails rfc5280-signature."""
    with clock.travel_to(clock.LAB_EPOCH):
        root = CertificateAuthority.create_root("Mix Root " + "-".join(kinds), key_kind=kinds[0])
        issuing = root.create_intermediate("Mix Issuing " + "-".join(kinds), key_kind=kinds[1])
        leaf = issuing.issue("mix.example.com", profile="server", key_kind=kinds[2])
    args = dict(intermediates=[issuing.certificate], trust=[root.certificate], at=clock.LAB_EPOCH,
                name="mix.example.com", profile="rfc5280")
    report = validate_chain(leaf, **args)
    assert report.ok, report.reason
    der = bytearray(to_der(leaf))
    der[-back] ^= mask
    broken = validate_chain(load_certificate(bytes(der)), **args)
    assert not broken.ok and broken.failure.rule is Rule.SIGNATURE
