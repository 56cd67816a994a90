"""Enrollment: roles kept apart, the issuance policy's rules, each rejection with its readable reason."""

import copy
import pickle

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

from pki_lab.ca import CertificateAuthority
from pki_lab.enrollment import (
    Administrator,
    Device,
    EventLog,
    IssuancePolicy,
    IssuingService,
    alter_csr_subject,
    plot_sequence,
    requested_names,
    seeded_rsa_key,
)
from pki_lab.errors import ParameterError, PolicyError, WrongTypeError
from pki_lab.keys import KEY_KINDS, named_key, verify_bytes

NAME = "sensor-17.devices.example.com"


@pytest.fixture(scope="module")
def issuing():
    return CertificateAuthority.create_root("Enrollment Root").create_intermediate("Enrollment Issuing CA")


@pytest.fixture
def setup(issuing):
    log = EventLog()
    notified = []
    service = IssuingService(issuing, IssuancePolicy(), log=log, notify=[notified.append])
    return log, service, Administrator(log=log), notified


def _csr_for(name, key):
    return Device.with_key(name, key).create_csr()


def test_the_seed_sequence_runs_and_is_logged_in_order(setup):
    log, service, admin, notified = setup
    device = Device(NAME, log=log)
    admin.request_key(device)
    csr = admin.request_csr(device)
    decision = admin.submit(csr, service)
    assert decision.approved and notified == [decision]
    cert = admin.retrieve(service, decision)
    admin.install(device, cert)
    assert device.certificate == cert
    assert cert.public_key() == device.public_key
    actions = [(e.sender, e.receiver, e.action.split(" (")[0]) for e in log.events]
    assert actions == [
        ("Administrator", NAME, "requests key pair creation"),
        (NAME, NAME, "generates key pair #1"),
        ("Administrator", NAME, "requests a CSR for the public key"),
        (NAME, NAME, "signs a CSR with its private key"),
        ("Administrator", "CA", "sends the CSR"),
        ("CA", "CA", "validates the request: all checks pass"),
        ("CA", "CA", "creates and signs the certificate"),
        ("CA", "Administrator", "notification of issuance"),
        ("Administrator", "CA", "requests certificate for request #1"),
        ("CA", "Administrator", "returns the certificate"),
        ("Administrator", NAME, "installs the certificate"),
        (NAME, NAME, "checks the certificate matches its key and installs it"),
    ]
    assert log.participants == ("Administrator", NAME, "CA")


def test_the_same_device_name_gives_the_same_key_every_run():
    a, b = Device(NAME), Device(NAME)
    assert a.generate_key() == b.generate_key()
    assert a.generate_key() != b.public_key, "a second generation is a new key"
    assert a.key_generation == 2


def test_the_private_key_cannot_be_read_out_of_the_device():
    device = Device(NAME)
    device.generate_key()
    private_types = (ec.EllipticCurvePrivateKey, rsa.RSAPrivateKey, ed25519.Ed25519PrivateKey)
    for attribute in dir(device):
        value = getattr(device, attribute)
        assert not isinstance(value, private_types), f"attribute {attribute} exposes the private key"
    with pytest.raises(PolicyError, match="cannot be pickled or copied: its private key never leaves it"):
        pickle.dumps(device)
    with pytest.raises(PolicyError, match="never leaves it"):
        copy.deepcopy(device)
    with pytest.raises(AttributeError):
        device.private_key = named_key("x")  # __slots__: no new attributes either
    # what it can do with the key: sign, and the signature verifies with its public key
    signature = device.sign(b"challenge")
    device.public_key.verify(signature, b"challenge", ec.ECDSA(hashes.SHA256()))


def test_a_p384_device_signs_with_sha384_like_its_certificate():
    """A P-384 key's signatures use SHA-384 (the vault once hashed them with SHA-256)."""
    device = Device("p384.devices.example.com", key_kind="p384")
    device.generate_key()
    signature = device.sign(b"challenge")
    assert verify_bytes(device.public_key, signature, b"challenge")
    assert verify_bytes(device.public_key, signature, b"challenge", hashes.SHA384())
    assert not verify_bytes(device.public_key, signature, b"challenge", hashes.SHA256())


REJECTIONS = [
    pytest.param(
        lambda: alter_csr_subject(_csr_for(NAME, named_key("d1")), "sensor-17", "sensor-99"),
        "proof-of-possession",
        "The CSR's signature does not verify with the public key inside it, so the requester has not proven it "
        "holds the private key (or the CSR was changed after it was signed).",
        id="pop-bad-csr-signature"),
    pytest.param(
        lambda: _csr_for("www.bank.example", named_key("d2")),
        "allowed-names",
        "The name(s) 'www.bank.example' are not allowed by this CA, which only issues for *.devices.example.com.",
        id="names-forbidden-domain"),
    pytest.param(
        lambda: _csr_for("a.b.devices.example.com", named_key("d3")),
        "allowed-names",
        "The name(s) 'a.b.devices.example.com' are not allowed by this CA, which only issues for "
        "*.devices.example.com.",
        id="names-wildcard-matches-one-label-only"),
    pytest.param(
        lambda: _csr_for(NAME, seeded_rsa_key(1024)),
        "key-strength",
        "The request's RSA key has 1024 bits; this CA needs at least 2048 bits (generate a new key of 2048 bits "
        "or more).",
        id="key-weak-rsa-1024"),
    pytest.param(
        lambda: _csr_for(NAME, ec.derive_private_key(12345, ec.SECP256K1())),
        "key-strength",
        "The request's key is on the curve secp256k1, which this CA does not support; use one of P-256, P-384, "
        "P-521.",
        id="key-unsupported-curve"),
    pytest.param(
        lambda: _csr_with_ca_flag(NAME, named_key("d4")),
        "requested-extensions",
        "The request asks for basicConstraints (basicConstraints CA:TRUE asks for a CA certificate, which this CA "
        "never issues); this CA sets those itself and accepts only subjectAltName in a request.",
        id="extensions-asks-for-ca"),
]


def _csr_with_ca_flag(name, key):
    from pki_lab.ca import sign_with
    from pki_lab.names import make_name, make_san

    builder = (x509.CertificateSigningRequestBuilder().subject_name(make_name(name))
               .add_extension(make_san([name]), critical=False)
               .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True))
    return sign_with(builder, key)


@pytest.mark.parametrize(("make", "rule", "reason"), REJECTIONS)
def test_each_rejection_names_its_rule_and_reason(setup, make, rule, reason):
    log, service, admin, notified = setup
    decision = admin.submit(make(), service)
    assert not decision.approved and decision.certificate is None
    assert decision.failed_rules == (rule,)
    assert decision.reasons == (reason,)
    assert notified == []
    assert log.events[-1].action == "rejection with reasons"
    with pytest.raises(PolicyError) as info:
        admin.retrieve(service, decision)
    assert str(info.value) == f"Request #{decision.request_id} for {decision.subject!r} is rejected: {reason}"


def test_several_failures_are_all_reported(setup):
    _, service, admin, _ = setup
    decision = admin.submit(_csr_for("www.bank.example", seeded_rsa_key(1024, seed=3)), service)
    assert decision.failed_rules == ("key-strength", "allowed-names")
    assert "REJECTED" in str(decision) and "FAIL key-strength" in str(decision)


@pytest.mark.parametrize("kind", KEY_KINDS)
def test_strong_keys_of_every_kind_are_accepted(setup, kind):
    _, service, admin, _ = setup
    key = named_key("device", kind) if kind.startswith("rsa") else named_key(f"k-{kind}", kind)
    decision = admin.submit(_csr_for(NAME, key), service)
    assert decision.approved, decision


def test_policy_options_change_the_verdict(issuing):
    strict = IssuingService(issuing, IssuancePolicy(allow_ed25519=False, min_rsa_bits=3072))
    assert strict.handle(_csr_for(NAME, named_key("e", "ed25519"))).failed_rules == ("key-strength",)
    assert strict.handle(_csr_for(NAME, named_key("device", "rsa"))).reasons == (
        "The request's RSA key has 2048 bits; this CA needs at least 3072 bits (generate a new key of 3072 bits "
        "or more).",)
    factory = IssuingService(issuing, IssuancePolicy(allowed_names=("*.factory.example", "gw-??.example")))
    assert factory.handle(_csr_for("gw-01.example", named_key("g"))).approved
    assert not factory.handle(_csr_for("gw-001.example", named_key("g"))).approved


def test_the_issued_certificate_carries_the_requested_names_and_profile(setup):
    _, service, admin, _ = setup
    device = Device(NAME, names=[NAME, "sensor-17-alt.devices.example.com"])
    admin.request_key(device)
    decision = admin.submit(admin.request_csr(device), service)
    cert = decision.certificate
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert san.get_values_for_type(x509.DNSName) == [NAME, "sensor-17-alt.devices.example.com"]
    assert cert.issuer == service.ca.name
    assert (cert.not_valid_after_utc - cert.not_valid_before_utc).days == 365
    assert requested_names(admin.request_csr(device)) == (NAME, "sensor-17-alt.devices.example.com")


def test_a_device_refuses_a_certificate_for_another_key(setup, issuing):
    _, service, admin, _ = setup
    device = Device(NAME)
    device.generate_key()
    other = issuing.issue(NAME, profile="device", key=named_key("someone-else"))
    with pytest.raises(PolicyError, match="certifies a different public key than the one"):
        device.install(other)
    assert device.certificate is None


def test_readable_errors_for_misuse(issuing):
    with pytest.raises(ParameterError, match="has no key pair yet; call generate_key"):
        Device(NAME).create_csr()
    with pytest.raises(ParameterError, match="non-empty name"):
        Device("")
    with pytest.raises(WrongTypeError, match="must be a CertificateAuthority"):
        IssuingService("ca")
    with pytest.raises(WrongTypeError, match="Expected a CSR"):
        IssuancePolicy().evaluate(issuing.certificate)
    with pytest.raises(WrongTypeError, match="hook must be callable"):
        IssuingService(issuing).on_issue("mail")
    with pytest.raises(ParameterError, match="same length"):
        alter_csr_subject(_csr_for(NAME, named_key("d1")), "sensor", "x")
    with pytest.raises(ParameterError, match="does not occur"):
        alter_csr_subject(_csr_for(NAME, named_key("d1")), "zzzz", "yyyy")
    with pytest.raises(ParameterError, match="even number"):
        seeded_rsa_key(1023)


def test_seeded_rsa_key_is_deterministic_and_real():
    a, b = seeded_rsa_key(1024, seed=5), seeded_rsa_key(1024, seed=5)
    assert a.private_numbers() == b.private_numbers()
    assert a.key_size == 1024
    assert seeded_rsa_key(1024, seed=6).public_key() != a.public_key()


def test_decision_is_frozen_and_plot_draws_the_log(setup):
    import dataclasses

    import matplotlib

    matplotlib.use("Agg")
    log, service, admin, _ = setup
    device = Device(NAME, log=log)
    admin.request_key(device)
    decision = admin.submit(admin.request_csr(device), service)
    with pytest.raises(dataclasses.FrozenInstanceError):
        decision.certificate = None
    ax = plot_sequence(log)
    labels = [t.get_text() for t in ax.texts]
    assert "1. requests key pair creation" in labels and "Administrator" in labels
    with pytest.raises(WrongTypeError):
        plot_sequence([])
