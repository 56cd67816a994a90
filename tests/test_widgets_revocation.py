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


def test_verdict_html_colours_each_certificate_by_its_own_status_with_a_label():
    """leaf revoked, issuing CA good: the good row is green and says GOOD, though the chain is REJECTED (red)."""
    from pki_lab.widgets.revocation import AMBER, GREEN, RED, verdict_html

    demo = RevocationDemo(demo_hierarchy())
    demo.revoke("leaf", "keyCompromise")
    page = verdict_html(demo.verdict(), "a <message>")
    assert f"background:{RED}" in page and ">REJECTED<" in page and "a &lt;message&gt;" in page
    revoked_row, good_row = page.split("<tr>")[1:]
    assert f"color:{RED}" in revoked_row and ">REVOKED<" in revoked_row and "www.example.com" in revoked_row
    assert f"color:{GREEN}" in good_row and ">GOOD<" in good_row and "PKI Lab Issuing CA" in good_row
    assert "word-break:normal" in page and "<pre" not in page  # wraps between words, never inside one
    h = demo_hierarchy()
    unchecked = chain_verdict([h.leaf, h.intermediate.certificate, h.root.certificate],
                              [RevocationRegistry(h.intermediate).publish_crl()])
    amber_row = verdict_html(unchecked).split("<tr>")[2]
    assert f"color:{AMBER}" in amber_row and ">UNCHECKED<" in amber_row


def test_verdict_html_accepted_chain_is_a_green_badge():
    from pki_lab.widgets.revocation import GREEN, verdict_html

    page = verdict_html(RevocationDemo(demo_hierarchy()).verdict())
    assert f"background:{GREEN}" in page and ">ACCEPTED<" in page and page.count(">GOOD<") == 2


def test_revocation_demo_preview_says_what_revoke_will_do_without_doing_it():
    demo = RevocationDemo(demo_hierarchy())
    assert demo.preview("issuing CA", "keyCompromise") == "will revoke: issuing CA (keyCompromise), in the root's CRL"
    assert demo.preview("leaf", "superseded") == "will revoke: leaf (superseded), in the issuing CA's CRL"
    assert demo.verdict().accepted  # a preview revokes nothing
    demo.revoke("leaf", "superseded")
    assert demo.preview("leaf", "keyCompromise").startswith(
        "will revoke: nothing, the leaf is already revoked (superseded, on 2026-03-15)")
    assert demo.preview("issuing CA", "cACompromise") == "will revoke: issuing CA (cACompromise), in the root's CRL"
    with pytest.raises(ParameterError, match="'leaf' or 'issuing CA'"):
        demo.preview("root")
    with pytest.raises(ParameterError, match="Unknown revocation reason"):
        demo.preview("leaf", "stolen")


def test_revoke_button_shows_its_choice_as_the_controls_change():
    """The toggle and the reason menu only set what Revoke does, so a line shows their choice at once."""
    tryit = revoke_button(demo_hierarchy())
    parts = tryit.parts
    assert "will revoke: leaf (keyCompromise)" in parts["preview"].value
    parts["which"].value = "issuing CA"
    assert "will revoke: issuing CA (keyCompromise), in the root&#x27;s CRL" in parts["preview"].value
    parts["reason"].value = "cessationOfOperation"
    assert "will revoke: issuing CA (cessationOfOperation)" in parts["preview"].value
    assert "ACCEPTED" in parts["output"].value  # nothing was revoked by choosing
    parts["revoke"].click()
    assert "already revoked (cessationOfOperation" in parts["preview"].value
    parts["reset"].click()
    assert "will revoke: issuing CA (cessationOfOperation)" in parts["preview"].value
