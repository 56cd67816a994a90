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
