"""The chapter 04 validator on ML-DSA certificates (RFC 9881), pure and mixed chains, and their failure twins.

Every chain here is issued by the lab CA at the lab clock's instant. ML-DSA signatures are hedged, so the tests
check verdicts, rules and sentences, never signature bytes or thumbprints. The Web PKI profile refuses ML-DSA
keys (the Baseline Requirements allow RSA and ECDSA only, as of 2026-03-15), so chains are judged under
``profile="rfc5280"`` unless a test is about that refusal.
"""

from __future__ import annotations

import cryptography
import pytest
from cryptography import x509

from pki_lab import clock
from pki_lab.ca import CertificateAuthority, make_csr
from pki_lab.der.encode import bit_string, children, null, oid, sequence
from pki_lab.der.paths import ml_dsa_parameters_problem
from pki_lab.errors import MalformedInputError
from pki_lab.keys import named_key, sign_bytes
from pki_lab.loading import load_certificate, load_crl, load_csr, to_der
from pki_lab.revocation import build_crl
from pki_lab.validation import Rule, validate_chain
from pki_lab.validation.building import signature_problem
from pki_lab.validation.compare import verify_with_cryptography
from pki_lab.validation.facts import Facts
from pki_lab.validation.mldsa import certificate_level, ml_dsa_problem

RELEASE = tuple(int(p) for p in cryptography.__version__.split(".")[:2])
pytestmark = pytest.mark.skipif(RELEASE < (49, 0), reason="ML-DSA certificates need cryptography 49.0 or newer "
                                "(48's X.509 builders refuse ML-DSA keys)")

HOST = "pq.example.com"
LEVELS = ("ml-dsa-44", "ml-dsa-65", "ml-dsa-87")
OID_OF = {"ML-DSA-44": "2.16.840.1.101.3.4.3.17", "ML-DSA-65": "2.16.840.1.101.3.4.3.18",
          "ML-DSA-87": "2.16.840.1.101.3.4.3.19"}


def _chain(root_kind: str, intermediate_kind: str, leaf_kind: str, prefix: str = "PQ"):
    """root -> intermediate -> leaf (for HOST), each with its own kind of key, at the lab epoch."""
    with clock.travel_to(clock.LAB_EPOCH):
        root = CertificateAuthority.create_root(f"{prefix} Root CA", key_kind=root_kind)
        issuing = root.create_intermediate(f"{prefix} Issuing CA", key_kind=intermediate_kind)
        leaf = issuing.issue(HOST, profile="server", key_kind=leaf_kind)
    return root, issuing, leaf


def _validate(leaf, issuing, root, **kwargs):
    args = dict(intermediates=[issuing.certificate], trust=[root.certificate], at=clock.LAB_EPOCH, name=HOST,
                profile="rfc5280") | kwargs
    return validate_chain(leaf, **args)


def _resigned(tbs_fields: list[bytes], algorithm_identifier: bytes, key) -> bytes:
    """The DER of a certificate: the TBS fields, ``algorithm_identifier`` as signatureAlgorithm, ``key``'s signature."""
    tbs = sequence(*tbs_fields)
    return sequence(tbs, algorithm_identifier, bit_string(sign_bytes(key, tbs)))


# --- valid chains -----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("kind", LEVELS)
def test_ml_dsa_chain_of_each_level_is_valid(kind):
    """root (ML-DSA) -> intermediate (ML-DSA) -> leaf (ML-DSA), one level throughout: valid, every step explained."""
    root, issuing, leaf = _chain(kind, kind, kind)
    report = _validate(leaf, issuing, root)
    assert report.ok, report.reason
    level = "ML-DSA-" + kind[-2:]
    signature_steps = [s for s in report.steps if s.rule is Rule.SIGNATURE]
    assert [s.ok for s in signature_steps] == [True, True]
    ml_dsa_steps = [s for s in report.steps if s.rule is Rule.ML_DSA]
    assert {s.position for s in ml_dsa_steps} == {"leaf", "intermediate 1", "trust anchor"}
    assert all(s.ok and s.section == "RFC 9881 5" and s.sentence.startswith(f"Its key is {level}, and")
               for s in ml_dsa_steps)
    assert leaf.signature_algorithm_oid.dotted_string == OID_OF[level]


@pytest.mark.parametrize("kinds", [("ml-dsa-65", "ec", "ec"), ("ec", "ec", "ml-dsa-44"), ("ec", "ml-dsa-65", "p384"),
                                   ("ml-dsa-87", "rsa3072", "ml-dsa-44"), ("ed25519", "ml-dsa-44", "rsa")],
                         ids="-".join)
def test_mixed_chains_validate_both_ways(kinds):
    """ML-DSA root over an ECDSA intermediate, an ECDSA CA over an ML-DSA leaf, and more: the signature step
    checks each link with its issuer's algorithm; the RFC 9881 step appears for the ML-DSA certificates only."""
    root, issuing, leaf = _chain(*kinds, prefix="Mixed " + "-".join(kinds))
    report = _validate(leaf, issuing, root)
    assert report.ok, report.reason
    positions = {"trust anchor": kinds[0], "intermediate 1": kinds[1], "leaf": kinds[2]}
    expected = {p for p, k in positions.items() if k.startswith("ml-dsa")}
    assert {s.position for s in report.steps if s.rule is Rule.ML_DSA} == expected


def test_a_classical_chain_gets_no_ml_dsa_step():
    root, issuing, leaf = _chain("ec", "ec", "ec", prefix="Classic")
    report = _validate(leaf, issuing, root)
    assert report.ok and not any(s.rule is Rule.ML_DSA for s in report.steps)


def test_the_web_pki_profile_refuses_ml_dsa_keys_with_the_br_sentence():
    """The Baseline Requirements (6.1.5, 7.1.3.1) allow RSA and ECDSA keys only: the anchor's key fails first."""
    root, issuing, leaf = _chain("ml-dsa-65", "ml-dsa-65", "ml-dsa-65", prefix="Web")
    report = _validate(leaf, issuing, root, profile="webpki")
    assert not report.ok and report.failure.rule is Rule.KEY
    assert report.failure.sentence == ("Its key type (ML-DSA-65) is not allowed for TLS server certificates: the "
                                       "Baseline Requirements allow only RSA and ECDSA keys (as of 2026-03-15).")
    assert any(s.rule is Rule.SIGNATURE_ALGORITHM and not s.ok and "signed with ML-DSA-65" in s.sentence
               for s in report.steps)


# --- failure twins ----------------------------------------------------------------------------------------------

def test_a_tampered_ml_dsa_signature_fails_the_signature_step():
    """root -> intermediate -> leaf (ML-DSA-65), one bit of the leaf's signature flipped: rfc5280-signature."""
    root, issuing, leaf = _chain("ml-dsa-65", "ml-dsa-65", "ml-dsa-65", prefix="Tamper")
    der = bytearray(to_der(leaf))
    der[-100] ^= 0x01  # inside the signature BIT STRING, the last element of the certificate
    report = _validate(load_certificate(bytes(der)), issuing, root)
    assert not report.ok and report.failure.rule is Rule.SIGNATURE
    assert "the signature does not verify with the issuer's public key" in report.failure.sentence


def test_an_ml_dsa_44_signature_is_not_checked_with_an_ml_dsa_65_key():
    """leaf signed by an ML-DSA-44 CA; the issuer presented has the same name and an ML-DSA-65 key."""
    with clock.travel_to(clock.LAB_EPOCH):
        real = CertificateAuthority.create_root("Level CA", key_kind="ml-dsa-44")
        impostor = CertificateAuthority.create_root("Level CA", key_kind="ml-dsa-65")
        leaf = real.issue(HOST, profile="server", key_kind="ec")
    assert signature_problem(leaf, impostor.certificate) == (
        "the signature cannot be checked (the signature algorithm is ML-DSA-44, but the issuer's key is ML-DSA-65; "
        "each ML-DSA level has its own identifier (RFC 9881 section 2))")
    assert signature_problem(leaf, real.certificate) is None
    report = validate_chain(leaf, trust=[impostor.certificate], at=clock.LAB_EPOCH, name=HOST, profile="rfc5280")
    assert not report.ok
    twin = validate_chain(leaf, trust=[real.certificate], at=clock.LAB_EPOCH, name=HOST, profile="rfc5280")
    assert twin.ok, twin.reason


def test_an_ml_dsa_44_signature_relabelled_as_ml_dsa_65_does_not_verify():
    """The identifiers say ML-DSA-65 (the issuer's level) but the signature was made by an ML-DSA-44 key."""
    with clock.travel_to(clock.LAB_EPOCH):
        ca = CertificateAuthority.create_root("Relabel CA", key_kind="ml-dsa-65")
        leaf = ca.issue(HOST, profile="server")
    fields = children(leaf.tbs_certificate_bytes)
    forged = load_certificate(_resigned(fields, sequence(oid(OID_OF["ML-DSA-65"])), named_key("x", "ml-dsa-44")))
    assert signature_problem(forged, ca.certificate) == "the signature does not verify with the issuer's public key"
    report = validate_chain(forged, trust=[ca.certificate], at=clock.LAB_EPOCH, name=HOST, profile="rfc5280")
    assert not report.ok


def _with_null_parameters(cert: x509.Certificate, key, *, spki: bool = False, signature: bool = False,
                          outer: bool = False) -> bytes:
    """``cert``'s DER with NULL parameters added to its ML-DSA identifiers (RFC 9881 2 says absent), re-signed."""
    level_oid = oid(cert.signature_algorithm_oid.dotted_string)
    with_null = sequence(level_oid, null())
    fields = children(cert.tbs_certificate_bytes)
    if signature:
        fields[2] = with_null
    if spki:
        algorithm, public_key = children(fields[6])
        fields[6] = sequence(sequence(children(algorithm)[0], null()), public_key)
    tbs = sequence(*fields)
    return sequence(tbs, with_null if outer else sequence(level_oid), bit_string(sign_bytes(key, tbs)))


@pytest.mark.parametrize("where, field", [
    ({"spki": True}, "tbsCertificate.subjectPublicKeyInfo.algorithm"),
    ({"signature": True, "outer": True}, "tbsCertificate.signature"),
    ({"outer": True}, "signatureAlgorithm"),
])
def test_rfc9881_null_parameters_make_a_certificate_malformed(where, field):
    """An ML-DSA AlgorithmIdentifier with NULL parameters: refused at the door (cryptography cannot load it), and
    the DER reader says which field; its twin, the same certificate with the parameters absent, loads and is valid."""
    root, issuing, leaf = _chain("ml-dsa-65", "ml-dsa-65", "ml-dsa-65", prefix="Null")
    bad = _with_null_parameters(leaf, issuing.private_key, **where)
    assert ml_dsa_parameters_problem(bad) == (f"{field} names ML-DSA-65 with parameters, which RFC 9881 section 2 "
                                              "says must be absent (its AlgorithmIdentifier is the OID alone)")
    with pytest.raises(MalformedInputError):
        load_certificate(bad)
    with pytest.raises(MalformedInputError):
        validate_chain(bad, [issuing.certificate], [root.certificate], at=clock.LAB_EPOCH, profile="rfc5280")
    good = _with_null_parameters(leaf, issuing.private_key)
    assert ml_dsa_parameters_problem(good) is None
    assert _validate(load_certificate(good), issuing, root).ok


def _leaf_with_key_usage(issuing: CertificateAuthority, subject_key, usage: x509.KeyUsage) -> x509.Certificate:
    """An ML-DSA leaf with the given keyUsage, built with cryptography's builder (the lab CA refuses bad bits)."""
    with clock.travel_to(clock.LAB_EPOCH):
        template = issuing.issue(HOST, profile="server", key=subject_key)
    builder = (x509.CertificateBuilder().subject_name(template.subject).issuer_name(template.issuer)
               .public_key(template.public_key()).serial_number(template.serial_number)
               .not_valid_before(template.not_valid_before_utc).not_valid_after(template.not_valid_after_utc))
    for ext in template.extensions:
        builder = builder.add_extension(usage if isinstance(ext.value, x509.KeyUsage) else ext.value, ext.critical)
    return builder.sign(issuing.private_key, None)


def _usage(**bits) -> x509.KeyUsage:
    names = ("digital_signature", "content_commitment", "key_encipherment", "data_encipherment", "key_agreement",
             "key_cert_sign", "crl_sign", "encipher_only", "decipher_only")
    return x509.KeyUsage(**{n: bits.get(n, False) for n in names})


def test_rfc9881_key_usage_encipherment_fails_and_twin():
    """ML-DSA-65 CA -> ML-DSA-44 leaf whose keyUsage says digitalSignature + keyEncipherment: rfc9881-ml-dsa fails
    first; the twin with digitalSignature alone is valid."""
    root, issuing, _ = _chain("ml-dsa-65", "ml-dsa-65", "ml-dsa-44", prefix="Usage")
    key = named_key("usage-leaf", "ml-dsa-44")
    bad = _leaf_with_key_usage(issuing, key, _usage(digital_signature=True, key_encipherment=True))
    report = _validate(bad, issuing, root)
    assert not report.ok and report.failure.rule is Rule.ML_DSA and report.failure.position == "leaf"
    assert report.failure.sentence == (
        "Its key is ML-DSA-44, which can only sign, yet its keyUsage asserts keyEncipherment (RFC 9881 allows only "
        "digitalSignature, nonRepudiation, keyCertSign and cRLSign).")
    twin = _leaf_with_key_usage(issuing, key, _usage(digital_signature=True))
    assert _validate(twin, issuing, root).ok


@pytest.mark.parametrize("bits, named", [({"key_agreement": True, "encipher_only": True}, "keyAgreement, encipherOnly"),
                                         ({"digital_signature": True, "data_encipherment": True}, "dataEncipherment")])
def test_rfc9881_every_forbidden_bit_is_named(bits, named):
    root, issuing, _ = _chain("ml-dsa-44", "ml-dsa-44", "ml-dsa-44", prefix="Bits")
    cert = _leaf_with_key_usage(issuing, named_key("bits-leaf", "ml-dsa-44"), _usage(**bits))
    section, sentence = ml_dsa_problem(cert, Facts())
    assert section == "RFC 9881 5" and f"its keyUsage asserts {named} (" in sentence


def test_rfc9881_a_key_usage_without_a_signature_bit_fails():
    root, issuing, _ = _chain("ml-dsa-44", "ml-dsa-44", "ml-dsa-44", prefix="Empty")
    cert = _leaf_with_key_usage(issuing, named_key("empty-leaf", "ml-dsa-44"), _usage())
    assert ml_dsa_problem(cert, Facts()) == ("RFC 9881 5", "its key is ML-DSA-44, and its keyUsage asserts none of "
                                             "digitalSignature, nonRepudiation, keyCertSign and cRLSign, one of which "
                                             "RFC 9881 requires")


def test_rfc9881_applies_to_the_certificate_s_own_key_not_its_issuer_s():
    """An ECDSA leaf under an ML-DSA CA may say keyAgreement (an EC key may agree keys): RFC 9881 does not govern it."""
    root, issuing, leaf = _chain("ml-dsa-65", "ml-dsa-65", "ec", prefix="Own")
    assert certificate_level(leaf) is None and certificate_level(issuing.certificate) == "ML-DSA-65"
    assert ml_dsa_problem(leaf, Facts()) is None


# --- pyca/cryptography's own verifier ---------------------------------------------------------------------------

@pytest.mark.parametrize("kinds", [("ml-dsa-65",) * 3, ("ml-dsa-44", "ec", "ec"), ("ec", "ml-dsa-65", "ec"),
                                   ("ec", "ec", "ml-dsa-87")], ids="-".join)
def test_cryptography_s_verifier_on_ml_dsa_chains(kinds):
    """pyca/cryptography's Rust verifier (its Web PKI profile): 50.0 verifies ML-DSA chains (50.0.0 and 50.0.2
    tried); 49.0 accepts an ML-DSA leaf under classical CAs but refuses a chain whose CA key is ML-DSA
    ("Forbidden public key algorithm"). The lab validator, under RFC 5280, finds every one valid."""
    root, issuing, leaf = _chain(*kinds, prefix="Peer " + "-".join(kinds))
    result = verify_with_cryptography(leaf, [issuing.certificate], [root.certificate], clock.LAB_EPOCH, name=HOST)
    ml_dsa_ca = any(kind.startswith("ml-dsa") for kind in kinds[:2])
    assert result.ok is (RELEASE >= (50, 0) or not ml_dsa_ca), result.error
    if result.ok:
        assert result.path == (leaf, issuing.certificate, root.certificate)
    assert _validate(leaf, issuing, root).ok


def test_rfc9881_null_parameters_in_a_crl_and_a_csr_are_named_too():
    """The same rule for the CRL an ML-DSA CA signs and the CSR an ML-DSA key signs (RFC 9881 2 covers both);
    cryptography will not load either, so the loaders must refuse them."""
    root, issuing, _ = _chain("ml-dsa-44", "ml-dsa-44", "ml-dsa-44", prefix="Null CRL")
    with clock.travel_to(clock.LAB_EPOCH):
        crl = to_der(build_crl(issuing))
    csr = to_der(make_csr(named_key("null-csr", "ml-dsa-44"), "null-csr"))
    with_null = sequence(oid(OID_OF["ML-DSA-44"]), null())
    outer = children(crl)
    tbs = children(outer[0])
    tbs[1] = with_null  # after the version
    bad_crl = sequence(sequence(*tbs), outer[1], outer[2])
    outer = children(csr)
    info = children(outer[0])
    info[2] = sequence(with_null, children(info[2])[1])
    bad_csr = sequence(sequence(*info), outer[1], outer[2])
    assert ml_dsa_parameters_problem(crl) is None and ml_dsa_parameters_problem(csr) is None
    assert ml_dsa_parameters_problem(bad_crl).startswith("tbsCertList.signature names ML-DSA-44 with parameters")
    assert ml_dsa_parameters_problem(bad_csr).startswith(
        "certificationRequestInfo.subjectPKInfo.algorithm names ML-DSA-44 with parameters")
    with pytest.raises(MalformedInputError):
        load_crl(bad_crl)
    with pytest.raises(MalformedInputError):
        load_csr(bad_csr)
