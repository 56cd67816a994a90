"""The DST Root CA X3 replay with the real certificates, and the side-by-side comparisons."""

from __future__ import annotations

import datetime as dt

import pytest

from pki_lab.errors import ParameterError
from pki_lab.validation.compare import cryptography_verdict, link_checks, side_by_side
from pki_lab.validation.gallery import resign, scenario
from pki_lab.validation.history import DST_EXPIRY, certificates, replay

BEFORE, AFTER = DST_EXPIRY - dt.timedelta(seconds=1), DST_EXPIRY + dt.timedelta(seconds=1)


def test_the_real_certificates_have_the_documented_dates():
    certs = certificates()
    assert certs["DST Root CA X3"].not_valid_after_utc == DST_EXPIRY
    cross = certs["ISRG Root X1 (cross-signed by DST)"]
    assert cross.not_valid_after_utc.date().isoformat() == "2024-09-30"
    assert cross.subject == certs["ISRG Root X1"].subject and cross.issuer == certs["DST Root CA X3"].subject
    assert cross.public_key() == certs["ISRG Root X1"].public_key()  # same key: the same CA, certified twice


@pytest.mark.parametrize("when, trusts, ok, length", [
    (BEFORE, "DST Root CA X3", True, 3),
    (AFTER, "DST Root CA X3", False, 3),  # the root expired one second ago
    (AFTER, "ISRG Root X1", True, 2),
    (AFTER, "both", True, 2),  # path building stops at the trusted ISRG Root X1
])
def test_replay_around_the_expiry(when, trusts, ok, length):
    row = replay(when, trusts)
    assert row.report.ok is ok and len(row.report.path) == length
    if not ok:
        assert row.report.failure.position == "trust anchor" and "Expired" in row.report.reason
    assert ("VALID  " if ok else "INVALID") in str(row)


def test_replay_with_the_real_2023_leaf():
    when = dt.datetime(2023, 7, 10, tzinfo=dt.UTC)
    assert replay(when, "ISRG Root X1", leaf="cryptography.io (2023)").report.ok
    assert not replay(when, "DST Root CA X3", leaf="cryptography.io (2023)").report.ok


def test_replay_refuses_unknown_stores():
    with pytest.raises(ParameterError, match="`trusts` must be one of 'DST Root CA X3', 'ISRG Root X1', 'both'"):
        replay(AFTER, "Mozilla")
    with pytest.raises(ParameterError, match="`leaf` must be 'R3' or 'cryptography.io \\(2023\\)'"):
        replay(AFTER, leaf="google.com")


def test_link_checks_and_twin():
    s = scenario("valid")
    chain = [s.leaf, *s.intermediates, *s.trust]
    assert [str(link) for link in link_checks(chain)] == [
        "www.example.com <- Gallery Issuing CA: ecdsa-with-SHA256 signature OK",
        "Gallery Issuing CA <- Gallery Root CA: ecdsa-with-SHA256 signature OK",
    ]
    forged = resign(s.leaf, _mallory())
    bad = link_checks([forged, *s.intermediates])[0]
    assert not bad.ok and "does not verify" in str(bad)


def _mallory():
    from pki_lab.keys import named_key

    return named_key("mallory")


def test_cryptography_agrees_on_the_gallery_but_cannot_judge_crls():
    for key in ("valid", "expired-intermediate", "broken-signature", "name-constraints"):
        assert cryptography_verdict(scenario(key)) is scenario(key).validate().ok
    with pytest.raises(ParameterError, match="does not check CRLs"):
        cryptography_verdict(scenario("revoked-leaf"))
    table = side_by_side((scenario("valid"), scenario("revoked-leaf")))
    assert table.splitlines()[1].split() == ["A", "valid", "chain", "valid", "valid"]
    assert table.splitlines()[2].endswith("INVALID  n/a (no CRLs)")
