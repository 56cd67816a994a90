"""The issuance policy: the rules an issuing CA applies to a request, and the decision it returns.

Each rule gives one :class:`Check` with a readable reason; a :class:`Decision` holds them all,
so a rejection says every rule that failed, not only the first.
"""

from __future__ import annotations

import dataclasses
import fnmatch

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

from ..ca import IssueProfile
from ..errors import PolicyError, WrongTypeError
from ..keys import key_summary, ml_dsa_level
from ..names import common_name

__all__ = ["Check", "Decision", "IssuancePolicy", "requested_names"]


@dataclasses.dataclass(frozen=True)
class Check:
    """One rule of the policy applied to one request: its id, whether it passed, and why."""

    rule: str
    passed: bool
    reason: str

    def __str__(self) -> str:
        return f"{'PASS' if self.passed else 'FAIL'} {self.rule}: {self.reason}"


@dataclasses.dataclass(frozen=True)
class Decision:
    """The CA's answer to a request: approved or rejected, every check, and the certificate if issued."""

    request_id: int
    subject: str
    checks: tuple[Check, ...]
    certificate: x509.Certificate | None = None

    @property
    def approved(self) -> bool:
        return all(c.passed for c in self.checks)

    @property
    def failed_rules(self) -> tuple[str, ...]:
        return tuple(c.rule for c in self.checks if not c.passed)

    @property
    def reasons(self) -> tuple[str, ...]:
        """The sentences of the failed checks (empty when approved)."""
        return tuple(c.reason for c in self.checks if not c.passed)

    def raise_if_rejected(self) -> Decision:
        """Raise :class:`PolicyError` with every reason if the request was rejected; else return self."""
        if not self.approved:
            raise PolicyError(f"Request #{self.request_id} for {self.subject!r} is rejected: "
                              + " ".join(self.reasons))
        return self

    def __str__(self) -> str:
        verdict = "APPROVED" if self.approved else "REJECTED"
        return "\n".join([f"Request #{self.request_id} for {self.subject!r}: {verdict}"]
                         + [f"  {c}" for c in self.checks])

    __repr__ = __str__


_CURVE_NAMES = {"secp256r1": "P-256", "secp384r1": "P-384", "secp521r1": "P-521"}
_EXTENSION_NAMES = {x509.SubjectAlternativeName: "subjectAltName", x509.BasicConstraints: "basicConstraints",
                    x509.KeyUsage: "keyUsage", x509.ExtendedKeyUsage: "extendedKeyUsage"}


@dataclasses.dataclass(frozen=True)
class IssuancePolicy:
    """What an issuing CA accepts. Each rule becomes one :class:`Check` of a :class:`Decision`.

    Args:
        allowed_names: shell-style patterns (``*.devices.example.com``; ``*`` matches one
            DNS label) that every requested name (CN and DNS SANs) must match.
        min_rsa_bits: the smallest RSA modulus accepted (2048, as the CA/B Forum BRs 6.1.5 ask).
        curves: the accepted elliptic curves (the BRs allow P-256, P-384 and P-521).
        allow_ed25519: whether Ed25519 keys are accepted (public TLS CAs do not issue them yet).
        allowed_extensions: the extensions a request may ask for (a request for
            basicConstraints CA:TRUE is how someone would try to get a CA certificate).
        profile, days: what to issue (see :mod:`pki_lab.ca`).
        ml_dsa_levels: the ML-DSA levels (FIPS 204) accepted; ``()`` accepts none. A private CA may issue
            them today; the BRs do not allow them for public TLS certificates (as of 2026-03-15).
    """

    allowed_names: tuple[str, ...] = ("*.devices.example.com",)
    min_rsa_bits: int = 2048
    curves: tuple[str, ...] = ("P-256", "P-384", "P-521")
    allow_ed25519: bool = True
    allowed_extensions: tuple[str, ...] = ("subjectAltName",)
    profile: IssueProfile = "device"
    days: float | None = 365
    # Kept out of the repr: chapter 06 prints a policy, and its stored output predates ML-DSA.
    ml_dsa_levels: tuple[str, ...] = dataclasses.field(default=("ML-DSA-44", "ML-DSA-65", "ML-DSA-87"), repr=False)

    def evaluate(self, csr: x509.CertificateSigningRequest) -> tuple[Check, ...]:
        """Apply every rule to ``csr``: proof of possession, key strength, names, requested extensions."""
        if not isinstance(csr, x509.CertificateSigningRequest):
            raise WrongTypeError(f"Expected a CSR (x509.CertificateSigningRequest), not {type(csr).__name__}.")
        return (self._proof_of_possession(csr), self._key_strength(csr), self._names(csr), self._extensions(csr))

    @staticmethod
    def _proof_of_possession(csr: x509.CertificateSigningRequest) -> Check:
        # RFC 2986 4.2 / RFC 4211 4: the CSR is signed with the private key of the public key it carries.
        if csr.is_signature_valid:
            return Check("proof-of-possession", True, "The CSR's signature verifies with the public key inside it.")
        return Check("proof-of-possession", False,
                     "The CSR's signature does not verify with the public key inside it, so the requester has not "
                     "proven it holds the private key (or the CSR was changed after it was signed).")

    def _key_strength(self, csr: x509.CertificateSigningRequest) -> Check:
        key = csr.public_key()
        if isinstance(key, rsa.RSAPublicKey):
            if key.key_size < self.min_rsa_bits:
                return Check("key-strength", False,
                             f"The request's RSA key has {key.key_size} bits; this CA needs at least "
                             f"{self.min_rsa_bits} bits (generate a new key of {self.min_rsa_bits} bits or more).")
            return Check("key-strength", True, f"RSA {key.key_size} is at least {self.min_rsa_bits} bits.")
        if isinstance(key, ec.EllipticCurvePublicKey):
            curve = _CURVE_NAMES.get(key.curve.name, key.curve.name)
            if curve not in self.curves:
                return Check("key-strength", False,
                             f"The request's key is on the curve {curve}, which this CA does not support; "
                             f"use one of {', '.join(self.curves)}.")
            return Check("key-strength", True, f"EC {curve} is an accepted curve.")
        if isinstance(key, ed25519.Ed25519PublicKey) and self.allow_ed25519:
            return Check("key-strength", True, "Ed25519 is accepted by this CA.")
        level = ml_dsa_level(key)
        if level and level in self.ml_dsa_levels:
            return Check("key-strength", True, f"{level} (FIPS 204) is accepted by this CA.")
        return Check("key-strength", False,
                     f"The request's key type ({key_summary(key)}) is not accepted by this CA; use RSA "
                     f"{self.min_rsa_bits}+ or EC {'/'.join(self.curves)}.")

    def _names(self, csr: x509.CertificateSigningRequest) -> Check:
        names = requested_names(csr)
        if not names:
            return Check("allowed-names", False, "The request names no host or device (no CN and no DNS SAN).")
        bad = [n for n in names if not any(_match(n, p) for p in self.allowed_names)]
        if bad:
            return Check("allowed-names", False,
                         f"The name(s) {', '.join(repr(b) for b in bad)} are not allowed by this CA, which only "
                         f"issues for {', '.join(self.allowed_names)}.")
        return Check("allowed-names", True, f"{', '.join(names)} match {', '.join(self.allowed_names)}.")

    def _extensions(self, csr: x509.CertificateSigningRequest) -> Check:
        asked = [_EXTENSION_NAMES.get(type(e.value), e.oid.dotted_string) for e in csr.extensions]
        bad = [a for a in asked if a not in self.allowed_extensions]
        if bad:
            detail = ""
            try:
                if csr.extensions.get_extension_for_class(x509.BasicConstraints).value.ca:
                    detail = " (basicConstraints CA:TRUE asks for a CA certificate, which this CA never issues)"
            except x509.ExtensionNotFound:
                pass
            return Check("requested-extensions", False,
                         f"The request asks for {', '.join(bad)}{detail}; this CA sets those itself and accepts "
                         f"only {', '.join(self.allowed_extensions)} in a request.")
        return Check("requested-extensions", True,
                     f"The requested extensions ({', '.join(asked) or 'none'}) are allowed.")


def requested_names(csr: x509.CertificateSigningRequest) -> tuple[str, ...]:
    """The CN and the DNS SAN entries a CSR asks for, without repeats."""
    names = []
    cn = common_name(csr.subject)
    if cn:
        names.append(cn)
    try:
        san = csr.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        names += san.get_values_for_type(x509.DNSName)
    except x509.ExtensionNotFound:
        pass
    return tuple(dict.fromkeys(names))


def _match(name: str, pattern: str) -> bool:
    """Shell-style match where ``*`` stands for exactly one DNS label (like a certificate wildcard)."""
    name_labels, pattern_labels = name.lower().split("."), pattern.lower().split(".")
    return len(name_labels) == len(pattern_labels) and all(
        fnmatch.fnmatchcase(n, p) and n for n, p in zip(name_labels, pattern_labels, strict=True))
