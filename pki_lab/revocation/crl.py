"""The one CRL builder of the lab (RFC 5280 section 5), written with the public DER encoder.

Every CRL the course signs comes from :func:`build_crl`: the registry's published
CRLs (chapter 07), the million-entry CRLs of the benchmark, and the defective CRLs
the failure galleries show (a critical unknown extension, an issuingDistributionPoint,
no CRL number). It writes the TBSCertList itself (5.1.2) and signs it with
:func:`pki_lab.keys.sign_bytes` (deterministic, the hash chosen from the key), in
time linear in the number of entries: adding a million entries through
``cryptography``'s immutable ``CertificateRevocationListBuilder`` takes quadratic
time. That builder remains the test oracle: ``tests/test_revocation.py`` builds the
same CRLs with it and compares the TBS bytes.

This module depends only on the foundation (clock, errors, keys, der) and on
``cryptography``'s types, so the validator's failure gallery and the IoT gallery
import it without importing the OCSP server or the registry.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
from collections.abc import Iterable
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, rsa

from .. import clock
from ..der.encode import (
    bit_string,
    boolean,
    enumerated,
    explicit,
    integer,
    null,
    octet_string,
    oid,
    sequence,
    time,
)
from ..errors import ParameterError, WrongTypeError, a_type
from ..keys import ml_dsa_level, sign_bytes, signing_hash
from ..oids import ML_DSA_OIDS

__all__ = ["REASONS", "REASON_CODES", "Revocation", "reason_name", "signature_algorithm", "build_crl"]

#: RFC 5280 5.3.1 reason codes, by the name the CRL and OCSP use. removeFromCRL (8) belongs to delta CRLs only.
REASONS: dict[str, x509.ReasonFlags] = {f.value: f for f in x509.ReasonFlags if f.value != "removeFromCRL"}
_REASON_CODES = {"unspecified": 0, "keyCompromise": 1, "cACompromise": 2, "affiliationChanged": 3,
                 "superseded": 4, "cessationOfOperation": 5, "certificateHold": 6, "removeFromCRL": 8,
                 "privilegeWithdrawn": 9, "aACompromise": 10}
#: The same codes, public: OCSP's revocationReason is a CRLReason too (RFC 6960 4.2.1).
REASON_CODES = _REASON_CODES
# 5.3.1: one reasonCode Extension per reason (id-ce-cRLReasons, 2.5.29.21), encoded once.
_REASON_EXTENSIONS = {name: sequence(oid("2.5.29.21"), octet_string(enumerated(code)))
                      for name, code in _REASON_CODES.items()}
_REASON_ONLY = {name: sequence(ext) for name, ext in _REASON_EXTENSIONS.items()}  # the usual crlEntryExtensions


def reason_name(reason: object, *, delta: bool = False) -> str:
    """The RFC 5280 5.3.1 name of ``reason`` (a name or an ``x509.ReasonFlags``), or a ParameterError sentence.

    removeFromCRL is accepted only for a delta CRL (``delta=True``), the one place 5.3.1 allows it.
    """
    if isinstance(reason, x509.ReasonFlags):
        reason = reason.value
    if delta and reason == "removeFromCRL":
        return "removeFromCRL"
    if reason not in REASONS:
        raise ParameterError(f"Unknown revocation reason {reason!r}; choose one of: {', '.join(REASONS)} "
                             "(RFC 5280 5.3.1).")
    return str(reason)


@dataclasses.dataclass(frozen=True)
class Revocation:
    """One revocation, as a CRL entry lists it: which serial, when, why (and whose certificate, for people).

    ``certificate_issuer``, in an indirect CRL (RFC 5280 5.3.3), names the CA that issued the certificate
    when it is not the CRL issuer; the entries after it belong to the same CA until another one is named.
    """

    serial: int
    date: _dt.datetime
    reason: str
    subject: str = ""
    certificate_issuer: x509.Name | None = None

    def sentence(self) -> str:
        who = f" ({self.subject})" if self.subject else ""
        return f"serial {self.serial:x}{who} revoked on {self.date.isoformat()} because of {self.reason}"


# RFC 5280 4.1.1.2 with RFC 5758 3.2 (ECDSA, no parameters), RFC 4055 5 (RSA, NULL parameters), RFC 8410 3 (EdDSA),
# RFC 9881 2 (ML-DSA, no parameters).
_EC_ALGORITHMS = {"sha256": "1.2.840.10045.4.3.2", "sha384": "1.2.840.10045.4.3.3", "sha512": "1.2.840.10045.4.3.4"}
_RSA_ALGORITHMS = {"sha256": "1.2.840.113549.1.1.11", "sha384": "1.2.840.113549.1.1.12",
                   "sha512": "1.2.840.113549.1.1.13"}


def signature_algorithm(key: Any) -> bytes:
    """The DER AlgorithmIdentifier of what :func:`pki_lab.keys.sign_bytes` does with ``key``."""
    if isinstance(key, ed25519.Ed25519PrivateKey):
        return sequence(oid("1.3.101.112"))
    if isinstance(key, ed448.Ed448PrivateKey):
        return sequence(oid("1.3.101.113"))
    level = ml_dsa_level(key)
    if level:  # RFC 9881 2: the level's own OID, parameters absent
        return sequence(oid(next(o for o, name in ML_DSA_OIDS.items() if name == level)))
    algorithm = signing_hash(key)
    name = algorithm.name if algorithm is not None else ""
    if isinstance(key, ec.EllipticCurvePrivateKey) and name in _EC_ALGORITHMS:
        return sequence(oid(_EC_ALGORITHMS[name]))
    if isinstance(key, rsa.RSAPrivateKey) and name in _RSA_ALGORITHMS:
        return sequence(oid(_RSA_ALGORITHMS[name]), null())
    raise WrongTypeError(f"The lab cannot sign a CRL with {a_type(key)} (hash {name or 'none'}).")


def _entries(revoked: Iterable[Any], start: _dt.datetime, delta: bool) -> list[Revocation]:
    """Revocations from certificates, serials, ``(cert_or_serial, reason)`` pairs or :class:`Revocation` records."""
    out = []
    for item in revoked:
        if isinstance(item, Revocation):
            out.append(item)
            continue
        target, reason = item if isinstance(item, tuple) else (item, "unspecified")
        serial = target.serial_number if isinstance(target, x509.Certificate) else target
        if isinstance(serial, bool) or not isinstance(serial, int):
            raise WrongTypeError(f"A revoked entry must be a certificate or a serial number, not {serial!r}.")
        out.append(Revocation(serial, start, reason_name("unspecified" if reason is None else reason, delta=delta)))
    return out


def _extension(ext: x509.ExtensionType, critical: bool) -> bytes:
    """RFC 5280 4.1 Extension: extnID, critical (DEFAULT FALSE, so absent when false in DER), extnValue."""
    return sequence(oid(ext.oid.dotted_string), boolean(True) if critical else b"", octet_string(ext.public_bytes()))


def _entry_extensions(r: Revocation) -> bytes:
    """5.3: crlEntryExtensions: the reason code (left out for "unspecified", 5.3.1 SHOULD) and certificateIssuer
    (5.3.3: MUST be critical)."""
    if r.certificate_issuer is None:
        return b"" if r.reason == "unspecified" else _REASON_ONLY[r.reason]
    exts = [] if r.reason == "unspecified" else [_REASON_EXTENSIONS[r.reason]]
    exts.append(_extension(x509.CertificateIssuer([x509.DirectoryName(r.certificate_issuer)]), True))
    return sequence(*exts)


def build_crl(
    ca: Any,
    revoked: Iterable[Any] = (),
    *,
    number: int = 1,
    this_update: _dt.datetime | None = None,
    days: float = 7,
    extensions: Iterable[tuple[x509.ExtensionType, bool]] = (),
    include_number: bool = True,
) -> x509.CertificateRevocationList:
    """A CRL signed by ``ca`` (a :class:`pki_lab.ca.CertificateAuthority`), the same bytes on every run.

    Args:
        ca: the issuing CA (its key signs the CRL).
        revoked: :class:`Revocation` records, certificates or serial numbers, or ``(cert_or_serial, reason)``
            pairs where ``reason`` is a name such as ``"keyCompromise"`` (``"removeFromCRL"`` in a delta CRL);
            entries other than records are revoked at ``this_update``. A reason "unspecified" is left out of
            the entry (5.3.1 SHOULD). Entries are sorted by serial unless a record names a certificate_issuer
            (an indirect CRL, whose order matters, 5.3.3).
        number: the CRL number (5.2.3).
        this_update: default the lab clock's now; ``nextUpdate`` is ``days`` later (5.1.2.4-5).
        days: how long the CRL is valid, a positive number of days.
        extensions: extra ``(extension, critical)`` pairs after the authorityKeyIdentifier (5.2.1) and
            the CRL number: an issuingDistributionPoint (5.2.5), a deltaCRLIndicator (5.2.4), say.
        include_number: False builds the malformed CRL without a CRL number (for the failure gallery).

    Raises:
        ParameterError: ``days`` is not a positive number, or a reason is unknown.
        WrongTypeError: an entry is neither a certificate nor a serial number.
    """
    if isinstance(days, bool) or not isinstance(days, (int, float)) or days <= 0:
        raise ParameterError(f"`days` must be a positive number of days, not {days!r}.")
    start = clock.now() if this_update is None else clock.require_aware(this_update, "this_update")
    start = start.replace(microsecond=0)
    extensions = list(extensions)
    delta = any(isinstance(e, x509.DeltaCRLIndicator) for e, _ in extensions)
    entries = _entries(revoked, start, delta)
    if not any(r.certificate_issuer is not None for r in entries):
        entries.sort(key=lambda r: r.serial)  # 5.1.2.6; an indirect CRL keeps its order (5.3.3 carries forward)
    body = bytearray()
    times: dict[_dt.datetime, bytes] = {}
    for r in entries:
        when = times.get(r.date) or times.setdefault(r.date, time(r.date))
        body += sequence(integer(r.serial), when, _entry_extensions(r))
    exts: list[tuple[x509.ExtensionType, bool]] = []
    try:
        ski = ca.certificate.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
        exts.append((x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski), False))
    except x509.ExtensionNotFound:
        pass
    if include_number:
        exts.append((x509.CRLNumber(number), False))
    exts.extend(extensions)
    algorithm = signature_algorithm(ca.private_key)
    tbs = sequence(  # 5.1.2 TBSCertList
        integer(1),  # version v2
        algorithm,
        ca.name.public_bytes(),
        time(start),
        time(start + _dt.timedelta(days=days)),
        sequence(body) if body else b"",  # revokedCertificates, absent when empty
        explicit(0, sequence(*(_extension(e, c) for e, c in exts))) if exts else b"",
    )
    return x509.load_der_x509_crl(sequence(tbs, algorithm, bit_string(sign_bytes(ca.private_key, tbs))))
