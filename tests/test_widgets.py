import datetime as dt

import pytest

from pki_lab import clock
from pki_lab.errors import ParameterError, WrongTypeError
from pki_lab.lifecycle import State, certificate_state
from pki_lab.widgets import validity_explorer


def test_certificate_state_at_the_boundaries(hierarchy):
    leaf = hierarchy.leaf
    start, end = leaf.not_valid_before_utc, leaf.not_valid_after_utc
    second = dt.timedelta(seconds=1)
    assert certificate_state(leaf, start - second).state is State.NOT_YET_VALID
    assert certificate_state(leaf, start).state is State.VALID  # RFC 5280 4.1.2.5: inclusive
    assert certificate_state(leaf, end).state is State.VALID
    assert certificate_state(leaf, end + second).state is State.EXPIRED
    assert certificate_state(leaf, end - dt.timedelta(days=30), renew_before_days=30).state is State.RENEW
    assert certificate_state(leaf, end - dt.timedelta(days=31), renew_before_days=30).state is State.VALID


def test_certificate_state_reads_the_lab_clock_and_explains(hierarchy):
    assert certificate_state(hierarchy.leaf).sentence() == (
        "At 2026-03-15 12:00 UTC the certificate is valid: 90.0 days left.")
    with clock.travel(days=95):
        state = certificate_state(hierarchy.leaf)
    assert not state.is_valid
    assert state.sentence().endswith("expired: it ended 5.0 days ago.")


def test_certificate_state_refuses_bad_input(hierarchy):
    with pytest.raises(WrongTypeError):
        certificate_state("cert")
    with pytest.raises(ParameterError, match="naive"):
        certificate_state(hierarchy.leaf, dt.datetime(2026, 1, 1))
    with pytest.raises(ParameterError, match="renew_before_days"):
        certificate_state(hierarchy.leaf, renew_before_days=-1)


def test_validity_explorer_reacts_to_the_slider(hierarchy):
    tryit = validity_explorer(hierarchy.leaf)
    slider, label = tryit.parts["slider"], tryit.parts["label"]
    assert "<b>valid</b>" in label.value
    slider.value = 91
    assert "<b>expired</b>" in label.value
    slider.value = -1
    assert "<b>not yet valid</b>" in label.value


def test_try_it_has_a_stable_text_form_and_a_live_view(hierarchy):
    tryit = validity_explorer(hierarchy.leaf)
    bundle = tryit._repr_mimebundle_()
    assert bundle["text/plain"].startswith("Try it: move the lab clock")
    assert "application/vnd.jupyter.widget-view+json" in bundle
