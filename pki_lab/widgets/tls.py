"""Try it: pick a TLS scenario, run a real handshake on loopback, and read the verdict.

A thin shell over :func:`case_lines`, which runs :func:`pki_lab.tls.run_case` (a real
server and client on 127.0.0.1, always closed afterwards) and turns both sides' views
into lines of text: what the client saw (negotiated parameters or a classified
failure) and what the server saw.
"""

from __future__ import annotations

import html
from typing import Any

from ..tls import CASES, TlsPki, lab_tls_pki, run_case
from . import TryIt

__all__ = ["case_lines", "handshake_explorer"]


def case_lines(case: str, pki: TlsPki | None = None) -> list[str]:
    """Run ``case`` (one of :data:`pki_lab.tls.CASES`) and describe it in lines of text (no bytes, dates or ports)."""
    result, record = run_case(case, pki)
    lines = str(result).splitlines()
    if record is not None:
        lines.append(str(record))
    return lines


def handshake_explorer(pki: TlsPki | None = None, case: str = "ok") -> TryIt:
    """A drop-down of scenarios and a button that runs a real handshake."""
    import ipywidgets as w

    pki = pki or lab_tls_pki()
    choice = w.Dropdown(options=list(CASES), value=case, description="scenario", layout=w.Layout(width="28em"))
    button = w.Button(description="connect")
    output = w.HTML()

    def run(_change: Any = None) -> None:
        lines = case_lines(choice.value, pki)
        output.value = "<pre>" + html.escape("\n".join(lines)) + "</pre>"

    button.on_click(run)
    choice.observe(run, names="value")
    run()
    return TryIt(w.VBox([w.HBox([choice, button]), output]),
                 "pick a TLS scenario and run a real handshake on 127.0.0.1",
                 case=choice, button=button, output=output)
