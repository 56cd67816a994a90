"""An IoT device whose private key never leaves it.

A real device keeps its key in secure hardware (a TPM, a secure element, a
hardware-backed keystore): the chip signs on request, and nothing can read the key
out. :class:`IoTDevice` mirrors that: the key is created inside the object, used
only through :meth:`IoTDevice.sign` and :meth:`IoTDevice.make_csr`, and any attempt
to read it raises :class:`~pki_lab.errors.PolicyError`.

This class mirrors :class:`pki_lab.enrollment.Device` (chapter 06's enrolling device,
same rules: key made inside, no way to read it, no pickling) and adds what an IoT
device needs: a registration ID, an onboarding key and a new operational key at first
boot, the chain it presents, and a trust bundle for the servers it talks to.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Sequence

from cryptography import x509

from ..ca import CertificateAuthority, make_csr
from ..errors import ParameterError, PolicyError
from ..keys import named_key, sign_bytes, verify_bytes
from .trust import ChainCheck, check_chain

__all__ = ["IoTDevice", "manufacture", "impostor_of", "proves_possession"]


class IoTDevice:
    """A device with a registration ID, a non-exportable key, its certificate chain and a trust bundle.

    Args:
        registration_id: the device's unique ID (DPS calls it the registration ID,
            IoT Hub the device ID); its certificate's subject CN must equal it.
        key_name: the lab's name for the key made inside the device (default:
            ``"device/<registration_id>"``), so runs repeat.
    """

    def __init__(self, registration_id: str, *, key_name: str | None = None) -> None:
        if not isinstance(registration_id, str) or not registration_id.strip():
            raise ParameterError(f"A registration ID must be a non-empty string such as 'sensor-0001', "
                                 f"not {registration_id!r}.")
        self.registration_id = registration_id
        self._key_name = key_name or f"device/{registration_id}"
        self._keys_made = 0
        self._key = named_key(self._key_name)
        self._pending = None
        self.certificate: x509.Certificate | None = None
        self.chain: list[x509.Certificate] = []
        self.trust_bundle: list[x509.Certificate] = []
        self.assigned_hub: str | None = None

    # -- the key stays inside ------------------------------------------------------------------

    @property
    def private_key(self):
        raise PolicyError(
            f"The private key of device {self.registration_id!r} is non-exportable: it was made inside the "
            "device's secure hardware and can only be used there, through sign() and make_csr()."
        )

    def __reduce__(self):
        raise PolicyError("A device cannot be copied or pickled: its private key must not leave it.")

    @property
    def public_key(self):
        """The device's current public key (safe to share)."""
        return self._key.public_key()

    def make_operational_csr(self) -> x509.CertificateSigningRequest:
        """Zero-touch, first boot: make a new key pair inside the device and a CSR for it.

        The current (onboarding) key keeps authenticating until a certificate for the new
        key is installed; then the new key takes over.
        """
        self._keys_made += 1
        self._pending = named_key(f"{self._key_name}#{self._keys_made}")
        return make_csr(self._pending, f"CN={self.registration_id}")

    def self_signed_certificate(self, days: float = 365) -> x509.Certificate:
        """Sign a certificate for its own key inside the device (CN = registration ID), and install it.

        Self-signed device certificates are enrolled individually, by certificate or thumbprint.
        """
        own = CertificateAuthority.create_root(self.registration_id, key=self._key, days=days, organization=None)
        self.install(own.certificate)
        return own.certificate

    def sign(self, challenge: bytes) -> bytes:
        """Sign a server's challenge with the device key (the proof of possession inside TLS client auth)."""
        return sign_bytes(self._key, challenge)

    def make_csr(self, common_name: str | None = None) -> x509.CertificateSigningRequest:
        """A CSR for the current key, subject CN = the registration ID (unless told otherwise)."""
        return make_csr(self._key, f"CN={common_name or self.registration_id}")

    # -- what it holds -------------------------------------------------------------------------

    def install(self, certificate: x509.Certificate, chain: Sequence[x509.Certificate] = (),
                trust_bundle: Sequence[x509.Certificate] | None = None, hub: str | None = None) -> None:
        """Store a certificate (it must be for this device's key), its intermediates and a trust bundle."""
        if self._pending is not None and certificate.public_key() == self._pending.public_key():
            self._key, self._pending = self._pending, None
        elif certificate.public_key() != self._key.public_key():
            raise PolicyError(
                f"That certificate is for another key, not device {self.registration_id!r}'s; the device keeps only "
                "certificates that match the key inside it."
            )
        self.certificate, self.chain = certificate, list(chain)
        if trust_bundle is not None:
            self.trust_bundle = list(trust_bundle)
        if hub is not None:
            self.assigned_hub = hub

    def present(self) -> tuple[x509.Certificate, list[x509.Certificate]]:
        """What the device sends in a TLS handshake: its certificate and intermediates."""
        if self.certificate is None:
            raise PolicyError(f"Device {self.registration_id!r} has no certificate yet; provision it first.")
        return self.certificate, list(self.chain)

    def check_server(self, chain: Sequence[x509.Certificate], host: str,
                     at: _dt.datetime | None = None) -> ChainCheck:
        """Does the device trust a server's chain for ``host``? Checked against the device's trust bundle only."""
        return check_chain(chain[0], chain[1:], anchors=self.trust_bundle, at=at,
                           service=f"device {self.registration_id!r}", server_name=host)

    def apply(self, registration) -> None:
        """Keep what a successful registration delivered: certificate (if new), chain, trust bundle, hub."""
        if not registration.ok:
            raise PolicyError(f"Registration of {self.registration_id!r} was rejected ({registration.verdict.code}); "
                              "there is nothing to install.")
        self.install(registration.certificate, registration.chain, registration.trust_bundle, registration.hub)

    def __repr__(self) -> str:
        cert = ("no certificate" if self.certificate is None
                else f"certificate from {self.certificate.issuer.rfc4514_string()}")
        return f"<IoTDevice {self.registration_id!r}: {cert}>"


class _Impostor(IoTDevice):
    """A device that copied another one's certificate but not its key (it cannot: the key never leaves)."""


def proves_possession(device: IoTDevice, certificate: x509.Certificate, challenge: bytes) -> bool:
    """Does ``device`` hold the private key of ``certificate``? (It signs a fresh challenge; we verify.)"""
    return verify_bytes(certificate.public_key(), device.sign(challenge), challenge)


def manufacture(registration_id: str, ca: CertificateAuthority, *, days: float | None = None,
                subject: str | None = None, trust_bundle: Sequence[x509.Certificate] = ()) -> IoTDevice:
    """A device as a factory makes it: key made inside, CSR to the line CA, certificate and chain installed.

    ``subject`` overrides the CN put in the CSR (to show what a wrong one does).
    """
    device = IoTDevice(registration_id)
    cert = ca.issue(device.make_csr(subject), profile="device", days=days)
    device.install(cert, ca.chain[:-1], trust_bundle)
    return device


def impostor_of(device: IoTDevice) -> IoTDevice:
    """A clone made from a device's public certificate and chain, with a key of its own."""
    clone = _Impostor(device.registration_id, key_name=f"impostor/{device.registration_id}")
    clone.certificate, clone.chain = device.certificate, list(device.chain)
    clone.trust_bundle = list(device.trust_bundle)
    return clone
