"""The three roles of enrollment: the device, the administrator (or agent) and the issuing service, and their log.

See :mod:`pki_lab.enrollment` for the whole sequence.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from cryptography import x509

from .. import clock
from ..ca import CertificateAuthority, make_csr
from ..errors import ParameterError, PolicyError, WrongTypeError
from ..keys import KeyKind, key_summary, named_key, sign_bytes
from ..names import certificate_label
from .policy import Decision, IssuancePolicy

__all__ = ["Event", "EventLog", "Device", "Administrator", "IssuingService"]


# -- the event log ------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class Event:
    """One message of the enrollment sequence: who sent what to whom, and when (lab clock)."""

    number: int
    sender: str
    receiver: str
    action: str
    at: _dt.datetime

    def __str__(self) -> str:
        arrow = "(self)" if self.sender == self.receiver else f"-> {self.receiver}"
        return f"{self.number:>2}. {self.sender} {arrow}: {self.action}"


class EventLog:
    """An append-only record of an enrollment, shared by every role that takes part."""

    def __init__(self) -> None:
        self._events: list[Event] = []

    def record(self, sender: str, receiver: str, action: str) -> Event:
        event = Event(len(self._events) + 1, sender, receiver, action, clock.now())
        self._events.append(event)
        return event

    @property
    def events(self) -> tuple[Event, ...]:
        return tuple(self._events)

    @property
    def participants(self) -> tuple[str, ...]:
        """Everyone in the log, in order of first appearance."""
        seen: list[str] = []
        for e in self._events:
            for who in (e.sender, e.receiver):
                if who not in seen:
                    seen.append(who)
        return tuple(seen)

    def __len__(self) -> int:
        return len(self._events)

    def __str__(self) -> str:
        return "\n".join(str(e) for e in self._events) or "(no events yet)"

    __repr__ = __str__


# -- the device -----------------------------------------------------------------------------

def _make_vault(key: Any) -> tuple[Callable[..., Any], Callable[[bytes], bytes], Any]:
    """Closures that use ``key`` without exposing it: (make_csr, sign, public key)."""

    def csr(subject: object, names: Iterable[object]) -> x509.CertificateSigningRequest:
        return make_csr(key, subject, names)

    def sign(data: bytes) -> bytes:
        # The lab's one signer: SHA-384 for a P-384 key, as its certificate's signature would use.
        return sign_bytes(key, data)

    return csr, sign, key.public_key()


class Device:
    """A device that makes its own key pair and CSRs, and never lets its private key out.

    Args:
        name: the device's name, used as its certificate's common name and DNS name.
        key_kind: ``"ec"`` (default), ``"p384"``, ``"ed25519"`` or ``"rsa"``.
        log: the :class:`EventLog` to write to (a new one by default).

    Keys come from :func:`pki_lab.keys.named_key` (``"device/<name>/<generation>"``),
    so every run gives the same key; each :meth:`generate_key` makes the next generation.
    """

    __slots__ = ("name", "key_kind", "log", "certificate", "_generation", "_csr", "_sign", "_public", "_names")

    def __init__(self, name: str, *, key_kind: KeyKind = "ec", log: EventLog | None = None,
                 names: Sequence[str] | None = None) -> None:
        if not isinstance(name, str) or not name.strip():
            raise ParameterError(f"A device needs a non-empty name such as 'sensor-17.devices.example.com', not "
                                 f"{name!r}.")
        self.name = name
        self.key_kind = key_kind
        self.log = log if log is not None else EventLog()
        self.certificate: x509.Certificate | None = None
        self._names = tuple(names) if names is not None else (name,)
        self._generation = 0
        self._csr = self._sign = self._public = None

    @classmethod
    def with_key(cls, name: str, key: Any, *, log: EventLog | None = None) -> Device:
        """A device holding a given key (to show what a CA does with weak or odd keys)."""
        if not hasattr(key, "sign") or not hasattr(key, "public_key"):
            raise WrongTypeError(f"`key` must be a private key, not {type(key).__name__}.")
        device = cls(name, log=log)
        device._install_key(key, "a supplied key")
        return device

    def _install_key(self, key: Any, how: str) -> None:
        self._generation += 1
        self._csr, self._sign, self._public = _make_vault(key)
        self.log.record(self.name, self.name, f"generates key pair #{self._generation} ({key_summary(key)}, {how})")

    # -- what the device can do -----------------------------------------------------------

    def generate_key(self) -> Any:
        """Make a new key pair inside the device; returns only the public key."""
        key = named_key(f"device/{self.name}/{self._generation + 1}", self.key_kind)
        self._install_key(key, "inside the device")
        return self._public

    @property
    def public_key(self) -> Any:
        """The device's current public key (the private half stays inside)."""
        self._require_key()
        return self._public

    @property
    def key_generation(self) -> int:
        """How many key pairs the device has made (1 after the first enrollment)."""
        return self._generation

    def create_csr(self, names: Sequence[str] | None = None) -> x509.CertificateSigningRequest:
        """A CSR for the device's name (and SAN ``names``), signed with its private key."""
        self._require_key()
        csr = self._csr(self.name, list(names) if names is not None else list(self._names))
        self.log.record(self.name, self.name, "signs a CSR with its private key (proof of possession)")
        return csr

    def sign(self, data: bytes) -> bytes:
        """Sign ``data`` with the private key (what a TLS handshake asks of the device)."""
        self._require_key()
        if not isinstance(data, (bytes, bytearray)):
            raise WrongTypeError(f"`data` must be bytes, not {type(data).__name__}.")
        return self._sign(bytes(data))

    def install(self, certificate: x509.Certificate) -> None:
        """Accept a certificate, after checking that it certifies this device's own public key."""
        if not isinstance(certificate, x509.Certificate):
            raise WrongTypeError(f"`certificate` must be an x509.Certificate, not {type(certificate).__name__}.")
        self._require_key()
        if certificate.public_key() != self._public:
            raise PolicyError(
                f"The certificate for {certificate_label(certificate)!r} certifies a different public key than "
                f"the one {self.name!r} holds, so the device refuses to install it."
            )
        self.certificate = certificate
        self.log.record(self.name, self.name, "checks the certificate matches its key and installs it")

    def _require_key(self) -> None:
        if self._public is None:
            raise ParameterError(f"Device {self.name!r} has no key pair yet; call generate_key() first.")

    # -- what it refuses -------------------------------------------------------------------

    def __reduce_ex__(self, protocol: Any) -> Any:
        raise PolicyError(f"Device {self.name!r} cannot be pickled or copied: its private key never leaves it.")

    def __repr__(self) -> str:
        key = key_summary(self._public) if self._public is not None else "no key yet"
        cert = "certificate installed" if self.certificate is not None else "no certificate"
        return f"<Device {self.name!r}: {key}, key pair #{self._generation}, {cert}>"


# -- the administrator ------------------------------------------------------------------

class Administrator:
    """The person or automated agent that carries requests and certificates, and holds no keys."""

    def __init__(self, name: str = "Administrator", *, log: EventLog | None = None) -> None:
        self.name = name
        self.log = log if log is not None else EventLog()

    def request_key(self, device: Device) -> Any:
        self.log.record(self.name, device.name, "requests key pair creation")
        return device.generate_key()

    def request_csr(self, device: Device, names: Sequence[str] | None = None) -> x509.CertificateSigningRequest:
        self.log.record(self.name, device.name, "requests a CSR for the public key")
        return device.create_csr(names)

    def submit(self, csr: x509.CertificateSigningRequest, service: IssuingService) -> Decision:
        self.log.record(self.name, service.name, "sends the CSR")
        return service.handle(csr, requester=self.name)

    def retrieve(self, service: IssuingService, decision: Decision) -> x509.Certificate:
        self.log.record(self.name, service.name, f"requests certificate for request #{decision.request_id}")
        return service.retrieve(decision, to=self.name)

    def install(self, device: Device, certificate: x509.Certificate) -> None:
        self.log.record(self.name, device.name, "installs the certificate")
        device.install(certificate)

    def __repr__(self) -> str:
        return f"<Administrator {self.name!r}>"


# -- the issuing service ------------------------------------------------------------------

class IssuingService:
    """An issuing CA behind a policy: it checks each request, then issues or rejects it with reasons.

    Args:
        ca: the :class:`~pki_lab.ca.CertificateAuthority` that signs.
        policy: the :class:`IssuancePolicy`.
        log: the shared :class:`EventLog`.
        notify: callables called with each approved :class:`Decision` (step 6, optional).
    """

    def __init__(self, ca: CertificateAuthority, policy: IssuancePolicy | None = None, *,
                 log: EventLog | None = None, notify: Iterable[Callable[[Decision], Any]] = (),
                 name: str | None = None) -> None:
        if not isinstance(ca, CertificateAuthority):
            raise WrongTypeError(f"`ca` must be a CertificateAuthority, not {type(ca).__name__}.")
        self.ca = ca
        self.policy = policy if policy is not None else IssuancePolicy()
        self.log = log if log is not None else EventLog()
        self.name = name or "CA"
        self._hooks = list(notify)
        self._decisions: list[Decision] = []

    def on_issue(self, hook: Callable[[Decision], Any]) -> None:
        """Register a hook called with every approved decision (a mail, a webhook, a ticket...)."""
        if not callable(hook):
            raise WrongTypeError(f"A notification hook must be callable, not {type(hook).__name__}.")
        self._hooks.append(hook)

    @property
    def decisions(self) -> tuple[Decision, ...]:
        return tuple(self._decisions)

    def handle(self, csr: x509.CertificateSigningRequest, *, requester: str = "Administrator") -> Decision:
        """Check ``csr`` against the policy; issue if every rule passes. Returns the :class:`Decision`."""
        checks = self.policy.evaluate(csr)
        request_id = len(self._decisions) + 1
        subject = certificate_label(csr.subject)
        failed = [c.rule for c in checks if not c.passed]
        self.log.record(self.name, self.name, "validates the request: " + (
            "all checks pass" if not failed else "fails " + ", ".join(failed)))
        cert = None
        if not failed:
            cert = self.ca.issue(csr, profile=self.policy.profile, days=self.policy.days)
            self.log.record(self.name, self.name, "creates and signs the certificate")
        decision = Decision(request_id, subject, checks, cert)
        self._decisions.append(decision)
        if decision.approved:
            for hook in self._hooks:
                self.log.record(self.name, requester, "notification of issuance")
                hook(decision)
        else:
            self.log.record(self.name, requester, "rejection with reasons")
        return decision

    def retrieve(self, decision: Decision, *, to: str = "Administrator") -> x509.Certificate:
        """The issued certificate of an approved request (raises PolicyError for a rejected one)."""
        if not isinstance(decision, Decision):
            raise WrongTypeError(f"`decision` must be a Decision, not {type(decision).__name__}.")
        decision.raise_if_rejected()
        self.log.record(self.name, to, "returns the certificate")
        return decision.certificate

    def __repr__(self) -> str:
        return f"<IssuingService {self.name!r} ({certificate_label(self.ca.name)}), {len(self._decisions)} request(s)>"
