"""Try it: break a chain on purpose and watch the validator's report and graph change.

Four faults can be toggled on the gallery chain (Gallery Root CA -> Gallery Issuing
CA -> www.example.com), alone or together: **expire** (move the clock past the
issuing CA's notAfter), **remove** (the server forgets the intermediate), **resign**
(an impostor re-signs the leaf) and **constrain** (the root limits the issuing CA
to example.org). A second control picks the client's revocation mode with no CRL at hand,
so a soft-fail or hard-fail client lets the path through *with warnings* (a check it could
not make), and a require client refuses it. The widget is a thin shell over
:func:`fault_report` and :func:`report_html` (pure, unit tested).
"""

from __future__ import annotations

import html
from collections.abc import Iterable
from typing import Any

from ..errors import ParameterError
from ..plots import new_figure, show_in_image
from ..validation.crl import RevocationMode
from ..validation.gallery import FAULTS, chain_with_faults
from ..validation.report import ValidationReport
from . import TryIt

__all__ = ["FAULTS", "REVOCATION_MODES", "fault_report", "report_html", "chain_figure", "chain_faults"]

#: The client's revocation modes the widget offers (no CRL is given, so each shows what it does without one).
REVOCATION_MODES = tuple(m.value for m in (RevocationMode.OFF, RevocationMode.SOFT_FAIL, RevocationMode.HARD_FAIL,
                                             RevocationMode.REQUIRE))


def fault_report(faults: Iterable[str] = (), revocation: str = "off") -> ValidationReport:
    """Validate the gallery chain with these faults applied (see :data:`FAULTS`), in this revocation mode.

    No CRL is given: ``"off"`` checks none, ``"soft-fail"`` and ``"hard-fail"`` carry on with a warning per
    certificate whose status is unknown, ``"require"`` fails (:func:`pki_lab.validation.crl.decide_revocation`).
    """
    if revocation not in REVOCATION_MODES:
        raise ParameterError(f"`revocation` must be one of {', '.join(REVOCATION_MODES)}, not {revocation!r:.40}.")
    return chain_with_faults(*faults).validate(revocation=revocation)


def _step_line(step, label: str, colour: str) -> str:
    return (f"<span style='color:{colour}'><b>{label}</b></span> <code>{html.escape(step.rule)}</code> "
            f"{html.escape(step.position)}: {html.escape(step.sentence)} <small>[{html.escape(step.section)}]</small>")


def report_html(report: ValidationReport) -> str:
    """The verdict, the path, every failing step and every warning, as a short HTML block.

    Each step carries a coloured text label (FAIL, WARN), not only a symbol, so it reads without an emoji font;
    a valid path with warnings says "VALID with N warnings", never a plain VALID.
    """
    verdict = report.summary().split(": ", 1)[0]
    colour = "#cf222e" if not report.ok else "#9a6700" if report.warnings else "#1a7f37"
    lines = [f"<b style='color:{colour}'>{html.escape(verdict)}</b>: {html.escape(report.reason)}",
             f"<small>path tried: {html.escape(report.path_text())}</small>"]
    lines += [_step_line(s, "FAIL", "#cf222e") for s in report.failures]
    lines += [_step_line(s, "WARN", "#9a6700") for s in report.warnings]
    return "<br>".join(lines)


def chain_figure(report: ValidationReport):
    """The report's candidate-issuer graph on a figure of its own (off pyplot: shown in the widget only)."""
    fig, ax = new_figure((6.5, 4.2))
    report.graph(ax=ax)
    return fig


def chain_faults() -> TryIt:
    """Toggle faults on a chain; the report and the candidate-issuer graph update at once."""
    import ipywidgets as w

    boxes = {name: w.Checkbox(value=False, description=name, indent=False, layout=w.Layout(width="8em"))
             for name in FAULTS}
    revocation = w.Dropdown(options=list(REVOCATION_MODES), value="off", description="revocation",
                            layout=w.Layout(width="16em"))
    help_text = w.HTML("<br>".join(f"<b>{html.escape(k)}</b>: {html.escape(v)}" for k, v in FAULTS.items())
                       + "<br><b>revocation</b>: what the client does without a CRL for a certificate "
                         "(off: no check; soft-fail, hard-fail: a warning; require: a failure)")
    verdict = w.HTML()
    picture = w.Image(format="png")

    def update(_change: Any = None) -> None:
        report = fault_report([name for name, box in boxes.items() if box.value], revocation.value)
        verdict.value = report_html(report)
        show_in_image(picture, chain_figure(report))

    for control in (*boxes.values(), revocation):
        control.observe(update, names="value")
    update()
    ui = w.VBox([w.HBox([*boxes.values(), revocation]), help_text, verdict, picture])
    return TryIt(ui, "toggle faults on a chain and watch the report and graph change", verdict=verdict,
                 picture=picture, revocation=revocation, **boxes)
