"""Try it: pick a TLS scenario and the highest protocol version, run a real handshake on loopback, read the verdict.

A thin shell over :func:`run_lines` and :func:`run_html`, which run :func:`pki_lab.tls.run_case` (a real
server and client on 127.0.0.1, always closed afterwards) and turn both sides' views into lines of text: what
the client saw (negotiated parameters, the cipher suite read part by part, or a classified failure) and what
the server saw. Every run is numbered, so pressing **connect** again visibly runs again even when the verdict
is the same (the handshake's dates, bytes and ports are never shown: they change from run to run).
"""

from __future__ import annotations

import html
from typing import Any

from ..errors import ParameterError
from ..tls import CASES, TlsPki, lab_tls_pki, run_case, suite_parts
from . import TryIt

__all__ = ["VERSIONS", "case_lines", "run_lines", "run_html", "handshake_explorer"]

#: The client's highest protocol version: the widget's second drop-down.
VERSIONS = ("TLSv1.3", "TLSv1.2")


def case_lines(case: str, pki: TlsPki | None = None, *, max_version: str | None = None) -> list[str]:
    """Run ``case`` (one of :data:`pki_lab.tls.CASES`) and describe it in lines of text (no bytes, dates or ports).

    A completed handshake also gets its cipher suite read part by part (:func:`pki_lab.tls.suite_parts`).
    """
    result, record = run_case(case, pki, max_version=max_version)
    lines = str(result).splitlines()
    if result.ok and result.cipher:
        parts = suite_parts(result.cipher)
        lines += [f"  suite, read:    key exchange {parts.key_exchange}",
                  f"                  authentication {parts.authentication}",
                  f"                  records {parts.record_protection}; integrity {parts.integrity}"]
    if record is not None:
        lines.append(str(record))
    return lines


def run_lines(run: int, case: str, max_version: str = "TLSv1.3", pki: TlsPki | None = None) -> list[str]:
    """Run number ``run`` of the widget: a heading line (run, scenario, highest version), then :func:`case_lines`."""
    if isinstance(run, bool) or not isinstance(run, int) or run < 1:
        raise ParameterError(f"`run` must be a whole number from 1, not {run!r:.40}.")
    if max_version not in VERSIONS:
        raise ParameterError(f"`max_version` must be one of {', '.join(VERSIONS)}, not {max_version!r:.40}.")
    heading = f"run {run}: scenario {case!r}, client allows up to {max_version}, server on 127.0.0.1"
    return [heading, *case_lines(case, pki, max_version=max_version)]


def run_html(lines: list[str]) -> str:
    """The lines of :func:`run_lines` as HTML: a coloured text verdict (no emoji needed), then the transcript."""
    ok = len(lines) > 1 and lines[1].startswith("connected")
    colour, label = ("#1a7f37", "CONNECTED") if ok else ("#cf222e", "FAILED")
    return (f"<div><b style='color:{colour}'>{label}</b> <small>{html.escape(lines[0])}</small>"
            f"<pre style='margin:4px 0;white-space:pre-wrap'>{html.escape(chr(10).join(lines[1:]))}</pre></div>")


def handshake_explorer(pki: TlsPki | None = None, case: str = "ok", max_version: str = "TLSv1.3") -> TryIt:
    """Two drop-downs (scenario, highest version) and a button; each click runs a real handshake, numbered."""
    import ipywidgets as w

    pki = pki or lab_tls_pki()
    if not isinstance(case, str) or case not in CASES:
        raise ParameterError(f"Unknown case {case!r:.60}; choose one of: {', '.join(CASES)}.")
    if max_version not in VERSIONS:
        raise ParameterError(f"`max_version` must be one of {', '.join(VERSIONS)}, not {max_version!r:.40}.")
    choice = w.Dropdown(options=list(CASES), value=case, description="scenario", layout=w.Layout(width="24em"))
    version = w.Dropdown(options=list(VERSIONS), value=max_version, description="up to",
                         layout=w.Layout(width="14em"))
    button = w.Button(description="connect", button_style="primary", icon="plug")
    output = w.HTML()
    runs = [0]

    def run(_change: Any = None) -> None:
        runs[0] += 1
        button.disabled = True
        try:
            output.value = run_html(run_lines(runs[0], choice.value, version.value, pki))
        finally:
            button.disabled = False

    button.on_click(run)
    choice.observe(run, names="value")
    version.observe(run, names="value")
    run()
    return TryIt(w.VBox([w.HBox([choice, version, button]), output]),
                 "pick a TLS scenario and run a real handshake on 127.0.0.1",
                 case=choice, version=version, button=button, output=output)
