"""check_crl: one certificate against one CRL, RFC 5280 6.3, each rule with its failure twin."""

from __future__ import annotations

import datetime as dt

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes

from pki_lab import clock
from pki_lab.ca import CertificateAuthority, demo_hierarchy, sign_with
from pki_lab.errors import ParameterError, WrongTypeError
from pki_lab.revocation import build_crl
from pki_lab.validation.crl import (
    CrlCheck,
    Outcome,
    RevocationMode,
    RevocationStatus,
    check_crl,
    decide_revocation,
)

NOW = clock.LAB_EPOCH


@pytest.fixture(scope="module")
def h():
    return demo_hierarchy()


def _crl_builder(ca, *, number=True, number_critical=False, this_update=NOW, days=7):
    b = (x509.CertificateRevocationListBuilder().issuer_name(ca.name)
         .last_update(this_update).next_update(this_update + dt.timedelta(days=days)))
    if number:
        b = b.add_extension(x509.CRLNumber(5), critical=number_critical)
    return b


def _idp(**kw):
    args = dict(full_name=None, relative_name=None, only_contains_user_certs=False, only_contains_ca_certs=False,
                only_some_reasons=None, indirect_crl=False, only_contains_attribute_certs=False)
    args.update(kw)
    return x509.IssuingDistributionPoint(**args)


def test_rfc5280_crl_lookup_good_and_revoked_twins(h):
    good = check_crl(h.leaf, h.intermediate.certificate, build_crl(h.intermediate), NOW)
    assert (good.status, good.rule, good.ok) == ("good", "RFC 5280 6.3.3 (j)", True)
    assert "is not revoked" in good.reason
    bad = check_crl(h.leaf, h.intermediate.certificate,
                    build_crl(h.intermediate, revoked=[(h.leaf, "keyCompromise")]), NOW)
    assert (bad.status, bad.revocation_reason, bad.revocation_date) == ("revoked", "keyCompromise", NOW)
    assert bad.reason.endswith("as revoked on 2026-03-15 because of keyCompromise.")
    assert not bad.ok


def test_rfc5280_crl_revoked_by_serial_without_reason(h):
    result = check_crl(h.leaf, h.intermediate.certificate, build_crl(h.intermediate, revoked=[h.leaf.serial_number]))
    assert (result.status, result.revocation_reason) == ("revoked", None)


def test_rfc5280_crl_issuer_mismatch_says_nothing(h):
    """root -> intermediate -> leaf, but the CRL comes from the root: it does not speak for the leaf."""
    result = check_crl(h.leaf, h.intermediate.certificate, build_crl(h.root, revoked=[h.leaf]), NOW)
    assert (result.status, result.rule) == ("unknown", "RFC 5280 6.3.3 (b)(1)")
    assert "not by the certificate's issuer" in result.reason


def test_rfc5280_crl_signature_by_another_key(h):
    """A CRL with the right issuer name, signed by an impostor with the same name."""
    impostor = CertificateAuthority.create_root(h.intermediate.name, key="mallory")
    crl = build_crl(impostor, revoked=[h.leaf])
    result = check_crl(h.leaf, h.intermediate.certificate, crl, NOW)
    assert (result.status, result.rule) == ("unknown", "RFC 5280 6.3.3 (g)")
    assert "signature does not verify" in result.reason


def test_rfc5280_crl_issuer_without_crlsign(h):
    ku = x509.KeyUsage(digital_signature=False, content_commitment=False, key_encipherment=False,
                       data_encipherment=False, key_agreement=False, key_cert_sign=True, crl_sign=False,
                       encipher_only=False, decipher_only=False)
    builder = (x509.CertificateBuilder().subject_name(h.intermediate.name).issuer_name(h.root.name)
               .public_key(h.intermediate.public_key).serial_number(7).not_valid_before(NOW)
               .not_valid_after(NOW + dt.timedelta(days=30))
               .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
               .add_extension(ku, critical=True))
    no_crl_sign = sign_with(builder, h.root.private_key)
    result = check_crl(h.leaf, no_crl_sign, build_crl(h.intermediate), NOW)
    assert (result.status, result.rule) == ("unknown", "RFC 5280 6.3.3 (f)")
    assert "cRLSign" in result.reason


@pytest.mark.parametrize("case, kwargs, rule, words", [
    ("rfc5280-crlnumber-missing", dict(number=False), "RFC 5280 5.2.3", "no CRL number"),
    ("rfc5280-crlnumber-critical", dict(number_critical=True), "RFC 5280 5.2.3", "critical"),
    ("rfc5280-crl-from-the-future", dict(this_update=NOW + dt.timedelta(days=1)), "RFC 5280 5.1.2.4", "after"),
    ("rfc5280-crl-stale", dict(this_update=NOW - dt.timedelta(days=10)), "RFC 5280 6.3.3 (a)", "stale"),
])
def test_rfc5280_crl_unusable(h, case, kwargs, rule, words):
    crl = sign_with(_crl_builder(h.intermediate, **kwargs), h.intermediate.private_key)
    result = check_crl(h.leaf, h.intermediate.certificate, crl, NOW)
    assert (result.status, result.rule) == ("unknown", rule), case
    assert words in result.reason


def test_rfc5280_crl_fresh_twin(h):
    """The twin of the four cases above: a well-formed, fresh CRL works."""
    crl = sign_with(_crl_builder(h.intermediate, this_update=NOW - dt.timedelta(days=6)), h.intermediate.private_key)
    assert check_crl(h.leaf, h.intermediate.certificate, crl, NOW).status == "good"


def test_rfc5280_crl_unknown_critical_extension(h):
    ext = x509.UnrecognizedExtension(x509.ObjectIdentifier("1.3.6.1.4.1.55738.666.1"), b"\x05\x00")
    crl = build_crl(h.intermediate, extensions=[(ext, True)])
    result = check_crl(h.leaf, h.intermediate.certificate, crl, NOW)
    assert (result.status, result.rule) == ("unknown", "RFC 5280 5.2")
    twin = build_crl(h.intermediate, extensions=[(ext, False)])
    assert check_crl(h.leaf, h.intermediate.certificate, twin, NOW).status == "good"


def test_rfc5280_crl_delta_alone_is_not_used(h):
    """5.2.4: a delta CRL lists only changes; alone it cannot show a certificate good."""
    crl = build_crl(h.intermediate, extensions=[(x509.DeltaCRLIndicator(1), True)])
    result = check_crl(h.leaf, h.intermediate.certificate, crl, NOW)
    assert (result.status, result.rule) == ("unknown", "RFC 5280 5.2.4")


def test_rfc5280_crl_some_reasons_cannot_say_good_alone(h):
    idp = _idp(only_some_reasons=frozenset({x509.ReasonFlags.key_compromise}))
    result = check_crl(h.leaf, h.intermediate.certificate, build_crl(h.intermediate, extensions=[(idp, True)]), NOW)
    assert (result.status, result.rule) == ("unknown", "RFC 5280 6.3.3 (d)")
    assert "keyCompromise" in result.reason


@pytest.mark.parametrize("case, idp, status, rule", [
    ("rfc5280-idp-only-ca-certs-leaf", _idp(only_contains_ca_certs=True), "unknown", "RFC 5280 6.3.3 (b)(2)(iii)"),
    ("rfc5280-idp-only-user-certs-leaf", _idp(only_contains_user_certs=True), "revoked", "RFC 5280 6.3.3 (j)"),
    # 5.2.5, 5.3.3: entries of an indirect CRL before any certificateIssuer belong to the CRL issuer itself
    ("rfc5280-idp-indirect-own-entries", _idp(indirect_crl=True), "revoked", "RFC 5280 6.3.3 (j)"),
    # 6.3.3 (j): a listed serial is revoked whatever reasons the CRL covers
    ("rfc5280-idp-some-reasons-listed", _idp(only_some_reasons=frozenset({x509.ReasonFlags.key_compromise})),
     "revoked", "RFC 5280 6.3.3 (j)"),
    ("rfc5280-idp-other-partition", _idp(full_name=[x509.UniformResourceIdentifier("http://crl.example/2.crl")]),
     "unknown", "RFC 5280 6.3.3 (b)(2)(i)"),
])
def test_rfc5280_crl_scope(h, case, idp, status, rule):
    crl = build_crl(h.intermediate, revoked=[h.leaf], extensions=[(idp, True)])
    result = check_crl(h.leaf, h.intermediate.certificate, crl, NOW)
    assert (result.status, result.rule) == (status, rule), case


def test_rfc5280_crl_scope_only_user_certs_excludes_a_ca(h):
    only_users = _idp(only_contains_user_certs=True)
    crl = build_crl(h.root, revoked=[h.intermediate.certificate], extensions=[(only_users, True)])
    result = check_crl(h.intermediate.certificate, h.root.certificate, crl, NOW)
    assert (result.status, result.rule) == ("unknown", "RFC 5280 6.3.3 (b)(2)(ii)")
    plain = build_crl(h.root, revoked=[h.intermediate.certificate])
    assert check_crl(h.intermediate.certificate, h.root.certificate, plain, NOW).status == "revoked"


def test_crl_check_is_frozen(h):
    result = check_crl(h.leaf, h.intermediate.certificate, build_crl(h.intermediate), NOW)
    assert isinstance(result, CrlCheck)
    with pytest.raises(AttributeError):
        result.status = "revoked"


def test_check_crl_input_errors(h):
    crl = build_crl(h.intermediate)
    with pytest.raises(WrongTypeError, match="`crl` must be an x509.CertificateRevocationList, not bytes"):
        check_crl(h.leaf, h.intermediate.certificate, b"crl", NOW)
    with pytest.raises(WrongTypeError, match="`cert` must be an x509.Certificate, not str"):
        check_crl("leaf.pem", h.intermediate.certificate, crl, NOW)
    with pytest.raises(ParameterError, match="`at` must be a timezone-aware datetime, not a naive one"):
        check_crl(h.leaf, h.intermediate.certificate, crl, dt.datetime(2026, 3, 15))


def test_build_crl_input_errors(h):
    with pytest.raises(ParameterError, match="Unknown revocation reason 'stolen'; choose one of: unspecified"):
        build_crl(h.intermediate, revoked=[(h.leaf, "stolen")])
    with pytest.raises(ParameterError, match="`days` must be a positive number of days, not 0"):
        build_crl(h.intermediate, days=0)
    with pytest.raises(WrongTypeError, match="A revoked entry must be a certificate or a serial number"):
        build_crl(h.intermediate, revoked=["12"])


def test_build_crl_is_deterministic_and_signed(h):
    a, b = build_crl(h.intermediate, revoked=[h.leaf]), build_crl(h.intermediate, revoked=[h.leaf])
    assert a.fingerprint(hashes.SHA256()) == b.fingerprint(hashes.SHA256())
    assert a.is_signature_valid(h.intermediate.public_key)


# -- what a client does with a status: the one rule for require, hard-fail, soft-fail and off ---------------

_EXPECTED = {  # status: outcome under require, hard-fail, soft-fail, off
    "good": ("accept", "accept", "accept", "accept"),
    "revoked": ("reject", "reject", "reject", "accept"),
    "unknown": ("reject", "reject", "accept-with-warning", "accept"),
    "invalid": ("reject", "reject", "accept-with-warning", "accept"),
    "unavailable": ("reject", "reject", "accept-with-warning", "accept"),
    "unchecked": ("reject", "accept-with-warning", "accept-with-warning", "accept"),
}
_MODES = ("require", "hard-fail", "soft-fail", "off")


@pytest.mark.parametrize("mode", _MODES)
@pytest.mark.parametrize("status", list(_EXPECTED))
def test_decide_revocation_for_each_mode_and_status(mode, status):
    decision = decide_revocation(mode, status)
    expected = Outcome(_EXPECTED[status][_MODES.index(mode)])
    assert decision.outcome == expected and decision.accepted == (expected != Outcome.REJECT)
    assert decision.mode is RevocationMode(mode) and decision.status is RevocationStatus(status)
    assert decision.reason.endswith(".") and decision.sentence().startswith(f"{mode}: {expected} ({status}): ")


def test_every_mode_and_status_is_in_the_table():
    assert set(_EXPECTED) == {s.value for s in RevocationStatus} and set(_MODES) == {m.value for m in RevocationMode}


def test_soft_fail_says_who_wins_and_members_equal_their_strings():
    decision = decide_revocation(RevocationMode.SOFT_FAIL, RevocationStatus.UNAVAILABLE)
    assert "whoever blocks the check wins" in decision.reason
    assert RevocationMode.HARD_FAIL == "hard-fail" and f"{RevocationStatus.GOOD:8}|" == "good    |"


def test_revocation_mode_and_status_refuse_unknown_names_with_a_sentence():
    with pytest.raises(ParameterError, match="`mode` must be one of 'require', 'hard-fail', 'soft-fail', 'off', "
                                             "not 'lenient'"):
        decide_revocation("lenient", "good")
    with pytest.raises(ParameterError, match="`policy` must be one of .* not 3"):
        RevocationMode.parse(3, "policy")
    with pytest.raises(ParameterError, match="`status` must be one of 'good', .* not 'fine'"):
        decide_revocation("require", "fine")
