import datetime as dt
import shutil
import subprocess

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509 import verification as v
from cryptography.x509.oid import ExtendedKeyUsageOID

from pki_lab import clock
from pki_lab.ca import CertificateAuthority, demo_hierarchy, make_csr
from pki_lab.errors import ParameterError, PolicyError, WrongTypeError
from pki_lab.keys import named_key

from .conftest import run_python


def _verify(h, at, name="www.example.com"):
    store = v.Store(h.trust_anchors)
    verifier = v.PolicyBuilder().store(store).time(at).build_server_verifier(v.DNSName(name))
    return verifier.verify(h.leaf, [h.intermediate.certificate])


@pytest.mark.parametrize("key_kind", ["ec", "p384", "rsa"])
def test_demo_chain_verifies_with_cryptography_at_lab_time(key_kind):
    h = demo_hierarchy(key_kind=key_kind)
    path = _verify(h, clock.now())
    assert [c.subject for c in path] == [h.leaf.subject, h.intermediate.name, h.root.name]


def test_ed25519_chain_signatures_verify_but_the_web_pki_forbids_the_algorithm():
    h = demo_hierarchy(key_kind="ed25519")
    h.leaf.verify_directly_issued_by(h.intermediate.certificate)
    h.intermediate.certificate.verify_directly_issued_by(h.root.certificate)
    # The CA/Browser Forum Baseline Requirements (7.1.3) allow only RSA and ECDSA P-256/384/521.
    with pytest.raises(v.VerificationError, match="Forbidden public key algorithm"):
        _verify(h, clock.now())


def test_demo_chain_fails_after_the_leaf_expires(hierarchy):
    with pytest.raises(v.VerificationError):
        _verify(hierarchy, hierarchy.leaf.not_valid_after_utc + dt.timedelta(seconds=1))


def test_demo_chain_fails_for_another_host_name(hierarchy):
    with pytest.raises(v.VerificationError):
        _verify(hierarchy, clock.now(), name="evil.example.com")


@pytest.mark.skipif(shutil.which("openssl") is None, reason="the openssl command-line tool is not installed")
def test_demo_chain_verifies_with_openssl(hierarchy, tmp_path):
    pem = lambda c: c.public_bytes(serialization.Encoding.PEM)
    (tmp_path / "root.pem").write_bytes(pem(hierarchy.root.certificate))
    (tmp_path / "inter.pem").write_bytes(pem(hierarchy.intermediate.certificate))
    (tmp_path / "leaf.pem").write_bytes(pem(hierarchy.leaf))

    def openssl_verify(at):
        cmd = ["openssl", "verify", "-attime", str(int(at.timestamp())), "-CAfile", "root.pem",
               "-untrusted", "inter.pem", "-verify_hostname", "www.example.com", "-purpose", "sslserver", "leaf.pem"]
        return subprocess.run(cmd, cwd=tmp_path, capture_output=True, text=True)

    ok = openssl_verify(clock.now())
    assert ok.returncode == 0, ok.stdout + ok.stderr
    bad = openssl_verify(hierarchy.leaf.not_valid_after_utc + dt.timedelta(days=1))
    assert bad.returncode != 0 and "certificate has expired" in (bad.stdout + bad.stderr)


def test_same_calls_give_the_same_certificate_bytes_in_another_process(hierarchy):
    code = (
        "from pki_lab.ca import demo_hierarchy\n"
        "from cryptography.hazmat.primitives.serialization import Encoding\n"
        "h = demo_hierarchy()\n"
        "for c in (h.root.certificate, h.intermediate.certificate, h.leaf):\n"
        "    print(c.public_bytes(Encoding.DER).hex())\n"
    )
    here = [c.public_bytes(serialization.Encoding.DER).hex()
            for c in (hierarchy.root.certificate, hierarchy.intermediate.certificate, hierarchy.leaf)]
    assert run_python(code).split() == here


def _ext(cert, cls):
    return cert.extensions.get_extension_for_class(cls)


def test_root_profile(hierarchy):
    root = hierarchy.root.certificate
    assert root.issuer == root.subject
    bc = _ext(root, x509.BasicConstraints)
    assert bc.critical and bc.value.ca and bc.value.path_length is None
    ku = _ext(root, x509.KeyUsage)
    assert ku.critical and ku.value.key_cert_sign and ku.value.crl_sign and not ku.value.digital_signature
    root.verify_directly_issued_by(root)


def test_intermediate_profile(hierarchy):
    inter = hierarchy.intermediate.certificate
    assert _ext(inter, x509.BasicConstraints).value.path_length == 0
    aki = _ext(inter, x509.AuthorityKeyIdentifier).value.key_identifier
    assert aki == _ext(hierarchy.root.certificate, x509.SubjectKeyIdentifier).value.digest
    inter.verify_directly_issued_by(hierarchy.root.certificate)


@pytest.mark.parametrize("profile, eku", [
    ("server", ExtendedKeyUsageOID.SERVER_AUTH),
    ("client", ExtendedKeyUsageOID.CLIENT_AUTH),
    ("device", ExtendedKeyUsageOID.CLIENT_AUTH),
])
def test_leaf_profiles(hierarchy, profile, eku):
    cert = hierarchy.intermediate.issue(f"{profile}-1.example.com", profile=profile,
                                        names=[f"{profile}-1.example.com"])
    assert _ext(cert, x509.BasicConstraints).value.ca is False
    ku = _ext(cert, x509.KeyUsage).value
    assert ku.digital_signature and not ku.key_cert_sign and not ku.key_encipherment
    assert list(_ext(cert, x509.ExtendedKeyUsage).value) == [eku]
    assert _ext(cert, x509.SubjectKeyIdentifier).value == x509.SubjectKeyIdentifier.from_public_key(cert.public_key())
    cert.verify_directly_issued_by(hierarchy.intermediate.certificate)


def test_rsa_server_certificate_allows_key_encipherment(hierarchy):
    cert = hierarchy.intermediate.issue("rsa.example.com", key=named_key("server", "rsa"))
    assert _ext(cert, x509.KeyUsage).value.key_encipherment


def test_validity_comes_from_the_lab_clock(hierarchy):
    with clock.travel(days=30):
        cert = hierarchy.intermediate.issue("later.example.com", days=10)
    assert cert.not_valid_before_utc == clock.now() + dt.timedelta(days=30)
    assert cert.not_valid_after_utc - cert.not_valid_before_utc == dt.timedelta(days=10)


def test_serials_differ_for_each_issuance_and_are_positive_and_short(hierarchy):
    ca = hierarchy.intermediate
    serials = {ca.issue("same.example.com").serial_number for _ in range(5)}
    assert len(serials) == 5
    assert all(0 < s < 2**159 for s in serials)


def test_issue_from_csr_keeps_the_requested_names_and_key(hierarchy):
    key = named_key("device-42")
    csr = make_csr(key, "device-42", names=["device-42.example.com"])
    cert = hierarchy.intermediate.issue(csr, profile="device")
    assert cert.public_key() == key.public_key()
    assert cert.subject.rfc4514_string() == "CN=device-42"
    san = _ext(cert, x509.SubjectAlternativeName).value
    assert san.get_values_for_type(x509.DNSName) == ["device-42.example.com"]


def test_csr_with_a_bad_signature_is_refused(hierarchy):
    csr = make_csr(named_key("device-1"), "device-1")
    der = bytearray(csr.public_bytes(serialization.Encoding.DER))
    der[-5] ^= 0x01  # inside the signature
    forged = x509.load_der_x509_csr(bytes(der))
    with pytest.raises(PolicyError, match="signature does not verify.*refuses to issue"):
        hierarchy.intermediate.issue(forged, profile="device")


def test_issue_for_a_bare_public_key_needs_names(hierarchy):
    pub = named_key("bare").public_key()
    with pytest.raises(ParameterError, match="give `names`"):
        hierarchy.intermediate.issue(pub)
    cert = hierarchy.intermediate.issue(pub, names=["bare.example.com"])
    assert len(cert.subject) == 0
    assert _ext(cert, x509.SubjectAlternativeName).critical  # RFC 5280 4.2.1.6


def test_ip_addresses_in_san(hierarchy):
    cert = hierarchy.intermediate.issue("printer", names=["printer.example.com", "192.0.2.7"])
    san = _ext(cert, x509.SubjectAlternativeName).value
    assert [str(ip) for ip in san.get_values_for_type(x509.IPAddress)] == ["192.0.2.7"]


@pytest.mark.parametrize("kwargs, message", [
    ({"profile": "webserver"}, "Unknown profile 'webserver'"),
    ({"days": -1}, "positive number of days"),
    ({"days": 0}, "positive number of days"),
])
def test_impossible_parameters_are_refused(hierarchy, kwargs, message):
    with pytest.raises(ParameterError, match=message):
        hierarchy.intermediate.issue("x.example.com", **kwargs)


def test_negative_path_length_is_refused():
    with pytest.raises(ParameterError, match="path_length"):
        CertificateAuthority.create_root("Bad Root", path_length=-1)


def test_ca_refuses_a_key_that_does_not_match_its_certificate(hierarchy):
    with pytest.raises(ParameterError, match="does not belong"):
        CertificateAuthority(hierarchy.root.certificate, named_key("someone else"))
    with pytest.raises(WrongTypeError):
        CertificateAuthority(b"not a cert", named_key("x"))


def test_chain_and_root_navigation(hierarchy):
    assert hierarchy.intermediate.chain == [hierarchy.intermediate.certificate, hierarchy.root.certificate]
    assert hierarchy.intermediate.root is hierarchy.root
    assert hierarchy.chain == [hierarchy.leaf, hierarchy.intermediate.certificate]
    assert repr(hierarchy) == "Hierarchy: PKI Lab Root CA -> PKI Lab Issuing CA -> www.example.com"


def test_cross_signed_ca_has_the_other_ca_name_and_key(hierarchy):
    old_root = CertificateAuthority.create_root("Old Root CA")
    cross = old_root.cross_sign(hierarchy.root)
    assert cross.subject == hierarchy.root.name and cross.issuer == old_root.name
    assert cross.public_key() == hierarchy.root.public_key
    cross.verify_directly_issued_by(old_root.certificate)
    # The issuing CA's certificate now chains to the old root as well.
    store = v.Store([old_root.certificate])
    verifier = v.PolicyBuilder().store(store).time(clock.now()).build_server_verifier(v.DNSName("www.example.com"))
    path = verifier.verify(hierarchy.leaf, [hierarchy.intermediate.certificate, cross])
    assert path[-1] == old_root.certificate


def test_extra_extensions_on_a_ca(hierarchy):
    nc = x509.NameConstraints(permitted_subtrees=[x509.DNSName("example.com")], excluded_subtrees=None)
    ca = hierarchy.root.create_intermediate("Constrained CA", extensions=[(nc, True)])
    ext = _ext(ca.certificate, x509.NameConstraints)
    assert ext.critical and ext.value == nc

