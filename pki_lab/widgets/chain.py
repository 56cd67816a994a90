"""Try it: break a chain on purpose and watch the validator's report and graph change.

Four faults can be toggled on the gallery chain (Gallery Root CA -> Gallery Issuing
CA -> www.example.com), alone or together: **expire** (move the clock past the
issuing CA's notAfter), **remove** (the server forgets the intermediate), **resign**
(an impostor re-signs the leaf) and **constrain** (the root limits the issuing CA
to example.org). The widget is a thin shell over :func:`fault_report` and
:func:`report_html` (pure, unit tested).
"""

from __future__ import annotations

import html
import io
from collections.abc import Iterable
from typing import Any

from ..validation.gallery import FAULTS, chain_with_faults
from ..validation.report import ValidationReport
from . import TryIt

__all__ = ["FAULTS", "fault_report", "report_html", "chain_faults"]


def fault_report(faults: Iterable[str] = ()) -> ValidationReport:
    """Validate the gallery chain with these faults applied (see :data:`FAULTS`)."""
    return chain_with_faults(*faults).validate()


def report_html(report: ValidationReport) -> str:
    """The verdict, the path and every failing step, as a short HTML block."""
    colour = "#1a7f37" if report.ok else "#cf222e"
    lines = [f"<b style='color:{colour}'>{'VALID' if report.ok else 'INVALID'}</b>: {html.escape(report.reason)}",
             f"<small>path tried: {html.escape(report.path_text())}</small>"]
    lines += [f"&#10008; <code>{html.escape(s.rule)}</code> {html.escape(s.position)}: {html.escape(s.sentence)} "
              f"<small>[{html.escape(s.section)}]</small>" for s in report.failures]
    return "<br>".join(lines)


def chain_faults() -> TryIt:
    """Toggle faults on a chain; the report and the candidate-issuer graph update at once."""
    import ipywidgets as w
    import matplotlib.pyplot as plt

    boxes = {name: w.Checkbox(value=False, description=name, indent=False, layout=w.Layout(width="8em"))
             for name in FAULTS}
    help_text = w.HTML("<br>".join(f"<b>{html.escape(k)}</b>: {html.escape(v)}" for k, v in FAULTS.items()))
    verdict = w.HTML()
    picture = w.Image(format="png", layout=w.Layout(max_width="46em"))

    def update(_change: Any = None) -> None:
        report = fault_report([name for name, box in boxes.items() if box.value])
        verdict.value = report_html(report)
        fig, ax = plt.subplots(figsize=(6.5, 4.2))
        report.graph(ax=ax)
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=80, bbox_inches="tight")
        plt.close(fig)  # shown in the widget only, not again below the cell
        picture.value = buffer.getvalue()

    for box in boxes.values():
        box.observe(update, names="value")
    update()
    ui = w.VBox([w.HBox(list(boxes.values())), help_text, verdict, picture])
    return TryIt(ui, "toggle faults on a chain and watch the report and graph change", verdict=verdict,
                 picture=picture, **boxes)
