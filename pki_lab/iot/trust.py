"""Verdicts, CA registration with proof of possession, and the device-chain check.

Three things both simulated services need:

* :class:`Verdict`: an accept/reject answer with a short code and a sentence a field
  engineer can act on ("upload and verify 'Acme Root CA'", not "validation failed").
* :class:`CaStore`: CA certificates registered with a service. A certificate is
  *unverified* until its owner proves possession of the CA's private key: the service
  issues a verification code, the owner returns a certificate whose subject CN is that
  code, signed by the CA's key. Both Azure services also accept a certificate
  "verified on upload", when the uploader attests that it owns it.
* :func:`check_chain`: build the path from a device certificate to a trust anchor
  (RFC 5280 6.1), check validity times (6.1.3 (a)(2)) and revocation (6.1.3 (a)(3))
  with the CRLs given, and let one validator have the final word: the course's
  chapter 04 validator (:func:`pki_lab.validation.validate_chain`) when it is
  installed, otherwise ``cryptography``'s own verifier.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import hashlib
from collections.abc import Iterable, Sequence

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from .. import clock
from ..errors import ParameterError, WrongTypeError
from ..names import common_name

__all__ = ["Verdict", "CaRecord", "CaStore", "ChainCheck", "check_chain", "cn", "validator_name"]


def cn(cert_or_name: x509.Certificate | x509.Name) -> str:
    """The common name of a certificate's subject (or of a name), or its RFC 4514 form if it has none."""
    name = cert_or_name.subject if isinstance(cert_or_name, x509.Certificate) else cert_or_name
    return common_name(name) or name.rfc4514_string()


def _der(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.DER)


@dataclasses.dataclass(frozen=True)
class Verdict:
    """A service's answer: ``ok``, a short ``code`` and a ``reason`` a field engineer can act on."""

    service: str
    subject: str
    ok: bool
    code: str
    reason: str
    hub: str | None = None
    path: tuple[str, ...] = ()

    def __str__(self) -> str:
        head = "ACCEPTED" if self.ok else f"REJECTED ({self.code})"
        return f"{self.service} {head} for {self.subject!r}: {self.reason}"

    __repr__ = __str__


@dataclasses.dataclass
class CaRecord:
    """A CA certificate registered with a service, and whether its owner proved possession of its key."""

    name: str
    certificate: x509.Certificate
    verified: bool = False
    verification_code: str | None = None

    @property
    def status(self) -> str:
        return "verified" if self.verified else "unverified"


class CaStore:
    """The CA certificates a service knows, keyed by a display name.

    ``service`` names the owner in verdicts; verification codes are derived from it, the
    certificate and a counter, so they repeat from run to run (a real service draws them
    at random).
    """

    def __init__(self, service: str) -> None:
        self.service = service
        self.records: dict[str, CaRecord] = {}
        self._codes = 0

    def upload(self, certificate: x509.Certificate, name: str | None = None, *,
               verified_on_upload: bool = False) -> CaRecord:
        """Register a CA certificate (unverified unless ``verified_on_upload``)."""
        if not isinstance(certificate, x509.Certificate):
            raise WrongTypeError(f"Upload an x509.Certificate, not {type(certificate).__name__}.")
        try:
            is_ca = certificate.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
        except x509.ExtensionNotFound:
            is_ca = False
        if not is_ca:
            raise ParameterError(
                f"{cn(certificate)!r} is not a CA certificate (basicConstraints CA:TRUE is missing); upload the "
                "root or intermediate CA that signs your device certificates, not a device certificate."
            )
        name = name or cn(certificate)
        record = CaRecord(name, certificate, verified=bool(verified_on_upload))
        self.records[name] = record
        return record

    def get(self, name: str) -> CaRecord:
        try:
            return self.records[name]
        except KeyError:
            known = ", ".join(repr(n) for n in self.records) or "none yet"
            raise ParameterError(
                f"{self.service} has no CA certificate called {name!r} (registered: {known}); upload it first."
            ) from None

    def verification_code(self, name: str) -> str:
        """Issue a fresh verification code for the CA ``name`` (the previous one stops working)."""
        record = self.get(name)
        self._codes += 1
        seed = f"{self.service}/{self._codes}/".encode() + _der(record.certificate)
        record.verification_code = hashlib.sha256(seed).hexdigest()[:32].upper()
        return record.verification_code

    def verify(self, name: str, verification_certificate: x509.Certificate, at: _dt.datetime | None = None
               ) -> Verdict:
        """Proof of possession: accept if the certificate has the code as subject CN and the CA's signature."""
        record = self.get(name)
        at = clock.require_aware(at, "at") if at is not None else clock.now()

        def no(code: str, reason: str) -> Verdict:
            return Verdict(self.service, name, False, code, reason)

        if record.verified:
            return Verdict(self.service, name, True, "ok", "the CA certificate is already verified.")
        if record.verification_code is None:
            return no("no-code", "no verification code was issued for this CA yet; generate one, then sign a "
                                 "certificate with that code as its subject CN.")
        got = common_name(verification_certificate.subject)
        if got != record.verification_code:
            return no("wrong-code", f"the verification certificate's subject CN is {got!r}, not the code "
                                    f"{record.verification_code!r} that {self.service} issued; make a new one "
                                    "with CN set to that code (codes are single-use and the latest one counts).")
        try:
            verification_certificate.verify_directly_issued_by(record.certificate)
        except (ValueError, TypeError, Exception):  # noqa: BLE001 - any failure means "not signed by this CA"
            return no("not-signed-by-ca", f"the verification certificate is not signed by the private key of "
                                          f"{name!r}, so it proves nothing; sign it with that CA's key.")
        if not (verification_certificate.not_valid_before_utc <= at <= verification_certificate.not_valid_after_utc):
            return no("expired", "the verification certificate is outside its validity period; issue a new one.")
        record.verified = True
        record.verification_code = None
        return Verdict(self.service, name, True, "ok", "proof of possession accepted; the CA certificate is now "
                                                        "verified.")

    def certificates(self, *, verified_only: bool = False) -> list[x509.Certificate]:
        return [r.certificate for r in self.records.values() if r.verified or not verified_only]

    def record_for(self, certificate: x509.Certificate) -> CaRecord | None:
        der = _der(certificate)
        return next((r for r in self.records.values() if _der(r.certificate) == der), None)


# -- the chain check ---------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class ChainCheck:
    """The outcome of :func:`check_chain`: ``ok``, a ``code``, a ``reason`` and the path (leaf first)."""

    ok: bool
    code: str
    reason: str
    path: tuple[x509.Certificate, ...] = ()

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(cn(c) for c in self.path)


def validator_name() -> str:
    """Which validator has the final word: the course's chapter 04 one if installed, else cryptography's."""
    return "pki_lab.validation.validate_chain" if _lab_validator() else "cryptography.x509.verification"


def _lab_validator():
    try:
        from ..validation import validate_chain  # type: ignore[import-not-found]
    except ImportError:
        return None
    return validate_chain


def _issued_by(cert: x509.Certificate, issuer: x509.Certificate) -> bool:
    try:
        cert.verify_directly_issued_by(issuer)
    except Exception:  # noqa: BLE001 - wrong name, wrong key or bad signature: not its issuer
        return False
    return True


def _is_ca(cert: x509.Certificate) -> bool:
    try:
        return cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    except x509.ExtensionNotFound:
        return False


def _build_path(leaf, pool, anchors, max_depth=6):
    """Walk issuer links from the leaf up to an anchor (RFC 5280 6.1: the path to validate)."""
    anchor_ders = {_der(a) for a in anchors}
    path = [leaf]
    while _der(path[-1]) not in anchor_ders:
        current = path[-1]
        issuer = next((c for c in list(anchors) + list(pool) if _der(c) != _der(current) and _issued_by(current, c)),
                      None)
        if issuer is None or len(path) > max_depth:
            return path, False
        path.append(issuer)
    return path, True


def _missing_issuer_reason(stuck: x509.Certificate, leaf: x509.Certificate, service: str) -> tuple[str, str]:
    issuer = cn(stuck.issuer)
    if stuck.issuer == stuck.subject:
        return "untrusted-root", (f"the chain ends at the self-signed {cn(stuck)!r}, which {service} does not trust; "
                                  "upload and verify that root, or enroll the device individually.")
    if stuck is leaf:
        return "missing-intermediate", (
            f"the device certificate was issued by {issuer!r}, but the device did not send that CA certificate and "
            f"{service} does not have it; make the device present its full chain (device certificate plus "
            "intermediates).")
    if _is_ca(stuck):
        return "missing-root", (
            f"the chain stops at {cn(stuck)!r}, whose issuer {issuer!r} is not registered with {service}; the "
            f"full chain up to the root must be registered, even when the enrollment names an intermediate: "
            f"upload {issuer!r} too.")
    return "chain-incomplete", f"no certificate issued {cn(stuck)!r}; present the chain up to a registered CA."


def _revocation(path, crls, at) -> tuple[str, str] | None:
    """RFC 5280 6.1.3 (a)(3): is any certificate on the path (below the anchor) on its issuer's CRL?"""
    for cert, issuer in zip(path, path[1:], strict=False):
        for crl in crls:
            if crl.issuer != cert.issuer or not crl.is_signature_valid(issuer.public_key()):
                continue
            entry = crl.get_revoked_certificate_by_serial_number(cert.serial_number)
            if entry is not None and entry.revocation_date_utc <= at:
                what = "device certificate" if cert is path[0] else "CA certificate"
                return "revoked", (f"the {what} {cn(cert)!r} (serial {cert.serial_number:X}) was revoked by "
                                   f"{cn(issuer)!r} on {entry.revocation_date_utc.date().isoformat()}; it can never "
                                   "authenticate again: give the device a new key and certificate.")
    return None


def _final_word(path, anchors, at, crls, server_name=None) -> str | None:
    """The reference validator's verdict on the path we built: None if it agrees, else its message."""
    leaf, intermediates = path[0], list(path[1:-1])
    lab = _lab_validator()
    if lab is not None:
        usage = "server" if server_name else "client"
        report = lab(leaf, intermediates=intermediates, trust=list(anchors), at=at, name=server_name, usage=usage,
                     crls=list(crls))
        return None if report.ok else str(report.reason)
    from cryptography.x509.verification import Criticality, ExtensionPolicy, PolicyBuilder, Store, VerificationError

    # Device certificates often carry only a CN, no SAN: allow that (webpki would require a SAN).
    ee = ExtensionPolicy.webpki_defaults_ee().may_be_present(x509.SubjectAlternativeName, Criticality.AGNOSTIC, None)
    builder = PolicyBuilder().store(Store([path[-1]])).time(at)
    try:
        if server_name:
            from cryptography.x509.verification import DNSName

            builder.build_server_verifier(DNSName(server_name)).verify(leaf, intermediates)
        else:
            builder = builder.extension_policies(ca_policy=ExtensionPolicy.webpki_defaults_ca(), ee_policy=ee)
            builder.build_client_verifier().verify(leaf, intermediates)
    except VerificationError as exc:
        return str(exc).split(" (encountered")[0]
    return None


def check_chain(
    leaf: x509.Certificate,
    presented: Sequence[x509.Certificate] = (),
    *,
    pool: Iterable[x509.Certificate] = (),
    anchors: Iterable[x509.Certificate] = (),
    at: _dt.datetime | None = None,
    crls: Iterable[x509.CertificateRevocationList] = (),
    service: str = "the service",
    server_name: str | None = None,
) -> ChainCheck:
    """Check a device certificate: path to an anchor, validity times, revocation, then the reference validator.

    Args:
        leaf: the device certificate.
        presented: the intermediates the device sent with it.
        pool: further CA certificates the service holds (registered intermediates).
        anchors: the certificates the service trusts as the top of a path.
        at: the instant to check at (default: the lab clock's now).
        crls: CRLs to consult (a certificate on its issuer's CRL is rejected).
        service: the service's name, for the reasons.
        server_name: check a TLS server's chain for this DNS name (default: a device's client chain).
    """
    if not isinstance(leaf, x509.Certificate):
        raise WrongTypeError(f"The device must present an x509.Certificate, not {type(leaf).__name__}.")
    at = clock.require_aware(at, "at") if at is not None else clock.now()
    anchors, crls = list(anchors), list(crls)
    path, complete = _build_path(leaf, list(presented) + list(pool), anchors)
    if not complete:
        code, reason = _missing_issuer_reason(path[-1], leaf, service)
        return ChainCheck(False, code, reason, tuple(path))
    for cert in path:  # RFC 5280 6.1.3 (a)(2)
        what = "device certificate" if cert is leaf else "CA certificate"
        if at > cert.not_valid_after_utc:
            return ChainCheck(False, "expired", (
                f"the {what} {cn(cert)!r} expired on {cert.not_valid_after_utc.date().isoformat()}; renew it "
                "(a new certificate, ideally for a new key) before the device can connect."), tuple(path))
        if at < cert.not_valid_before_utc:
            return ChainCheck(False, "not-yet-valid", (
                f"the {what} {cn(cert)!r} is not valid before {cert.not_valid_before_utc.isoformat()}; check the "
                "device's clock and the issuing CA's clock."), tuple(path))
    revoked = _revocation(path, crls, at)
    if revoked:
        return ChainCheck(False, *revoked, tuple(path))
    if len(path) > 1:
        problem = _final_word(path, anchors, at, crls, server_name)
        if problem:
            return ChainCheck(False, "chain-invalid", f"the chain to {cn(path[-1])!r} does not validate: {problem}.",
                              tuple(path))
    return ChainCheck(True, "ok", f"chain {' -> '.join(cn(c) for c in path)} is valid.", tuple(path))
