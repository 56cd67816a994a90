"""Try it: drag the lab clock along a timeline and watch each certificate's state.

The widget is a thin shell over :func:`states_at` (pure, unit tested): for each
named certificate, its state at an instant under a renewal policy, and a
timeline bar drawn as text (``.`` before notBefore, ``=`` valid, ``~`` renewal
window, ``x`` after notAfter, ``|`` the clock).
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import html
from collections.abc import Mapping
from typing import Any

from cryptography import x509

from .. import clock
from ..errors import ParameterError, WrongTypeError, a_type
from ..lifecycle import State
from ..renewal import RenewalPolicy, state_under_policy
from . import TryIt

__all__ = ["StateRow", "states_at", "timeline_bar", "render_html", "lifecycle_timeline", "TIMELINE_KEY"]

#: What the characters of a timeline bar mean (shown under the widget's table).
TIMELINE_KEY = ("key: each bar is one certificate's life from the timeline's start to its end; "
                "'.' not yet valid, '=' valid, '~' renewal window, 'x' expired, '|' the lab clock")

_COLOURS = {State.NOT_YET_VALID: "#57606a", State.VALID: "#1a7f37", State.RENEW: "#9a6700",
            State.EXPIRED: "#cf222e"}


@dataclasses.dataclass(frozen=True)
class StateRow:
    """One certificate at one instant: its state, the days left, and a text timeline."""

    name: str
    state: State
    days_left: float
    bar: str

    def __str__(self) -> str:
        return f"{self.name:<20} {self.bar}  {self.summary}"

    @property
    def summary(self) -> str:
        """The state in words: 'valid, 12.0 days left', 'expired 3.5 days ago', ..."""
        if self.state is State.EXPIRED:
            return f"expired {-self.days_left:.1f} days ago"
        if self.state is State.NOT_YET_VALID:
            return "not yet valid"
        return f"{self.state.value}, {self.days_left:.1f} days left"


def timeline_bar(cert: x509.Certificate, policy: RenewalPolicy, at: _dt.datetime, *, start: _dt.datetime,
                 end: _dt.datetime, width: int = 40) -> str:
    """A ``width``-character picture of ``cert``'s life between ``start`` and ``end``, with ``|`` at ``at``."""
    if end <= start:
        raise ParameterError("The timeline's end must come after its start.")
    step = (end - start) / width
    chars = []
    for i in range(width):
        middle = start + step * (i + 0.5)
        state = state_under_policy(cert, policy, middle)
        chars.append({State.NOT_YET_VALID: ".", State.VALID: "=", State.RENEW: "~", State.EXPIRED: "x"}[state])
    if start <= at < end:
        chars[min(width - 1, int((at - start) / step))] = "|"
    return "".join(chars)


def states_at(certs: Mapping[str, x509.Certificate], at: _dt.datetime | None = None, *,
              policy: RenewalPolicy | None = None, start: _dt.datetime | None = None,
              end: _dt.datetime | None = None, width: int = 40) -> tuple[StateRow, ...]:
    """Each certificate's state at ``at`` (default: lab clock) under ``policy`` (default: 30 days before expiry).

    ``start`` and ``end`` bound the text timeline (default: the earliest notBefore and latest notAfter,
    widened by a tenth on each side).
    """
    if not isinstance(certs, Mapping) or not certs:
        raise WrongTypeError("`certs` must be a non-empty mapping of name -> certificate.")
    for name, cert in certs.items():
        if not isinstance(cert, x509.Certificate):
            raise WrongTypeError(f"{name!r} maps to {a_type(cert)}, not an x509.Certificate.")
    policy = policy or RenewalPolicy(days_before=30)
    when = clock.now() if at is None else clock.require_aware(at)
    lo = min(c.not_valid_before_utc for c in certs.values())
    hi = max(c.not_valid_after_utc for c in certs.values())
    pad = (hi - lo) / 10
    start = lo - pad if start is None else clock.require_aware(start, "start")
    end = hi + pad if end is None else clock.require_aware(end, "end")
    return tuple(
        StateRow(name, state_under_policy(cert, policy, when),
                 (cert.not_valid_after_utc - when).total_seconds() / 86400,
                 timeline_bar(cert, policy, when, start=start, end=end, width=width))
        for name, cert in certs.items()
    )


def render_html(rows: tuple[StateRow, ...], at: _dt.datetime) -> str:
    """The rows as an HTML table (what the widget shows)."""
    lines = [f"<b>lab clock: {at.strftime('%Y-%m-%d %H:%M UTC')}</b>", "<table>"]
    for row in rows:
        colour = _COLOURS[row.state]
        lines.append(f"<tr><td>{html.escape(row.name)}</td><td><code>{html.escape(row.bar)}</code></td>"
                     f"<td style='color:{colour}'><b>{row.state.value}</b></td>"
                     f"<td>{html.escape(row.summary)}</td></tr>")
    lines.append("</table>")
    lines.append(f"<div style='color:#57606a'>{html.escape(TIMELINE_KEY)}</div>")
    return "\n".join(lines)


def lifecycle_timeline(certs: Mapping[str, x509.Certificate], *, policy: RenewalPolicy | None = None,
                       days_before: int = 30, days_after: int = 400) -> TryIt:
    """Slide the lab clock from ``days_before`` before now to ``days_after`` after; see every state."""
    import ipywidgets as w

    rows0 = states_at(certs, policy=policy)  # validates the input before building widgets
    del rows0
    slider = w.IntSlider(value=0, min=-days_before, max=days_after, step=1, description="days from now",
                         continuous_update=True, style={"description_width": "initial"},
                         layout=w.Layout(width="36em"))
    table = w.HTML()

    def update(_change: Any = None) -> None:
        when = clock.now() + _dt.timedelta(days=slider.value)
        table.value = render_html(states_at(certs, when, policy=policy), when)

    slider.observe(update, names="value")
    update()
    return TryIt(w.VBox([slider, table]), "drag the lab clock and watch each certificate's state",
                 slider=slider, table=table)
