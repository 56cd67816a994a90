"""The validation report: a verdict a learner can read, step by step.

A :class:`ValidationReport` holds the verdict (``ok``), the path that was chosen
(leaf first), every :class:`Step` the validator took on it (the rule, where the
rule comes from, which certificate it concerns, a plain sentence, pass or fail)
and the first failure as ``reason``. It prints as text in a terminal, renders as
an HTML table in a notebook, and :meth:`ValidationReport.graph` draws the pool of
candidate issuers with the chosen path and the failing link marked.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import html
from collections.abc import Callable

from cryptography import x509

from ..names import certificate_label
from .graph import draw_report
from .rules import Rule

__all__ = ["Step", "ValidationReport"]

_LEFT = "style='text-align:left;vertical-align:top'"  # JupyterLab right-aligns table cells by default


@dataclasses.dataclass(frozen=True)
class Step:
    """One check on one certificate of the path.

    Attributes:
        rule: the rule's id, a :class:`~pki_lab.validation.rules.Rule` (equal to its string, e.g.
            ``"rfc5280-pathlen"``; the unit tests use the same ids).
        section: where the rule comes from, e.g. ``"RFC 5280 6.1.4 (m)"`` or ``"CABF BR 7.1.2.7.10"``.
        position: the certificate's place in the path, e.g. ``"intermediate 1"`` (leaf first).
        subject: the certificate's short name (see :func:`pki_lab.names.certificate_label`).
        sentence: what was checked and what was found, in plain words.
        ok: True if the check passed (a warning passes: the path stays valid).
        index: the certificate's index in the path (0 is the leaf).
        warning: True for a check that could not be made and was let through (a soft-fail or hard-fail
            revocation mode): neither a failure nor a plain pass.
        status: for a revocation step, the certificate's :class:`~pki_lab.validation.crl.RevocationStatus`.
    """

    rule: Rule
    section: str
    position: str
    subject: str
    sentence: str
    ok: bool
    index: int = 0
    warning: bool = False
    status: str | None = None

    def __str__(self) -> str:
        mark = "FAIL" if not self.ok else "WARN" if self.warning else "PASS"
        return f"{mark}  {self.position} ({self.subject}): {self.sentence} [{self.section}]"


@dataclasses.dataclass(frozen=True)
class ValidationReport:
    """The outcome of :func:`pki_lab.validation.validate_chain`.

    Attributes:
        ok: True if a valid path to a trust anchor was found.
        path: the chosen path, leaf first (for a failure: the most promising attempt).
        reason: the first failing step's sentence, or a sentence saying the path is valid.
        at: the instant of validation.
        name: the expected peer name, as text, or None.
        anchored: True if the path ends at a trust anchor.
        paths_tried: how many candidate paths the validator examined.
        pool: every certificate offered (trust anchors first), for the graph.
        anchors: the trust anchors.
    """

    ok: bool
    path: tuple[x509.Certificate, ...]
    at: _dt.datetime
    name: str | None = None
    anchored: bool = False
    paths_tried: int = 0
    pool: tuple[x509.Certificate, ...] = ()
    anchors: tuple[x509.Certificate, ...] = ()
    explain: Callable[[], list[Step]] | None = dataclasses.field(default=None, repr=False, compare=False)
    known_reason: str | None = dataclasses.field(default=None, repr=False)
    policy_outcome: Callable[[], object] | None = dataclasses.field(default=None, repr=False, compare=False)

    @property
    def policy(self) -> object:
        """The certificate-policy outcome of the path (RFC 5280 6.1.5 (g), 6.1.6), a
        :class:`~pki_lab.validation.policy_tree.PolicyOutcome`: ``authorities_constrained`` and ``user_constrained``
        (dotted OIDs; ``print`` names them), ``tree_text()`` lists the valid_policy_tree. None if not known."""
        cached = self.__dict__.get("_policy")
        if cached is None and self.policy_outcome is not None:
            cached = self.policy_outcome()
            object.__setattr__(self, "_policy", cached)
        return cached

    @property
    def reason(self) -> str:
        """The first failing step ("position (name): sentence"), or a sentence saying the path is valid."""
        if self.known_reason is not None:
            return self.known_reason
        failure = self.failure
        return f"{failure.position} ({failure.subject}): {failure.sentence}" if failure else "No step failed."

    @property
    def steps(self) -> tuple[Step, ...]:
        """Every check made on the path, from the trust anchor down (RFC 5280 6.1 order).

        Worked out the first time it is asked for: choosing a path only needs each candidate's
        verdict (found with the cheap checks first, signatures last), so the full explanation, in
        RFC 5280 order, is only written for the path shown.
        """
        cached = self.__dict__.get("_steps")
        if cached is None:
            cached = tuple(self.explain()) if self.explain is not None else ()
            object.__setattr__(self, "_steps", cached)
        return cached

    @property
    def failure(self) -> Step | None:
        """The first failing step, or None."""
        return next((s for s in self.steps if not s.ok), None)

    @property
    def failures(self) -> tuple[Step, ...]:
        """Every failing step, in order."""
        return tuple(s for s in self.steps if not s.ok)

    @property
    def warnings(self) -> tuple[Step, ...]:
        """Every step let through with a warning (a revocation status a soft-fail or hard-fail client waved on)."""
        return tuple(s for s in self.steps if s.ok and s.warning)

    @property
    def revocation(self) -> tuple[tuple[str, str, str, str], ...]:
        """Each certificate's revocation status below the trust anchor, leaf first:
        ``(position, subject, status, reason)``.

        The status is a :class:`~pki_lab.validation.crl.RevocationStatus` value: ``"good"``, ``"revoked"``,
        ``"unknown"`` (undetermined, the reason says why) or ``"unchecked"`` (no CRL spoke for it, or
        revocation checking was off, or an earlier check of the certificate failed first). Never "passed"
        for a check not made.
        """
        found = {s.index: s for s in self.steps if s.rule == Rule.REVOCATION}
        last = len(self.path) - 1 if self.anchored else len(self.path)
        out = []
        for index in range(last):
            step = found.get(index)
            if step is not None:
                out.append((step.position, step.subject, step.status or "unchecked", step.sentence))
                continue
            position = "leaf" if index == 0 else f"intermediate {index}"
            out.append((position, certificate_label(self.path[index]), "unchecked",
                        "Its revocation status was not checked."))
        return tuple(out)

    def path_text(self) -> str:
        """The path as ``leaf <- intermediate <- anchor`` with short names."""
        return " <- ".join(certificate_label(c) for c in self.path)

    def summary(self) -> str:
        """One line: the verdict and the reason."""
        return f"{self._verdict()}: {self.reason}"

    def _verdict(self) -> str:
        """VALID or INVALID; a valid path with warnings says how many, so it never reads as a plain pass."""
        if not self.ok:
            return "INVALID"
        count = len(self.warnings)
        return f"VALID with {count} warning{'s' if count > 1 else ''}" if count else "VALID"

    def __str__(self) -> str:
        lines = [self.summary(), f"path: {self.path_text()}",
                 f"checked at {self.at.isoformat()}" + (f" for {self.name}" if self.name else "")]
        lines += [f"  {step}" for step in self.steps]
        return "\n".join(lines)

    def __repr__(self) -> str:
        return str(self)

    def _repr_html_(self) -> str:
        colour = "#1a7f37" if self.ok else "#cf222e"
        rows = []
        for step in self.steps:
            mark = "&#10008;" if not step.ok else "&#9888;" if step.warning else "&#10004;"
            style = " style='background:#ffebe9'" if not step.ok else " style='background:#fff8c5'" \
                if step.warning else ""
            cells = (mark, f"{html.escape(step.position)}<br><small>{html.escape(step.subject)}</small>",
                     f"<code>{html.escape(step.rule)}</code>", html.escape(step.sentence),
                     f"<small>{html.escape(step.section)}</small>")
            rows.append(f"<tr{style}>" + "".join(f"<td {_LEFT}>{c}</td>" for c in cells) + "</tr>")
        name = f" for <code>{html.escape(self.name)}</code>" if self.name else ""
        return (
            f"<div><b style='color:{colour}'>{self._verdict()}</b>: "
            f"{html.escape(self.reason)}<br><small>path: {html.escape(self.path_text())}; checked at "
            f"{self.at.isoformat()}{name}</small>"
            "<table><tr>" + "".join(f"<th {_LEFT}>{h}</th>" for h in ("", "certificate", "rule", "finding", "source"))
            + "</tr>"
            + "".join(rows) + "</table></div>"
        )

    def graph(self, ax=None):
        """Draw the candidate-issuer pool: arrows from each certificate to its possible issuers.

        The chosen path is drawn thick (green if valid), the failing link or certificate red,
        trust anchors as squares. Needs matplotlib and networkx (imported when drawing, not at
        import time). Returns the matplotlib Axes; end the cell with ``plt.show()``.
        """
        return draw_report(self, ax=ax)
