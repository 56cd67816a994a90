"""CA-side revocation: the registry, the CRLs it publishes, status checks on them, and the large-CRL index."""

from __future__ import annotations

import datetime as _dt
import shutil
import subprocess

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from pki_lab import clock
from pki_lab.ca import CertificateAuthority, demo_hierarchy, sign_with
from pki_lab.errors import ParameterError, PolicyError, WrongTypeError
from pki_lab.keys import named_key
from pki_lab.loading import to_pem
from pki_lab.revocation import (
    REASONS,
    CrlIndex,
    Revocation,
    RevocationRegistry,
    build_crl,
    crl_size_table,
    crl_status,
    synthetic_crl,
)

DAY = _dt.timedelta(days=1)


@pytest.fixture()
def lab():
    h = demo_hierarchy()
    other = h.intermediate.issue("mail.example.com")
    return h, other, RevocationRegistry(h.intermediate)


# -- the registry ------------------------------------------------------------------------------------------


def test_revoke_records_serial_lab_clock_date_and_reason(lab):
    h, _, registry = lab
    with clock.travel(days=3):
        record = registry.revoke(h.leaf, "keyCompromise")
    assert record == Revocation(h.leaf.serial_number, clock.now() + 3 * DAY, "keyCompromise", "CN=www.example.com")
    assert registry.is_revoked(h.leaf) is record and registry.is_revoked(12345) is None
    assert "because of keyCompromise" in record.sentence()


@pytest.mark.parametrize(("target", "reason", "error", "message"), [
    ("other-ca", "keyCompromise", PolicyError, "only its own issuer can revoke it"),
    ("leaf", "stolen", ParameterError, "Unknown revocation reason 'stolen'"),
    ("leaf", "removeFromCRL", ParameterError, "Unknown revocation reason"),
    ("text", "unspecified", WrongTypeError, "certificate or a positive serial number"),
    (-5, "unspecified", WrongTypeError, "certificate or a positive serial number"),
], ids=["rfc5280-only-the-issuer-revokes", "rfc5280-5.3.1-unknown-reason", "rfc5280-5.3.1-remove-is-delta-only",
        "wrong-type", "negative-serial"])
def test_revoke_refuses_with_a_sentence(lab, target, reason, error, message):
    h, _, registry = lab
    cert = {"other-ca": h.root.certificate, "leaf": h.leaf}.get(target, target)
    with pytest.raises(error, match=message):
        registry.revoke(cert, reason)


def test_a_revocation_is_recorded_once(lab):
    h, _, registry = lab
    registry.revoke(h.leaf, "superseded")
    with pytest.raises(PolicyError, match="already revoked"):
        registry.revoke(h.leaf, "keyCompromise")


def test_every_rfc5280_reason_is_accepted_by_name_and_flag(lab):
    h, _, registry = lab
    for i, (name, flag) in enumerate(REASONS.items(), start=1):
        assert registry.revoke(i, flag if i % 2 else name).reason == name
    assert len(registry.revocations) == 9


# -- publishing CRLs ----------------------------------------------------------------------------------------


def test_published_crl_has_number_dates_aki_entries_and_a_valid_signature(lab):
    h, other, registry = lab
    registry.revoke(h.leaf, "keyCompromise")
    registry.revoke(other, "unspecified")
    first = registry.publish_crl()
    with clock.travel(days=1):
        second = registry.publish_crl(days=4)
    assert first.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number == 1
    assert second.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number == 2
    assert registry.crl_number == 2
    assert first.last_update_utc == clock.now() and first.next_update_utc == clock.now() + 7 * DAY
    assert second.next_update_utc - second.last_update_utc == 4 * DAY
    ski = h.intermediate.certificate.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    assert first.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier).value.key_identifier == ski.digest
    assert first.issuer == h.intermediate.name
    assert first.is_signature_valid(h.intermediate.public_key)
    assert not first.is_signature_valid(h.root.public_key)
    reasons = {}
    for entry in first:
        try:
            reasons[entry.serial_number] = entry.extensions.get_extension_for_class(x509.CRLReason).value.reason.value
        except x509.ExtensionNotFound:
            reasons[entry.serial_number] = None  # RFC 5280 5.3.1: unspecified SHOULD be absent
    assert reasons == {h.leaf.serial_number: "keyCompromise", other.serial_number: None}


def test_publishing_is_deterministic(lab):
    h, _, registry = lab
    registry.revoke(h.leaf, "keyCompromise")
    again = RevocationRegistry(h.intermediate)
    again.revoke(h.leaf, "keyCompromise")
    assert to_pem(registry.publish_crl()) == to_pem(again.publish_crl())


def _oracle(ca, revoked=(), *, number=1, this_update=None, days=7, extensions=(), include_number=True):
    """The same CRL through cryptography's CertificateRevocationListBuilder: the test oracle for build_crl."""
    start = (this_update or clock.now()).replace(microsecond=0)
    builder = (x509.CertificateRevocationListBuilder().issuer_name(ca.name).last_update(start)
               .next_update(start + _dt.timedelta(days=days)))
    entries = []
    for item in revoked:
        if isinstance(item, Revocation):
            entries.append((item.serial, item.date, item.reason))
            continue
        target, reason = item if isinstance(item, tuple) else (item, None)
        reason = "unspecified" if reason is None else getattr(reason, "value", reason)  # a name or a ReasonFlags
        entries.append((getattr(target, "serial_number", target), start, reason))
    for serial, when, reason in sorted(entries):
        entry = x509.RevokedCertificateBuilder().serial_number(serial).revocation_date(when)
        if reason != "unspecified":
            entry = entry.add_extension(x509.CRLReason(x509.ReasonFlags(reason)), critical=False)
        builder = builder.add_revoked_certificate(entry.build())
    try:
        ski = ca.certificate.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
        builder = builder.add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski), False)
    except x509.ExtensionNotFound:
        pass
    if include_number:
        builder = builder.add_extension(x509.CRLNumber(number), critical=False)
    for ext, critical in extensions:
        builder = builder.add_extension(ext, critical=critical)
    return sign_with(builder, ca.private_key)


@pytest.mark.parametrize("count", [0, 1, 3, 200])
def test_direct_der_encoding_equals_cryptography_builder(lab, count):
    """build_crl writes DER itself; cryptography's builder must give the same TBS bytes."""
    h, _, _ = lab
    reasons = ["keyCompromise", "unspecified", "superseded", "cACompromise"]
    revs = [Revocation(1000 + 37 * i ** 3, clock.now() - i * DAY, reasons[i % 4]) for i in range(count)]
    ours = build_crl(h.intermediate, revs, number=5)
    assert ours.tbs_certlist_bytes == _oracle(h.intermediate, revs, number=5).tbs_certlist_bytes
    assert ours.is_signature_valid(h.intermediate.public_key)


_IDP = x509.IssuingDistributionPoint(
    full_name=[x509.UniformResourceIdentifier("http://crl.example.com/leaf.crl")], relative_name=None,
    only_contains_user_certs=True, only_contains_ca_certs=False, only_some_reasons=None, indirect_crl=False,
    only_contains_attribute_certs=False)
_ODD = x509.UnrecognizedExtension(x509.ObjectIdentifier("1.3.6.1.4.1.55555.1"), b"\x05\x00")


@pytest.mark.parametrize(("revoked", "options"), [
    ("certs", {}),
    ("serials", {"number": 1 << 70}),
    ("pairs", {"days": 1.5, "this_update": _dt.datetime(2027, 1, 2, 3, 4, 5, 678, tzinfo=_dt.UTC)}),
    ("pairs", {"this_update": _dt.datetime(2050, 6, 1, tzinfo=_dt.UTC), "days": 30}),
    ("certs", {"extensions": [(_IDP, True)]}),
    ("pairs", {"extensions": [(_ODD, True), (x509.DeltaCRLIndicator(3), True)]}),
    ("none", {"include_number": False}),
    ("every-reason", {"number": 0}),
], ids=["certificates", "serials-big-number", "pairs-days-microseconds", "rfc5280-5.1.2.4-generalized-2050",
        "rfc5280-5.2.5-idp", "critical-unknown-and-delta", "rfc5280-5.2.3-no-number", "rfc5280-5.3.1-every-reason"])
def test_build_crl_options_equal_the_cryptography_oracle(lab, revoked, options):
    h, other, _ = lab
    inputs = {
        "certs": [h.leaf, other],
        "serials": [7, 1 << 100, 3],
        "pairs": [(h.leaf, "keyCompromise"), (other.serial_number, None), (99, x509.ReasonFlags.superseded)],
        "none": [],
        "every-reason": [(i + 1, reason) for i, reason in enumerate(REASONS)],
    }[revoked]
    ours = build_crl(h.intermediate, inputs, **options)
    assert ours.tbs_certlist_bytes == _oracle(h.intermediate, inputs, **options).tbs_certlist_bytes
    assert ours.is_signature_valid(h.intermediate.public_key)


@pytest.mark.parametrize("kind", ["ec", "p384", "rsa", "ed25519"])
def test_build_crl_names_the_signature_algorithm_of_every_key_kind(kind):
    """The AlgorithmIdentifier in the TBSCertList matches cryptography's for each key (SHA-384 for P-384)."""
    h = demo_hierarchy(key_kind=kind, prefix=f"Oracle {kind}")
    revoked = [(h.leaf, "keyCompromise")]
    ours = build_crl(h.intermediate, revoked)
    theirs = _oracle(h.intermediate, revoked)
    assert ours.tbs_certlist_bytes == theirs.tbs_certlist_bytes
    assert ours.signature_algorithm_oid == theirs.signature_algorithm_oid
    assert ours.is_signature_valid(h.intermediate.public_key)
    assert to_pem(ours) == to_pem(build_crl(h.intermediate, revoked))  # deterministic, even for ECDSA


def test_build_crl_refuses_bad_input_with_a_sentence(lab):
    h, _, _ = lab
    with pytest.raises(ParameterError, match="Unknown revocation reason 'stolen'; choose one of: unspecified"):
        build_crl(h.intermediate, revoked=[(h.leaf, "stolen")])
    with pytest.raises(ParameterError, match="Unknown revocation reason 'removeFromCRL'"):
        build_crl(h.intermediate, revoked=[(h.leaf, x509.ReasonFlags.remove_from_crl)])
    with pytest.raises(WrongTypeError, match="A revoked entry must be a certificate or a serial number"):
        build_crl(h.intermediate, revoked=["12"])
    with pytest.raises(ParameterError, match="`days` must be a positive number of days, not True"):
        build_crl(h.intermediate, days=True)


def test_build_crl_uses_generalized_time_from_2050(lab):
    h, _, _ = lab
    later = _dt.datetime(2051, 1, 2, 3, 4, 5, tzinfo=_dt.UTC)
    crl = build_crl(h.intermediate, [Revocation(77, later, "superseded")], number=1)
    assert b"\x18\x0f20510102030405Z" in crl.tbs_certlist_bytes
    assert crl.get_revoked_certificate_by_serial_number(77).revocation_date_utc == later
    with pytest.raises(ParameterError, match="positive number of days"):
        build_crl(h.intermediate, [], number=1, days=0)


# -- status on top of check_crl ---------------------------------------------------------------------------


def _ca_without_crl_sign(name: str) -> CertificateAuthority:
    key = named_key(name)
    subject = x509.Name.from_rfc4514_string(f"CN={name}")
    ku = x509.KeyUsage(digital_signature=False, content_commitment=False, key_encipherment=False,
                       data_encipherment=False, key_agreement=False, key_cert_sign=True, crl_sign=False,
                       encipher_only=False, decipher_only=False)
    builder = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
               .serial_number(1).not_valid_before(clock.now()).not_valid_after(clock.now() + 365 * DAY)
               .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
               .add_extension(ku, critical=True)
               .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False))
    return CertificateAuthority(sign_with(builder, key), key)


def test_status_good_then_revoked_with_date_and_reason(lab):
    h, other, registry = lab
    assert crl_status(h.leaf, h.intermediate, registry.publish_crl()).status == "good"
    with clock.travel(days=2):
        registry.revoke(h.leaf, "keyCompromise")
        crl = registry.publish_crl()
        check = crl_status(h.leaf, h.intermediate.certificate, crl)
        assert crl_status(other, h.intermediate, crl).status == "good"
    assert check.status == "revoked" and check.revocation_reason == "keyCompromise"
    assert check.revocation_date == clock.now() + 2 * DAY


def test_status_unknown_for_a_stale_crl(lab):
    h, _, registry = lab
    crl = registry.publish_crl()
    with clock.travel(days=8):
        check = crl_status(h.leaf, h.intermediate, crl)
    assert check.status == "unknown" and "stale" in check.reason


def test_status_unknown_for_a_crl_signed_by_an_impostor_with_the_same_name(lab):
    h, _, _ = lab
    impostor = CertificateAuthority.create_root("PKI Lab Issuing CA", key="mallory")
    forged = RevocationRegistry(impostor).publish_crl()
    assert forged.issuer == h.intermediate.name
    check = crl_status(h.leaf, h.intermediate, forged)
    assert check.status == "unknown" and "signature does not verify" in check.reason


def test_status_unknown_when_the_issuer_may_not_sign_crls():
    ca = _ca_without_crl_sign("No CRL Sign CA")
    leaf = ca.issue("www.example.net")
    registry = RevocationRegistry(ca)
    registry.revoke(leaf, "keyCompromise")
    check = crl_status(leaf, ca, registry.publish_crl())
    assert check.status == "unknown" and "cRLSign" in check.reason


# -- the large-CRL index -----------------------------------------------------------------------------------


def test_index_agrees_with_a_linear_scan_for_hits_and_misses(lab):
    h, _, _ = lab
    crl, serials = synthetic_crl(h.intermediate, 1000, seed=3)
    index = CrlIndex(crl)
    assert len(index) == 1000 and len(set(serials)) == 1000
    for serial in serials[:50] + [1, 2, serials[0] + 2]:
        entry, found = crl.get_revoked_certificate_by_serial_number(serial), index.lookup(serial)
        assert (entry is None) == (found is None)
        if entry is not None:
            assert found.date == entry.revocation_date_utc
    assert index.lookup(serials[0]).reason == "keyCompromise" and index.lookup(serials[3]).reason is None
    with pytest.raises(WrongTypeError, match="needs a CRL"):
        CrlIndex(h.leaf)


def test_index_finds_a_certificate(lab):
    h, _, registry = lab
    registry.revoke(h.leaf, "cessationOfOperation")
    index = CrlIndex(registry.publish_crl())
    assert h.leaf.serial_number in index and index.lookup(h.leaf).reason == "cessationOfOperation"


def test_crl_size_grows_linearly_with_revocations(lab):
    h, _, _ = lab
    table = crl_size_table(h.intermediate, [0, 100, 200, 400])
    sizes = [size for _, size in table]
    assert sizes == sorted(sizes)
    per_entry = (sizes[3] - sizes[1]) / 300
    assert 25 < per_entry < 50 and abs((sizes[2] - sizes[1]) / 100 - per_entry) < 2
    with pytest.raises(ParameterError, match="whole number >= 0"):
        synthetic_crl(h.intermediate, -1)


# -- interop with the openssl command line ------------------------------------------------------------------

OPENSSL = shutil.which("openssl")


@pytest.mark.skipif(OPENSSL is None, reason="the openssl command-line tool is not installed")
@pytest.mark.parametrize("kind", ["ec", "p384", "rsa", "ed25519"])
def test_openssl_crl_verifies_every_kind_of_lab_crl(tmp_path, kind):
    h = demo_hierarchy(key_kind=kind, prefix=f"Interop {kind}")
    registry = RevocationRegistry(h.intermediate)
    registry.revoke(h.leaf, "keyCompromise")
    registry.revoke(424242, "superseded")
    crls = {"registry": registry.publish_crl(), "large": synthetic_crl(h.intermediate, 2000)[0]}
    (tmp_path / "ca.pem").write_text(to_pem(h.intermediate.certificate))
    for name, crl in crls.items():
        path = tmp_path / f"{name}.der"
        path.write_bytes(crl.public_bytes(serialization.Encoding.DER))
        result = subprocess.run([OPENSSL, "crl", "-inform", "DER", "-in", str(path), "-CAfile",
                                 str(tmp_path / "ca.pem"), "-noout", "-crlnumber"],
                                capture_output=True, text=True, timeout=30)
        assert result.returncode == 0, result.stderr
        assert "verify OK" in result.stderr, (name, result.stderr)
