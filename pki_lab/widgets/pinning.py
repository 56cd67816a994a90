"""Try it: choose a pinning policy and a rotation event, and see which devices break.

A thin shell over :func:`impact_html` and :func:`pki_lab.rotation.rotation_impact`
(pure, unit tested): for the chosen policy and event, three kinds of device (fixed
pin set; updatable and online at the announcement; updatable but offline through it)
and whether each keeps working, breaks, or was already broken, with the reason.
"""

from __future__ import annotations

import html
from typing import Any

from ..rotation import EVENTS, POLICIES, rotation_impact
from . import TryIt

__all__ = ["impact_lines", "impact_html", "pinning_explorer"]

_COLOURS = {"BREAKS": "#cf222e", "keeps working": "#1a7f37", "already broken": "#57606a"}


def _outcome(row) -> str:
    return "BREAKS" if row.breaks else ("keeps working" if row.after.accepted else "already broken")


def impact_lines(policy: str, event: str) -> list[str]:
    """One text line per kind of device: ``<device>: <outcome> (<reason>)``."""
    return [f"{row.device}: {_outcome(row)} ({row.after.reason})" for row in rotation_impact(policy, event)]


def impact_html(policy: str, event: str) -> str:
    """The same as :func:`impact_lines`, as an HTML table with coloured outcomes."""
    description = next(e[3] for e in EVENTS if e[0] == event) if event in [e[0] for e in EVENTS] else ""
    rows = []
    for row in rotation_impact(policy, event):
        outcome = _outcome(row)
        rows.append(
            f"<tr><td style='text-align:left'>{html.escape(row.device)}</td>"
            f"<td style='text-align:left;color:{_COLOURS[outcome]}'><b>{outcome}</b></td>"
            f"<td style='text-align:left'>{html.escape(row.after.reason)}</td></tr>"
        )
    return (f"<p><b>{html.escape(event)}</b>: {html.escape(description)}</p>"
            "<table><thead><tr><th>device</th><th>after the switch</th><th>why</th></tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table>")


def pinning_explorer(policy: str = "SPKI pin + backup", event: str = "root migration") -> TryIt:
    """Two drop-downs (policy, event) and a table of which devices break."""
    import ipywidgets as w

    impact_html(policy, event)  # validates the starting choice before building widgets
    policies = w.Dropdown(options=list(POLICIES), value=policy, description="policy",
                          layout=w.Layout(width="28em"))
    events = w.Dropdown(options=[e[0] for e in EVENTS[1:]], value=event, description="event",
                        layout=w.Layout(width="28em"))
    table = w.HTML()

    def update(_change: Any = None) -> None:
        table.value = impact_html(policies.value, events.value)

    policies.observe(update, names="value")
    events.observe(update, names="value")
    update()
    return TryIt(w.VBox([w.HBox([policies, events]), table]),
                 "choose a pinning policy and a rotation event, and see which devices break",
                 policy=policies, event=events, table=table)
