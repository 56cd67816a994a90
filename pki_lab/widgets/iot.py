"""Try-it widget of chapter 11: pick a failure, see which service rejects it and why.

A thin shell over :func:`pki_lab.iot.gallery.failure_card` (pure, unit-tested).
"""

from __future__ import annotations

import html
from typing import Any

from . import TryIt

__all__ = ["failure_explorer"]


def failure_explorer(initial: str = "CN mismatch") -> TryIt:
    """A dropdown of the gallery's failures; the card below shows the service's verdict and its reason."""
    import ipywidgets as w

    from ..iot.gallery import FAILURES, failure_card

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
    return TryIt(w.VBox([pick, card]), "pick a failure and see the provisioning service's verdict",
                 pick=pick, card=card)
