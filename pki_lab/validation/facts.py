"""Facts about a certificate (parsed extensions, key identifiers, canonical names, self-issued?), computed once
per validation.

Parsing an extension or comparing two names is cheap once, but a validator asks the
same questions many times per path and per candidate path. The facts of a
certificate never change, so each call of :func:`pki_lab.validation.validate_chain`
makes one :class:`Facts` table (on its
:class:`~pki_lab.validation.context.ValidationContext`) and drops it when it returns:
nothing is shared between calls or threads.

The table is keyed by ``id(cert)`` (hashing a certificate hashes its whole DER, which
is slower) and keeps a reference to each certificate it holds facts about, so no
certificate it knows can be collected and have its id reused while the table lives.
Other parsed objects (a CA's name constraints, read into subtrees) are kept the same way.

Names are compared as RFC 5280 7.1 says, through their canonical keys (:func:`.dn.name_key`),
worked out once per certificate. The table also carries the one budget of name-constraint
comparisons of the validation (:mod:`.constraints`), so the work is bounded across every
candidate path, not per certificate.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from cryptography import x509

from .dn import NameKey, name_key

__all__ = ["Facts", "MAX_NAME_CONSTRAINT_CHECKS"]

#: The most (name, subtree) comparisons one validation may make: pyca/cryptography's limit, 2^20.
MAX_NAME_CONSTRAINT_CHECKS = 1 << 20

_MISSING = object()


def _parse(cert: x509.Certificate) -> x509.Extensions | None:
    try:
        return cert.extensions
    except (ValueError, TypeError, x509.DuplicateExtension, x509.UnsupportedGeneralNameType):
        return None


class Facts:
    """The facts of the certificates one validation looks at (not thread-safe: one per call)."""

    def __init__(self) -> None:
        self._table: dict[int, tuple[object, dict[Any, Any]]] = {}
        #: What is left of the validation's budget of name-constraint comparisons (see :mod:`.constraints`).
        self.name_checks_left = MAX_NAME_CONSTRAINT_CHECKS

    def remember(self, cert: object, key: Any, compute: Callable[[], Any]) -> Any:
        """The fact ``key`` about ``cert`` (a certificate, or another parsed object such as an extension
        value), computed by ``compute()`` the first time it is asked for."""
        entry = self._table.get(id(cert))
        if entry is None:
            entry = self._table[id(cert)] = (cert, {})
        value = entry[1].get(key, _MISSING)
        if value is _MISSING:
            value = entry[1][key] = compute()
        return value

    def extensions_of(self, cert: x509.Certificate) -> x509.Extensions | None:
        """The certificate's extensions, or None if they cannot be parsed (duplicates, bad DER)."""
        return self.remember(cert, "extensions", lambda: _parse(cert))

    def get_extension(self, cert: x509.Certificate, cls: type) -> x509.Extension | None:
        """The extension of class ``cls`` (e.g. ``x509.BasicConstraints``), or None if absent or unparseable."""
        return self.remember(cert, cls, lambda: self._find(cert, cls))

    def _find(self, cert: x509.Certificate, cls: type) -> x509.Extension | None:
        return self.remember(cert, "extensions-by-class", lambda: self._by_class(cert)).get(cls)

    def _by_class(self, cert: x509.Certificate) -> dict[type, x509.Extension]:
        """Each recognised extension by its value's class, read in one pass (the lookups a validation makes
        are mostly for extensions a certificate does not have, which cryptography answers with an exception)."""
        exts = self.extensions_of(cert)
        if exts is None:
            return {}
        return {type(ext.value): ext for ext in exts if not isinstance(ext.value, x509.UnrecognizedExtension)}

    def subject_key(self, cert: x509.Certificate) -> NameKey:
        """The canonical key of the subject (RFC 5280 7.1 comparison, :func:`.dn.name_key`)."""
        return self.remember(cert, "subject-key", lambda: name_key(cert.subject))

    def issuer_key(self, cert: x509.Certificate) -> NameKey:
        """The canonical key of the issuer name (RFC 5280 7.1 comparison, :func:`.dn.name_key`)."""
        return self.remember(cert, "issuer-key", lambda: name_key(cert.issuer))

    def self_issued(self, cert: x509.Certificate) -> bool:
        """RFC 5280 6.1: subject and issuer are the same name (matching as RFC 5280 7.1 says)."""
        return self.remember(cert, "self-issued", lambda: self.subject_key(cert) == self.issuer_key(cert))

    def key_identifier(self, cert: x509.Certificate) -> bytes | None:
        """The subjectKeyIdentifier of ``cert`` (RFC 5280 4.2.1.2), or None."""
        ski = self.get_extension(cert, x509.SubjectKeyIdentifier)
        return ski.value.digest if ski is not None else None

    def authority_key_identifier(self, cert: x509.Certificate) -> bytes | None:
        """The keyIdentifier of the authorityKeyIdentifier of ``cert`` (RFC 5280 4.2.1.1), or None."""
        aki = self.get_extension(cert, x509.AuthorityKeyIdentifier)
        return aki.value.key_identifier if aki is not None else None
