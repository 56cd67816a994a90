"""Revocation on the CA's side: record revocations, publish signed CRLs, look serials up fast.

A certificate can be revoked before it expires: its key leaked
(``keyCompromise``), its information is out of date (``affiliationChanged``,
``superseded``), the service stopped (``cessationOfOperation``). The CA records
the serial number, the date and the reason, and publishes a **certificate
revocation list** (CRL, RFC 5280 section 5): a signed, dated list of every
revoked serial that has not yet expired.

* :class:`RevocationRegistry` is that record for one
  :class:`~pki_lab.ca.CertificateAuthority`; :meth:`~RevocationRegistry.publish_crl`
  signs a CRL with an increasing CRL number (5.2.3), thisUpdate and nextUpdate
  (5.1.2.4-5) and the CA's authorityKeyIdentifier (5.2.1), deterministically.
* :func:`crl_status` answers "good / revoked (when, why) / unknown" for a
  certificate. It rests on :func:`pki_lab.validation.crl.check_crl`, the one place
  the lab verifies a CRL (issuer, signature, cRLSign, freshness, scope).
* :class:`CrlIndex` turns a large CRL into a dictionary by serial number, so a
  lookup costs the same for ten entries or a million (``benchmarks/revocation_lookup.py``).

Every CRL is signed by :func:`pki_lab.revocation.crl.build_crl`, the lab's one CRL
builder, which writes DER directly in time linear in the number of entries.

    >>> from pki_lab.ca import demo_hierarchy
    >>> h = demo_hierarchy()
    >>> registry = RevocationRegistry(h.intermediate)
    >>> _ = registry.revoke(h.leaf, "keyCompromise")
    >>> print(crl_status(h.leaf, h.intermediate, registry.publish_crl()).status)
    revoked
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import random
from collections.abc import Iterable
from typing import Any

from cryptography import x509

from .. import clock
from ..errors import ParameterError, PolicyError, WrongTypeError
from ..loading import to_der
from ..names import common_name
from ..validation.crl import CrlCheck, check_crl
from .crl import REASONS, Revocation, build_crl, reason_name

__all__ = [
    "REASONS",
    "Revocation",
    "RevocationRegistry",
    "crl_status",
    "CrlIndex",
    "IndexedEntry",
    "synthetic_crl",
    "crl_size_table",
]


class RevocationRegistry:
    """The revocations of one CA, and the CRLs it publishes from them.

    Args:
        ca: the :class:`~pki_lab.ca.CertificateAuthority` that issued the certificates.
    """

    def __init__(self, ca: Any) -> None:
        if not hasattr(ca, "certificate") or not hasattr(ca, "private_key"):
            raise WrongTypeError(f"`ca` must be a pki_lab CertificateAuthority, not {type(ca).__name__}.")
        self.ca = ca
        self._revoked: dict[int, Revocation] = {}
        self._crl_number = 0

    def __repr__(self) -> str:
        return (f"<RevocationRegistry of {common_name(self.ca.name)!r}: {len(self._revoked)} revoked, "
                f"last CRL number {self._crl_number}>")

    @property
    def revocations(self) -> list[Revocation]:
        """Every revocation, oldest first."""
        return sorted(self._revoked.values(), key=lambda r: (r.date, r.serial))

    @property
    def crl_number(self) -> int:
        """The number of the last CRL published (0 before the first)."""
        return self._crl_number

    def revoke(self, cert: x509.Certificate | int, reason: object = "unspecified", *,
               at: _dt.datetime | None = None) -> Revocation:
        """Record that ``cert`` (or a serial number) is revoked, at ``at`` (default: the lab clock's now).

        Raises:
            PolicyError: the certificate was issued by another CA, or is already revoked.
            ParameterError: an unknown reason (see :data:`REASONS`).
        """
        reason = reason_name(reason)
        when = (clock.now() if at is None else clock.require_aware(at)).replace(microsecond=0)
        subject = ""
        if isinstance(cert, x509.Certificate):
            if cert.issuer != self.ca.name:
                raise PolicyError(
                    f"This certificate was issued by {cert.issuer.rfc4514_string()}, not by "
                    f"{self.ca.name.rfc4514_string()}; only its own issuer can revoke it."
                )
            serial, subject = cert.serial_number, cert.subject.rfc4514_string()
        elif isinstance(cert, int) and not isinstance(cert, bool) and cert > 0:
            serial = cert
        else:
            raise WrongTypeError(f"`cert` must be a certificate or a positive serial number, not {cert!r}.")
        if serial in self._revoked:
            raise PolicyError(f"Serial {serial:x} is already revoked (on {self._revoked[serial].date.isoformat()}); "
                              "a revocation is permanent and is recorded once.")
        record = Revocation(serial, when, reason, subject)
        self._revoked[serial] = record
        return record

    def is_revoked(self, cert: x509.Certificate | int) -> Revocation | None:
        """The CA's own record for ``cert`` (what an OCSP responder answers from), or None."""
        serial = cert.serial_number if isinstance(cert, x509.Certificate) else cert
        return self._revoked.get(serial)

    def publish_crl(self, *, days: float = 7) -> x509.CertificateRevocationList:
        """Sign a complete CRL of every revocation so far, valid ``days`` from the lab clock's now.

        CA/Browser Forum BR 4.9.7 and 7.2 (since ballot SC-063): a CRL for subscriber
        certificates is reissued within 24 hours of a revocation and at least every 4 days
        (7 if every certificate also names an OCSP responder); nextUpdate is at most 10
        days after thisUpdate.
        """
        self._crl_number += 1
        return build_crl(self.ca, self.revocations, number=self._crl_number, days=days)


# -- checking ---------------------------------------------------------------------------------------


def crl_status(cert: x509.Certificate, issuer: Any, crl: x509.CertificateRevocationList,
               at: _dt.datetime | None = None) -> CrlCheck:
    """good / revoked (with date and reason) / unknown, for ``cert`` according to ``crl``.

    ``issuer`` is the issuing CA's certificate or the :class:`~pki_lab.ca.CertificateAuthority`
    itself. The verdict comes from :func:`pki_lab.validation.crl.check_crl`, which first
    checks that the CRL comes from the issuer, is signed by its key (with cRLSign) and is fresh.
    """
    issuer_cert = getattr(issuer, "certificate", issuer)
    return check_crl(cert, issuer_cert, crl, at)


@dataclasses.dataclass(frozen=True)
class IndexedEntry:
    """What a CRL says about one revoked serial."""

    serial: int
    date: _dt.datetime
    reason: str | None

    def sentence(self) -> str:
        because = f" because of {self.reason}" if self.reason else ""
        return f"serial {self.serial:x} is listed: revoked on {self.date.isoformat()}{because}"


class CrlIndex:
    """A dictionary from serial number to CRL entry: constant-time lookups in a CRL of any size.

    ``cryptography``'s ``get_revoked_certificate_by_serial_number`` scans the list,
    which is fine once but not for a relying party checking many certificates
    against a CRL of a million entries. Verify the CRL first (:func:`crl_status`):
    the index trusts the CRL it is given.
    """

    def __init__(self, crl: x509.CertificateRevocationList) -> None:
        if not isinstance(crl, x509.CertificateRevocationList):
            raise WrongTypeError(f"CrlIndex needs a CRL, not {type(crl).__name__}.")
        self.crl = crl
        self._entries = {entry.serial_number: entry for entry in crl}

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, serial: object) -> bool:
        return serial in self._entries

    def lookup(self, cert_or_serial: x509.Certificate | int) -> IndexedEntry | None:
        """The entry for a certificate or serial, or None if the CRL does not list it."""
        serial = cert_or_serial.serial_number if isinstance(cert_or_serial, x509.Certificate) else cert_or_serial
        entry = self._entries.get(serial)
        if entry is None:
            return None
        try:
            reason = entry.extensions.get_extension_for_class(x509.CRLReason).value.reason.value
        except x509.ExtensionNotFound:
            reason = None
        return IndexedEntry(serial, entry.revocation_date_utc, reason)


# -- CRLs of any size, for plots and benchmarks --------------------------------------------------------------


def synthetic_crl(ca: Any, count: int, *, seed: int = 7, number: int = 1) -> tuple[x509.CertificateRevocationList,
                                                                                     list[int]]:
    """A CRL of ``count`` revocations with random 128-bit serials (``random.Random(seed)``) and their serials.

    Reasons cycle through keyCompromise, superseded, cessationOfOperation and
    unspecified; dates spread over the 90 days before the lab clock's now.
    """
    if isinstance(count, bool) or not isinstance(count, int) or count < 0:
        raise ParameterError(f"`count` must be a whole number >= 0, not {count!r}.")
    rng = random.Random(seed)
    now = clock.now()
    reasons = ("keyCompromise", "superseded", "cessationOfOperation", "unspecified")
    days = [now - _dt.timedelta(days=d) for d in range(90)]
    serials = [rng.getrandbits(127) | 1 << 126 for _ in range(count)]
    revocations = [Revocation(s, days[i % 90], reasons[i % 4]) for i, s in enumerate(serials)]
    return build_crl(ca, revocations, number=number), serials


def crl_size_table(ca: Any, counts: Iterable[int]) -> list[tuple[int, int]]:
    """``(revocations, CRL size in bytes)`` for each count: how a CRL grows as a CA revokes."""
    return [(n, len(to_der(synthetic_crl(ca, n)[0]))) for n in counts]
