"""Device clocks: a chain judged at a device's own time (lifecycle.judge_at_device_time, clock.boot_clock)."""

import datetime as dt

import pytest

from pki_lab import clock
from pki_lab.ca import demo_hierarchy
from pki_lab.errors import ParameterError
from pki_lab.lifecycle import judge_at_device_time
from pki_lab.validation import validate_chain

UTC = dt.UTC


@pytest.fixture(scope="module")
def h():
    return demo_hierarchy("www.example.com")


def judge(h, device_time, **kw):
    return judge_at_device_time(h.leaf, device_time, intermediates=[h.intermediate.certificate], trust=[h.root],
                                name="www.example.com", **kw)


def test_a_device_booted_at_1970_rejects_a_valid_chain_as_not_yet_valid(h):
    check = judge(h, clock.boot_clock())
    assert (check.accepted, check.should_accept, check.outcome) == (False, True, "wrongly rejects")
    assert "Not yet valid" in check.reason and "1970-01-01" in check.reason
    assert check.sentence().startswith("A device whose clock reads 1970-01-01 00:00 UTC rejects the chain, wrongly")


def test_a_device_with_the_right_time_agrees_with_the_validator(h):
    check = judge(h, clock.now())
    assert (check.accepted, check.outcome, check.skew) == (True, "right", dt.timedelta(0))
    assert "as it should" in check.sentence()


def test_a_clock_two_years_behind_accepts_an_expired_certificate(h):
    true_time = clock.now() + dt.timedelta(days=730)  # the leaf (90 days) has long expired
    check = judge(h, clock.now(), true_time=true_time)
    assert (check.accepted, check.should_accept, check.outcome) == (True, False, "wrongly accepts")
    assert check.skew == -dt.timedelta(days=730)
    assert "it is invalid" in check.sentence()


def test_a_clock_ahead_rejects_as_expired(h):
    check = judge(h, clock.now() + dt.timedelta(days=200))
    assert check.outcome == "wrongly rejects" and "Expired" in check.reason


def test_the_verdicts_are_the_validators_own(h):
    for days in (-1, 0, 89, 91):
        at = clock.now() + dt.timedelta(days=days)
        expected = validate_chain(h.leaf, [h.intermediate.certificate], trust=[h.root], name="www.example.com", at=at)
        assert judge(h, at).accepted is bool(expected.ok)


def test_the_true_time_defaults_to_the_lab_clock(h):
    with clock.travel(days=100):
        check = judge(h, clock.LAB_EPOCH)
    assert check.true_time == clock.LAB_EPOCH + dt.timedelta(days=100) and check.outcome == "wrongly accepts"


def test_naive_times_are_refused_with_the_arguments_name(h):
    with pytest.raises(ParameterError, match="`device_time` must be a timezone-aware datetime"):
        judge(h, dt.datetime(2026, 3, 15))
    with pytest.raises(ParameterError, match="`true_time`"):
        judge(h, clock.now(), true_time=dt.datetime(2026, 3, 15))


def test_boot_clock_without_rtc_is_the_unix_epoch_and_a_floor_raises_it():
    build = dt.datetime(2026, 1, 10, tzinfo=UTC)
    assert clock.boot_clock() == clock.UNIX_EPOCH == dt.datetime(1970, 1, 1, tzinfo=UTC)
    assert clock.boot_clock(floor=build) == build
    later = dt.datetime(2026, 2, 1, tzinfo=UTC)
    assert clock.boot_clock(later, floor=build) == later  # a reading after the floor is kept
    with pytest.raises(ParameterError, match="`rtc`"):
        clock.boot_clock(dt.datetime(2026, 1, 1))
    with pytest.raises(ParameterError, match="`floor`"):
        clock.boot_clock(floor="2026-01-10")
