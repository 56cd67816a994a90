"""Which CRLs speak for a certificate, and for which reasons (RFC 5280 4.2.1.13, 5.2.4, 5.2.5, 5.3.3, 6.3.3).

A CA need not publish one CRL for everything it issued. It may split its CRLs by
*distribution point* (the certificate's cRLDistributionPoints names where its CRL is,
the CRL's issuingDistributionPoint which partition it is), by *reason* (onlySomeReasons:
a CRL for key compromises only, refreshed hourly, and one for the other reasons), by
*kind of certificate* (onlyContainsUserCerts / CACerts), hand the work to a separate CRL
issuer (an *indirect CRL*, whose entries name each certificate's issuer in a
certificateIssuer extension), and publish *delta CRLs* that list only what changed
since a complete (base) CRL. This module answers, without any signature or path
checks, the questions of RFC 5280 6.3.3 (b)-(e), (i)-(k) about one certificate and
one CRL, and whether a CRL can be used at all (its form, 5.2, and its signer, (f)-(g)),
each as ``(section, sentence)`` or None; :mod:`pki_lab.validation.crl` turns them into
:class:`~pki_lab.validation.crl.CrlCheck` answers and :mod:`pki_lab.validation.revocation`
runs the algorithm over them.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
from collections.abc import Iterable

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives.asymmetric import dsa
from cryptography.x509.oid import CRLEntryExtensionOID, ExtensionOID

from .dn import names_equal
from .facts import Facts

__all__ = ["ALL_REASONS", "DistributionPoint", "distribution_points", "issuer_problem", "scope_problem",
           "interim_reasons", "is_delta", "delta_matches", "find_entry", "reasons_text", "same_name", "signer_issue",
           "crl_issue", "entry_issue"]

#: The reasons a CRL can cover (RFC 5280 4.2.1.13 ReasonFlags, "unused" left out): all-reasons of 6.3.3.
ALL_REASONS: frozenset[x509.ReasonFlags] = frozenset({
    x509.ReasonFlags.key_compromise, x509.ReasonFlags.ca_compromise, x509.ReasonFlags.affiliation_changed,
    x509.ReasonFlags.superseded, x509.ReasonFlags.cessation_of_operation, x509.ReasonFlags.certificate_hold,
    x509.ReasonFlags.privilege_withdrawn, x509.ReasonFlags.aa_compromise})


def same_name(a: x509.Name, b: x509.Name) -> bool:
    """RFC 5280 7.1: two distinguished names name the same entity (RFC 4518 preparation, :mod:`.dn`).

    Not ``a == b`` first: cryptography's ``Name`` equality ignores the ASN.1 string type, which 7.1 does not
    for values outside DirectoryString (an IA5String and a UTF8String of the same text differ)."""
    return names_equal(a, b)


def _general_names_meet(a: Iterable[x509.GeneralName], b: Iterable[x509.GeneralName]) -> bool:
    """True when a name of ``a`` equals a name of ``b`` (directory names by 7.1, others exactly)."""
    b = list(b)
    for x in a:
        for y in b:
            if isinstance(x, x509.DirectoryName) and isinstance(y, x509.DirectoryName):
                if same_name(x.value, y.value):
                    return True
            elif x == y:
                return True
    return False


@dataclasses.dataclass(frozen=True)
class DistributionPoint:
    """One distribution point of a certificate, as 6.3.3 reads it.

    Attributes:
        names: the distribution point's names (fullName, or nameRelativeToCRLIssuer appended to the
            CRL issuer's name, 4.2.1.13), or None when the DP names none.
        reasons: the reasons the DP's CRLs cover, or None for all of them.
        crl_issuers: the names of the DP's cRLIssuer (an indirect CRL), or None: the certificate's issuer.
        default: True for the DP 6.3.3 assumes when no CRL of the certificate's own DPs settles it.
    """

    names: tuple[x509.GeneralName, ...] | None
    reasons: frozenset[x509.ReasonFlags] | None
    crl_issuers: tuple[x509.Name, ...] | None
    default: bool = False


def _resolve(point: x509.DistributionPoint, base: x509.Name) -> tuple[x509.GeneralName, ...] | None:
    if point.full_name:
        return tuple(point.full_name)
    if point.relative_name is not None:  # 4.2.1.13: the fragment is appended to the CRL issuer's name
        return (x509.DirectoryName(x509.Name([*base.rdns, point.relative_name])),)
    return None


def distribution_points(cert: x509.Certificate, facts: Facts) -> list[DistributionPoint]:
    """The certificate's DPs in order, then the default DP of 6.3.3 (its issuer, all reasons).

    6.3.3, last paragraph: when the DPs do not settle the status, CRLs issued by the certificate
    issuer are tried "with a DP with both the reasons and the cRLIssuer fields omitted and a
    distribution point name of the certificate issuer" (the issuer field and issuerAltName).
    """
    out = []
    ext = facts.get_extension(cert, x509.CRLDistributionPoints)
    for point in ext.value if ext is not None else ():
        issuers = None
        if point.crl_issuer:
            issuers = tuple(n.value for n in point.crl_issuer if isinstance(n, x509.DirectoryName))
        base = issuers[0] if issuers else cert.issuer
        out.append(DistributionPoint(_resolve(point, base), frozenset(point.reasons) if point.reasons else None,
                                     issuers))
    names: list[x509.GeneralName] = [x509.DirectoryName(cert.issuer)]
    ian = facts.get_extension(cert, x509.IssuerAlternativeName)
    names += list(ian.value) if ian is not None else []
    out.append(DistributionPoint(tuple(names), None, None, default=True))
    return out


def _idp(crl: x509.CertificateRevocationList) -> x509.IssuingDistributionPoint | None:
    try:
        return crl.extensions.get_extension_for_class(x509.IssuingDistributionPoint).value
    except x509.ExtensionNotFound:
        return None


def is_delta(crl: x509.CertificateRevocationList) -> bool:
    """RFC 5280 5.2.4: the CRL carries a deltaCRLIndicator (it lists changes since a base CRL)."""
    try:
        crl.extensions.get_extension_for_class(x509.DeltaCRLIndicator)
    except x509.ExtensionNotFound:
        return False
    return True


def _label(name: x509.Name) -> str:
    return name.rfc4514_string() or "(an empty name)"


def issuer_problem(cert: x509.Certificate, dp: DistributionPoint, crl: x509.CertificateRevocationList
                   ) -> tuple[str, str] | None:
    """6.3.3 (b)(1): the CRL comes from the DP's cRLIssuer (and says it is indirect) or from the certificate's
    issuer. Returns (section, sentence) when it does not."""
    idp = _idp(crl)
    if dp.crl_issuers is not None:
        if not any(same_name(crl.issuer, n) for n in dp.crl_issuers):
            return ("RFC 5280 6.3.3 (b)(1)", f"The CRL was issued by {_label(crl.issuer)}, not by the cRLIssuer "
                    f"{', '.join(_label(n) for n in dp.crl_issuers)} the certificate's distribution point names.")
        if idp is None or not idp.indirect_crl:
            return ("RFC 5280 6.3.3 (b)(1)", f"The CRL comes from the cRLIssuer {_label(crl.issuer)} the "
                    "certificate names, but it does not say it is an indirect CRL (issuingDistributionPoint "
                    "indirectCRL), so it only speaks for its issuer's own certificates.")
        return None
    if not same_name(crl.issuer, cert.issuer):
        return ("RFC 5280 6.3.3 (b)(1)", f"The CRL was issued by {_label(crl.issuer)}, not by the certificate's "
                f"issuer {_label(cert.issuer)}, so it says nothing about this certificate.")
    return None


def _is_ca(cert: x509.Certificate, facts: Facts) -> bool:
    bc = facts.get_extension(cert, x509.BasicConstraints)
    return bool(bc and bc.value.ca)


def scope_problem(cert: x509.Certificate, dp: DistributionPoint, crl: x509.CertificateRevocationList,
                  facts: Facts) -> tuple[str, str] | None:
    """6.3.3 (b)(2): does the CRL's issuingDistributionPoint cover this certificate? (section, sentence) if not."""
    idp = _idp(crl)
    if idp is None:
        return None  # a CRL for everything its issuer issued
    if idp.full_name or idp.relative_name is not None:
        idp_names = (tuple(idp.full_name) if idp.full_name else
                     (x509.DirectoryName(x509.Name([*crl.issuer.rdns, idp.relative_name])),))  # 5.2.5
        wanted = dp.names if dp.names is not None else tuple(x509.DirectoryName(n) for n in dp.crl_issuers or ())
        if not _general_names_meet(idp_names, wanted):
            return ("RFC 5280 6.3.3 (b)(2)(i)", "The CRL's issuingDistributionPoint names a distribution point "
                    "the certificate's cRLDistributionPoints does not list, so this CRL partition does not cover it.")
    if idp.only_contains_user_certs and _is_ca(cert, facts):
        return ("RFC 5280 6.3.3 (b)(2)(ii)", "The CRL only covers end-entity certificates (onlyContainsUserCerts), "
                "but this is a CA certificate.")
    if idp.only_contains_ca_certs and not _is_ca(cert, facts):
        return ("RFC 5280 6.3.3 (b)(2)(iii)", "The CRL only covers CA certificates (onlyContainsCACerts), but this "
                "is an end-entity certificate.")
    if idp.only_contains_attribute_certs:
        return ("RFC 5280 6.3.3 (b)(2)(iv)", "The CRL only covers attribute certificates "
                "(onlyContainsAttributeCerts), not public-key certificates.")
    return None


def interim_reasons(dp: DistributionPoint, crl: x509.CertificateRevocationList) -> frozenset[x509.ReasonFlags]:
    """6.3.3 (d): the reasons this CRL settles for this DP (onlySomeReasons, the DP's reasons, or both)."""
    idp = _idp(crl)
    some = frozenset(idp.only_some_reasons) if idp is not None and idp.only_some_reasons else None
    if some is not None and dp.reasons is not None:
        return some & dp.reasons  # (d)(1)
    if some is not None:
        return some & ALL_REASONS  # (d)(2)
    if dp.reasons is not None:
        return dp.reasons & ALL_REASONS  # (d)(3)
    return ALL_REASONS  # (d)(4)


def reasons_text(reasons: Iterable[x509.ReasonFlags]) -> str:
    names = sorted(r.value for r in reasons)
    return ", ".join(names) if names else "none"


def _extension(obj: object, cls: type) -> x509.Extension | None:
    try:
        return obj.extensions.get_extension_for_class(cls)
    except x509.ExtensionNotFound:
        return None


# CRL extensions this module understands (RFC 5280 5.2); any other critical one makes the CRL unusable.
_KNOWN_CRL_EXTENSIONS = {
    ExtensionOID.AUTHORITY_KEY_IDENTIFIER,  # 5.2.1
    ExtensionOID.ISSUER_ALTERNATIVE_NAME,  # 5.2.2
    ExtensionOID.CRL_NUMBER,  # 5.2.3
    ExtensionOID.DELTA_CRL_INDICATOR,  # 5.2.4 (merged with its base by the revocation step)
    ExtensionOID.ISSUING_DISTRIBUTION_POINT,  # 5.2.5
    ExtensionOID.FRESHEST_CRL,  # 5.2.6
    ExtensionOID.AUTHORITY_INFORMATION_ACCESS,  # 5.2.7
}
# CRL entry extensions (RFC 5280 5.3) understood here.
_KNOWN_ENTRY_EXTENSIONS = {CRLEntryExtensionOID.CRL_REASON, CRLEntryExtensionOID.INVALIDITY_DATE,
                           CRLEntryExtensionOID.CERTIFICATE_ISSUER}


def _signature_valid(signer: x509.Certificate, crl: x509.CertificateRevocationList) -> bool:
    """6.3.3 (g): cryptography's check, and DSA (RFC 3279 2.2.2), which that check does not cover."""
    try:
        key = signer.public_key()
        if isinstance(key, dsa.DSAPublicKey) and crl.signature_hash_algorithm is not None:
            key.verify(crl.signature, crl.tbs_certlist_bytes, crl.signature_hash_algorithm)
            return True
        return crl.is_signature_valid(key)
    except (InvalidSignature, TypeError, ValueError, UnsupportedAlgorithm):
        return False


def signer_issue(signer: x509.Certificate, crl: x509.CertificateRevocationList) -> tuple[str, str] | None:
    """RFC 5280 6.3.3 (f), (g) and 4.2.1.3: may ``signer``'s key sign CRLs, and does it verify this one?

    A keyUsage without cRLSign forbids it (checked before the signature: a key that may not sign
    CRLs makes even a valid signature worthless); no keyUsage at all means no restriction (4.2.1.3).
    A key of the wrong type for the signature counts as a signature that does not verify.
    """
    ku = _extension(signer, x509.KeyUsage)
    if ku is not None and not ku.value.crl_sign:
        return ("RFC 5280 6.3.3 (f)", f"The keyUsage of the CRL issuer's certificate ({_label(signer.subject)}) "
                "does not include cRLSign, so its key may not sign CRLs.")
    if not _signature_valid(signer, crl):
        return ("RFC 5280 6.3.3 (g)", "The CRL's signature does not verify with the public key of the CRL issuer's "
                f"certificate ({_label(signer.subject)}), so anyone could have written it.")
    return None


def _extensions_issue(crl: x509.CertificateRevocationList) -> tuple[str, str] | None:
    """RFC 5280 5.2: a critical extension the application cannot process makes the CRL unusable."""
    for ext in crl.extensions:
        if ext.critical and ext.oid not in _KNOWN_CRL_EXTENSIONS:
            return ("RFC 5280 5.2", f"The CRL has a critical extension this validator does not know "
                    f"({ext.oid.dotted_string}), so it must not be used.")
    return None


def _number_issue(crl: x509.CertificateRevocationList) -> tuple[str, str] | None:
    """RFC 5280 5.2.3: the CRL number is mandatory and MUST be non-critical (a well-formed CRL)."""
    number = _extension(crl, x509.CRLNumber)
    if number is None:
        return ("RFC 5280 5.2.3", "The CRL has no CRL number, which every CRL must carry.")
    if number.critical:
        return ("RFC 5280 5.2.3", "The CRL marks its CRL number critical, which the standard forbids.")
    return None


def _freshness_issue(crl: x509.CertificateRevocationList, at: _dt.datetime) -> tuple[str, str] | None:
    """RFC 5280 5.1.2.4, 5.1.2.5 and 6.3.3 (a): the CRL must be in force at ``at``.

    Not yet issued (thisUpdate in the future), no nextUpdate (no way to tell it is stale: not used,
    failing closed) and past its nextUpdate (stale) are three different sentences, as the fixes differ.
    """
    this_update, next_update = crl.last_update_utc, crl.next_update_utc
    if at < this_update:
        return ("RFC 5280 5.1.2.4", f"The CRL's thisUpdate ({this_update.isoformat()}) is after the time of the "
                f"check ({at.isoformat()}).")
    if next_update is None:
        return ("RFC 5280 5.1.2.5", "The CRL has no nextUpdate, so there is no way to tell whether it is stale.")
    if at > next_update:
        return ("RFC 5280 6.3.3 (a)", f"The CRL is stale: its nextUpdate ({next_update.isoformat()}) has passed at "
                f"{at.isoformat()}; fetch a fresh one.")
    return None


def crl_issue(crl: x509.CertificateRevocationList, at: _dt.datetime) -> tuple[str, str] | None:
    """The CRL itself, whoever it is about: extensions (5.2), CRL number (5.2.3), freshness (6.3.3 (a))."""
    return _extensions_issue(crl) or _number_issue(crl) or _freshness_issue(crl, at)


def entry_issue(entry: x509.RevokedCertificate) -> tuple[str, str] | None:
    """RFC 5280 5.3: an entry with a critical extension this validator does not know cannot be read."""
    for ext in entry.extensions:
        if ext.critical and ext.oid not in _KNOWN_ENTRY_EXTENSIONS:
            return ("RFC 5280 5.3", "The CRL entry for this serial has a critical extension this validator does "
                    f"not know ({ext.oid.dotted_string}).")
    return None


def _extension_value(crl: x509.CertificateRevocationList, cls: type) -> object | None:
    try:
        return crl.extensions.get_extension_for_class(cls).value
    except x509.ExtensionNotFound:
        return None


def delta_matches(complete: x509.CertificateRevocationList, delta: x509.CertificateRevocationList) -> bool:
    """6.3.3 (c) and 5.2.4: ``delta`` updates ``complete``: same issuer, same scope (IDP), same key
    (authorityKeyIdentifier), and ``complete`` is at least as new as the delta's base CRL."""
    if not same_name(complete.issuer, delta.issuer):  # (c)(1)
        return False
    if _idp(complete) != _idp(delta):  # (c)(2)
        return False
    aki_c, aki_d = (_extension_value(c, x509.AuthorityKeyIdentifier) for c in (complete, delta))
    if aki_c is not None and aki_d is not None and aki_c != aki_d:  # (c)(3)
        return False
    number = _extension_value(complete, x509.CRLNumber)
    base = _extension_value(delta, x509.DeltaCRLIndicator)
    dnumber = _extension_value(delta, x509.CRLNumber)
    if number is None or base is None:
        return False
    if dnumber is not None and dnumber.crl_number <= number.crl_number:
        return False  # 5.2.4: a delta is newer than the complete CRL it updates
    return number.crl_number >= base.crl_number


def _entry_issuer(entry: x509.RevokedCertificate) -> tuple[x509.Name, ...] | None:
    try:
        ext = entry.extensions.get_extension_for_oid(CRLEntryExtensionOID.CERTIFICATE_ISSUER)
    except x509.ExtensionNotFound:
        return None
    return tuple(n.value for n in ext.value if isinstance(n, x509.DirectoryName))


def find_entry(cert: x509.Certificate, crl: x509.CertificateRevocationList) -> x509.RevokedCertificate | None:
    """The CRL's entry for ``cert``, or None.

    In an indirect CRL (5.2.5 indirectCRL) an entry belongs to the issuer its certificateIssuer
    extension names (5.3.3), and that issuer carries forward to the next entries until another
    certificateIssuer appears; the first entries belong to the CRL issuer. In a direct CRL the
    serial alone is looked up.
    """
    idp = _idp(crl)
    if idp is None or not idp.indirect_crl:
        return crl.get_revoked_certificate_by_serial_number(cert.serial_number)
    current: tuple[x509.Name, ...] = (crl.issuer,)
    for entry in crl:
        named = _entry_issuer(entry)
        if named is not None:
            current = named
        if entry.serial_number == cert.serial_number and any(same_name(cert.issuer, n) for n in current):
            return entry
    return None
