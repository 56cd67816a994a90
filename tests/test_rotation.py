"""The fleet simulation of a certificate and root rotation, and the pinning widget over it."""

from __future__ import annotations

import datetime as _dt

import pytest

from pki_lab import data
from pki_lab.errors import ParameterError
from pki_lab.rotation import (
    EVENTS,
    HOST,
    POLICIES,
    policy_for,
    root_facts,
    rotation_impact,
    scenario,
    simulate_fleet,
)

UTC = _dt.UTC


def test_root_facts_come_from_the_real_roots():
    """Baltimore CyberTrust Root expired on 2025-05-12; DigiCert Global Root G2 runs to 2038 (both RSA 2048)."""
    baltimore, g2 = root_facts()
    assert (baltimore.name, baltimore.key, baltimore.not_after) == ("Baltimore CyberTrust Root", "RSA 2048",
                                                                    "2025-05-12")
    assert (g2.name, g2.key, g2.not_after) == ("DigiCert Global Root G2", "RSA 2048", "2038-01-15")
    assert "PKI Lab Legacy Root" in str(baltimore)


def test_stand_ins_copy_the_real_validity_windows_but_not_the_real_names():
    s = scenario()
    for stand_in, real_name in ((s.legacy_root, "baltimore_cybertrust_root"), (s.g2_root, "digicert_global_root_g2")):
        real = data.certificate(real_name)
        assert stand_in.not_valid_before_utc == real.not_valid_before_utc
        assert stand_in.not_valid_after_utc == real.not_valid_after_utc
        assert stand_in.subject != real.subject


def test_the_root_migration_switches_on_the_real_date():
    """Microsoft began moving IoT hubs to DigiCert Global Root G2 on 2023-02-15."""
    migration = next(e for e in EVENTS if e[0] == "root migration")
    assert migration[2] == _dt.datetime(2023, 2, 15, tzinfo=UTC)
    s = scenario()
    assert s.chain_at(_dt.datetime(2023, 2, 14, tzinfo=UTC)) == 2
    assert s.chain_at(_dt.datetime(2023, 2, 15, tzinfo=UTC)) == 3
    assert s.chains[3][1].issuer == s.g2_root.subject


@pytest.mark.parametrize("index", range(len(EVENTS)))
def test_each_chain_validates_with_its_own_policy_while_it_is_in_use(index):
    s = scenario()
    switch = EVENTS[index][2]
    for kind in POLICIES:
        verdict = policy_for(kind, index + 1).check(list(s.chains[index]), HOST, at=switch)
        assert verdict.accepted, (kind, verdict.reason)


# (policy, event) -> which of (fixed, updatable online, updatable offline) break at the switch
IMPACT = [
    ("trust store", "renewal", (False, False, False)),
    ("trust store", "root migration", (True, False, True)),
    ("trust store, both roots", "root migration", (False, False, False)),
    ("SPKI pin + backup", "re-key", (False, False, False)),        # the backup pin names key 2
    ("SPKI pin + backup", "root migration", (True, False, True)),
    ("issuing CA pin", "intermediate rollover", (False, False, True)),  # fixed was already broken
    ("leaf certificate pin", "renewal", (True, False, True)),
    ("thumbprint allow-list", "renewal", (True, False, True)),
]


@pytest.mark.parametrize(("policy", "event", "breaks"), IMPACT, ids=[f"{p}-{e}" for p, e, _ in IMPACT])
def test_rotation_impact(policy, event, breaks):
    rows = rotation_impact(policy, event)
    assert tuple(row.breaks for row in rows) == breaks
    assert all(str(row).startswith(row.device) for row in rows)


def test_fleet_is_deterministic_and_shows_the_lessons():
    result = simulate_fleet(per_group=10, seed=7)
    assert result == simulate_fleet(per_group=10, seed=7)
    assert result.working == simulate_fleet(per_group=10, seed=7).working
    after_renewal = _dt.datetime(2022, 8, 1, tzinfo=UTC)
    after_migration = _dt.datetime(2023, 3, 1, tzinfo=UTC)
    assert result.share("leaf certificate pin (fixed)", after_renewal) == 0
    assert result.share("thumbprint allow-list (fixed)", after_renewal) == 0
    assert result.share("SPKI pin + backup (fixed)", after_renewal) == 1
    assert result.share("trust store (fixed)", after_migration) == 0
    for variant in ("fixed", "updatable"):
        assert all(w == 10 for w in result.working[f"trust store, both roots ({variant})"])
    for kind in POLICIES:
        fixed, updatable = result.working[f"{kind} (fixed)"], result.working[f"{kind} (updatable)"]
        assert all(u >= f for u, f in zip(updatable, fixed, strict=True))
    assert "2023-03" in result.table()


def test_offline_devices_are_what_break_updatable_fleets():
    always_online = simulate_fleet(per_group=5, offline_share=0)
    for kind in POLICIES:
        assert set(always_online.working[f"{kind} (updatable)"]) == {5}
    often_offline = simulate_fleet(per_group=30, offline_share=1, seed=1)
    assert min(often_offline.working["leaf certificate pin (updatable)"]) < 30


def test_plot_draws_two_panels():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig = simulate_fleet(per_group=3).plot()
    assert len(fig.axes) == 2
    assert len(fig.axes[0].get_lines()) >= len(POLICIES)
    plt.close(fig)


def test_bad_input_gets_a_sentence():
    with pytest.raises(ParameterError, match="Unknown event 'start'"):
        rotation_impact("trust store", "start")
    with pytest.raises(ParameterError, match="Unknown policy 'pin it'"):
        rotation_impact("pin it", "renewal")
    with pytest.raises(ParameterError, match="whole number from 1"):
        policy_for("trust store", 0)
    with pytest.raises(ParameterError, match="per_group"):
        simulate_fleet(per_group=0)
    with pytest.raises(ParameterError, match="offline_share"):
        simulate_fleet(offline_share=2)


def test_widget_function_and_shell():
    from pki_lab.widgets.pinning import impact_html, impact_lines, pinning_explorer

    lines = impact_lines("leaf certificate pin", "renewal")
    assert lines[0].startswith("fixed pin set (from the factory): BREAKS")
    assert "keeps working" in lines[1]
    assert "<table>" in impact_html("trust store", "root migration")
    widget = pinning_explorer()
    assert repr(widget).startswith("Try it: choose a pinning policy")
    assert "BREAKS" in widget.parts["table"].value  # SPKI pin + backup / root migration: fixed devices break
    widget.parts["policy"].value = "trust store, both roots"
    assert "BREAKS" not in widget.parts["table"].value
    with pytest.raises(ParameterError):
        pinning_explorer(policy="nope")
