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

from .crl import RevocationMode
from .facts import Facts

__all__ = ["Usage", "Profile", "USAGE_EKUS", "KEY_USAGE_NAMES", "ANY_POLICY", "PolicyInputs", "ValidationContext"]

#: What the leaf is checked for: a TLS server (the CA/B Forum rules apply), a TLS client, or (None) no purpose.
Usage = Literal["server", "client"]

#: Which rules apply: RFC 5280 section 6 alone, or RFC 5280 plus the CA/Browser Forum Baseline Requirements.
Profile = Literal["webpki", "rfc5280"]

#: anyPolicy (RFC 5280 4.2.1.4), the policy OID that stands for every policy.
ANY_POLICY = "2.5.29.32.0"


@dataclasses.dataclass(frozen=True)
class PolicyInputs:
    """The policy inputs of RFC 5280 6.1.1 (c), (e), (f), (g).

    Attributes:
        initial_policies: the user-initial-policy-set, dotted OIDs (``(ANY_POLICY,)`` when the caller gave none).
        explicit_policy: initial-explicit-policy: the path must be valid for at least one policy of the set.
        policy_mapping_inhibit: initial-policy-mapping-inhibit: policy mapping is not allowed.
        any_policy_inhibit: initial-any-policy-inhibit: anyPolicy in a certificate is not taken as a match.
    """

    initial_policies: tuple[str, ...] = (ANY_POLICY,)
    explicit_policy: bool = False
    policy_mapping_inhibit: bool = False
    any_policy_inhibit: bool = False

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
    """One validation's inputs (time, names, purpose, key usages, CRLs, profile, revocation mode, policy
    inputs) and its per-call facts table."""

    at: _dt.datetime
    names: tuple[x509.GeneralName, ...] = ()
    usage: Usage | None = "server"
    key_usage: tuple[str, ...] = ()
    crls: tuple[x509.CertificateRevocationList, ...] = ()
    profile: Profile = "webpki"
    revocation: RevocationMode = RevocationMode.OFF
    policy: PolicyInputs = PolicyInputs()
    #: the untrusted certificates given, where a separate CRL issuer's certificate may be (RFC 5280 6.3.3 (f))
    pool: tuple[x509.Certificate, ...] = ()
    #: 1 while validating a CRL issuer's own path: its CRLs must then be signed within that path (no recursion)
    crl_signer_level: int = 0
    facts: Facts = dataclasses.field(default_factory=Facts, repr=False, compare=False)

    @property
    def eku(self) -> x509.ObjectIdentifier | None:
        """The extendedKeyUsage the purpose needs (serverAuth or clientAuth), or None for no purpose."""
        return None if self.usage is None else USAGE_EKUS[self.usage]

    @property
    def web(self) -> bool:
        """True for a TLS server check under the Web PKI profile, where the CA/Browser Forum Baseline
        Requirements apply; False under ``profile="rfc5280"`` or for another purpose."""
        return self.profile == "webpki" and self.usage == "server"
