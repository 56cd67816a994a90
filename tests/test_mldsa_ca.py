"""The lab CA with ML-DSA keys: certificates, CSRs, CRLs and OCSP responses, and how describe() and the DER
explorer show them without printing anything that changes from run to run (ML-DSA signatures are hedged)."""

from __future__ import annotations

import os
import subprocess
import sys

import cryptography
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from pki_lab import clock
from pki_lab.ca import PROFILES, CertificateAuthority, Profile, demo_hierarchy, make_csr
from pki_lab.describe import describe, describe_crl, describe_csr, extension_table, thumbprint
from pki_lab.enrollment import Administrator, Device, IssuancePolicy, IssuingService
from pki_lab.errors import PolicyError, WrongTypeError
from pki_lab.keys import ML_DSA_SIZES, named_key, verify_bytes
from pki_lab.loading import to_der, to_pem, tree_of
from pki_lab.revocation import OcspResponder, RevocationRegistry, build_crl
from pki_lab.revocation.ocsp import build_request, verify_response
from pki_lab.tamper import signature_verifies, tamper
from pki_lab.validation import Rule, validate_chain
from pki_lab.widgets.der import der_explorer, node_options

RELEASE = tuple(int(p) for p in cryptography.__version__.split(".")[:2])
pytestmark = pytest.mark.skipif(RELEASE < (49, 0), reason="ML-DSA certificates need cryptography 49.0 or newer "
                                "(48's X.509 builders refuse ML-DSA keys)")
LEVELS = ("ml-dsa-44", "ml-dsa-65", "ml-dsa-87")
HOST = "www.example.com"


def _level(kind: str) -> str:
    return "ML-DSA-" + kind[-2:]


@pytest.mark.parametrize("kind", LEVELS)
def test_an_ml_dsa_hierarchy_has_signature_only_key_usages(kind):
    h = demo_hierarchy(key_kind=kind, prefix=f"KU {kind}")
    for ca in (h.root.certificate, h.intermediate.certificate):
        ku = ca.extensions.get_extension_for_class(x509.KeyUsage).value
        assert ku.key_cert_sign and ku.crl_sign and not (ku.digital_signature or ku.key_encipherment)
    ku = h.leaf.extensions.get_extension_for_class(x509.KeyUsage).value
    assert ku.digital_signature and not (ku.key_encipherment or ku.data_encipherment or ku.key_agreement)
    h.leaf.verify_directly_issued_by(h.intermediate.certificate)
    h.intermediate.certificate.verify_directly_issued_by(h.root.certificate)
    assert len(h.leaf.signature) == ML_DSA_SIZES[_level(kind)][1]


def test_the_same_issuance_gives_the_same_fields_and_a_different_signature():
    """Hedged ML-DSA: two runs of the same calls give equal TBS bytes (fields, serial, keys) and other signatures."""
    first = demo_hierarchy(key_kind="ml-dsa-65", prefix="Twice")
    second = demo_hierarchy(key_kind="ml-dsa-65", prefix="Twice")
    assert first.leaf.tbs_certificate_bytes == second.leaf.tbs_certificate_bytes
    assert first.leaf.signature != second.leaf.signature
    assert thumbprint(first.leaf) != thumbprint(second.leaf)
    assert str(describe(first.leaf)) == str(describe(second.leaf))  # what a notebook prints does not change


def test_the_ca_refuses_an_encryption_key_usage_for_an_ml_dsa_key():
    root = CertificateAuthority.create_root("Refusing CA", key_kind="ml-dsa-65")
    encrypting = Profile("encrypting", False, False, (), 30, key_usage=x509.KeyUsage(
        digital_signature=True, content_commitment=False, key_encipherment=True, data_encipherment=False,
        key_agreement=False, key_cert_sign=False, crl_sign=False, encipher_only=False, decipher_only=False))
    with pytest.raises(PolicyError, match=r"An ML-DSA-44 key can only sign, so its certificate's keyUsage may not "
                                          r"assert keyEncipherment \(RFC 9881 section 5"):
        root.issue("enc.example.com", profile=encrypting, key_kind="ml-dsa-44")
    # the same profile for an RSA key is the lab's business as before
    assert root.issue("enc.example.com", profile=encrypting, key_kind="rsa").extensions.get_extension_for_class(
        x509.KeyUsage).value.key_encipherment


def test_an_rsa_leaf_keeps_key_encipherment_and_an_ml_dsa_leaf_never_gets_it():
    root = CertificateAuthority.create_root("KE CA", key_kind="ml-dsa-44")
    rsa_leaf = root.issue(HOST, key_kind="rsa")
    ml_leaf = root.issue(HOST, key_kind="ml-dsa-44")
    assert rsa_leaf.extensions.get_extension_for_class(x509.KeyUsage).value.key_encipherment
    assert not ml_leaf.extensions.get_extension_for_class(x509.KeyUsage).value.key_encipherment


def test_a_key_that_cannot_be_certified_gets_a_sentence():
    root = CertificateAuthority.create_root("KEM CA")
    with pytest.raises(WrongTypeError, match="an ML-KEM-768 key encapsulates shared secrets, and certificates"):
        root.issue(HOST, key=named_key("kem", "ml-kem-768").public_key(), names=[HOST])


@pytest.mark.parametrize("kind", LEVELS)
def test_an_ml_dsa_csr_proves_possession_and_is_issued(kind):
    csr = make_csr(named_key("device-9", kind), "device-9.devices.example.com",
                   names=["device-9.devices.example.com"])
    assert csr.is_signature_valid
    rows = dict((f, v) for f, v, _ in describe_csr(csr).rows)
    size = ML_DSA_SIZES[_level(kind)][0]
    assert rows["Subject public key"] == f"{_level(kind)} ({size:,}-byte public key)"
    assert rows["Signature algorithm"] == _level(kind) and rows["Signature valid"] == "yes"
    issuing = demo_hierarchy(key_kind=kind, prefix=f"CSR {kind}").intermediate
    cert = issuing.issue(csr, profile="device")
    assert cert.public_key() == csr.public_key()


def test_the_issuing_service_accepts_ml_dsa_requests_unless_its_policy_says_otherwise():
    issuing = demo_hierarchy(prefix="Service").intermediate
    csr = make_csr(named_key("device-3", "ml-dsa-65"), "device-3.devices.example.com",
                   names=["device-3.devices.example.com"])
    assert IssuingService(issuing).handle(csr).approved
    strict = IssuingService(issuing, IssuancePolicy(ml_dsa_levels=("ML-DSA-87",)))
    decision = strict.handle(csr)
    assert decision.failed_rules == ("key-strength",)
    assert "The request's key type (ML-DSA-65) is not accepted by this CA" in str(decision)


def test_a_crl_signed_by_an_ml_dsa_ca_revokes_in_the_validator():
    """ML-DSA-65 root -> ML-DSA-65 issuing CA -> leaf; the issuing CA's CRL (RFC 9881 covers CRLs too) revokes it,
    the root's CRL clears the issuing CA; the twin CRL without the leaf leaves the chain valid."""
    with clock.travel_to(clock.LAB_EPOCH):
        h = demo_hierarchy(key_kind="ml-dsa-65", prefix="CRL")
        crl = build_crl(h.intermediate, revoked=[h.leaf])
        clean = build_crl(h.intermediate, number=2)
        root_crl = build_crl(h.root)
    assert crl.is_signature_valid(h.intermediate.public_key)
    assert crl.signature_algorithm_oid.dotted_string == "2.16.840.1.101.3.4.3.18"
    assert dict((f, v) for f, v, _ in describe_crl(crl).rows)["Signature algorithm"] == "ML-DSA-65"
    args = dict(intermediates=[h.intermediate.certificate], trust=h.trust_anchors, at=clock.LAB_EPOCH, name=HOST,
                profile="rfc5280", revocation="require")
    revoked = validate_chain(h.leaf, crls=[root_crl, crl], **args)
    assert not revoked.ok and revoked.failure.rule is Rule.REVOCATION and revoked.failure.position == "leaf"
    assert validate_chain(h.leaf, crls=[root_crl, clean], **args).ok


@pytest.mark.parametrize("delegated", [False, True])
def test_an_ocsp_response_signed_by_an_ml_dsa_ca_verifies(delegated):
    with clock.travel_to(clock.LAB_EPOCH):
        h = demo_hierarchy(key_kind="ml-dsa-44", prefix=f"OCSP {delegated}")
        registry = RevocationRegistry(h.intermediate)
        other = h.intermediate.issue("revoked.example.com")
        registry.revoke(other, "keyCompromise")
        responder = OcspResponder(registry, delegated=delegated)
        good = verify_response(responder.respond(build_request(h.leaf, h.intermediate)), h.leaf, h.intermediate)
        bad = verify_response(responder.respond(build_request(other, h.intermediate)), other, h.intermediate)
    assert good.status == "good", good.reason
    assert bad.status == "revoked" and bad.revocation_reason == "keyCompromise"


def test_describe_shows_sizes_and_never_the_randomised_bytes():
    h = demo_hierarchy(key_kind="ml-dsa-65", prefix="Describe")
    text = str(describe(h.leaf))
    rows = {f: v for f, v, _ in describe(h.leaf).rows}
    assert rows["Signature algorithm"] == "ML-DSA-65"
    assert rows["Subject public key"].startswith("ML-DSA-65 (1,952-byte public key), SPKI SHA-256 ")
    assert rows["Signature"] == "3,309 bytes (ML-DSA-65; randomised, so its bytes are not shown)"
    assert rows["SHA-256 thumbprint"].startswith("(not shown: ML-DSA-65 signatures are randomised")
    assert thumbprint(h.leaf) not in text and h.leaf.signature[:4].hex(":").upper() not in text
    assert str(describe(h.leaf)) == str(describe(h.leaf))


def test_describe_of_a_classical_certificate_is_unchanged_under_an_ml_dsa_ca():
    """An ECDSA-signed certificate still shows its signature and thumbprints (only ML-DSA signatures vary)."""
    root = CertificateAuthority.create_root("Classic CA")
    rows = {f: v for f, v, _ in describe(root.issue(HOST)).rows}
    assert rows["SHA-256 thumbprint"] != "" and not rows["SHA-256 thumbprint"].startswith("(not shown")
    assert rows["Signature"].count(":") >= 7


def test_extension_offsets_of_an_ml_dsa_certificate_do_not_depend_on_the_signature():
    first = demo_hierarchy(key_kind="ml-dsa-87", prefix="Offsets").leaf
    second = demo_hierarchy(key_kind="ml-dsa-87", prefix="Offsets").leaf
    assert str(extension_table(first)) == str(extension_table(second))


@pytest.mark.parametrize("kind", LEVELS)
def test_the_der_tree_names_the_ml_dsa_fields(kind):
    h = demo_hierarchy(key_kind=kind, prefix=f"DER {kind}")
    tree = tree_of(h.leaf)
    level = _level(kind)
    assert tree.find("tbsCertificate.signature.algorithm").value.endswith(f"({level})")
    assert tree.find("signatureAlgorithm.algorithm").value.endswith(f"({level})")
    assert tree.find("tbsCertificate.subjectPublicKeyInfo.algorithm.algorithm").value.endswith(f"({level})")
    key_node = tree.find("tbsCertificate.subjectPublicKeyInfo.subjectPublicKey")
    assert key_node.length == 1 + ML_DSA_SIZES[level][0] and not key_node.children  # raw key bytes, not DER
    signature = tree.find("signatureValue")
    assert signature.length == 1 + ML_DSA_SIZES[level][1] and not signature.children
    assert [label for label, _ in node_options(tree)]  # the explorer lists it


def test_the_der_tree_never_opens_an_ml_dsa_signature_even_when_it_starts_like_der():
    """A random ML-DSA signature starts with 0x30 one time in 256: the tree must not read it as ECDSA's (r, s)."""
    h = demo_hierarchy(key_kind="ml-dsa-44", prefix="Opened")
    der = bytearray(to_der(h.leaf))
    start = len(der) - ML_DSA_SIZES["ML-DSA-44"][1]
    # SEQUENCE (2,416 bytes) { OCTET STRING (2,412 bytes) }: the whole signature parses as DER
    der[start:start + 8] = b"\x30\x82\x09\x70\x04\x82\x09\x6c"
    cert = x509.load_der_x509_certificate(bytes(der))
    assert len(cert.signature) == 2420 and cert.signature[:2] == b"\x30\x82"
    tree = tree_of(cert)
    assert not tree.find("signatureValue").children


def test_pem_export_and_reload_of_an_ml_dsa_certificate():
    cert = demo_hierarchy(key_kind="ml-dsa-65", prefix="PEM").leaf
    pem = cert.public_bytes(serialization.Encoding.PEM)
    assert x509.load_pem_x509_certificate(pem) == cert


def test_profiles_for_ml_dsa_cas_are_the_classical_ones():
    """The root and intermediate profiles already satisfy RFC 9881 5 (keyCertSign, cRLSign): nothing to change."""
    assert PROFILES["root"].key_usage is None and PROFILES["intermediate"].key_usage is None


def _cli(*args: object) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pki_lab", *map(str, args)], capture_output=True, text=True,
                          timeout=120, env=os.environ | {"PKI_LAB_PROGRESS": "off"}, check=False)


def test_pki_lab_inspect_describes_an_ml_dsa_certificate(tmp_path):
    """``pki-lab inspect`` on a PEM file the lab wrote: the ML-DSA rows, and no randomised bytes printed."""
    h = demo_hierarchy(key_kind="ml-dsa-65", prefix="Inspect")
    (tmp_path / "leaf.pem").write_text(to_pem(h.leaf))
    result = _cli("inspect", tmp_path / "leaf.pem")
    assert result.returncode == 0, result.stderr
    assert "Signature algorithm                ML-DSA-65" in result.stdout
    assert "ML-DSA-65 (1,952-byte public key), SPKI SHA-256 " in result.stdout
    assert "3,309 bytes (ML-DSA-65; randomised, so its bytes are not shown)" in result.stdout
    assert thumbprint(h.leaf) not in result.stdout
    tree = _cli("inspect", "--tree", tmp_path / "leaf.pem")
    assert tree.returncode == 0 and "signatureAlgorithm.algorithm" in tree.stdout and "(ML-DSA-65)" in tree.stdout


def test_pki_lab_verify_validates_an_ml_dsa_chain_under_rfc5280_and_refuses_it_under_the_web_pki(tmp_path):
    with clock.travel_to(clock.LAB_EPOCH):
        h = demo_hierarchy(key_kind="ml-dsa-44", prefix="Verify")
    (tmp_path / "leaf.pem").write_text(to_pem(h.leaf))
    (tmp_path / "ca.pem").write_text(to_pem(h.intermediate.certificate))
    (tmp_path / "root.pem").write_text(to_pem(h.root.certificate))
    common = ("verify", tmp_path / "leaf.pem", "--untrusted", tmp_path / "ca.pem", "--trust", tmp_path / "root.pem",
              "--name", HOST, "--at", clock.LAB_EPOCH.isoformat())
    valid = _cli(*common, "--profile", "rfc5280")
    assert valid.returncode == 0 and "VALID" in valid.stdout and "[RFC 9881 5]" in valid.stdout, valid.stdout
    refused = _cli(*common)
    assert refused.returncode == 1 and "Its key type (ML-DSA-44) is not allowed" in refused.stdout


def test_the_der_explorer_and_the_tamper_lab_work_on_an_ml_dsa_certificate():
    """Flip a byte of the subject's ML-DSA key (inside the TBS, so the same byte every run): the signature of the
    ML-DSA issuer no longer verifies; the untouched certificate verifies. The widget's text form is stable."""
    h = demo_hierarchy(key_kind="ml-dsa-65", prefix="Tamper lab")
    der = to_der(h.leaf)
    key_node = tree_of(h.leaf).find("tbsCertificate.subjectPublicKeyInfo.subjectPublicKey")
    report = tamper(der, key_node.content_offset + 10, issuer=h.intermediate.certificate)
    assert "subjectPublicKeyInfo.subjectPublicKey" in str(report) and report.signature_valid is False
    assert signature_verifies(h.leaf, h.intermediate.public_key)
    assert not signature_verifies(h.leaf, named_key("someone", "ml-dsa-65").public_key())
    again = demo_hierarchy(key_kind="ml-dsa-65", prefix="Tamper lab").leaf
    assert str(der_explorer(h.leaf)) == str(der_explorer(again))


def test_enrollment_with_separated_roles_for_an_ml_dsa_device():
    """Chapter 06's eight steps with an ML-DSA-44 device under an ML-DSA-65 CA: the device's key never leaves it,
    its CSR proves possession, the certificate it installs matches its key, and its signatures verify."""
    h = demo_hierarchy(key_kind="ml-dsa-65", prefix="Enrol")
    service = IssuingService(h.intermediate)
    device = Device("sensor-1.devices.example.com", key_kind="ml-dsa-44")
    admin = Administrator()
    admin.request_key(device)
    decision = admin.submit(admin.request_csr(device), service)
    assert decision.approved, decision
    cert = admin.retrieve(service, decision)
    admin.install(device, cert)
    assert cert.public_key() == device.public_key and cert.signature_algorithm_oid.dotted_string.endswith(".18")
    assert verify_bytes(cert.public_key(), device.sign(b"challenge"), b"challenge")
    assert "ML-DSA-44" in repr(device)
