"""Verdicts, CA registration with proof of possession, and the device-chain check.

Three things both simulated services need:

* :class:`Verdict`: an accept/reject answer with a short :class:`Code` and a sentence a
  field engineer can act on ("upload and verify 'Acme Root CA'", not "validation failed").
* :class:`CaStore`: CA certificates registered with a service. A certificate is
  *unverified* until its owner proves possession of the CA's private key: the service
  issues a verification code, the owner returns a certificate whose subject CN is that
  code, signed by the CA's key. Both Azure services also accept a certificate
  "verified on upload", when the uploader attests that it owns it.
* :func:`check_chain`: the course's validator (:func:`pki_lab.validation.validate_chain`,
  chapter 04) decides whether a device's chain is valid, revocation included; this module
  only translates the validator's first failing rule into the simulator's codes and
  sentences, so chapter 11 can never disagree with chapter 04.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import enum
from collections.abc import Callable, Iterable, Sequence

from cryptography import x509
from cryptography.exceptions import InvalidSignature

from .. import clock
from ..ca import CertificateAuthority
from ..errors import ParameterError, PolicyError, WrongTypeError
from ..hashing import sha256_hex
from ..loading import to_der
from ..names import certificate_label, common_name
from ..validation import validate_chain
from ..validation.crl import RevocationStatus, check_crl
from ..validation.report import Step, ValidationReport
from ..validation.rules import Rule

__all__ = ["Code", "CaStatus", "Verdict", "CaRecord", "CaStore", "ChainCheck", "check_chain", "TRANSLATIONS"]


class Code(enum.StrEnum):
    """Every code a simulated service puts in a :class:`Verdict` (a member equals its string)."""

    OK = "ok"
    # proof of possession (CaStore.verify)
    NO_CODE = "no-code"
    WRONG_CODE = "wrong-code"
    NOT_SIGNED_BY_CA = "not-signed-by-ca"
    # the chain check (check_chain), from the validator's failing rule
    EXPIRED = "expired"
    NOT_YET_VALID = "not-yet-valid"
    MISSING_INTERMEDIATE = "missing-intermediate"
    MISSING_ROOT = "missing-root"
    UNTRUSTED_ROOT = "untrusted-root"
    REVOKED = "revoked"
    REVOCATION_UNKNOWN = "revocation-unknown"
    CHAIN_INVALID = "chain-invalid"
    # the provisioning service (dps)
    NO_PROOF_OF_POSSESSION = "no-proof-of-possession"
    CN_MISMATCH = "cn-mismatch"
    CERTIFICATE_MISMATCH = "certificate-mismatch"
    ENROLLMENT_DISABLED = "enrollment-disabled"
    NO_ENROLLMENT = "no-enrollment"
    CA_UNVERIFIED = "ca-unverified"
    NO_HUB = "no-hub"
    NO_ISSUING_CA = "no-issuing-ca"
    CSR_INVALID = "csr-invalid"
    CSR_CN_MISMATCH = "csr-cn-mismatch"
    # the hub
    SERVER_UNTRUSTED = "server-untrusted"
    UNKNOWN_DEVICE = "unknown-device"
    DEVICE_DISABLED = "device-disabled"
    THUMBPRINT_MISMATCH = "thumbprint-mismatch"
    UNTRUSTED_CA = "untrusted-ca"
    NOT_AUTHENTICATED = "not-authenticated"


class CaStatus(enum.StrEnum):
    """Whether the owner of a registered CA certificate proved possession of its key."""

    VERIFIED = "verified"
    UNVERIFIED = "unverified"


@dataclasses.dataclass(frozen=True)
class Verdict:
    """A service's answer: ``ok``, a short ``code`` and a ``reason`` a field engineer can act on."""

    service: str
    subject: str
    ok: bool
    code: Code
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
    def status(self) -> CaStatus:
        return CaStatus.VERIFIED if self.verified else CaStatus.UNVERIFIED


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
                f"{certificate_label(certificate)!r} is not a CA certificate (basicConstraints CA:TRUE is missing); "
                "upload the root or intermediate CA that signs your device certificates, not a device certificate."
            )
        name = name or certificate_label(certificate)
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
        seed = f"{self.service}/{self._codes}/".encode() + to_der(record.certificate)
        record.verification_code = sha256_hex(seed)[:32].upper()
        return record.verification_code

    def verify(self, name: str, verification_certificate: x509.Certificate, at: _dt.datetime | None = None
               ) -> Verdict:
        """Proof of possession: accept if the certificate has the code as subject CN and the CA's signature.

        This is not path validation: one certificate, directly signed by the CA being proved, inside its
        validity period. Its profile (extendedKeyUsage, SAN) does not matter, as in Azure's services.
        """
        record = self.get(name)
        at = clock.require_aware(at, "at") if at is not None else clock.now()

        def no(code: Code, reason: str) -> Verdict:
            return Verdict(self.service, name, False, code, reason)

        if record.verified:
            return Verdict(self.service, name, True, Code.OK, "the CA certificate is already verified.")
        if record.verification_code is None:
            return no(Code.NO_CODE, "no verification code was issued for this CA yet; generate one, then sign a "
                                    "certificate with that code as its subject CN.")
        got = common_name(verification_certificate.subject)
        if got != record.verification_code:
            return no(Code.WRONG_CODE, f"the verification certificate's subject CN is {got!r}, not the code "
                                       f"{record.verification_code!r} that {self.service} issued; make a new one "
                                       "with CN set to that code (codes are single-use and the latest one counts).")
        try:
            verification_certificate.verify_directly_issued_by(record.certificate)
        except (InvalidSignature, ValueError, TypeError):  # wrong issuer name, wrong key or a bad signature
            return no(Code.NOT_SIGNED_BY_CA, f"the verification certificate is not signed by the private key of "
                                             f"{name!r}, so it proves nothing; sign it with that CA's key.")
        if not (verification_certificate.not_valid_before_utc <= at <= verification_certificate.not_valid_after_utc):
            return no(Code.EXPIRED, "the verification certificate is outside its validity period; issue a new one.")
        record.verified = True
        record.verification_code = None
        return Verdict(self.service, name, True, Code.OK, "proof of possession accepted; the CA certificate is "
                                                          "now verified.")

    def certificates(self, *, verified_only: bool = False) -> list[x509.Certificate]:
        return [r.certificate for r in self.records.values() if r.verified or not verified_only]

    def record_for(self, certificate: x509.Certificate) -> CaRecord | None:
        der = to_der(certificate)
        return next((r for r in self.records.values() if to_der(r.certificate) == der), None)


# -- the chain check: validate_chain decides, this module translates ---------------------------------


@dataclasses.dataclass(frozen=True)
class ChainCheck:
    """The outcome of :func:`check_chain`: ``ok``, a ``code``, a ``reason``, the path (leaf first), the report."""

    ok: bool
    code: Code
    reason: str
    path: tuple[x509.Certificate, ...] = ()
    report: ValidationReport | None = dataclasses.field(default=None, repr=False, compare=False)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(certificate_label(c) for c in self.path)


@dataclasses.dataclass(frozen=True)
class _Failure:
    """The validator's first failing step, with what a translation needs to word it."""

    report: ValidationReport
    step: Step
    service: str
    crls: tuple[x509.CertificateRevocationList, ...]
    server: bool = False

    @property
    def cert(self) -> x509.Certificate:
        return self.report.path[self.step.index]

    @property
    def what(self) -> str:
        if self.step.index:
            return "CA certificate"
        return "server certificate" if self.server else "device certificate"


def _stuck(path: Sequence[x509.Certificate], known: Iterable[x509.Certificate], service: str
           ) -> tuple[Code, str] | None:
    """RFC 5280 6.1: the path stops below any trust anchor. Where, and what to upload; None if no issuer is missing."""
    top, leaf = path[-1], path[0]
    issuer = certificate_label(top.issuer)
    if top.issuer == top.subject:
        return Code.UNTRUSTED_ROOT, (f"the chain ends at the self-signed {certificate_label(top)!r}, which {service} "
                                     "does not trust; upload and verify that root, or enroll the device individually.")
    if any(c.subject == top.issuer for c in known):
        return None  # an issuer is there, but the path cannot use it (a loop, the depth limit, the work budget)
    if top is leaf:
        return Code.MISSING_INTERMEDIATE, (
            f"the device certificate was issued by {issuer!r}, but the device did not send that CA certificate and "
            f"{service} does not have it; make the device present its full chain (device certificate plus "
            "intermediates).")
    return Code.MISSING_ROOT, (
        f"the chain stops at {certificate_label(top)!r}, whose issuer {issuer!r} is not registered with {service}; "
        "the full chain up to the root must be registered, even when the enrollment names an intermediate: "
        f"upload {issuer!r} too.")


def _no_path(failure: _Failure) -> tuple[Code, str] | None:
    return _stuck(failure.report.path, failure.report.pool, failure.service)


def _validity(failure: _Failure) -> tuple[Code, str]:
    """RFC 5280 6.1.3 (a)(2): say which certificate is outside its validity period, and what to do."""
    cert, what = failure.cert, failure.what
    if failure.server:  # a device judging its server: the device's clock is the first suspect
        when = failure.report.at.isoformat().replace("+00:00", "Z")
        if failure.report.at > cert.not_valid_after_utc:
            return Code.EXPIRED, (f"the {what} {certificate_label(cert)!r} expired on "
                                  f"{cert.not_valid_after_utc.date().isoformat()} (checked at {when})")
        return Code.NOT_YET_VALID, (f"the {what} {certificate_label(cert)!r} is not valid before "
                                    f"{cert.not_valid_before_utc.date().isoformat()} and the device's clock reads "
                                    f"{when}")
    if failure.report.at > cert.not_valid_after_utc:
        return Code.EXPIRED, (f"the {what} {certificate_label(cert)!r} expired on "
                              f"{cert.not_valid_after_utc.date().isoformat()}; renew it (a new certificate, ideally "
                              "for a new key) before the device can connect.")
    return Code.NOT_YET_VALID, (f"the {what} {certificate_label(cert)!r} is not valid before "
                                f"{cert.not_valid_before_utc.isoformat()}; check the device's clock and the issuing "
                                "CA's clock.")


def _revocation(failure: _Failure) -> tuple[Code, str]:
    """RFC 5280 6.1.3 (a)(3): revoked, or a CRL that cannot be used (stale, no cRLSign, out of scope...)."""
    cert, what = failure.cert, failure.what
    issuer = failure.report.path[failure.step.index + 1]
    checks = [check_crl(cert, issuer, crl, failure.report.at) for crl in failure.crls if crl.issuer == cert.issuer]
    revoked = next((c for c in checks if c.status == RevocationStatus.REVOKED), None)
    if revoked is not None:
        return Code.REVOKED, (f"the {what} {certificate_label(cert)!r} (serial {cert.serial_number:X}) was revoked by "
                              f"{certificate_label(issuer)!r} on {revoked.revocation_date.date().isoformat()}; it can "
                              "never authenticate again: give the device a new key and certificate.")
    why = checks[0].reason.rstrip(".")
    return Code.REVOCATION_UNKNOWN, (
        f"{failure.service} cannot tell whether the {what} {certificate_label(cert)!r} is revoked, so it refuses it: "
        f"{why[:1].lower() + why[1:]} (a CRL counts only when it is current and signed by "
        f"{certificate_label(issuer)!r}).")


#: The validator's rules (:class:`pki_lab.validation.rules.Rule`, a step's ``.rule``) that get codes of their
#: own; every other failing rule is :attr:`Code.CHAIN_INVALID`, with the validator's sentence.
TRANSLATIONS: dict[Rule, Callable[[_Failure], tuple[Code, str] | None]] = {
    Rule.PATH_TO_ANCHOR: _no_path,  # missing-intermediate, missing-root, untrusted-root
    Rule.VALIDITY: _validity,  # expired, not-yet-valid
    Rule.REVOCATION: _revocation,  # revoked, revocation-unknown
}


def _translate(report: ValidationReport, service: str, crls: tuple, server: bool = False) -> tuple[Code, str]:
    failure = _Failure(report, report.failure, service, crls, server)
    translated = TRANSLATIONS.get(failure.step.rule, lambda _: None)(failure)
    if translated is not None:
        return translated
    return Code.CHAIN_INVALID, (f"the chain to {certificate_label(report.path[-1])!r} does not validate: "
                                f"{report.reason.rstrip('.')} [{failure.step.section}].")


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
    revocation: str = "hard-fail",
) -> ChainCheck:
    """Validate a device's chain with :func:`pki_lab.validation.validate_chain` and word its verdict.

    Args:
        leaf: the device certificate (a TLS client certificate: the lab's device profile has EKU clientAuth).
        presented: the intermediates the device sent with it.
        pool: further CA certificates the service holds (registered intermediates).
        anchors: the certificates the service trusts as the top of a path.
        at: the instant to check at (default: the lab clock's now).
        crls: the CRLs the service holds (RFC 5280 6.3: each is checked for issuer, signature, cRLSign,
            freshness and scope before its list is believed).
        service: the service's name, for the reasons.
        server_name: check a TLS server's chain for this DNS name instead (a device checking its hub).
        revocation: the validator's revocation mode: ``"hard-fail"`` (a CRL that cannot be used refuses the
            device) or ``"off"`` (CRLs are not consulted: Azure IoT Hub and DPS).
    """
    if not isinstance(leaf, x509.Certificate):
        raise WrongTypeError(f"The device must present an x509.Certificate, not {type(leaf).__name__}.")
    at = clock.require_aware(at, "at") if at is not None else clock.now()
    anchors, crls = list(anchors), tuple(crls)
    if not anchors:  # validate_chain needs a trust anchor: with none, no chain can be valid
        path = (leaf, *presented)
        code, reason = _stuck(path, (), service)
        return ChainCheck(False, code, reason, path)
    report = validate_chain(leaf, [*presented, *pool], trust=anchors, at=at, name=server_name,
                            usage="server" if server_name else "client", crls=crls, revocation=revocation)
    if report.ok:
        chain = " -> ".join(certificate_label(c) for c in report.path)
        return ChainCheck(True, Code.OK, f"chain {chain} is valid.", report.path, report)
    return ChainCheck(False, *_translate(report, service, crls, server_name is not None), report.path, report)


# -- the cloud's own TLS: what devices check -----------------------------------------------------

#: The lab's stand-in for the public root that Azure's IoT endpoints chain to (DigiCert Global Root G2).
LAB_CLOUD_ROOT = "Lab Cloud Root G1"
#: When the lab cloud's root was made (two years before the lab epoch; it lives 25 years, as DigiCert Global Root G2).
LAB_CLOUD_ROOT_MADE = clock.LAB_EPOCH.replace(year=clock.LAB_EPOCH.year - 2)


def lab_cloud_root() -> CertificateAuthority:
    """The lab cloud's TLS root, always the same certificate (made at :data:`LAB_CLOUD_ROOT_MADE`, for 25 years).

    The simulated hub and provisioning service chain their TLS certificates to it by default, and a
    new :class:`~pki_lab.iot.device.IoTDevice` has it in its trust bundle, as a factory flashes the
    cloud's root into firmware.
    """
    with clock.travel_to(LAB_CLOUD_ROOT_MADE):
        return CertificateAuthority.create_root(LAB_CLOUD_ROOT, days=25 * 365)


class ServerTls:
    """A cloud service's TLS identity: an issuing CA under ``root`` and a server certificate it keeps current.

    The issuing CA is made when the root was; the server certificate (90 days) is renewed whenever the
    world's time falls outside it, and the TLS issuing CA is replaced once the time falls outside *it*, as a
    managed service such as IoT Hub keeps its whole server chain current for years: :meth:`chain_at` is what
    the service presents at a given instant.
    """

    def __init__(self, root: CertificateAuthority, host: str) -> None:
        self.root, self.host = root, host
        with clock.travel_to(max(root.certificate.not_valid_before_utc, clock.now() - _dt.timedelta(days=365))):
            self.issuing = root.create_intermediate(f"{certificate_label(root.certificate)} TLS Issuing CA")
        self.chain = [self.issuing.issue(host, profile="server"), self.issuing.certificate]

    def chain_at(self, at: _dt.datetime) -> list[x509.Certificate]:
        """The chain the service presents at ``at``, renewing the issuing CA and the server certificate if they are not
        valid then."""
        issuing = self.issuing.certificate
        if not issuing.not_valid_before_utc <= at <= issuing.not_valid_after_utc:
            with clock.travel_to(at):
                name = f"{certificate_label(self.root.certificate)} TLS Issuing CA"
                self.issuing = self.root.create_intermediate(name)
                self.chain = [self.issuing.issue(self.host, profile="server"), self.issuing.certificate]
        leaf = self.chain[0]
        if not leaf.not_valid_before_utc <= at <= leaf.not_valid_after_utc:
            with clock.travel_to(at):
                self.chain = [self.issuing.issue(self.host, profile="server"), self.issuing.certificate]
        return list(self.chain)


_CLOCK_ADVICE = {
    Code.NOT_YET_VALID: ("A device clock that reads earlier than the certificate's notBefore (a reset clock: no RTC "
                         "or a dead battery) refuses every valid server; set the clock from a trusted source (SNTP "
                         "or NTS, cellular network time, GNSS), then retry; a firmware build-date floor only rules "
                         "out 1970."),
    Code.EXPIRED: ("If the device's clock runs ahead, sync it; if the certificate really expired, the server "
                   "must renew it."),
}


def server_refusal(trust_bundle: Sequence[x509.Certificate], server: ChainCheck, kind: str = "hub") -> str:
    """Why a device refuses a server's TLS chain (``kind``: "hub" or "provisioning service"), and what to do.

    A device checks its server first, as in a TLS handshake. A server chaining to a root outside the
    device's trust bundle is the usual case (a service that moved to a new root before the devices
    learned it), so that reason names the root and the bundle; a validity failure points at the
    device's clock, since the device judged the chain at its own time.
    """
    if server.code in _CLOCK_ADVICE:
        return (f"the device does not trust the {kind}'s TLS certificate: {server.reason}. "
                + _CLOCK_ADVICE[server.code])
    if server.code in (Code.MISSING_ROOT, Code.UNTRUSTED_ROOT):
        bundle = ", ".join(repr(certificate_label(c)) for c in trust_bundle) or "empty"
        return (f"the device does not trust the {kind}'s TLS certificate: it chains to "
                f"{certificate_label(server.path[-1].issuer)!r}, which is not in the device's trust bundle "
                f"({bundle}); update the trust bundle (a firmware update, or DPS can deliver one) before the "
                f"{kind} moves.")
    return f"the device does not trust the {kind}'s TLS certificate: {server.reason}"


# -- what Azure does instead of reading CRLs -------------------------------------------------------

#: Where Microsoft says so (checked 2026-12-01).
AZURE_NO_CRL_SOURCE = "https://learn.microsoft.com/azure/iot-hub/authenticate-authorize-x509#revoke-a-device-certificate"


def azure_ignores_crls(service: str, kind: str) -> PolicyError:
    """The error for a CRL given to a simulated Azure service (``kind``: "IoT Hub" or "DPS"), saying what works."""
    return PolicyError(
        f"{service} is modelled on Azure {kind}, which does not check certificate revocation lists (Microsoft: "
        "'IoT Hub doesn't check certificate revocation lists from the certificate authority'; DPS has no CRL "
        "setting either), so this CRL would change nothing: the device would still get in. Revoke as Azure "
        "allows: dps.disable('<enrollment id>'), or dps.disallow(device_certificate) for one device of an "
        "enrollment group (a disabled individual enrollment), and hub.disable_device('<device id>'), since a "
        "provisioned device connects to the hub directly. To see a CRL refuse a device, use "
        "pki_lab.iot.broker.CrlCheckingBroker."
    )
