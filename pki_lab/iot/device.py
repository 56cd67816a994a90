"""An IoT device whose private key never leaves it.

A real device keeps its key in secure hardware (a TPM, a secure element, a
hardware-backed keystore): the chip signs on request, and nothing can read the key
out. :class:`IoTDevice` mirrors that: the key is created inside the object, used
only through :meth:`IoTDevice.sign` and :meth:`IoTDevice.make_csr`, and any attempt
to read it raises :class:`~pki_lab.errors.PolicyError`.

This class mirrors :class:`pki_lab.enrollment.Device` (chapter 06's enrolling device,
same rules: key made inside, no way to read it, no pickling) and adds what an IoT
device needs: a registration ID, an onboarding key and a new operational key at first
boot, the chain it presents, a trust bundle for the servers it talks to, and a clock of its own
(:class:`DeviceClock`): the device checks its servers' certificates at *its* time, which is only as
good as the way it learned it.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Sequence

from cryptography import x509

from .. import clock as _lab_clock
from ..ca import CertificateAuthority, make_csr
from ..errors import ParameterError, PolicyError
from ..keys import named_key, sign_bytes, verify_bytes
from .trust import ChainCheck, check_chain, lab_cloud_root

__all__ = ["DeviceClock", "UNIX_EPOCH", "IoTDevice", "manufacture", "impostor_of", "proves_possession"]

#: Where a clock with no time source starts: 1970-01-01T00:00:00Z, the Unix epoch (the lab clock's constant).
UNIX_EPOCH = _lab_clock.UNIX_EPOCH


class DeviceClock:
    """A device's own clock: the lab clock plus an offset, never earlier than a firmware ``floor``.

    A freshly made clock is in sync with the lab clock (as after an SNTP exchange). The world's
    time is the lab clock (:func:`pki_lab.clock.now`) unless a call passes ``at=``; the device's
    time runs at the same rate from wherever it was last set:

    * :meth:`reset`: no RTC, or a dead RTC battery: the device boots at 1970-01-01T00:00:00Z
      (or at ``floor``, if the firmware carries a build-date floor);
    * :meth:`set`: someone (a user, a GNSS fix, a wrong server) set the clock to ``when``;
    * :meth:`sync`: back to the world's time, as an NTP/SNTP exchange would (RFC 5905, RFC 4330).

    Args:
        floor: an aware datetime, typically the firmware's build date: the clock never reads
            earlier than it (a boot without a time source starts there, not in 1970).
    """

    def __init__(self, *, floor: _dt.datetime | None = None) -> None:
        self.floor = None if floor is None else _lab_clock.require_aware(floor, "floor")
        self._offset = _dt.timedelta(0)

    @staticmethod
    def _world(at: _dt.datetime | None) -> _dt.datetime:
        return _lab_clock.require_aware(at, "at") if at is not None else _lab_clock.now()

    def now(self, at: _dt.datetime | None = None) -> _dt.datetime:
        """What the device's clock reads when the world's time is ``at`` (default: the lab clock's now)."""
        world = self._world(at)
        try:
            reading = world + self._offset
        except OverflowError:  # a clock set near year 1 or 9999 and then run past it: it stops at the end of the range
            edge = _dt.datetime.min if self._offset < _dt.timedelta(0) else _dt.datetime.max
            reading = edge.replace(tzinfo=_dt.UTC)
        return max(reading, self.floor) if self.floor is not None else reading

    @property
    def offset(self) -> _dt.timedelta:
        """How far the device's clock is from the world's (negative: behind), as of the lab clock's now."""
        return self.now() - _lab_clock.now()

    @property
    def synced(self) -> bool:
        """Does the device's clock read the world's time?"""
        return self.offset == _dt.timedelta(0)

    def reset(self, at: _dt.datetime | None = None) -> _dt.datetime:
        """Power loss with no RTC (or a dead battery): the clock restarts at 1970-01-01T00:00:00Z, or at ``floor``.

        Returns the clock's new reading.
        """
        return self.set(_lab_clock.boot_clock(floor=self.floor), at=at)  # no RTC: the epoch, raised to the floor

    def set(self, when: _dt.datetime, at: _dt.datetime | None = None) -> _dt.datetime:
        """Set the clock to ``when`` (at the world's time ``at``); it runs on from there. Returns the reading."""
        when = _lab_clock.require_aware(when, "when")
        if self.floor is not None:
            when = max(when, self.floor)
        self._offset = when - self._world(at)
        return self.now(at)

    def sync(self) -> _dt.datetime:
        """Take the world's time, as an NTP/SNTP exchange with a trusted time server would. Returns the reading."""
        self._offset = _dt.timedelta(0)
        return self.now()

    def __repr__(self) -> str:
        floor = "" if self.floor is None else f", floor {self.floor.isoformat()}"
        state = "in sync" if self.synced else f"{_describe_offset(self.offset)} the lab clock"
        return f"<DeviceClock {self.now().isoformat()} ({state}{floor})>"


def _describe_offset(offset: _dt.timedelta) -> str:
    seconds = abs(offset.total_seconds())
    size = f"{seconds / 86400:,.0f} days" if seconds >= 86400 else f"{seconds:,.0f} s"
    return f"{size} {'behind' if offset < _dt.timedelta(0) else 'ahead of'}"


class IoTDevice:
    """A device with a registration ID, a non-exportable key, its certificate chain and a trust bundle.

    Args:
        registration_id: the device's unique ID (DPS calls it the registration ID,
            IoT Hub the device ID); its certificate's subject CN must equal it.
        key_name: the lab's name for the key made inside the device (default:
            ``"device/<registration_id>"``), so runs repeat.
        clock: the device's own :class:`DeviceClock` (default: one in sync with the lab clock).

    A new device trusts the lab cloud's TLS root (:func:`~pki_lab.iot.trust.lab_cloud_root`), as
    firmware built for Azure carries DigiCert Global Root G2; :meth:`install` can replace the bundle.
    """

    def __init__(self, registration_id: str, *, key_name: str | None = None,
                 clock: DeviceClock | None = None) -> None:
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
        self.trust_bundle: list[x509.Certificate] = [lab_cloud_root().certificate]
        self.assigned_hub: str | None = None
        if clock is not None and not isinstance(clock, DeviceClock):
            raise ParameterError(f"`clock` must be a DeviceClock, not {type(clock).__name__}.")
        self.clock = clock if clock is not None else DeviceClock()

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
        """Does the device trust a server's chain for ``host``? Checked against its trust bundle, at its own time.

        ``at`` is the world's time (default: the lab clock); the validator judges the chain at
        ``self.clock.now(at)``, what the device's clock reads then.
        """
        return check_chain(chain[0], chain[1:], anchors=self.trust_bundle, at=self.clock.now(at),
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
                subject: str | None = None, trust_bundle: Sequence[x509.Certificate] | None = None,
                clock: DeviceClock | None = None) -> IoTDevice:
    """A device as a factory makes it: key made inside, CSR to the line CA, certificate and chain installed.

    ``subject`` overrides the CN put in the CSR (to show what a wrong one does). ``trust_bundle``
    defaults to the lab cloud's TLS root (:func:`pki_lab.iot.trust.lab_cloud_root`), as a factory
    flashes the cloud's root into firmware; ``clock`` is the device's :class:`DeviceClock`.
    """
    device = IoTDevice(registration_id, clock=clock)
    cert = ca.issue(device.make_csr(subject), profile="device", days=days)
    device.install(cert, ca.chain[:-1], trust_bundle)  # None keeps the device's default bundle
    return device


def impostor_of(device: IoTDevice) -> IoTDevice:
    """A clone made from a device's public certificate and chain, with a key of its own."""
    clone = _Impostor(device.registration_id, key_name=f"impostor/{device.registration_id}")
    clone.certificate, clone.chain = device.certificate, list(device.chain)
    clone.trust_bundle = list(device.trust_bundle)
    return clone
