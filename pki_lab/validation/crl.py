"""Checking one certificate against one CRL, along RFC 5280 section 6.3.

A certificate revocation list (CRL) is a signed, dated list of the serial numbers
a CA has revoked (RFC 5280 section 5). A relying party may only believe a CRL
about a certificate if the CRL comes from the certificate's issuer, is signed with
that issuer's key, the issuer may sign CRLs (keyUsage cRLSign), the CRL is fresh
(thisUpdate <= now <= nextUpdate), it is well formed (it has a CRL number) and its
scope covers the certificate (issuingDistributionPoint). Only then does looking up
the serial number mean anything. :func:`check_crl` walks those steps in that order
and answers with a :class:`CrlCheck`: ``"good"``, ``"revoked"`` or ``"unknown"``
(the CRL cannot be used for this certificate, and the sentence says why).

Left out, on purpose (the status is then ``"unknown"``, never a guess):
indirect CRLs (RFC 5280 5.2.5 indirectCRL, 5.3.3 certificateIssuer), delta CRLs
(5.2.4), CRLs partitioned by reason (onlySomeReasons) and CRLs for attribute
certificates.

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
from cryptography.x509.oid import CRLEntryExtensionOID, ExtensionOID

from .. import clock
from ..errors import ParameterError, WrongTypeError

__all__ = [
    "CrlCheck",
    "check_crl",
    "crl_applies_to",
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


# CRL extensions this module understands (RFC 5280 5.2); any other critical one makes the CRL unusable.
_KNOWN_CRL_EXTENSIONS = {
    ExtensionOID.AUTHORITY_KEY_IDENTIFIER,  # 5.2.1
    ExtensionOID.ISSUER_ALTERNATIVE_NAME,  # 5.2.2
    ExtensionOID.CRL_NUMBER,  # 5.2.3
    ExtensionOID.ISSUING_DISTRIBUTION_POINT,  # 5.2.5
    ExtensionOID.FRESHEST_CRL,  # 5.2.6
    ExtensionOID.AUTHORITY_INFORMATION_ACCESS,  # 5.2.7
}
# CRL entry extensions (RFC 5280 5.3) understood here; certificateIssuer (5.3.3) is not (indirect CRLs).
_KNOWN_ENTRY_EXTENSIONS = {CRLEntryExtensionOID.CRL_REASON, CRLEntryExtensionOID.INVALIDITY_DATE}


@dataclasses.dataclass(frozen=True)
class CrlCheck:
    """What one CRL says about one certificate.

    Attributes:
        status: a :class:`RevocationStatus`: ``"good"`` (the CRL applies and does not list the
            serial), ``"revoked"`` (it lists it) or ``"unknown"`` (the CRL cannot be used for this certificate).
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


def _is_ca(cert: x509.Certificate) -> bool:
    bc = _ext(cert, x509.BasicConstraints)
    return bool(bc and bc.value.ca)


def crl_applies_to(cert: x509.Certificate, crl: x509.CertificateRevocationList) -> bool:
    """True when ``crl`` claims to speak for ``cert``'s issuer (same issuer name, RFC 5280 6.3.3 (b)(1))."""
    return crl.issuer == cert.issuer


def _scope_problem(cert: x509.Certificate, crl: x509.CertificateRevocationList) -> CrlCheck | None:
    """RFC 5280 5.2.5 and 6.3.3 (b)(2): does the CRL's issuingDistributionPoint cover ``cert``?"""
    cdp = _ext(cert, x509.CRLDistributionPoints)
    if cdp is not None and any(dp.crl_issuer for dp in cdp.value):
        return _unknown("The certificate names a separate CRL issuer (an indirect CRL), which this lab "
                        "validator does not support.", "RFC 5280 6.3.3 (b)(1)")
    idp_ext = _ext(crl, x509.IssuingDistributionPoint)
    if idp_ext is None:
        return None  # a complete CRL for everything the issuer issued
    idp = idp_ext.value
    if idp.indirect_crl:
        return _unknown("The CRL is an indirect CRL (issuingDistributionPoint indirectCRL), which this lab "
                        "validator does not support.", "RFC 5280 5.2.5")
    if idp.only_contains_attribute_certs:
        return _unknown("The CRL only covers attribute certificates, not public-key certificates.",
                        "RFC 5280 6.3.3 (b)(2)(iv)")
    if idp.only_contains_user_certs and _is_ca(cert):
        return _unknown("The CRL only covers end-entity certificates (onlyContainsUserCerts), but this is a "
                        "CA certificate.", "RFC 5280 6.3.3 (b)(2)(ii)")
    if idp.only_contains_ca_certs and not _is_ca(cert):
        return _unknown("The CRL only covers CA certificates (onlyContainsCACerts), but this is an "
                        "end-entity certificate.", "RFC 5280 6.3.3 (b)(2)(iii)")
    if idp.only_some_reasons:
        return _unknown("The CRL only covers some revocation reasons (onlySomeReasons), so it cannot say "
                        "the certificate is good; a CRL for all reasons is needed.", "RFC 5280 6.3.3 (d)")
    if idp.full_name:
        wanted = set(idp.full_name)
        offered = {n for dp in (cdp.value if cdp else []) for n in (dp.full_name or [])}
        if not wanted & offered:
            return _unknown("The CRL's issuingDistributionPoint names a distribution point the certificate's "
                            "cRLDistributionPoints does not list, so this CRL partition does not cover it.",
                            "RFC 5280 6.3.3 (b)(2)(i)")
    return None


def _issuer_problem(
    cert: x509.Certificate, issuer: x509.Certificate, crl: x509.CertificateRevocationList
) -> CrlCheck | None:
    """RFC 5280 6.3.3 (b)(1) and (f): the CRL, the certificate and the issuer given must name the same CA.

    A CRL from another CA says nothing about this certificate, and an issuer certificate other than
    the CRL's issuer cannot vouch for its signature; both are told apart so the sentence names the
    mismatch the student made.
    """
    # 6.3.3 (b)(1): the CRL must come from the certificate's issuer.
    if crl.issuer != cert.issuer:
        return _unknown(f"The CRL was issued by {_name(crl.issuer)}, not by the certificate's issuer "
                        f"{_name(cert.issuer)}, so it says nothing about this certificate.",
                        "RFC 5280 6.3.3 (b)(1)")
    if crl.issuer != issuer.subject:
        return _unknown(f"The issuer certificate given is {_name(issuer.subject)}, not the CRL's issuer "
                        f"{_name(crl.issuer)}.", "RFC 5280 6.3.3 (f)")
    return None


def _crl_sign_problem(issuer: x509.Certificate) -> CrlCheck | None:
    """RFC 5280 6.3.3 (f) and 4.2.1.3: the CRL issuer's key must be allowed to sign CRLs (keyUsage cRLSign).

    Checked before the signature: a key that may not sign CRLs makes even a valid signature worthless.
    """
    ku = _ext(issuer, x509.KeyUsage)
    if ku is not None and not ku.value.crl_sign:
        return _unknown("The issuer's keyUsage does not include cRLSign, so its key may not sign CRLs.",
                        "RFC 5280 6.3.3 (f)")
    return None


def _signature_problem(issuer: x509.Certificate, crl: x509.CertificateRevocationList) -> CrlCheck | None:
    """RFC 5280 6.3.3 (g): the CRL's signature, with the issuer's public key.

    A key of the wrong type for the signature counts as a signature that does not verify.
    """
    try:
        signed = crl.is_signature_valid(issuer.public_key())
    except (TypeError, ValueError):
        signed = False
    if not signed:
        return _unknown("The CRL's signature does not verify with the public key of the certificate's "
                        "issuer, so anyone could have written it.", "RFC 5280 6.3.3 (g)")
    return None


def _extensions_problem(crl: x509.CertificateRevocationList) -> CrlCheck | None:
    """RFC 5280 5.2: a critical extension the application cannot process makes the CRL unusable.

    A delta CRL (5.2.4) is refused whether or not its indicator is critical: read as a complete
    CRL, it would call "good" every certificate revoked before its base CRL.
    """
    for ext in crl.extensions:
        if ext.oid == ExtensionOID.DELTA_CRL_INDICATOR:
            return _unknown("The CRL is a delta CRL, which this lab validator does not support; give the "
                            "complete CRL.", "RFC 5280 5.2.4")
        if ext.critical and ext.oid not in _KNOWN_CRL_EXTENSIONS:
            return _unknown(f"The CRL has a critical extension this validator does not know "
                            f"({ext.oid.dotted_string}), so it must not be used.", "RFC 5280 5.2")
    return None


def _number_problem(crl: x509.CertificateRevocationList) -> CrlCheck | None:
    """RFC 5280 5.2.3: the CRL number is mandatory and MUST be non-critical (a well-formed CRL)."""
    number = _ext(crl, x509.CRLNumber)
    if number is None:
        return _unknown("The CRL has no CRL number, which every CRL must carry.", "RFC 5280 5.2.3")
    if number.critical:
        return _unknown("The CRL marks its CRL number critical, which the standard forbids.", "RFC 5280 5.2.3")
    return None


def _freshness_problem(crl: x509.CertificateRevocationList, at: _dt.datetime) -> CrlCheck | None:
    """RFC 5280 5.1.2.4, 5.1.2.5 and 6.3.3 (a): the CRL must be in force at ``at``.

    Not yet issued (thisUpdate in the future), no nextUpdate (no way to tell it is stale) and past
    its nextUpdate (stale) are three different sentences, as the fixes differ.
    """
    this_update, next_update = crl.last_update_utc, crl.next_update_utc
    if at < this_update:
        return _unknown(f"The CRL's thisUpdate ({this_update.isoformat()}) is after the time of the check "
                        f"({at.isoformat()}).", "RFC 5280 5.1.2.4")
    if next_update is None:
        return _unknown("The CRL has no nextUpdate, so there is no way to tell whether it is stale.",
                        "RFC 5280 5.1.2.5")
    if at > next_update:
        return _unknown(f"The CRL is stale: its nextUpdate ({next_update.isoformat()}) has passed at "
                        f"{at.isoformat()}; fetch a fresh one.", "RFC 5280 6.3.3 (a)")
    return None


def _look_up_serial(cert: x509.Certificate, crl: x509.CertificateRevocationList) -> CrlCheck:
    """RFC 5280 6.3.3 (j): look up the serial number, once every earlier step has shown the CRL usable.

    An entry with a critical extension this validator does not know (5.3) cannot be read, so it
    gives ``"unknown"`` rather than a guess; removeFromCRL (5.3.1) means "not revoked".
    """
    entry = crl.get_revoked_certificate_by_serial_number(cert.serial_number)
    if entry is None:
        number = _ext(crl, x509.CRLNumber)  # present: _number_problem checked it
        return CrlCheck(GOOD, f"The CRL (number {number.value.crl_number}) does not list serial "
                              f"{cert.serial_number:x}, so the certificate is not revoked.", rule="RFC 5280 6.3.3 (j)")
    for ext in entry.extensions:
        if ext.critical and ext.oid not in _KNOWN_ENTRY_EXTENSIONS:
            return _unknown(f"The CRL entry for this serial has a critical extension this validator does not "
                            f"know ({ext.oid.dotted_string}).", "RFC 5280 5.3")
    reason_ext = _ext(entry, x509.CRLReason)
    reason = reason_ext.value.reason.value if reason_ext is not None else None
    if reason == "removeFromCRL":  # 5.3.1: only meaningful in delta CRLs; the certificate is not revoked
        return CrlCheck(GOOD, "The CRL lists the serial only to remove it (removeFromCRL).",
                        rule="RFC 5280 5.3.1")
    when = entry.revocation_date_utc
    because = f" because of {reason}" if reason else ""
    return CrlCheck(REVOKED, f"The CRL lists serial {cert.serial_number:x} as revoked on "
                             f"{when.date().isoformat()}{because}.", when, reason, "RFC 5280 6.3.3 (j)")


def check_crl(
    cert: x509.Certificate,
    issuer: x509.Certificate,
    crl: x509.CertificateRevocationList,
    at: _dt.datetime | None = None,
) -> CrlCheck:
    """Check ``cert`` against ``crl``, which ``issuer`` (the certificate's issuer) should have signed.

    Each step (RFC 5280 6.3.3, and the CRL profile of section 5 it relies on) is a function named
    after it; the first that finds the CRL unusable gives the answer, and only a CRL that passes
    them all is searched for the serial number.

    Args:
        cert: the certificate whose status is wanted.
        issuer: the certificate of the CA that issued ``cert`` (its key must verify the CRL).
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

    problem = (_issuer_problem(cert, issuer, crl)  # 6.3.3 (b)(1), (f)
               or _crl_sign_problem(issuer)  # 6.3.3 (f), 4.2.1.3
               or _signature_problem(issuer, crl)  # 6.3.3 (g)
               or _extensions_problem(crl)  # 5.2, 5.2.4
               or _number_problem(crl)  # 5.2.3
               or _freshness_problem(crl, at)  # 5.1.2.4, 5.1.2.5, 6.3.3 (a)
               or _scope_problem(cert, crl))  # 5.2.5, 6.3.3 (b)(2), (d)
    if problem is not None:
        return problem
    return _look_up_serial(cert, crl)  # 6.3.3 (j)
