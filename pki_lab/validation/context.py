"""What one validation needs besides the path, and the state it builds up: a :class:`ValidationContext`.

After certvalidator's ``ValidationContext``: :func:`pki_lab.validation.validate_chain`
makes one per call, from its arguments (time, expected names, purpose, key usages,
CRLs), with an empty :class:`~pki_lab.validation.facts.Facts` table, and hands it to
every part of the validator that needs it. The validator keeps no state between
calls, so two threads validating at once never see each other's facts.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
from typing import Literal

from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID

from .facts import Facts

__all__ = ["Usage", "USAGE_EKUS", "KEY_USAGE_NAMES", "ValidationContext"]

#: What the leaf is checked for: a TLS server (the CA/B Forum rules apply) or a TLS client.
Usage = Literal["server", "client"]

#: The extendedKeyUsage each usage needs (RFC 5280 4.2.1.12).
USAGE_EKUS: dict[str, x509.ObjectIdentifier] = {
    "server": ExtendedKeyUsageOID.SERVER_AUTH,
    "client": ExtendedKeyUsageOID.CLIENT_AUTH,
}

#: The keyUsage bits (RFC 5280 4.2.1.3) by their attribute names in ``x509.KeyUsage``.
KEY_USAGE_NAMES = ("digital_signature", "content_commitment", "key_encipherment", "data_encipherment",
                   "key_agreement", "key_cert_sign", "crl_sign")


@dataclasses.dataclass(frozen=True)
class ValidationContext:
    """One validation's inputs (time, names, purpose, key usages, CRLs) and its per-call facts table."""

    at: _dt.datetime
    names: tuple[x509.GeneralName, ...] = ()
    usage: Usage = "server"
    key_usage: tuple[str, ...] = ()
    crls: tuple[x509.CertificateRevocationList, ...] = ()
    facts: Facts = dataclasses.field(default_factory=Facts, repr=False, compare=False)

    @property
    def eku(self) -> x509.ObjectIdentifier:
        """The extendedKeyUsage the purpose needs (serverAuth or clientAuth)."""
        return USAGE_EKUS[self.usage]

    @property
    def web(self) -> bool:
        """True for a TLS server check, where the CA/Browser Forum Baseline Requirements apply."""
        return self.usage == "server"
