"""The chain-faults widget: a thin shell over fault_report and report_html."""

from __future__ import annotations

import matplotlib
import pytest

from pki_lab.errors import ParameterError
from pki_lab.widgets import TryIt
from pki_lab.widgets.chain import chain_faults, fault_report, report_html

matplotlib.use("Agg")


@pytest.mark.parametrize("faults, ok, rules", [
    ((), True, []),
    (("expire",), False, ["rfc5280-validity"]),
    (("remove",), False, ["rfc5280-path-to-anchor"]),
    (("resign",), False, ["rfc5280-signature"]),
    (("constrain",), False, ["rfc5280-name-constraints"]),
    (("expire", "constrain"), False, ["rfc5280-validity", "rfc5280-name-constraints"]),
])
def test_fault_report(faults, ok, rules):
    report = fault_report(faults)
    assert report.ok is ok
    assert [s.rule for s in report.failures] == rules


def test_report_html_lists_verdict_path_and_failures():
    good = report_html(fault_report())
    assert good.startswith("<b style='color:#1a7f37'>VALID</b>: A valid path of 3 certificates")
    bad = report_html(fault_report(["constrain"]))
    assert "INVALID" in bad and "<code>rfc5280-name-constraints</code>" in bad
    assert "path tried: www.example.com &lt;- Gallery Constrained CA &lt;- Gallery Root CA" in bad


def test_unknown_fault_is_a_sentence():
    with pytest.raises(ParameterError, match="Unknown fault 'melt'"):
        fault_report(["melt"])


def test_widget_reacts_to_the_checkboxes():
    tryit = chain_faults()
    assert isinstance(tryit, TryIt)
    assert repr(tryit).startswith("Try it: toggle faults on a chain")
    assert "VALID" in tryit.parts["verdict"].value and "INVALID" not in tryit.parts["verdict"].value
    tryit.parts["remove"].value = True
    assert "INVALID" in tryit.parts["verdict"].value and "rfc5280-path-to-anchor" in tryit.parts["verdict"].value
    tryit.parts["remove"].value = False
    assert "INVALID" not in tryit.parts["verdict"].value


@pytest.mark.parametrize("mode, verdict, warnings", [
    ("off", "VALID", 0),
    ("soft-fail", "VALID with 2 warnings", 2),
    ("hard-fail", "VALID with 2 warnings", 2),
    ("require", "INVALID", 0),
])
def test_revocation_mode_without_a_crl(mode, verdict, warnings):
    """Gallery chain, no CRL given: soft-fail and hard-fail clients wave the unknown status on with a warning."""
    report = fault_report((), mode)
    assert report.summary().startswith(verdict + ":")
    assert len(report.warnings) == warnings


def test_report_html_shows_warnings_with_a_text_label_not_only_failures():
    """The widget once listed failing steps only, so a path let through with warnings read as a plain pass."""
    shown = report_html(fault_report((), "soft-fail"))
    assert shown.startswith("<b style='color:#9a6700'>VALID with 2 warnings</b>")
    assert shown.count("<b>WARN</b></span> <code>rfc5280-revocation</code>") == 2
    assert "soft-fail validation carries on without it" in shown
    both = report_html(fault_report(["expire"], "soft-fail"))
    assert both.index("<b>FAIL</b>") < both.index("<b>WARN</b>")  # failures first, then warnings
    assert "WARN" not in report_html(fault_report((), "off"))


def test_unknown_revocation_mode_is_a_sentence():
    with pytest.raises(ParameterError, match="`revocation` must be one of off, soft-fail, hard-fail, require"):
        fault_report((), "sometimes")


def test_widget_reacts_to_the_revocation_mode():
    tryit = chain_faults()
    assert "WARN" not in tryit.parts["verdict"].value
    tryit.parts["revocation"].value = "soft-fail"
    assert "VALID with 2 warnings" in tryit.parts["verdict"].value and "<b>WARN</b>" in tryit.parts["verdict"].value
    tryit.parts["revocation"].value = "require"
    assert "INVALID" in tryit.parts["verdict"].value
