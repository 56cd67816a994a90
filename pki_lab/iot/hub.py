"""An IoT hub simulator, after Azure IoT Hub's X.509 device authentication.

A device identity in the hub says how the device authenticates:

* ``"thumbprint"`` (IoT Hub's *X.509 self-signed*): the hub stores a primary and a
  secondary thumbprint (hash of the device certificate's DER bytes) and accepts a
  device presenting a certificate with one of them; the certificate may be
  self-signed or issued by any CA, the hub does not look at the chain;
* ``"ca"`` (IoT Hub's *X.509 CA signed*): the device's chain must lead to a CA
  certificate uploaded to the hub and verified (proof of possession or verified on
  upload), and the certificate's subject CN must equal the device ID.

In both cases the device must prove it holds the key (the TLS handshake's
CertificateVerify), and only authenticated devices may send telemetry. The hub also
has its own TLS server chain, which devices check against their trust bundle, at their
own clock.

Like Azure IoT Hub, the hub does not check CRLs ("IoT Hub doesn't check certificate
revocation lists from the certificate authority when authenticating devices", Microsoft's
X.509 page): :meth:`IoTHub.publish_crl` refuses with a sentence, and a compromised device
is shut out by disabling (or deleting) its identity, :meth:`IoTHub.disable_device`.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import enum
from collections.abc import Iterable, Sequence

from cryptography import x509

from .. import clock
from ..ca import CertificateAuthority
from ..describe import thumbprint
from ..errors import ParameterError, PolicyError
from ..hashing import digest
from ..names import certificate_label, common_name, host_label
from .device import IoTDevice, proves_possession
from .events import EventLog
from .trust import (
    CaStore,
    ChainCheck,
    Code,
    ServerTls,
    Verdict,
    azure_ignores_crls,
    check_chain,
    lab_cloud_root,
    server_refusal,
)

__all__ = ["AuthMethod", "DeviceIdentity", "IoTHub"]


class AuthMethod(enum.StrEnum):
    """How a device identity authenticates (IoT Hub's *X.509 self-signed* and *X.509 CA signed*)."""

    THUMBPRINT = "thumbprint"
    CA = "ca"


@dataclasses.dataclass
class DeviceIdentity:
    """A device's entry in the hub's identity registry."""

    device_id: str
    auth: AuthMethod
    thumbprints: tuple[str, ...] = ()
    enabled: bool = True


def _sha256_thumbprint(value: object) -> str:
    """A thumbprint as the hub stores it: 64 uppercase hex digits (SHA-256); a SHA-1 one is refused on principle."""
    text = str(value).replace(":", "").replace(" ", "").upper()
    if len(text) == 40 and all(c in "0123456789ABCDEF" for c in text):
        raise PolicyError(
            f"{text[:16]}... has 40 hex digits: a SHA-1 thumbprint (what `openssl x509 -fingerprint` prints by "
            "default). A thumbprint is only an identifier of one certificate, and SHA-1 is collision-broken, so "
            "two certificates can be made to share one. Azure IoT Hub still takes SHA-1 thumbprints; the lab does "
            "not: register the SHA-256 thumbprint (64 hex digits), pki_lab.thumbprint(cert) or `openssl x509 "
            "-fingerprint -sha256`."
        )
    if len(text) != 64 or any(c not in "0123456789ABCDEF" for c in text):
        raise ParameterError(f"A thumbprint must be 64 hex digits (SHA-256 of the certificate's DER bytes), not "
                             f"{value!r}; compute it with pki_lab.thumbprint(cert).")
    return text


class IoTHub:
    """The simulated hub: identity registry, CA store, TLS server chain, sessions and received telemetry.

    ``server_root`` is the CA that issues the hub's own TLS certificate (default: a lab root
    called "Lab Cloud Root G1"); :meth:`migrate_server_root` moves the hub to another root,
    as Azure IoT Hub moved from Baltimore CyberTrust Root to DigiCert Global Root G2.
    """

    def __init__(self, name: str = "hub", *, log: EventLog | None = None,
                 server_root: CertificateAuthority | None = None) -> None:
        self.name = name
        self.log = log if log is not None else EventLog()
        self.cas = CaStore(name)
        self.devices: dict[str, DeviceIdentity] = {}
        self.sessions: set[str] = set()
        self.telemetry: list[tuple[str, str]] = []
        self._challenges = 0
        self._set_server_root(server_root or lab_cloud_root())

    def _set_server_root(self, root: CertificateAuthority) -> None:
        self.host = f"{host_label(self.name)}.azure-devices.example"
        self.tls = ServerTls(root, self.host)
        self.server_roots = [root.certificate]

    @property
    def server_chain(self) -> list[x509.Certificate]:
        """The hub's TLS chain now (server certificate first); the hub renews it when it would be out of date."""
        return self.tls.chain_at(clock.now())

    def migrate_server_root(self, new_root: CertificateAuthority) -> None:
        """Re-issue the hub's TLS certificate under another root (a root migration)."""
        self._set_server_root(new_root)
        self.log.add(self.name, self.name, f"TLS certificate now chains to {certificate_label(new_root.certificate)!r}")

    # -- set-up -------------------------------------------------------------------------------

    def upload_ca(self, certificate: x509.Certificate, name: str | None = None, *,
                  verified_on_upload: bool = False):
        record = self.cas.upload(certificate, name, verified_on_upload=verified_on_upload)
        self.log.add("Operator", self.name, f"upload CA {record.name!r}")
        return record

    def verification_code(self, name: str) -> str:
        return self.cas.verification_code(name)

    def verify_ca(self, name: str, verification_certificate: x509.Certificate) -> Verdict:
        verdict = self.cas.verify(name, verification_certificate)
        self.log.add("Operator", self.name, f"proof of possession for {name!r}", verdict.ok)
        return verdict

    def trust_ca_chain(self, chain: Sequence[x509.Certificate], *, by: str) -> None:
        """Accept CA certificates that a provisioning service has already verified (simulator shortcut)."""
        for cert in chain:
            if self.cas.record_for(cert) is None:
                self.cas.upload(cert, verified_on_upload=True)

    def register_device(self, device_id: str, *, auth: str = AuthMethod.CA, thumbprints: Iterable[str] = (),
                        by: str = "Operator") -> DeviceIdentity:
        """Create (or replace) a device identity; ``auth`` is ``"thumbprint"`` or ``"ca"``."""
        if auth not in tuple(AuthMethod):
            raise ParameterError(f"`auth` must be 'thumbprint' or 'ca', not {auth!r}.")
        auth = AuthMethod(auth)
        prints = tuple(_sha256_thumbprint(t) for t in thumbprints)
        if auth == AuthMethod.THUMBPRINT and not prints:
            raise ParameterError("Thumbprint authentication needs at least one thumbprint (primary, and "
                                 "optionally secondary); compute it with pki_lab.thumbprint(cert).")
        identity = DeviceIdentity(device_id, auth, prints[:2])
        self.devices[device_id] = identity
        self.log.add(by, self.name, f"create identity {device_id!r} ({auth})")
        return identity

    def _identity(self, device_id: str) -> DeviceIdentity:
        try:
            return self.devices[device_id]
        except KeyError:
            known = ", ".join(repr(d) for d in self.devices) or "none yet"
            raise ParameterError(f"{self.name} has no device identity {device_id!r} (registered: {known}); "
                                 "check the device ID.") from None

    def disable_device(self, device_id: str) -> None:
        """Keep the identity but refuse the device from now on (it is disconnected); Azure's "disable"."""
        self._identity(device_id).enabled = False
        self.sessions.discard(device_id)
        self.log.add("Operator", self.name, f"disable {device_id!r}")

    def enable_device(self, device_id: str) -> None:
        """Undo :meth:`disable_device`."""
        self._identity(device_id).enabled = True
        self.log.add("Operator", self.name, f"enable {device_id!r}")

    def delete_device(self, device_id: str) -> None:
        """Remove the identity (and disconnect the device); a provisioning service may create it again."""
        self._identity(device_id)
        del self.devices[device_id]
        self.sessions.discard(device_id)
        self.log.add("Operator", self.name, f"delete {device_id!r}")

    def publish_crl(self, crl: x509.CertificateRevocationList) -> None:
        """Refused: Azure IoT Hub does not check CRLs. The error says what works instead (disable the device)."""
        raise azure_ignores_crls(self.name, "IoT Hub")

    # -- devices connect --------------------------------------------------------------------------

    def connect(self, device: IoTDevice, *, at: _dt.datetime | None = None) -> Verdict:
        """A TLS connection with client authentication, then the hub's identity checks.

        In order: the device checks the hub's TLS chain; the device proves it holds its certificate's
        key (CertificateVerify); the hub finds an enabled identity; the identity's method accepts the
        certificate (a registered thumbprint, or a chain to a verified CA with CN = device ID).
        """
        at = clock.require_aware(at, "at") if at is not None else clock.now()
        device_id = device.registration_id
        self.log.add(device_id, self.name, "connect (TLS, client certificate)")

        def reject(code: Code, reason: str, by_device: bool = False) -> Verdict:
            self.log.add(device_id if by_device else self.name, self.name if by_device else device_id,
                         f"rejected: {code}", ok=False)
            who = f"device {device_id!r}" if by_device else self.name
            return Verdict(who, device_id, False, code, reason)

        server = device.check_server(self.tls.chain_at(at), self.host, at=at)  # at the device's own clock
        if not server.ok:
            return reject(Code.SERVER_UNTRUSTED, server_refusal(device.trust_bundle, server), True)
        leaf, presented = device.present()
        self._challenges += 1
        challenge = digest(f"{self.name}/challenge/{self._challenges}")
        if not proves_possession(device, leaf, challenge):
            return reject(Code.NO_PROOF_OF_POSSESSION, "the client could not sign the TLS handshake with the key of "
                                                       "its certificate: a copied certificate is useless without the "
                                                       "key.")
        identity = self.devices.get(device_id)
        if identity is None:
            return reject(Code.UNKNOWN_DEVICE, f"{self.name} has no identity {device_id!r}; register the device "
                                               "(provisioning through DPS does it for you).")
        if not identity.enabled:
            return reject(Code.DEVICE_DISABLED, f"the identity {device_id!r} is disabled in {self.name}.")
        if identity.auth == AuthMethod.THUMBPRINT:
            presented_print = thumbprint(leaf)
            if presented_print not in identity.thumbprints:
                return reject(Code.THUMBPRINT_MISMATCH, (
                    f"the certificate's SHA-256 thumbprint {presented_print[:16]}... matches neither the primary nor "
                    "the secondary thumbprint registered for this device; after a certificate renewal, put the new "
                    "thumbprint in the secondary slot first."))
            check = check_chain(leaf, (), anchors=[leaf], at=at, service=self.name, revocation="off")
        else:
            if common_name(leaf.subject) != device_id:
                return reject(Code.CN_MISMATCH,
                              f"the certificate's subject CN is {common_name(leaf.subject)!r}, not the device ID "
                              f"{device_id!r}; for CA authentication they must be equal.")
            check = self._check_ca_chain(leaf, presented, at)
        if not check.ok:
            return reject(check.code, check.reason)
        self.sessions.add(device_id)
        self.log.add(self.name, device_id, "connected")
        return Verdict(self.name, device_id, True, Code.OK, f"authenticated by {identity.auth}.", hub=self.name,
                       path=check.names)

    def _check_ca_chain(self, leaf: x509.Certificate, presented: Sequence[x509.Certificate],
                        at: _dt.datetime) -> ChainCheck:
        """The device's chain, validated up to a CA verified in this hub (IoT Hub's *X.509 CA signed*).

        A chain that reaches no trusted root is worded in the hub's own terms, which say what to do: a
        CA was uploaded but its proof of possession is not done, or no CA that issues the device is here.
        """
        verified = self.cas.certificates(verified_only=True)
        check = check_chain(leaf, presented, pool=self.cas.certificates(), anchors=verified, at=at,
                            service=self.name, revocation="off")  # Azure IoT Hub reads no CRLs
        if check.ok or check.code not in (Code.UNTRUSTED_ROOT, Code.MISSING_ROOT):
            return check
        unverified = [r.name for r in self.cas.records.values() if not r.verified]
        if unverified:
            return dataclasses.replace(check, code=Code.CA_UNVERIFIED, reason=(
                f"the device's chain leads to {', '.join(map(repr, unverified))}, uploaded but not verified; "
                "complete proof of possession."))
        return dataclasses.replace(check, code=Code.UNTRUSTED_CA, reason=(
            f"the device's chain ({' -> '.join(check.names)}) leads to no CA verified in {self.name}; upload and "
            "verify the CA that issues these devices, or use thumbprint authentication."))

    def send_telemetry(self, device_id: str, message: str) -> Verdict:
        """Accept a message only from a device with an authenticated session."""
        if device_id not in self.sessions:
            self.log.add(device_id, self.name, "telemetry", ok=False)
            return Verdict(self.name, device_id, False, Code.NOT_AUTHENTICATED,
                           "telemetry refused: this device has no authenticated connection; connect first.")
        self.telemetry.append((device_id, message))
        self.log.add(device_id, self.name, f"telemetry {message!r}")
        return Verdict(self.name, device_id, True, Code.OK, "telemetry accepted.", hub=self.name)
