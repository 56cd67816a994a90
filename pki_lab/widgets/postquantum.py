"""Try it: pick the algorithm of a chain's root, intermediate and leaf, and see what the chain costs.

Three menus choose the signature algorithm at each level; the lab CA issues that chain and the widget shows
its sizes, the TLS 1.3 handshake cost (against TCP's initial window and QUIC's first-flight limit), and what a
constrained device and a CT log make of it. A *measure speed* button times signing and verification with
each algorithm here and now and shows the ratios to ECDSA P-256 (live figures: they are never stored).
A thin shell over :func:`chain_cost_html` and :func:`speed_html` (pure, unit tested), which stand on
:mod:`pki_lab.postquantum`.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any

from ..loading import to_der
from ..postquantum import (
    ALGORITHMS,
    INITIAL_WINDOW,
    SpeedRow,
    ct_cost,
    device_view,
    handshake_cost,
    lab_chain,
    speed_ratios,
)
from . import TryIt

__all__ = ["chain_cost_lines", "chain_cost_html", "speed_html", "chain_cost_explorer"]

#: Timings per algorithm and operation when the button is pressed (a second or two in all on a slow machine).
REPEAT = 11


def chain_cost_lines(root: str, intermediate: str, leaf: str) -> list[str]:
    """The widget's text: the chain's sizes, the handshake cost, the device's and the CT log's view."""
    chain = lab_chain(root, intermediate, leaf)
    sizes = [len(to_der(c)) for c in chain.certificates]
    cost = handshake_cost(*chain.certificates)
    return [f"chain {chain.label()}: root {sizes[0]:,} + intermediate {sizes[1]:,} + leaf {sizes[2]:,} = "
            f"{sum(sizes):,} bytes; the server sends leaf + intermediate ({sizes[1] + sizes[2]:,} bytes)",
            f"TLS 1.3: {cost!r}",
            *repr(device_view(*chain.certificates)).splitlines(),
            f"CT: {ct_cost(chain.leaf)!r}"]


def chain_cost_html(root: str, intermediate: str, leaf: str) -> str:
    """:func:`chain_cost_lines` as HTML, the handshake verdict coloured (green: fits, red: an extra round trip)."""
    lines = chain_cost_lines(root, intermediate, leaf)
    cost = handshake_cost(*lab_chain(root, intermediate, leaf).certificates)
    colour = "#1a7f37" if cost.total <= INITIAL_WINDOW else "#cf222e"
    label = "FITS" if cost.total <= INITIAL_WINDOW else "EXTRA ROUND TRIP"
    body = [f"<b>{html.escape(lines[0])}</b>",
            f"<span style='color:{colour}'><b>{label}</b></span> {html.escape(lines[1])}",
            *(html.escape(line) for line in lines[2:])]
    return "<br>".join(body)


def speed_html(rows: Sequence[SpeedRow]) -> str:
    """A table of measured sign and verify times and their ratios to ECDSA P-256 (figures vary from run to run)."""
    pad = "style='text-align:right;padding:0 0.8em'"
    cells = "".join(
        f"<tr><td style='text-align:left;padding:0 0.8em'>{html.escape(r.algorithm)}</td>"
        f"<td {pad}>{r.sign_us:,.0f} µs</td><td {pad}>{r.sign_ratio:.1f}x</td>"
        f"<td {pad}>{r.verify_us:,.0f} µs</td><td {pad}>{r.verify_ratio:.1f}x</td></tr>"
        for r in rows)
    return (f"<p>Measured just now on this machine (median of {REPEAT}; ratios to ECDSA P-256):</p>"
            "<table><thead><tr><th>algorithm</th><th>sign</th><th>ratio</th><th>verify</th><th>ratio</th></tr>"
            f"</thead><tbody>{cells}</tbody></table>")


def chain_cost_explorer(root: str = "ML-DSA-65", intermediate: str = "ML-DSA-65", leaf: str = "ML-DSA-65") -> TryIt:
    """Three menus (root, intermediate, leaf algorithm), the chain's cost, and a button that measures speed."""
    import ipywidgets as w

    chain_cost_html(root, intermediate, leaf)  # checks the starting choice before building widgets
    menus = {role: w.Dropdown(options=list(ALGORITHMS), value=value, description=role,
                              style={"description_width": "initial"}, layout=w.Layout(width="auto"))
             for role, value in (("root", root), ("intermediate", intermediate), ("leaf", leaf))}
    cost = w.HTML()
    button = w.Button(description="measure speed", tooltip="time signing and verifying with each algorithm, now")
    speed = w.HTML("<i>Press measure speed to time each algorithm on this machine.</i>")
    runs = {"count": 0}

    def update(_change: Any = None) -> None:
        cost.value = chain_cost_html(menus["root"].value, menus["intermediate"].value, menus["leaf"].value)

    def measure(_button: Any = None) -> None:
        runs["count"] += 1
        speed.value = speed_html(speed_ratios(repeat=REPEAT)) + f"<small>measurement {runs['count']}</small>"

    for menu in menus.values():
        menu.observe(update, names="value")
    button.on_click(measure)
    update()
    box = w.VBox([w.HBox(list(menus.values())), cost, button, speed])
    return TryIt(box, "pick the algorithm of root, intermediate and leaf, and see the chain's size and "
                      "handshake cost", cost=cost, button=button, speed=speed, **menus)
