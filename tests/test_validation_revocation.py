"""Revocation in validate_chain: RFC 5280 6.3.3 over every CRL given, each rule with its failure twin, and each
revocation mode against each status (require, hard-fail, soft-fail, off x good, revoked, unknown, unchecked)."""

from __future__ import annotations

import datetime as dt

import pytest
from cryptography import x509
from cryptography.x509.oid import NameOID

from pki_lab import clock
from pki_lab.ca import CertificateAuthority, sign_with
from pki_lab.keys import named_key
from pki_lab.revocation import Revocation, build_crl
from pki_lab.validation import validate_chain

NOW = clock.LAB_EPOCH
HOST = "rev.example"
KC, CAC = x509.ReasonFlags.key_compromise, x509.ReasonFlags.ca_compromise


@pytest.fixture(scope="module")
def pki():
    root = CertificateAuthority.create_root("Revocation Test Root CA")
    ca = root.create_intermediate("Revocation Test CA")
    return root, ca


def _check(pki, leaf, crls, *, mode=None, pool=(), with_root_crl=True):
    root, ca = pki
    given = ([build_crl(root)] if with_root_crl else []) + list(crls)
    return validate_chain(leaf, [ca.certificate, *pool], trust=[root.certificate], at=NOW, name=HOST, crls=given,
                          revocation=mode)


def _leaf_status(report):
    return report.revocation[0][2]


def _cdp(*points):
    return (x509.CRLDistributionPoints(list(points)), False)


def _dp(full=None, relative=None, reasons=None, crl_issuer=None):
    return x509.DistributionPoint(full, relative, frozenset(reasons) if reasons else None, crl_issuer)


def _idp(**kw):
    args = dict(full_name=None, relative_name=None, only_contains_user_certs=False, only_contains_ca_certs=False,
                only_some_reasons=None, indirect_crl=False, only_contains_attribute_certs=False)
    args.update(kw)
    return (x509.IssuingDistributionPoint(**args), True)


def _ca_cert(subject, issuer, key_name, *, key_usage=None, serial=77):
    """A CA certificate with the key usage given (None: no keyUsage extension at all)."""
    key = named_key(key_name)
    builder = (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer.name)
               .public_key(key.public_key()).serial_number(serial).not_valid_before(NOW - dt.timedelta(days=1))
               .not_valid_after(NOW + dt.timedelta(days=30))
               .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
               .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
               .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer.public_key), critical=False))
    if key_usage is not None:
        builder = builder.add_extension(key_usage, critical=True)
    return CertificateAuthority(sign_with(builder, issuer.private_key), key, parent=issuer)


def _ku(*, cert_sign=True, crl_sign=True):
    return x509.KeyUsage(digital_signature=False, content_commitment=False, key_encipherment=False,
                         data_encipherment=False, key_agreement=False, key_cert_sign=cert_sign, crl_sign=crl_sign,
                         encipher_only=False, decipher_only=False)


# -- each mode x each status -----------------------------------------------------------------------------------

_STATUS_CRLS = {  # the leaf's status, and the CRLs of its issuer that give it
    "good": lambda ca, leaf: [build_crl(ca)],
    "revoked": lambda ca, leaf: [build_crl(ca, revoked=[(leaf, "keyCompromise")])],
    "unknown": lambda ca, leaf: [build_crl(ca, this_update=NOW - dt.timedelta(days=10))],  # stale
    "unchecked": lambda ca, leaf: [],
}
_OUTCOME = {  # (valid, warning) under require, hard-fail, soft-fail
    "good": [(True, False)] * 3,
    "revoked": [(False, False)] * 3,
    "unknown": [(False, False), (False, False), (True, True)],
    "unchecked": [(False, False), (True, True), (True, True)],
}


@pytest.mark.parametrize("mode", ["require", "hard-fail", "soft-fail"])
@pytest.mark.parametrize("status", list(_STATUS_CRLS))
def test_each_mode_against_each_status(pki, mode, status):
    root, ca = pki
    leaf = ca.issue(HOST)
    report = _check(pki, leaf, _STATUS_CRLS[status](ca, leaf), mode=mode)
    valid, warning = _OUTCOME[status][["require", "hard-fail", "soft-fail"].index(mode)]
    assert (report.ok, _leaf_status(report)) == (valid, status)
    step = next(s for s in report.steps if s.rule == "rfc5280-revocation" and s.index == 0)
    assert (step.ok, step.warning, step.status) == (valid, warning, status)
    assert str(step).startswith("WARN" if warning else "PASS" if valid else "FAIL")
    assert bool(report.warnings) == warning and report.revocation[1][2] == "good"  # the CA, by the root's CRL


@pytest.mark.parametrize("status", list(_STATUS_CRLS))
def test_off_checks_nothing_and_says_so(pki, status):
    root, ca = pki
    leaf = ca.issue(HOST)
    report = _check(pki, leaf, _STATUS_CRLS[status](ca, leaf), mode="off")
    assert report.ok and [r[2] for r in report.revocation] == ["unchecked", "unchecked"]
    assert "off" in report.revocation[0][3] and "passed" not in report.revocation[0][3]


def test_no_crls_default_is_off_and_require_without_crls_fails(pki):
    root, ca = pki
    leaf = ca.issue(HOST)
    plain = validate_chain(leaf, [ca.certificate], trust=[root.certificate], at=NOW, name=HOST)
    assert plain.ok and not any(s.rule == "rfc5280-revocation" for s in plain.steps)
    assert plain.revocation[0][2] == "unchecked"
    strict = validate_chain(leaf, [ca.certificate], trust=[root.certificate], at=NOW, name=HOST, revocation="require")
    assert not strict.ok and strict.failure.index == 1  # the CA is checked first (6.1 order: anchor down)


# -- 6.3.3 (b): distribution points ---------------------------------------------------------------------------

def test_distribution_point_full_name_and_its_twin(pki):
    root, ca = pki
    here, there = (x509.UniformResourceIdentifier(f"http://crl.example/{n}.crl") for n in (1, 2))
    leaf = ca.issue(HOST, extensions=[_cdp(_dp(full=[here]))])
    assert _check(pki, leaf, [build_crl(ca, extensions=[_idp(full_name=[here])])]).ok
    other = _check(pki, leaf, [build_crl(ca, revoked=[leaf], extensions=[_idp(full_name=[there])])])
    assert (other.ok, _leaf_status(other)) == (False, "unchecked")  # that partition does not cover it


def test_name_relative_to_crl_issuer_and_its_twin(pki):
    """4.2.1.13 / 5.2.5: the RDN is appended to the CRL issuer's name, on both sides."""
    root, ca = pki
    part = x509.RelativeDistinguishedName([x509.NameAttribute(NameOID.COMMON_NAME, "Partition 1")])
    leaf = ca.issue(HOST, extensions=[_cdp(_dp(relative=part))])
    full = x509.DirectoryName(x509.Name([*ca.name.rdns, part]))
    assert _check(pki, leaf, [build_crl(ca, extensions=[_idp(full_name=[full])])]).ok
    assert _check(pki, leaf, [build_crl(ca, extensions=[_idp(relative_name=part)])]).ok
    other = x509.RelativeDistinguishedName([x509.NameAttribute(NameOID.COMMON_NAME, "Partition 2")])
    assert _leaf_status(_check(pki, leaf, [build_crl(ca, extensions=[_idp(relative_name=other)])])) == "unchecked"


def test_a_crl_with_a_distribution_point_does_not_cover_a_certificate_without_one(pki):
    root, ca = pki
    leaf = ca.issue(HOST)
    dp = x509.UniformResourceIdentifier("http://crl.example/1.crl")
    assert _leaf_status(_check(pki, leaf, [build_crl(ca, extensions=[_idp(full_name=[dp])])])) == "unchecked"


# -- indirect CRLs: cRLIssuer (4.2.1.13), indirectCRL (5.2.5), certificateIssuer (5.3.3) -------------------------

@pytest.fixture(scope="module")
def indirect(pki):
    root, ca = pki
    issuer = root.create_intermediate("Revocation Test CRL Issuer")
    point = _dp(full=[x509.UniformResourceIdentifier("http://crl.example/indirect.crl")],
                crl_issuer=[x509.DirectoryName(issuer.name)])
    leaves = [ca.issue(f"{n}.{HOST}", names=[HOST], extensions=[_cdp(point)]) for n in ("a", "b")]
    return issuer, point, leaves


def _indirect_crl(issuer, point, entries, *, flag=True):
    return build_crl(issuer, revoked=entries, extensions=[_idp(full_name=point.full_name, indirect_crl=flag)])


def test_indirect_crl_revokes_through_certificate_issuer_carried_forward(pki, indirect):
    root, ca = pki
    issuer, point, (a, b) = indirect
    entries = [Revocation(a.serial_number, NOW, "keyCompromise", certificate_issuer=ca.name),
               Revocation(b.serial_number, NOW, "superseded")]  # no certificateIssuer: still the CA's (5.3.3)
    crl = _indirect_crl(issuer, point, entries)
    for leaf in (a, b):
        report = _check(pki, leaf, [crl, build_crl(ca)], pool=[issuer.certificate])
        assert (report.ok, _leaf_status(report)) == (False, "revoked")


def test_indirect_crl_twins(pki, indirect):
    root, ca = pki
    issuer, point, (a, _) = indirect
    # the same serial, but for another issuer's certificate: not this one
    elsewhere = _indirect_crl(issuer, point, [Revocation(a.serial_number, NOW, "keyCompromise",
                                                         certificate_issuer=root.name)])
    assert _check(pki, a, [elsewhere], pool=[issuer.certificate]).ok
    # no indirectCRL flag: the cRLIssuer's CRL speaks only for its own certificates (6.3.3 (b)(1))
    unflagged = _indirect_crl(issuer, point, [], flag=False)
    assert _leaf_status(_check(pki, a, [unflagged], pool=[issuer.certificate])) == "unchecked"
    # 6.3.3, last paragraph: the CA's own CRL still speaks for it (the default distribution point)
    assert _check(pki, a, [unflagged, build_crl(ca)], pool=[issuer.certificate]).ok
    # the CRL issuer's certificate not given: its signature cannot be checked (6.3.3 (f))
    missing = _check(pki, a, [_indirect_crl(issuer, point, [])])
    assert (missing.ok, _leaf_status(missing)) == (False, "unknown")
    assert "no certificate of the CRL's issuer" in missing.reason


# -- 6.3.3 (d), (e): reasons across CRLs -------------------------------------------------------------------------

def test_reasons_collected_across_crls_and_the_twin_with_one_missing(pki):
    root, ca = pki
    leaf = ca.issue(HOST)
    some = frozenset({KC, CAC})
    rest = frozenset(x509.ReasonFlags) - some - {x509.ReasonFlags.unspecified, x509.ReasonFlags.remove_from_crl}
    compromise = build_crl(ca, number=1, extensions=[_idp(only_some_reasons=some)])
    others = build_crl(ca, number=2, extensions=[_idp(only_some_reasons=rest)])
    assert _check(pki, leaf, [compromise, others]).ok
    alone = _check(pki, leaf, [compromise])
    assert (alone.ok, _leaf_status(alone)) == (False, "unknown") and "only some revocation reasons" in alone.reason
    listed = build_crl(ca, number=1, revoked=[(leaf, "keyCompromise")], extensions=[_idp(only_some_reasons=some)])
    assert _leaf_status(_check(pki, leaf, [listed])) == "revoked"


# -- 6.3.3 (b)(2): scope --------------------------------------------------------------------------------------

@pytest.mark.parametrize("scope, leaf_covered", [
    ("only_contains_user_certs", True), ("only_contains_ca_certs", False), ("only_contains_attribute_certs", False),
])
def test_scope_of_the_crl(pki, scope, leaf_covered):
    root, ca = pki
    leaf = ca.issue(HOST)
    report = _check(pki, leaf, [build_crl(ca, extensions=[_idp(**{scope: True})])])
    assert (report.ok, _leaf_status(report)) == (leaf_covered, "good" if leaf_covered else "unchecked")


def test_only_user_certs_does_not_cover_the_ca(pki):
    root, ca = pki
    leaf = ca.issue(HOST)
    users_only = build_crl(root, extensions=[_idp(only_contains_user_certs=True)])
    report = _check(pki, leaf, [users_only, build_crl(ca)], with_root_crl=False)
    assert (report.ok, report.revocation[1][2]) == (False, "unchecked")
    cas_only = build_crl(root, extensions=[_idp(only_contains_ca_certs=True)])
    assert _check(pki, leaf, [cas_only, build_crl(ca)], with_root_crl=False).ok


# -- 6.3.3 (f), (g): who may sign the CRL ------------------------------------------------------------------------

def test_crl_sign_bit_and_a_ca_without_key_usage(pki):
    """4.2.1.3: a keyUsage without cRLSign forbids signing CRLs; no keyUsage at all does not."""
    root, _ = pki
    for key_usage, valid in ((_ku(crl_sign=False), False), (None, True)):
        ca = _ca_cert(x509.Name.from_rfc4514_string("CN=Revocation KU CA"), root, "rev-ku-ca", key_usage=key_usage)
        leaf = ca.issue(HOST)
        report = validate_chain(leaf, [ca.certificate], trust=[root.certificate], at=NOW, name=HOST,
                                crls=[build_crl(root), build_crl(ca)], profile="rfc5280")
        assert (report.ok, _leaf_status(report)) == (valid, "good" if valid else "unknown"), key_usage
        assert valid or "cRLSign" in report.reason


def test_crl_signed_by_an_impostor_is_not_believed(pki):
    root, ca = pki
    leaf = ca.issue(HOST)
    impostor = CertificateAuthority.create_root(ca.name, key="rev-mallory")
    report = _check(pki, leaf, [build_crl(impostor)])
    assert (report.ok, _leaf_status(report)) == (False, "unknown") and "signature does not verify" in report.reason


def test_separate_crl_signing_key_with_its_own_path_and_its_twins(pki):
    """6.3.3 (f): a CRL signed by another key of the CA is used when that key's certificate validates to the
    same trust anchor, revocation included."""
    root, ca = pki
    signer = _ca_cert(ca.name, root, "rev-crl-signer", key_usage=_ku(cert_sign=False), serial=991)
    leaf = ca.issue(HOST)
    crl = build_crl(signer, revoked=[])
    assert _check(pki, leaf, [crl], pool=[signer.certificate]).ok
    assert _leaf_status(_check(pki, leaf, [crl])) == "unknown"  # the signer's certificate not given
    revoked_signer = [build_crl(root, revoked=[signer.certificate])]
    report = _check(pki, leaf, [crl, *revoked_signer], pool=[signer.certificate], with_root_crl=False)
    assert _leaf_status(report) == "unknown" and "does not validate" in report.failure.sentence
    stranger = CertificateAuthority.create_root("Revocation Stranger Root")
    foreign = _ca_cert(ca.name, stranger, "rev-foreign-signer", key_usage=_ku(cert_sign=False), serial=992)
    assert _leaf_status(_check(pki, leaf, [build_crl(foreign)], pool=[foreign.certificate])) == "unknown"


# -- 6.3.3 (c), (h)-(k): delta CRLs ---------------------------------------------------------------------------

def _delta(ca, base, number, revoked):
    return build_crl(ca, number=number, revoked=revoked, extensions=[(x509.DeltaCRLIndicator(base), True)])


def test_delta_crl_releases_a_hold_and_the_twin_without_it(pki):
    root, ca = pki
    leaf = ca.issue(HOST)
    complete = build_crl(ca, number=5, revoked=[(leaf, "certificateHold")])
    on_hold = _check(pki, leaf, [complete])
    assert (on_hold.ok, _leaf_status(on_hold)) == (False, "revoked") and "certificateHold" in on_hold.reason
    released = _check(pki, leaf, [complete, _delta(ca, 5, 6, [(leaf, "removeFromCRL")])])
    assert released.ok and "removeFromCRL" in released.revocation[0][3]


def test_delta_crl_revokes_and_needs_a_matching_base(pki):
    root, ca = pki
    leaf = ca.issue(HOST)
    complete = build_crl(ca, number=5)
    report = _check(pki, leaf, [complete, _delta(ca, 5, 6, [(leaf, "keyCompromise")])])
    assert (report.ok, _leaf_status(report)) == (False, "revoked") and "delta CRL" in report.reason
    # a delta whose base is newer than the complete CRL given does not update it (5.2.4)
    assert _check(pki, leaf, [complete, _delta(ca, 7, 8, [(leaf, "keyCompromise")])]).ok
    # a delta alone is no complete CRL
    assert _leaf_status(_check(pki, leaf, [_delta(ca, 5, 6, [])])) == "unchecked"


def test_a_warning_is_neither_a_failure_nor_a_plain_pass(pki):
    root, ca = pki
    report = _check(pki, ca.issue(HOST), [], mode="soft-fail")
    assert report.ok and report.failure is None and len(report.warnings) == 1
    assert report.summary().startswith("VALID with 1 warning: ") and "WARN  leaf" in str(report)
    assert "&#9888;" in report._repr_html_() and "#fff8c5" in report._repr_html_()
    assert _check(pki, ca.issue(HOST), [build_crl(ca)]).summary().startswith("VALID: ")


def _self_issued(subject_ca, key_name, signer):
    """A self-issued CA certificate (key rollover, RFC 5280 6.1): ``subject_ca``'s name, the key ``key_name``,
    signed by ``signer`` (a CertificateAuthority of the same name)."""
    key = named_key(key_name)
    builder = (x509.CertificateBuilder().subject_name(subject_ca.name).issuer_name(signer.name)
               .public_key(key.public_key()).serial_number(4242).not_valid_before(NOW - dt.timedelta(days=1))
               .not_valid_after(NOW + dt.timedelta(days=30))
               .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
               .add_extension(_ku(), critical=True)
               .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
               .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(signer.public_key), critical=False))
    return CertificateAuthority(sign_with(builder, signer.private_key), key, parent=signer)


def test_key_rollover_a_crl_signed_by_the_new_key_covers_a_leaf_of_the_old_one(pki):
    """6.3.3 (f): the CRL issuer may be another certificate of the path with the issuer's name (old-with-new)."""
    root, _ = pki
    new = root.create_intermediate("Revocation Rollover CA", key="rev-rollover-new")
    old = _self_issued(new, "rev-rollover-old", new)  # the old key, certified by the new one
    leaf = old.issue(HOST)
    pool = [old.certificate, new.certificate]
    report = validate_chain(leaf, pool, trust=[root.certificate], at=NOW, name=HOST,
                            crls=[build_crl(root), build_crl(new)])
    assert report.ok and [r[2] for r in report.revocation] == ["good", "good", "good"]
    stranger = CertificateAuthority.create_root("Revocation Stranger Root")
    other = _ca_cert(new.name, stranger, "rev-rollover-other", key_usage=_ku(cert_sign=False), serial=993)
    twin = validate_chain(leaf, [*pool, other.certificate], trust=[root.certificate], at=NOW, name=HOST,
                          crls=[build_crl(root), build_crl(other)])
    assert not twin.ok and twin.revocation[1][2] == "unknown"  # no key of the path signed it


def test_crl_issuer_paths_are_validated_one_level_deep(pki):
    """A separate CRL signer's own status must come from CRLs signed within its own path: no second search."""
    root, ca = pki
    root_signer = _ca_cert(root.name, root, "rev-root-crl-signer", key_usage=_ku(cert_sign=False), serial=994)
    ca_signer = _ca_cert(ca.name, root, "rev-ca-crl-signer", key_usage=_ku(cert_sign=False), serial=995)
    leaf = ca.issue(HOST)
    crls = [build_crl(root_signer), build_crl(ca_signer)]
    report = _check(pki, leaf, crls, pool=[root_signer.certificate, ca_signer.certificate], with_root_crl=False)
    assert report.revocation[1][2] == "good"  # the CA: the root's CRL by its separate signer, one level
    assert (report.ok, report.revocation[0][2]) == (False, "unknown")  # the CA's signer would need a second level
