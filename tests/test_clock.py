import datetime as dt
import threading

import pytest

from pki_lab import clock
from pki_lab.errors import ParameterError

UTC = dt.UTC


def test_now_is_the_documented_epoch():
    assert clock.now() == dt.datetime(2026, 3, 15, 12, 0, tzinfo=UTC)
    assert clock.now() == clock.LAB_EPOCH


def test_travel_moves_and_restores_the_clock():
    with clock.travel(days=10) as when:
        assert when == clock.LAB_EPOCH + dt.timedelta(days=10)
        assert clock.now() == when
        with clock.travel(hours=-3):
            assert clock.now() == clock.LAB_EPOCH + dt.timedelta(days=10, hours=-3)
        assert clock.now() == when
    assert clock.now() == clock.LAB_EPOCH


def test_travel_restores_after_an_exception():
    with pytest.raises(RuntimeError), clock.travel(days=1):
        raise RuntimeError("boom")
    assert clock.now() == clock.LAB_EPOCH


def test_travel_to_converts_other_zones_to_utc():
    cet = dt.timezone(dt.timedelta(hours=1))
    with clock.travel_to(dt.datetime(2030, 1, 1, 13, 0, tzinfo=cet)):
        assert clock.now() == dt.datetime(2030, 1, 1, 12, 0, tzinfo=UTC)
        assert clock.now().tzinfo == UTC


def test_naive_datetime_is_refused_with_a_sentence():
    with pytest.raises(ParameterError, match="timezone-aware datetime, not a naive one"):
        with clock.travel_to(dt.datetime(2030, 1, 1)):
            pass


def test_wrong_type_is_refused():
    with pytest.raises(ParameterError, match="not str"):
        clock.require_aware("2030-01-01")


def test_other_threads_see_the_lab_time():
    seen = []
    with clock.travel(days=5):
        t = threading.Thread(target=lambda: seen.append(clock.now()))
        t.start()
        t.join()
    assert seen == [clock.LAB_EPOCH + dt.timedelta(days=5)]
