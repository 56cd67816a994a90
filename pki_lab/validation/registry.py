"""The pool of certificates a path can be built from, indexed for finding issuers.

A certificate names its issuer twice: by distinguished name (the issuer field,
RFC 5280 4.1.2.4) and, usually, by key (the authorityKeyIdentifier, 4.2.1.1, which
should equal the issuer's subjectKeyIdentifier, 4.2.1.2). The name is what chains
certificates together (6.1.3 (a)(4)); the key identifier only helps choose among
several CAs that share a name, such as a root and its cross-signed twin.

:class:`IssuerRegistry` returns the candidates for a certificate's issuer in the
order a path builder should try them (after RFC 4158 section 3 and Go's
``findPotentialParents``): key identifier match first, then unknown, then
mismatch; within each group trust anchors before untrusted certificates, and
certificates valid at the time of validation before expired ones.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable

from cryptography import x509

from .dn import NameKey
from .facts import Facts

__all__ = ["IssuerRegistry"]


class IssuerRegistry:
    """Trust anchors and untrusted certificates, indexed by subject name (compared as RFC 5280 7.1 says).

    Args:
        trust: the trust anchors (certificates the relying party trusts as they are).
        intermediates: untrusted certificates that may help build a path (what a server sent).
        at: the validation time, used only to order candidates (valid ones first).
        facts: the validation's facts table (key identifiers are read through it); a new one if None.
    """

    def __init__(self, trust: Iterable[x509.Certificate], intermediates: Iterable[x509.Certificate],
                 at: _dt.datetime, facts: Facts | None = None) -> None:
        self.at = at
        self.facts = Facts() if facts is None else facts
        self.anchors: tuple[x509.Certificate, ...] = tuple(dict.fromkeys(trust))
        self._anchor_set = set(self.anchors)
        pool = [c for c in dict.fromkeys(intermediates) if c not in self._anchor_set]
        self.intermediates: tuple[x509.Certificate, ...] = tuple(pool)
        # 6.1.3 (a)(4): the issuer must *match* the subject above it, so the index is keyed by the
        # canonical 7.1 form (case, insignificant spaces, PrintableString or UTF8String), not by the bytes.
        self._by_subject: dict[NameKey, list[tuple[x509.Certificate, bool]]] = {}
        for cert in self.anchors:
            self._by_subject.setdefault(self.facts.subject_key(cert), []).append((cert, True))
        for cert in self.intermediates:
            self._by_subject.setdefault(self.facts.subject_key(cert), []).append((cert, False))
        self._cache: dict[x509.Certificate, list[tuple[x509.Certificate, bool]]] = {}

    def is_anchor(self, cert: x509.Certificate) -> bool:
        """True if ``cert`` itself is one of the trust anchors (byte for byte)."""
        return cert in self._anchor_set

    def all_certificates(self) -> tuple[x509.Certificate, ...]:
        """Every certificate of the pool: the anchors, then the untrusted ones."""
        return self.anchors + self.intermediates

    def candidates(self, cert: x509.Certificate) -> list[tuple[x509.Certificate, bool]]:
        """Possible issuers of ``cert`` as ``(certificate, is_trust_anchor)``, most likely first."""
        cached = self._cache.get(cert)
        if cached is not None:
            return cached
        found = self._by_subject.get(self.facts.issuer_key(cert), [])
        want = self.facts.authority_key_identifier(cert)

        def likeliness(item: tuple[x509.Certificate, bool]) -> tuple[int, int, int]:
            candidate, anchored = item
            have = self.facts.key_identifier(candidate)
            kid = 1 if want is None or have is None else (0 if want == have else 2)
            current = candidate.not_valid_before_utc <= self.at <= candidate.not_valid_after_utc
            return (kid, 0 if anchored else 1, 0 if current else 1)

        ordered = sorted(found, key=likeliness)  # stable: keeps the given order within a group
        self._cache[cert] = ordered
        return ordered
