"""The factory-line simulation: seeded, the CA as bottleneck, outages, and decoupling by stock."""

import pytest

from pki_lab.errors import ParameterError
from pki_lab.iot.manufacturing import SCENARIOS, LineConfig, plot_lines, simulate


def test_same_seed_same_run_and_another_seed_differs():
    assert simulate(LineConfig(service_s=19)) == simulate(LineConfig(service_s=19))
    assert simulate(LineConfig(service_s=19)).queue_lengths != simulate(LineConfig(service_s=19, seed=2)).queue_lengths


def test_a_fast_ca_keeps_up_with_the_line():
    run = simulate(LineConfig())
    assert run.completed == int(8 * 3600 / 20) and run.stopped_minutes == 0


def test_a_ca_slower_than_the_takt_is_the_bottleneck():
    run = simulate(LineConfig(service_s=25))  # 144 certificates/h against a line of 180/h
    assert run.stopped_minutes > 60
    assert run.completed < 8 * 3600 / 25 * 1.05


def test_an_outage_stops_the_inline_line_for_about_its_length_minus_the_buffer():
    run = simulate(SCENARIOS["inline"])
    buffer_minutes = 20 * 20 / 60
    assert 60 - buffer_minutes - 5 < run.stopped_minutes <= 60
    outage_bins = [v for s, v in zip(run.bin_starts_h, run.per_hour, strict=True) if 2 <= s < 3]
    assert outage_bins == [0.0, 0.0]


@pytest.mark.parametrize("name", ["pre-issued batches", "issuance at module build"])
def test_a_stock_of_certificates_rides_through_the_outage(name):
    run = simulate(SCENARIOS[name])
    assert run.stopped_minutes == 0 and run.max_queue == 0


def test_a_long_outage_empties_a_small_stock_but_not_a_large_one():
    assert simulate(SCENARIOS["pre-issued batches"], outage=(2, 6)).stopped_minutes > 0
    assert simulate(SCENARIOS["issuance at module build"], outage=(2, 6)).stopped_minutes == 0


@pytest.mark.parametrize("change, words", [
    ({"mode": "batch"}, "'inline' or 'stock'"),
    ({"takt_s": 0}, "`takt_s` must be a positive number"),
    ({"outage": (3, 2)}, "start < end"),
])
def test_bad_configurations_are_refused(change, words):
    with pytest.raises(ParameterError, match=words):
        LineConfig(**change)


def test_summary_and_plot():
    runs = [simulate(c) for c in SCENARIOS.values()]
    assert runs[0].summary().startswith("inline issuance: ")
    fig = plot_lines(runs)
    assert len(fig.axes) == 2
