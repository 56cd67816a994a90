"""Try-it widgets of chapters 11 and 12.

* :func:`failure_explorer`: pick a failure, see which service rejects it and why (a thin shell over
  :func:`pki_lab.iot.gallery.failure_card`);
* :func:`design_explorer`: move a product PKI's lifetimes and see milestone 1's lifetime rules (a thin shell
  over :func:`pki_lab.iot.capstone.lifetime_report`).
"""

from __future__ import annotations

import html
from typing import Any

from ..iot.capstone import WORKED_EXAMPLE, lifetime_report
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
    """Sliders for the three lifetimes, starting on the worked example's values (each on its slider's step); the
    text below is the lifetime rules of milestone 1 (a thin shell over :func:`pki_lab.iot.capstone.lifetime_report`:
    an equal lifetime is refused, as the exercise's rule says)."""
    import ipywidgets as w

    style = {"description_width": "initial"}
    ex = WORKED_EXAMPLE
    root = w.IntSlider(value=ex.root_days, min=365, max=9125, step=365, description="root days", style=style)
    issuing = w.IntSlider(value=ex.issuing_days, min=365, max=7300, step=365, description="issuing CA days",
                          style=style)
    device = w.IntSlider(value=ex.device_days, min=30, max=3650, step=5, description="device days", style=style)
    report = w.HTML()

    def update(_change: Any = None) -> None:
        rows = []
        for line in lifetime_report(root.value, issuing.value, device.value).split("\n"):
            colour = "#1a7f37" if line.startswith("PASS") else "#cf222e"
            verdict, rest = line.split(" ", 1)
            rows.append(f"<p><b style='color:{colour}'>{verdict}</b> {html.escape(rest)}</p>")
        report.value = "".join(rows)

    for control in (root, issuing, device):
        control.observe(update, names="value")
    update()
    return TryIt(w.VBox([root, issuing, device, report]), "move the lifetimes and read milestone 1's lifetime rules",
                 root=root, issuing=issuing, device=device, report=report)
