"""Facts about a certificate (parsed extensions, short name, self-issued?), computed once per validation.

Parsing an extension or comparing two names is cheap once, but a validator asks the
same questions many times per path and per candidate path. The facts of a
certificate never change, so :func:`pki_lab.validation.validate_chain` keeps them
here for the length of one call (it clears the table when it starts).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from cryptography import x509

__all__ = ["clear", "remember", "extensions_of", "get_extension", "label", "self_issued"]

_TABLE: dict[int, tuple[x509.Certificate, dict[Any, Any]]] = {}
_MISSING = object()


def clear() -> None:
    """Forget every fact (called at the start of each validation)."""
    _TABLE.clear()


def remember(cert: x509.Certificate, key: Any, compute: Callable[[], Any]) -> Any:
    """The fact ``key`` about ``cert``, computed by ``compute()`` the first time it is asked for."""
    entry = _TABLE.get(id(cert))
    if entry is None or entry[0] is not cert:
        if len(_TABLE) > 10_000:
            _TABLE.clear()
        entry = (cert, {})
        _TABLE[id(cert)] = entry
    value = entry[1].get(key, _MISSING)
    if value is _MISSING:
        value = entry[1][key] = compute()
    return value


def _parse(cert: x509.Certificate) -> x509.Extensions | None:
    try:
        return cert.extensions
    except (ValueError, TypeError, x509.DuplicateExtension, x509.UnsupportedGeneralNameType):
        return None


def extensions_of(cert: x509.Certificate) -> x509.Extensions | None:
    """The certificate's extensions, or None if they cannot be parsed (duplicates, bad DER)."""
    return remember(cert, "extensions", lambda: _parse(cert))


def _find(cert: x509.Certificate, cls: type) -> x509.Extension | None:
    exts = extensions_of(cert)
    if exts is None:
        return None
    try:
        return exts.get_extension_for_class(cls)
    except (x509.ExtensionNotFound, ValueError):
        return None


def get_extension(cert: x509.Certificate, cls: type) -> x509.Extension | None:
    """The extension of class ``cls`` (e.g. ``x509.BasicConstraints``), or None if absent or unparseable."""
    return remember(cert, cls, lambda: _find(cert, cls))


def label(cert: x509.Certificate) -> str:
    """A short, stable name for a certificate: its common name, else its RFC 4514 subject."""
    def compute() -> str:
        cns = cert.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)
        return str(cns[-1].value) if cns else (cert.subject.rfc4514_string() or "(empty subject)")

    return remember(cert, "label", compute)


def self_issued(cert: x509.Certificate) -> bool:
    """RFC 5280 6.1: subject and issuer are the same name."""
    return remember(cert, "self-issued", lambda: cert.subject == cert.issuer)
