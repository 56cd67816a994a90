"""Try-it widgets: thin ipywidgets shells over pure, unit-tested functions.

Each widget is wrapped in :class:`TryIt`, which shows the live widget in
JupyterLab and a fixed one-line text everywhere else (a terminal, a stored
notebook's text output). That keeps notebook outputs identical from one
ipywidgets release to the next.

``ipywidgets`` is imported only when a widget is built, so ``import pki_lab``
stays fast.
"""

from __future__ import annotations

import datetime as _dt
from typing import Any

from .. import clock
from ..lifecycle import certificate_state

__all__ = ["TryIt", "validity_explorer"]


class TryIt:
    """A widget with a stable text form: ``Try it: <what it does>``."""

    def __init__(self, widget: Any, description: str, **parts: Any) -> None:
        self.widget = widget
        self.description = description
        #: The widget's named controls and outputs, for tests and for curious learners.
        self.parts = parts

    def __repr__(self) -> str:
        return f"Try it: {self.description} (an interactive widget: run this notebook in JupyterLab to use it)"

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict:
        bundle = dict(self.widget._repr_mimebundle_(include=include, exclude=exclude))
        bundle["text/plain"] = repr(self)
        return bundle


def validity_explorer(cert: Any, *, days_before: int = 30, days_after: int = 120) -> TryIt:
    """Slide the lab clock from ``days_before`` days before now to ``days_after`` after, and see the state.

    A shell over :func:`pki_lab.lifecycle.certificate_state`.
    """
    import ipywidgets as w

    slider = w.IntSlider(value=0, min=-days_before, max=days_after, step=1,
                         description="days from now", continuous_update=True,
                         style={"description_width": "initial"}, layout=w.Layout(width="32em"))
    label = w.HTML()

    def update(_change: Any = None) -> None:
        state = certificate_state(cert, clock.now() + _dt.timedelta(days=slider.value))
        colour = "#1a7f37" if state.is_valid else "#cf222e"
        label.value = f"<span style='color:{colour}'><b>{state.state}</b></span>: {state.sentence()}"

    slider.observe(update, names="value")
    update()
    box = w.VBox([slider, label])
    return TryIt(box, "move the lab clock and watch the certificate's validity", slider=slider, label=label)
