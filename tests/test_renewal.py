"""Renewal: the policy's renewal instant, the fleet scan at boundary instants, re-enrollment, the outage."""

import datetime as dt

import pytest

from pki_lab import clock
from pki_lab.ca import CertificateAuthority
from pki_lab.enrollment import Administrator, Device, EventLog, IssuancePolicy, IssuingService
from pki_lab.errors import ParameterError, PolicyError, WrongTypeError
from pki_lab.lifecycle import certificate_state
from pki_lab.renewal import RenewalPolicy, make_fleet, reenroll, scan, simulate_outage, state_under_policy

SECOND = dt.timedelta(seconds=1)
DAY = dt.timedelta(days=1)


@pytest.fixture(scope="module")
def ca():
    return CertificateAuthority.create_root("Renewal Root CA")


@pytest.fixture(scope="module")
def cert90(ca):
    """One device certificate, valid 90 days from the lab clock's now (2026-03-15 12:00 UTC)."""
    return ca.issue("dev-90", profile="device", days=90)


def test_renewal_instant_by_fraction_and_by_days(cert90):
    start = cert90.not_valid_before_utc
    assert RenewalPolicy(fraction=2 / 3).renew_at(cert90) == start + 60 * DAY
    assert RenewalPolicy(days_before=30).renew_at(cert90) == start + 60 * DAY
    assert RenewalPolicy(days_before=10).renew_at(cert90) == start + 80 * DAY
    assert RenewalPolicy(days_before=200).renew_at(cert90) == start, "never before notBefore"


@pytest.mark.parametrize(("offset", "expected"), [
    pytest.param(-SECOND, "not yet valid", id="one-second-before-notBefore"),
    pytest.param(dt.timedelta(0), "fine", id="at-notBefore-valid-rfc5280-inclusive"),
    pytest.param(60 * DAY - SECOND, "fine", id="one-second-before-renewal"),
    pytest.param(60 * DAY, "due", id="at-the-renewal-instant"),
    pytest.param(90 * DAY, "due", id="at-notAfter-still-valid-rfc5280-inclusive"),
    pytest.param(90 * DAY + SECOND, "expired", id="one-second-after-notAfter"),
])
def test_scan_at_boundary_instants(cert90, offset, expected):
    at = cert90.not_valid_before_utc + offset
    result = scan({"dev-90": cert90}, RenewalPolicy(days_before=30), at)
    assert result.rows[0].status == expected
    assert result.names(expected) == ["dev-90"]


def test_scan_agrees_with_lifecycle_certificate_state(cert90):
    policy = RenewalPolicy(days_before=30)
    start = cert90.not_valid_before_utc
    for hours in range(-24, 92 * 24, 7):
        at = start + dt.timedelta(hours=hours)
        assert state_under_policy(cert90, policy, at) is certificate_state(cert90, at, renew_before_days=30).state


def test_fleet_is_seeded_and_scan_sorts_it(ca):
    fleet = make_fleet(40, seed=1, ca=ca)
    again = make_fleet(40, seed=1, ca=ca)
    assert [c.not_valid_before_utc for c in fleet.values()] == [c.not_valid_before_utc for c in again.values()]
    assert [c.not_valid_before_utc for c in make_fleet(40, seed=2, ca=ca).values()] != \
        [c.not_valid_before_utc for c in fleet.values()]
    policy = RenewalPolicy(fraction=2 / 3)
    result = scan(fleet, policy)
    now = clock.now()
    due = sorted(n for n, c in fleet.items() if policy.renew_at(c) <= now <= c.not_valid_after_utc)
    assert result.due == due and result.expired == []
    assert sorted(result.due + result.fine) == sorted(fleet)
    assert result.counts()["due"] == len(due)
    with clock.travel(days=91):
        assert scan(fleet, policy).expired == sorted(fleet)
    assert str(result).startswith("Fleet of 40 at 2026-03-15 12:00 UTC (renew when 67% of the lifetime")


def test_reenrollment_uses_a_new_key(ca):
    log = EventLog()
    service = IssuingService(ca, IssuancePolicy(days=90), log=log)
    admin, device = Administrator(log=log), Device("cam-1.devices.example.com", log=log)
    first = reenroll(device, admin, service)
    with clock.travel(days=61):
        second = reenroll(device, admin, service)
    assert device.key_generation == 2
    assert second.public_key() != first.public_key()
    assert device.certificate == second
    assert second.not_valid_before_utc == first.not_valid_before_utc + 61 * DAY
    assert any("starts renewal" in e.action for e in log.events)
    bad = IssuingService(ca, IssuancePolicy(allowed_names=("*.other.example",)))
    with pytest.raises(PolicyError, match="not allowed by this CA"):
        reenroll(device, admin, bad)


def test_outage_when_renewal_stops(ca):
    fleet = make_fleet(60, seed=3, ca=ca)
    policy = RenewalPolicy(fraction=2 / 3)
    healthy = simulate_outage(fleet, policy, days=200, failure_day=None)
    assert healthy.first_outage_day is None and set(healthy.valid) == {60}
    broken = simulate_outage(fleet, policy, days=120, failure_day=0)
    last_expiry = max(c.not_valid_after_utc for c in fleet.values())
    first_expiry = min(c.not_valid_after_utc for c in fleet.values())
    assert broken.first_outage_day == (first_expiry - clock.now()).days + 1
    assert broken.all_down_day == (last_expiry - clock.now()).days + 1
    assert list(broken.valid) == sorted(broken.valid, reverse=True)
    later = simulate_outage(fleet, policy, days=120, failure_day=20)
    assert later.first_outage_day > broken.first_outage_day


def test_outage_with_a_days_before_policy_and_shorter_new_certificates(ca):
    """Renewing 10 days before expiry into 47-day certificates: the agent keeps up. When it stops after day 99,
    every certificate it left alone had more than 10 days left, and the last ones it renewed live 47 days."""
    fleet = make_fleet(30, seed=4, ca=ca)
    policy = RenewalPolicy(days_before=10)
    healthy = simulate_outage(fleet, policy, days=200, failure_day=None, lifetime_days=47)
    assert healthy.first_outage_day is None
    stopped = simulate_outage(fleet, policy, days=200, failure_day=100, lifetime_days=47)
    assert stopped.first_outage_day >= 99 + 10 + 1
    assert stopped.all_down_day <= 99 + 47 + 1


def test_readable_errors():
    with pytest.raises(ParameterError, match="exactly one of"):
        RenewalPolicy()
    with pytest.raises(ParameterError, match="exactly one of"):
        RenewalPolicy(fraction=0.5, days_before=3)
    with pytest.raises(ParameterError, match="between 0 and 1"):
        RenewalPolicy(fraction=1.5)
    with pytest.raises(ParameterError, match="positive number"):
        RenewalPolicy(days_before=-1)
    with pytest.raises(WrongTypeError, match="policy"):
        scan({}, "30 days")
    with pytest.raises(WrongTypeError, match="A fleet is a mapping"):
        scan({"a": "cert"}, RenewalPolicy(days_before=1))
    with pytest.raises(ParameterError, match="`size`"):
        make_fleet(0)
    with pytest.raises(ParameterError, match="`status`"):
        scan({}, RenewalPolicy(days_before=1)).names("late")
