"""Try-it widgets of chapters 11 and 12.

* :func:`failure_explorer`: pick a failure, see which service rejects it and why (a thin shell over
  :func:`pki_lab.iot.gallery.failure_card`);
* :func:`design_explorer`: move a product PKI's numbers and see the design check (a thin shell over
  :func:`pki_lab.iot.capstone.design_report`).
"""

from __future__ import annotations

import html
from typing import Any

from ..iot.capstone import design_report
from ..iot.gallery import FAILURES, failure_card
from . import TryIt

__all__ = ["failure_explorer", "design_explorer"]


def failure_explorer(initial: str = "CN mismatch") -> TryIt:
    """A dropdown of the gallery's failures; the card shows who refuses (DPS, the hub, a broker, the device) and why."""
    import ipywidgets as w

    pick = w.Dropdown(options=list(FAILURES), value=initial, description="failure",
                      layout=w.Layout(width="28em"))
    card = w.HTML()

    def update(_change: Any = None) -> None:
        first, verdict, reason = failure_card(pick.value).split("\n")
        colour = "#1a7f37" if " accepts " in verdict else "#cf222e"
        card.value = (f"<p>{html.escape(first)}</p><p style='color:{colour}'><b>{html.escape(verdict)}</b></p>"
                      f"<p>{html.escape(reason)}</p>")

    pick.observe(update, names="value")
    update()
    return TryIt(w.VBox([pick, card]), "pick a failure and see the verdict of whoever notices it",
                 pick=pick, card=card)


def design_explorer() -> TryIt:
    """Sliders for the number of factories and the lifetimes; the text below is the design check."""
    import ipywidgets as w

    style = {"description_width": "initial"}
    factories = w.IntSlider(value=2, min=0, max=6, description="factories", style=style)
    issuing = w.IntSlider(value=1825, min=365, max=7300, step=365, description="issuing CA days", style=style)
    device = w.IntSlider(value=1095, min=30, max=7300, step=30, description="device days", style=style)
    report = w.HTML()

    def update(_change: Any = None) -> None:
        report.value = html.escape(design_report(factories.value, issuing.value, device.value))

    for control in (factories, issuing, device):
        control.observe(update, names="value")
    update()
    return TryIt(w.VBox([factories, issuing, device, report]), "change the design's numbers and see the design check",
                 factories=factories, issuing=issuing, device=device, report=report)
