"""Checking one certificate against one CRL, along RFC 5280 section 6.3.

A certificate revocation list (CRL) is a signed, dated list of the serial numbers
a CA has revoked (RFC 5280 section 5). A relying party may only believe a CRL
about a certificate if the CRL speaks for it (it comes from the certificate's issuer,
or from the cRLIssuer its distribution point names for an indirect CRL, and its
issuingDistributionPoint covers the certificate), it is signed with the key of a CRL
issuer that may sign CRLs (keyUsage cRLSign, or no keyUsage at all), it is fresh
(thisUpdate <= now <= nextUpdate) and well formed (it has a CRL number). Only then
does looking up the serial number mean anything. :func:`check_crl` walks those steps
for one CRL and answers with a :class:`CrlCheck`: ``"good"``, ``"revoked"`` or
``"unknown"`` (the CRL cannot be used for this certificate, and the sentence says why).
The whole of RFC 5280 6.3.3, over every CRL given (reasons collected across CRLs,
delta CRLs merged with their base, a CRL issuer's own path validated), is
:mod:`pki_lab.validation.revocation`; the scope questions are :mod:`.crl_scope`.

A CRL without nextUpdate is not used: RFC 5280 5.1.2.5 requires the field, and
without it nothing tells a stale CRL from a current one (failing closed).

    >>> from pki_lab import clock
    >>> from pki_lab.ca import demo_hierarchy
    >>> from pki_lab.revocation import build_crl
    >>> from pki_lab.validation.crl import check_crl
    >>> h = demo_hierarchy()
    >>> crl = build_crl(h.intermediate, revoked=[(h.leaf, "keyCompromise")])
    >>> print(check_crl(h.leaf, h.intermediate.certificate, crl, clock.now()).status)
    revoked

What a client then *does* with a status depends on its revocation mode
(:class:`RevocationMode`: require, hard-fail, soft-fail, off);
:func:`decide_revocation` is the one place that turns a mode and a status into
accept, reject or accept-with-warning. It lives here, in the validation layer, so
the validator and the revocation topic package (OCSP, stapling) share it.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
from enum import StrEnum
from typing import Any

from cryptography import x509

from .. import clock
from ..errors import ParameterError, WrongTypeError
from .crl_scope import (
    ALL_REASONS,
    crl_issue,
    distribution_points,
    entry_issue,
    find_entry,
    interim_reasons,
    is_delta,
    issuer_problem,
    reasons_text,
    scope_problem,
    signer_issue,
)
from .facts import Facts

__all__ = [
    "CrlCheck",
    "check_crl",
    "crl_applies_to",
    "crl_problem",
    "signer_problem",
    "entry_check",
    "RevocationStatus",
    "RevocationMode",
    "Outcome",
    "RevocationDecision",
    "decide_revocation",
]


class RevocationStatus(StrEnum):
    """What a client learned about one certificate's revocation, from a CRL or an OCSP exchange."""

    GOOD = "good"  # a usable CRL or a valid OCSP response says: not revoked
    REVOKED = "revoked"  # it says: revoked
    UNKNOWN = "unknown"  # the CRL cannot be used for this certificate, or the responder does not know it
    INVALID = "invalid"  # an OCSP response came but cannot be trusted (signature, signer, nonce, freshness)
    UNAVAILABLE = "unavailable"  # the source was named but no answer came (responder down, blocked)
    UNCHECKED = "unchecked"  # there was nothing to ask: no CRL given, no responder named, no staple sent


GOOD, REVOKED, UNKNOWN = RevocationStatus.GOOD, RevocationStatus.REVOKED, RevocationStatus.UNKNOWN


class RevocationMode(StrEnum):
    """How hard a client insists on revocation information (the names of pyhanko-certvalidator's modes).

    RFC 5280 6.3 and RFC 6960 leave the policy to the application; these are the four a course meets.
    """

    REQUIRE = "require"  # every certificate must be shown good; nothing to ask is a failure too
    HARD_FAIL = "hard-fail"  # a named source that fails or cannot be trusted rejects; no source is tolerated
    SOFT_FAIL = "soft-fail"  # only a definite "revoked" rejects; every failure to learn is waved through
    OFF = "off"  # revocation is not checked at all

    @classmethod
    def parse(cls, value: object, what: str = "mode") -> RevocationMode:
        """The mode named by ``value`` (a member or its string), or a ParameterError sentence."""
        try:
            return cls(value)
        except ValueError:
            names = ", ".join(f"'{m.value}'" for m in cls)
            raise ParameterError(f"`{what}` must be one of {names}, not {value!r}.") from None


class Outcome(StrEnum):
    """What the client does with the certificate."""

    ACCEPT = "accept"
    REJECT = "reject"
    WARN = "accept-with-warning"


@dataclasses.dataclass(frozen=True)
class RevocationDecision:
    """A client's decision under ``mode`` about a certificate whose revocation status is ``status``."""

    mode: RevocationMode
    status: RevocationStatus
    outcome: Outcome
    reason: str

    @property
    def accepted(self) -> bool:
        """True for accept and accept-with-warning: the connection goes ahead."""
        return self.outcome != Outcome.REJECT

    def sentence(self) -> str:
        return f"{self.mode}: {self.outcome} ({self.status}): {self.reason}"


_FAILED = {RevocationStatus.UNKNOWN, RevocationStatus.INVALID, RevocationStatus.UNAVAILABLE}


def decide_revocation(mode: object, status: object) -> RevocationDecision:
    """Accept, reject or accept-with-warning: the one rule of the lab for a revocation mode and a status.

    =============  =======  ==========  ==========  ======
    status         require  hard-fail   soft-fail   off
    =============  =======  ==========  ==========  ======
    good           accept   accept      accept      accept
    revoked        reject   reject      reject      accept
    unknown,       reject   reject      warn        accept
    invalid,
    unavailable
    unchecked      reject   warn        warn        accept
    =============  =======  ==========  ==========  ======

    Raises:
        ParameterError: an unknown mode or status.
    """
    mode = RevocationMode.parse(mode)
    try:
        status = RevocationStatus(status)
    except ValueError:
        names = ", ".join(f"'{s.value}'" for s in RevocationStatus)
        raise ParameterError(f"`status` must be one of {names}, not {status!r}.") from None
    if mode == RevocationMode.OFF:
        return RevocationDecision(mode, status, Outcome.ACCEPT,
                                  "Revocation checking is off, so the status is not consulted.")
    if status == RevocationStatus.GOOD:
        return RevocationDecision(mode, status, Outcome.ACCEPT, "The certificate is known not to be revoked.")
    if status == RevocationStatus.REVOKED:
        return RevocationDecision(mode, status, Outcome.REJECT, "The certificate is revoked.")
    if status in _FAILED and mode != RevocationMode.SOFT_FAIL:
        return RevocationDecision(mode, status, Outcome.REJECT, "The revocation check failed, and a "
                                  f"{mode} client treats a failed check as a refusal.")
    if status == RevocationStatus.UNCHECKED and mode == RevocationMode.REQUIRE:
        return RevocationDecision(mode, status, Outcome.REJECT, "There was no revocation information to check, "
                                  "and this client requires it for every certificate.")
    if status in _FAILED:
        return RevocationDecision(mode, status, Outcome.WARN, "The revocation check failed, and a soft-fail client "
                                  "carries on as if the certificate were good: whoever blocks the check wins.")
    return RevocationDecision(mode, status, Outcome.WARN, "There was no revocation information to check, and a "
                              f"{mode} client carries on without it.")


@dataclasses.dataclass(frozen=True)
class CrlCheck:
    """What one CRL (or the CRLs of a validation) says about one certificate.

    Attributes:
        status: a :class:`RevocationStatus`: ``"good"`` (the CRL applies and does not list the
            serial), ``"revoked"`` (it lists it), ``"unknown"`` (the CRL cannot be used for this
            certificate) or, for a whole validation, ``"unchecked"`` (no CRL given speaks for it).
        reason: a whole sentence saying why.
        revocation_date: when the CA says it revoked the certificate (aware, UTC), or None.
        revocation_reason: the CRL entry's reason code, e.g. ``"keyCompromise"``, or None.
        rule: the RFC 5280 section the verdict rests on, e.g. ``"RFC 5280 6.3.3 (g)"``.
    """

    status: RevocationStatus
    reason: str
    revocation_date: _dt.datetime | None = None
    revocation_reason: str | None = None
    rule: str = "RFC 5280 6.3.3"

    @property
    def ok(self) -> bool:
        """True only for ``"good"``: the CRL applies and does not list the certificate."""
        return self.status == GOOD

    def __repr__(self) -> str:
        return f"CrlCheck({self.status}: {self.reason} [{self.rule}])"


def _unknown(reason: str, rule: str) -> CrlCheck:
    return CrlCheck(UNKNOWN, reason, rule=rule)


def _name(name: x509.Name) -> str:
    return name.rfc4514_string() or "(empty name)"


def _require(value: object, kind: type, what: str) -> None:
    if not isinstance(value, kind):
        raise WrongTypeError(f"`{what}` must be an {kind.__module__.split('.')[-1]}.{kind.__name__}, "
                             f"not {type(value).__name__}; load it with pki_lab.loading first.")


def _ext(obj: Any, cls: type) -> Any:
    try:
        return obj.extensions.get_extension_for_class(cls)
    except x509.ExtensionNotFound:
        return None


def crl_applies_to(cert: x509.Certificate, crl: x509.CertificateRevocationList) -> bool:
    """True when ``crl`` speaks for ``cert``: its issuer and scope fit one of the certificate's distribution
    points, or the default one (RFC 5280 6.3.3 (b))."""
    facts = Facts()
    return any(issuer_problem(cert, dp, crl) is None and scope_problem(cert, dp, crl, facts) is None
               for dp in distribution_points(cert, facts))


def _check(problem: tuple[str, str] | None) -> CrlCheck | None:
    return None if problem is None else _unknown(problem[1], problem[0])


def signer_problem(signer: x509.Certificate, crl: x509.CertificateRevocationList) -> CrlCheck | None:
    """RFC 5280 6.3.3 (f), (g), 4.2.1.3: may ``signer``'s key sign CRLs (cRLSign, or no keyUsage at all), and
    does it verify this one? (:func:`pki_lab.validation.crl_scope.signer_issue`)"""
    return _check(signer_issue(signer, crl))


def crl_problem(crl: x509.CertificateRevocationList, at: _dt.datetime) -> CrlCheck | None:
    """The CRL itself, whoever it is about: extensions (5.2), CRL number (5.2.3), freshness (6.3.3 (a))."""
    return _check(crl_issue(crl, at))


def _reason(entry: x509.RevokedCertificate) -> str | None:
    reason_ext = _ext(entry, x509.CRLReason)
    return reason_ext.value.reason.value if reason_ext is not None else None


def entry_check(cert: x509.Certificate, crl: x509.CertificateRevocationList,
                delta: x509.CertificateRevocationList | None = None) -> CrlCheck:
    """RFC 5280 6.3.3 (i)-(k): the certificate's entry, in the delta CRL first, then in the complete CRL.

    Called once every earlier step has shown the CRL(s) usable. A delta's entry wins (a delta is
    newer); removeFromCRL (5.3.1) in a delta takes back a revocation (a certificateHold released),
    and means "not revoked" in a complete CRL too. certificateHold counts as revoked while listed.
    An entry with a critical extension this validator does not know (5.3) gives ``"unknown"``.
    """
    number = _ext(crl, x509.CRLNumber)
    for source in ((delta, crl) if delta is not None else (crl,)):
        entry = find_entry(cert, source)
        if entry is None:
            continue
        problem = _check(entry_issue(entry))
        if problem is not None:
            return problem
        reason = _reason(entry)
        if reason == "removeFromCRL":  # 6.3.3 (k); 5.3.1: only meaningful in a delta, "not revoked" anywhere
            which = "delta CRL" if source is delta else "CRL"
            return CrlCheck(GOOD, f"The {which} removes serial {cert.serial_number:x} from the CRL "
                                  "(removeFromCRL), so the certificate is no longer revoked.",
                            rule="RFC 5280 6.3.3 (k)")
        when = entry.revocation_date_utc
        because = f" because of {reason}" if reason else ""
        which = "delta CRL" if source is delta else "CRL"
        return CrlCheck(REVOKED, f"The {which} lists serial {cert.serial_number:x} as revoked on "
                                 f"{when.date().isoformat()}{because}.", when, reason,
                        "RFC 5280 6.3.3 (i)" if source is delta else "RFC 5280 6.3.3 (j)")
    shown = f"number {number.value.crl_number}" if number is not None else "no number"
    with_delta = " nor its delta CRL" if delta is not None else ""
    return CrlCheck(GOOD, f"The CRL ({shown}){with_delta} does not list serial {cert.serial_number:x}, so the "
                          "certificate is not revoked.", rule="RFC 5280 6.3.3 (j)")


def _scope(cert: x509.Certificate, crl: x509.CertificateRevocationList) -> tuple[CrlCheck | None, frozenset]:
    """6.3.3 (b): the first distribution point of ``cert`` the CRL speaks for, and the reasons it covers there."""
    facts = Facts()
    first: tuple[str, str] | None = None
    for dp in distribution_points(cert, facts):
        problem = issuer_problem(cert, dp, crl) or scope_problem(cert, dp, crl, facts)
        if problem is None:
            return None, interim_reasons(dp, crl)
        first = first or problem
    section, sentence = first or ("RFC 5280 6.3.3 (b)", "The CRL does not speak for this certificate.")
    return _unknown(sentence, section), frozenset()


def check_crl(
    cert: x509.Certificate,
    issuer: x509.Certificate,
    crl: x509.CertificateRevocationList,
    at: _dt.datetime | None = None,
) -> CrlCheck:
    """Check ``cert`` against ``crl``, which ``issuer`` (the CRL issuer: usually the certificate's issuer)
    should have signed.

    Each step (RFC 5280 6.3.3, and the CRL profile of section 5 it relies on) is a function named
    after it; the first that finds the CRL unusable gives the answer, and only a CRL that passes
    them all is searched for the serial number. One CRL alone: a delta CRL needs its complete CRL,
    and a CRL for only some reasons can show "revoked" but not "good" (give every CRL to
    :func:`pki_lab.validation.validate_chain`, which combines them). ``issuer``'s own path is the
    caller's business (RFC 5280 6.3.3 (f)).

    Args:
        cert: the certificate whose status is wanted.
        issuer: the certificate of the CRL issuer (its key must verify the CRL).
        crl: the CRL.
        at: the instant of the check (aware); default: the lab clock's now.

    Returns:
        A :class:`CrlCheck`; it never raises for a bad CRL, it says ``"unknown"`` and why.

    Raises:
        WrongTypeError: an argument is not a certificate or a CRL.
        ParameterError: ``at`` is a naive datetime.
    """
    _require(cert, x509.Certificate, "cert")
    _require(issuer, x509.Certificate, "issuer")
    _require(crl, x509.CertificateRevocationList, "crl")
    at = clock.now() if at is None else clock.require_aware(at, "at")
    if is_delta(crl):
        return _unknown("The CRL is a delta CRL (5.2.4): it lists only what changed since its base CRL, so it is "
                        "used only together with a complete CRL.", "RFC 5280 5.2.4")
    problem, reasons = _scope(cert, crl)  # 6.3.3 (b), (d)
    if problem is None and crl.issuer != issuer.subject:
        problem = _unknown(f"The issuer certificate given is {_name(issuer.subject)}, not the CRL's issuer "
                           f"{_name(crl.issuer)}.", "RFC 5280 6.3.3 (f)")
    problem = problem or signer_problem(issuer, crl) or crl_problem(crl, at)  # (f), (g), 5.2, (a)
    if problem is not None:
        return problem
    result = entry_check(cert, crl)  # 6.3.3 (j)
    if result.status == GOOD and reasons != ALL_REASONS:
        return _unknown(f"The CRL covers only some revocation reasons ({reasons_text(reasons)}), so it cannot "
                        "say the certificate is good on its own; the CRLs for the other reasons are needed.",
                        "RFC 5280 6.3.3 (d)")
    return result
