"""Chapter 07's widget and plot: a revoke button that flips a chain's verdict, and CRL size growth.

:class:`RevocationDemo` (pure, unit-tested) holds a demo hierarchy, one
:class:`~pki_lab.revocation.RevocationRegistry` per CA and the CRLs they
publish; :meth:`RevocationDemo.verdict` takes its verdict from chapter 04's
:func:`pki_lab.validation.validate_chain` with those CRLs, and lists each
certificate's revocation status (:attr:`~pki_lab.validation.ValidationReport.revocation`) under it;
:meth:`RevocationDemo.preview` says what "Revoke" will do with the controls as they stand, so the
"revoke" toggle and the "reason" menu show their choice before the button is pressed.
:func:`revoke_button` is the widget shell; :func:`plot_crl_growth` draws how a CRL grows with its revocations.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import html
from typing import Any

from ..errors import ParameterError, PkiLabError
from ..revocation import REASONS, RevocationRegistry, crl_size_table, reason_name
from ..transparency import certificate_names
from ..validation import validate_chain
from ..validation.crl import RevocationMode
from . import TryIt

__all__ = ["ChainVerdict", "RevocationDemo", "chain_verdict", "verdict_html", "revoke_button", "plot_crl_growth"]


@dataclasses.dataclass(frozen=True)
class ChainVerdict:
    """Whether a client accepts the chain, and one line per certificate's revocation status.

    ``rows`` holds the same per-certificate facts as ``(subject, status, detail)``, for the widget's table.
    """

    accepted: bool
    lines: tuple[str, ...]
    rows: tuple[tuple[str, str, str], ...] = ()

    def sentence(self) -> str:
        head = "ACCEPTED: no certificate in the chain is revoked" if self.accepted else "REJECTED"
        return "\n".join([head] + [f"  {line}" for line in self.lines])


#: A status's colour in the widget; the status is always written out too, so colour is never the only signal.
GREEN, RED, AMBER = "#1a7f37", "#cf222e", "#9a6700"
_STATUS_COLOURS = {"good": GREEN, "revoked": RED}  # every other status (unknown, unchecked, ...) is amber
_WRAP = "white-space:normal;word-break:normal;overflow-wrap:break-word"  # wrap between words, never inside one


def verdict_html(verdict: ChainVerdict, message: str = "") -> str:
    """The widget's report: the verdict as a labelled badge, then one row per certificate, coloured by its status.

    Good is green, revoked red, anything else (unknown, unchecked, ...) amber, and every row spells its status
    out. Text wraps between words (a long serial number breaks only when it cannot fit a line by itself).
    """
    colour = GREEN if verdict.accepted else RED
    label = "ACCEPTED" if verdict.accepted else "REJECTED"
    parts = [f"<div style='{_WRAP}'>"]
    if message:
        parts.append(f"<div style='margin-bottom:4px'>{html.escape(message)}</div>")
    parts.append(f"<div><span style='background:{colour};color:#fff;font-weight:bold;padding:1px 6px;"
                 f"border-radius:3px'>{label}</span></div>")
    rows = list(verdict.rows)
    extra = [line for line in verdict.lines if not any(line.startswith(f"{s}: {st}:") for s, st, _ in rows)]
    for line in extra:  # the validator's own sentence
        parts.append(f"<div style='margin:4px 0'>{html.escape(line)}</div>")
    if rows:
        parts.append("<table style='border-collapse:collapse;margin-top:4px;font-size:inherit'>")
        for subject, status, detail in rows:
            tint = _STATUS_COLOURS.get(status, AMBER)
            parts.append(
                f"<tr><td style='padding:2px 8px 2px 0;vertical-align:top;color:{tint};font-weight:bold;"
                f"white-space:nowrap'>{html.escape(status.upper())}</td>"
                f"<td style='padding:2px 8px 2px 0;vertical-align:top;white-space:nowrap'>{html.escape(subject)}</td>"
                f"<td style='padding:2px 0;vertical-align:top;{_WRAP}'>{html.escape(detail)}</td></tr>")
        parts.append("</table>")
    parts.append("</div>")
    return "".join(parts)


def chain_verdict(chain: list, crls: list, at: _dt.datetime | None = None, *,
                  mode: object = RevocationMode.REQUIRE) -> ChainVerdict:
    """The revocation verdict on ``chain`` (leaf first, root last) with ``crls``, under revocation ``mode``.

    The one mechanism of the lab: :func:`pki_lab.validation.validate_chain` with ``revocation=mode``
    (RFC 5280 6.3.3 over every CRL given, then :func:`pki_lab.validation.crl.decide_revocation`), on
    the chain as given, for no particular purpose (RFC 5280 alone). One line per certificate below the
    root: its status and why. A certificate no CRL speaks for is "unchecked"; the default client
    requires revocation information, so the chain is then not accepted (RFC 5280 6.3 leaves the policy
    to the application).
    """
    mode = RevocationMode.parse(mode)
    report = validate_chain(chain[0], chain[1:-1], trust=chain[-1:], at=at, usage=None, profile="rfc5280",
                            crls=crls, revocation=mode)
    rows = tuple((subject, str(status), _tail(status, reason)) for _, subject, status, reason in report.revocation)
    return ChainVerdict(bool(report.ok), tuple(f"{s}: {st}: {d}" for s, st, d in rows), rows)


_LEADS = ("Not revoked: ", "Revoked: ", "Its revocation status cannot be determined: ",
          "Its revocation status was not checked: ")


def _tail(status: str, reason: str) -> str:
    """The report's sentence without the lead that repeats the status."""
    for lead in _LEADS:
        if reason.startswith(lead):
            return reason[len(lead):].rstrip(".")
    return reason.rstrip(".")


def _first_name(cert: Any) -> str | None:
    names = certificate_names(cert)
    return names[0] if names else None


class RevocationDemo:
    """A root, an issuing CA and a leaf, with a registry per CA; revoke and re-check."""

    def __init__(self, hierarchy: Any) -> None:
        self.hierarchy = hierarchy
        self.reset()

    def reset(self) -> None:
        """Start again with nothing revoked (a real CA cannot un-revoke; the lab just starts over)."""
        self.registries = {"root": RevocationRegistry(self.hierarchy.root),
                           "issuing": RevocationRegistry(self.hierarchy.intermediate)}

    def _target(self, which: str) -> tuple[Any, str]:
        """(the certificate, the registry that revokes it) for ``which``."""
        if which == "leaf":
            return self.hierarchy.leaf, "issuing"
        if which == "issuing CA":
            return self.hierarchy.intermediate.certificate, "root"
        raise ParameterError(f"`which` must be 'leaf' or 'issuing CA', not {which!r}.")

    def revoke(self, which: str = "leaf", reason: str = "keyCompromise") -> str:
        """Revoke the leaf (in the issuing CA's registry) or the issuing CA (in the root's); say what happened."""
        cert, registry = self._target(which)
        return self.registries[registry].revoke(cert, reason).sentence()

    def preview(self, which: str = "leaf", reason: str = "keyCompromise") -> str:
        """What :meth:`revoke` would do with these choices, in one line, without doing it.

        ``will revoke: issuing CA (keyCompromise), in the root's CRL``; a certificate already revoked is
        revoked only once, so then the line says that the button will change nothing.
        """
        cert, registry = self._target(which)
        reason = reason_name(reason)
        record = self.registries[registry].is_revoked(cert)
        if record is not None:
            return (f"will revoke: nothing, the {which} is already revoked ({record.reason}, on "
                    f"{record.date.date().isoformat()}); press Start again to begin over")
        crl = "the issuing CA's CRL" if registry == "issuing" else "the root's CRL"
        return f"will revoke: {which} ({reason}), in {crl}"

    def crls(self) -> list:
        """Fresh CRLs from both CAs, as a client would download them now."""
        return [r.publish_crl() for r in self.registries.values()]

    def verdict(self) -> ChainVerdict:
        chain = [self.hierarchy.leaf, self.hierarchy.intermediate.certificate, self.hierarchy.root.certificate]
        crls = self.crls()
        per_cert = chain_verdict(chain, crls)
        leaf = self.hierarchy.leaf
        report = validate_chain(leaf, [chain[1]], trust=[chain[2]], name=_first_name(leaf), crls=crls)
        return ChainVerdict(bool(report.ok), (f"validator: {report.reason}",) + per_cert.lines, per_cert.rows)


def revoke_button(hierarchy: Any) -> TryIt:
    """Press "Revoke" and watch the chain's verdict flip from accepted to rejected."""
    import ipywidgets as w

    demo = RevocationDemo(hierarchy)
    which = w.ToggleButtons(options=["leaf", "issuing CA"], description="revoke")
    reason = w.Dropdown(options=list(REASONS), value="keyCompromise", description="reason")
    revoke, reset = w.Button(description="Revoke", button_style="danger"), w.Button(description="Start again")
    preview = w.HTML()
    out = w.HTML()

    def will_revoke(_change: Any = None) -> None:  # a control changed, or the state did: what Revoke will do
        preview.value = (f"<div style='color:#57606a;{_WRAP}'>"
                         f"{html.escape(demo.preview(which.value, reason.value))}</div>")

    def show(message: str = "") -> None:
        out.value = verdict_html(demo.verdict(), message)
        will_revoke()

    def on_revoke(_button: Any) -> None:
        try:
            show(demo.revoke(which.value, reason.value))
        except PkiLabError as exc:  # a sentence for the learner (already revoked, say)
            show(str(exc))

    def on_reset(_button: Any) -> None:
        demo.reset()
        show("Started again: nothing is revoked.")

    which.observe(will_revoke, names="value")
    reason.observe(will_revoke, names="value")
    revoke.on_click(on_revoke)
    reset.on_click(on_reset)
    show()
    return TryIt(w.VBox([which, reason, w.HBox([revoke, reset]), preview, out]),
                 "revoke a certificate and watch the chain's verdict flip", demo=demo, revoke=revoke, reset=reset,
                 output=out, which=which, reason=reason, preview=preview)


def plot_crl_growth(ca: Any, counts: Any = (0, 1_000, 5_000, 10_000, 25_000, 50_000, 100_000), ax: Any = None):
    """Plot a CRL's size in bytes against its number of revocations (random 128-bit serials)."""
    import matplotlib.pyplot as plt

    table = crl_size_table(ca, counts)
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 3.5))
    ax.plot([n for n, _ in table], [size / 1e6 for _, size in table], marker="o")
    ax.set_xlabel("revoked certificates listed")
    ax.set_ylabel("CRL size (MB)")
    ax.set_title("Every client downloads the whole CRL: it grows linearly", fontsize=10)
    ax.grid(alpha=0.3)
    return table
