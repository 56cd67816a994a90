"""Chapter 07's widget and plot: the revoke button flips the chain's verdict; the CRL growth plot."""

from __future__ import annotations

import pytest

from pki_lab import clock
from pki_lab.ca import demo_hierarchy
from pki_lab.errors import ParameterError, PolicyError
from pki_lab.revocation import RevocationRegistry
from pki_lab.widgets.revocation import RevocationDemo, chain_verdict, plot_crl_growth, revoke_button


def test_revocation_demo_flips_the_verdict_and_starts_again():
    demo = RevocationDemo(demo_hierarchy())
    assert demo.verdict().accepted
    assert "keyCompromise" in demo.revoke("leaf", "keyCompromise")
    verdict = demo.verdict()
    assert not verdict.accepted and any("www.example.com: revoked" in line for line in verdict.lines)
    assert verdict.lines[0].startswith("validator: leaf (www.example.com): Revoked")  # chapter 04's validate_chain
    with pytest.raises(PolicyError, match="already revoked"):
        demo.revoke("leaf")
    demo.reset()
    assert demo.verdict().accepted
    demo.revoke("issuing CA", "cACompromise")
    assert not demo.verdict().accepted
    with pytest.raises(ParameterError, match="'leaf' or 'issuing CA'"):
        demo.revoke("root")


def test_chain_verdict_is_unchecked_and_refused_without_the_issuers_crl():
    h = demo_hierarchy()
    chain = [h.leaf, h.intermediate.certificate, h.root.certificate]
    verdict = chain_verdict(chain, [RevocationRegistry(h.intermediate).publish_crl()])
    assert not verdict.accepted
    assert verdict.lines[0].startswith("www.example.com: good")
    assert verdict.lines[1].startswith("PKI Lab Issuing CA: unchecked: no CRL given speaks for it")
    assert chain_verdict(chain, [RevocationRegistry(h.intermediate).publish_crl()], mode="hard-fail").accepted
    assert verdict.sentence().startswith("REJECTED")


def test_revoke_button_widget_clicks_through_the_pure_demo():
    tryit = revoke_button(demo_hierarchy())
    assert "ACCEPTED" in tryit.parts["output"].value
    tryit.parts["revoke"].click()
    assert "REJECTED" in tryit.parts["output"].value and "revoked on" in tryit.parts["output"].value
    tryit.parts["revoke"].click()  # twice: the error sentence is shown, not raised
    assert "already revoked" in tryit.parts["output"].value
    tryit.parts["reset"].click()
    assert "ACCEPTED" in tryit.parts["output"].value
    assert repr(tryit).startswith("Try it: revoke a certificate")


def test_plot_crl_growth_returns_the_plotted_table():
    import matplotlib

    matplotlib.use("Agg")
    table = plot_crl_growth(demo_hierarchy().intermediate, counts=(0, 10, 20))
    assert [n for n, _ in table] == [0, 10, 20] and table[0][1] < table[1][1] < table[2][1]


def test_revoke_button_shows_lab_errors_but_does_not_hide_bugs(monkeypatch):
    tryit = revoke_button(demo_hierarchy())

    def broken(*_args):
        raise RuntimeError("a bug, not a learner's mistake")

    monkeypatch.setattr(tryit.parts["demo"], "revoke", broken)
    tryit.parts["revoke"].click()  # ipywidgets logs the traceback; the widget does not pass it off as a sentence
    assert "a bug" not in tryit.parts["output"].value and "ACCEPTED" in tryit.parts["output"].value


@pytest.mark.parametrize("mode, accepted", [("require", False), ("hard-fail", False), ("soft-fail", True)])
def test_chain_verdict_decides_a_stale_crl_with_the_validators_mode(mode, accepted):
    """The widget's verdict is validate_chain's under the mode: a stale CRL is a failed check, not a pass."""
    h = demo_hierarchy()
    chain = [h.leaf, h.intermediate.certificate, h.root.certificate]
    crls = [RevocationRegistry(h.intermediate).publish_crl(), RevocationRegistry(h.root).publish_crl()]
    with clock.travel(days=8):  # the issuing CA's CRL (and the root's) are past their nextUpdate
        verdict = chain_verdict(chain, crls, mode=mode)
    assert verdict.accepted is accepted and verdict.lines[0].startswith("www.example.com: unknown: the CRL is stale")
