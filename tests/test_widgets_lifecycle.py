"""The lifecycle timeline widget and the pure function behind it."""

import datetime as dt

import pytest

from pki_lab import clock
from pki_lab.ca import CertificateAuthority
from pki_lab.errors import ParameterError, WrongTypeError
from pki_lab.lifecycle import State
from pki_lab.renewal import RenewalPolicy
from pki_lab.widgets.lifecycle import lifecycle_timeline, render_html, states_at, timeline_bar

DAY = dt.timedelta(days=1)


@pytest.fixture(scope="module")
def certs():
    """'now' valid 90 days from the lab clock; 'later' starts in 30 days; 'old' ended 10 days ago."""
    ca = CertificateAuthority.create_root("Widget Root")
    now = ca.issue("now", profile="device", days=90)
    with clock.travel(days=30):
        later = ca.issue("later", profile="device", days=90)
    with clock.travel(days=-100):
        old = ca.issue("old", profile="device", days=90)
    return {"now": now, "later": later, "old": old}


def test_states_at_the_lab_clock(certs):
    rows = states_at(certs, policy=RenewalPolicy(days_before=30))
    assert [(r.name, r.state) for r in rows] == [
        ("now", State.VALID), ("later", State.NOT_YET_VALID), ("old", State.EXPIRED)]
    assert [round(r.days_left, 1) for r in rows] == [90.0, 120.0, -10.0]


@pytest.mark.parametrize(("days", "expected"), [
    (0, State.VALID), (59, State.VALID), (60, State.RENEW), (90, State.RENEW), (91, State.EXPIRED)])
def test_dragging_the_clock_changes_the_state(certs, days, expected):
    row = states_at({"now": certs["now"]}, clock.now() + days * DAY, policy=RenewalPolicy(days_before=30))[0]
    assert row.state is expected


def test_timeline_bar_draws_each_stage(certs):
    cert = certs["now"]
    start, end = clock.now() - 10 * DAY, clock.now() + 110 * DAY
    bar = timeline_bar(cert, RenewalPolicy(days_before=30), clock.now() + 45 * DAY, start=start, end=end, width=12)
    # 10-day cells: 1 before notBefore, 6 valid, 3 in the window, 2 after expiry; the clock at day 45 is cell 5
    assert bar == ".====|=~~~xx"
    with pytest.raises(ParameterError, match="end must come after"):
        timeline_bar(cert, RenewalPolicy(days_before=1), clock.now(), start=end, end=start)


def test_render_html_colours_and_escapes(certs):
    rows = states_at({"<b>x</b>": certs["old"]})
    out = render_html(rows, clock.now())
    assert "&lt;b&gt;x&lt;/b&gt;" in out and "#cf222e" in out and "2026-03-15 12:00 UTC" in out


def test_bad_input_is_refused(certs):
    with pytest.raises(WrongTypeError, match="non-empty mapping"):
        states_at({})
    with pytest.raises(WrongTypeError, match="not an x509.Certificate"):
        states_at({"a": "pem"})


def test_the_widget_follows_its_slider(certs):
    tryit = lifecycle_timeline(certs, policy=RenewalPolicy(days_before=30))
    assert repr(tryit).startswith("Try it: drag the lab clock and watch each certificate's state")
    slider, table = tryit.parts["slider"], tryit.parts["table"]
    assert table.value.count("<b>valid</b>") == 1
    slider.value = 60
    assert "<b>valid, due for renewal</b>" in table.value
    slider.value = 200
    assert "<b>valid</b>" not in table.value and table.value.count("<b>expired</b>") == 3
