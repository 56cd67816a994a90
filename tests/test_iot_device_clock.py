"""A device's own clock: reset to 1970, set, sync, a build-date floor; the device judges servers at its time."""

import datetime as dt

import pytest

from pki_lab import clock
from pki_lab.errors import ParameterError
from pki_lab.iot.device import UNIX_EPOCH, DeviceClock, IoTDevice
from pki_lab.iot.gallery import lab_world
from pki_lab.iot.trust import Code

UTC = dt.UTC


def test_a_new_clock_reads_the_lab_clock_and_follows_it():
    device_clock = DeviceClock()
    assert device_clock.now() == clock.now() and device_clock.synced
    with clock.travel(days=3):
        assert device_clock.now() == clock.now()
    assert repr(device_clock) == "<DeviceClock 2026-03-15T12:00:00+00:00 (in sync)>"


def test_reset_boots_in_1970_and_the_time_runs_on_from_there():
    device_clock = DeviceClock()
    assert device_clock.reset() == UNIX_EPOCH == dt.datetime(1970, 1, 1, tzinfo=UTC)
    with clock.travel(hours=2):
        assert device_clock.now() == UNIX_EPOCH + dt.timedelta(hours=2)
    assert not device_clock.synced and device_clock.offset == UNIX_EPOCH - clock.now()
    assert repr(device_clock) == "<DeviceClock 1970-01-01T00:00:00+00:00 (20,528 days behind the lab clock)>"
    assert device_clock.sync() == clock.now() and device_clock.synced


def test_set_and_the_worlds_time_given_as_at():
    device_clock = DeviceClock()
    later = clock.now() + dt.timedelta(days=10)
    device_clock.set(dt.datetime(2026, 3, 1, tzinfo=UTC))
    assert device_clock.now() == dt.datetime(2026, 3, 1, tzinfo=UTC)
    assert device_clock.now(at=later) == dt.datetime(2026, 3, 11, tzinfo=UTC)  # 14 days behind, still
    assert device_clock.offset == -dt.timedelta(days=14, hours=12)
    assert "14 days behind the lab clock" in repr(device_clock)


def test_a_build_date_floor_is_never_undercut():
    build = dt.datetime(2026, 2, 1, tzinfo=UTC)
    device_clock = DeviceClock(floor=build)
    assert device_clock.reset() == build
    assert device_clock.set(dt.datetime(2000, 1, 1, tzinfo=UTC)) == build
    with clock.travel(days=1):
        assert device_clock.now() == build + dt.timedelta(days=1)
    assert device_clock.set(dt.datetime(2026, 5, 1, tzinfo=UTC)) == dt.datetime(2026, 5, 1, tzinfo=UTC)
    assert repr(device_clock).endswith("floor 2026-02-01T00:00:00+00:00)>")


def test_bad_times_are_refused_with_a_sentence():
    with pytest.raises(ParameterError, match="`floor` must be a timezone-aware datetime"):
        DeviceClock(floor=dt.datetime(2026, 1, 1))
    with pytest.raises(ParameterError, match="`when` must be a timezone-aware datetime, not str"):
        DeviceClock().set("2026-01-01")
    with pytest.raises(ParameterError, match="`clock` must be a DeviceClock, not datetime"):
        IoTDevice("sensor-1", clock=clock.now())


def _provisioned():
    world = lab_world()
    device = world.device("sensor-1")
    device.apply(world.dps.register(device))
    return world, device


def test_a_device_that_booted_in_1970_refuses_the_hub_as_not_yet_valid():
    world, device = _provisioned()
    device.clock.reset()
    verdict = world.hub.connect(device)
    assert (verdict.ok, verdict.code, verdict.service) == (False, Code.SERVER_UNTRUSTED, "device 'sensor-1'")
    assert verdict.reason.startswith("the device does not trust the hub's TLS certificate: the CA certificate "
                                     "'Lab Cloud Root G1' is not valid before 2024-03-15 and the device's clock "
                                     "reads 1970-01-01T00:00:00Z. A device clock that reads earlier")
    assert "SNTP" in verdict.reason and verdict.reason.endswith("only rules out 1970.")
    device.clock.sync()
    assert world.hub.connect(device).ok


def test_the_services_judge_the_device_at_the_lab_clock_not_the_devices():
    """A device whose clock is far ahead still registers: DPS checks its certificate at DPS's own time."""
    world = lab_world()
    device = world.device("sensor-1", days=30)
    device.clock.set(clock.now() + dt.timedelta(days=20))  # ahead, but inside the hub's 90-day certificate
    assert world.dps.register(device).ok
    with clock.travel(days=40):  # the device certificate expired; the device's clock is irrelevant to DPS
        verdict = world.dps.register(device).verdict
    assert (verdict.service, verdict.code) == ("DPS", Code.EXPIRED)


def test_a_clock_behind_accepts_an_expired_server_certificate_that_a_synced_one_refuses():
    world, device = _provisioned()
    old_chain = world.hub.server_chain  # valid 2026-03-15 to 2026-06-13
    with clock.travel(days=200):
        device.clock.set(dt.datetime(2026, 4, 1, tzinfo=UTC))  # the RTC lost months
        assert device.check_server(old_chain, world.hub.host).ok
        device.clock.sync()
        assert device.check_server(old_chain, world.hub.host).code == Code.EXPIRED


def test_the_device_refuses_the_provisioning_service_too():
    world = lab_world()
    device = world.device("sensor-1")
    device.clock.reset()
    verdict = world.dps.register(device).verdict
    assert (verdict.ok, verdict.code, verdict.service) == (False, Code.SERVER_UNTRUSTED, "device 'sensor-1'")
    assert verdict.reason.startswith("the device does not trust the provisioning service's TLS certificate: ")
    assert world.log.events[-1].ok is False


def test_a_floor_at_the_build_date_gets_a_reset_device_past_the_root_but_not_a_fresh_server_certificate():
    """The floor is a lower bound, not a clock: a certificate issued after the build is still 'not yet valid'."""
    world = lab_world()
    device = world.device("sensor-1", clock=DeviceClock(floor=dt.datetime(2025, 6, 1, tzinfo=UTC)))
    device.clock.reset()
    verdict = world.dps.register(device).verdict
    assert verdict.code == Code.SERVER_UNTRUSTED
    assert "'Lab Cloud Root G1'" not in verdict.reason and "is not valid before" in verdict.reason


def test_a_clock_run_past_the_calendar_stops_at_its_edge():
    device_clock = DeviceClock()
    device_clock.set(dt.datetime(1, 1, 2, tzinfo=UTC))
    assert device_clock.now(at=clock.now() - dt.timedelta(days=3)) == dt.datetime.min.replace(tzinfo=UTC)
    device_clock.set(dt.datetime(9999, 12, 30, tzinfo=UTC))
    assert device_clock.now(at=clock.now() + dt.timedelta(days=3)) == dt.datetime.max.replace(tzinfo=UTC)
