"""Enrollment with the roles kept apart: a device, an administrator (or agent), an issuing CA.

The seed's eight-step sequence, as objects that can only do what their role allows:

1. the administrator asks the :class:`Device` to generate a key pair;
2. the administrator asks it for a certificate signing request (CSR, PKCS #10, RFC 2986);
   the device signs the CSR with its private key: that signature is the *proof of possession*;
3. the administrator (a person, or an automated agent such as an ACME client) carries the CSR to the CA;
4. the :class:`IssuingService` checks the request against its :class:`IssuancePolicy`;
5. if every rule passes, it issues the certificate through :meth:`pki_lab.ca.CertificateAuthority.issue`;
6. optionally it notifies (a hook, called with the :class:`Decision`);
7. the administrator retrieves the certificate;
8. the administrator installs it on the device, which checks that it matches its own key.

Every step is written to an :class:`EventLog`; :func:`plot_sequence` draws the log
as a sequence diagram, so the drawing shows what actually happened.

The device's private key is kept in a closure, not in an attribute: no attribute
returns it and the device refuses to be pickled or copied, as a secure element or
TPM refuses to export a key. (Python cannot truly hide memory from the program
that owns it; hardware can, which is why real devices use it.)
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import fnmatch
import random
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa

from . import clock
from .ca import CertificateAuthority, make_csr
from .errors import ParameterError, PolicyError, WrongTypeError
from .keys import key_summary, named_key
from .names import common_name

__all__ = [
    "Event",
    "EventLog",
    "Device",
    "Administrator",
    "Check",
    "Decision",
    "IssuancePolicy",
    "IssuingService",
    "alter_csr_subject",
    "seeded_rsa_key",
    "plot_sequence",
]


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
        if isinstance(key, ec.EllipticCurvePrivateKey):
            return key.sign(data, ec.ECDSA(hashes.SHA256(), deterministic_signing=True))
        if isinstance(key, rsa.RSAPrivateKey):
            return key.sign(data, padding.PKCS1v15(), hashes.SHA256())
        return key.sign(data)

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

    def __init__(self, name: str, *, key_kind: str = "ec", log: EventLog | None = None,
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
                f"The certificate for {common_name(certificate.subject)!r} certifies a different public key than "
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


# -- the policy -----------------------------------------------------------------------------

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
    """

    allowed_names: tuple[str, ...] = ("*.devices.example.com",)
    min_rsa_bits: int = 2048
    curves: tuple[str, ...] = ("P-256", "P-384", "P-521")
    allow_ed25519: bool = True
    allowed_extensions: tuple[str, ...] = ("subjectAltName",)
    profile: str = "device"
    days: float | None = 365

    def evaluate(self, csr: x509.CertificateSigningRequest) -> tuple[Check, ...]:
        """Apply every rule to ``csr``: proof of possession, key strength, names, requested extensions."""
        if not isinstance(csr, x509.CertificateSigningRequest):
            raise WrongTypeError(f"Expected a CSR (x509.CertificateSigningRequest), not {type(csr).__name__}.")
        return (self._proof_of_possession(csr), self._key_strength(csr), self._names(csr), self._extensions(csr))

    @staticmethod
    def _proof_of_possession(csr: x509.CertificateSigningRequest) -> Check:
        # RFC 2986 4.2 / RFC 4211 4: the CSR is signed with the private key of the public key it carries.
        if csr.is_signature_valid:
            return Check("proof-of-possession", True, "the CSR's signature verifies with the public key inside it.")
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
                     f"requested extensions ({', '.join(asked) or 'none'}) are allowed.")


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
        subject = common_name(csr.subject) or csr.subject.rfc4514_string()
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
        return f"<IssuingService {self.name!r} ({common_name(self.ca.name)}), {len(self._decisions)} request(s)>"


# -- helpers for demonstrations -----------------------------------------------------------

def alter_csr_subject(csr: x509.CertificateSigningRequest, old: str, new: str) -> x509.CertificateSigningRequest:
    """A copy of ``csr`` with ``old`` replaced by ``new`` in its bytes *after* signing (a tampered request).

    ``new`` must have the same length as ``old`` so the DER lengths stay right; the
    signature no longer matches, which is what proof of possession catches.
    """
    from cryptography.hazmat.primitives.serialization import Encoding

    if not isinstance(old, str) or not isinstance(new, str) or len(old) != len(new) or not old:
        raise ParameterError("`old` and `new` must be non-empty strings of the same length (DER lengths must not "
                             f"change), not {old!r} and {new!r}.")
    der = csr.public_bytes(Encoding.DER)
    if old.encode() not in der:
        raise ParameterError(f"{old!r} does not occur in the CSR, so there is nothing to change.")
    return x509.load_der_x509_csr(der.replace(old.encode(), new.encode(), 1))


def seeded_rsa_key(bits: int = 1024, seed: int = 1) -> rsa.RSAPrivateKey:
    """A *weak* RSA key made from a seeded generator, for showing that a CA refuses it.

    RSA keys of less than 2048 bits are not accepted by public CAs (CA/B Forum BRs
    6.1.5); the lab ships none, so it builds one from primes found with
    ``random.Random(seed)`` (never use such a key for anything real).
    """
    if not isinstance(bits, int) or not 512 <= bits <= 2048 or bits % 2:
        raise ParameterError(f"`bits` must be an even number from 512 to 2048, not {bits!r}.")
    rng = random.Random(seed)
    e = 65537
    while True:
        p, q = _prime(rng, bits // 2), _prime(rng, bits // 2)
        phi = (p - 1) * (q - 1)
        if p != q and (p * q).bit_length() == bits and phi % e:
            break
    d = pow(e, -1, phi)
    numbers = rsa.RSAPrivateNumbers(p, q, d, rsa.rsa_crt_dmp1(d, p), rsa.rsa_crt_dmq1(d, q),
                                    rsa.rsa_crt_iqmp(p, q), rsa.RSAPublicNumbers(e, p * q))
    return numbers.private_key()


def _prime(rng: random.Random, bits: int) -> int:
    while True:
        n = rng.getrandbits(bits) | (1 << (bits - 1)) | (1 << (bits - 2)) | 1
        if _probably_prime(n, rng):
            return n


def _probably_prime(n: int, rng: random.Random, rounds: int = 32) -> bool:
    """Miller-Rabin with seeded bases."""
    for small in (3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37):
        if n % small == 0:
            return n == small
    d, r = n - 1, 0
    while d % 2 == 0:
        d, r = d // 2, r + 1
    for _ in range(rounds):
        x = pow(rng.randrange(2, n - 1), d, n)
        if x in (1, n - 1):
            continue
        for _ in range(r - 1):
            x = pow(x, 2, n)
            if x == n - 1:
                break
        else:
            return False
    return True


def plot_sequence(log: EventLog, *, ax: Any = None, title: str = "What happened") -> Any:
    """Draw the log as a sequence diagram: a lifeline per participant, an arrow per event."""
    import matplotlib.pyplot as plt

    if not isinstance(log, EventLog):
        raise WrongTypeError(f"`log` must be an EventLog, not {type(log).__name__}.")
    people = log.participants
    events = log.events
    if ax is None:
        _, ax = plt.subplots(figsize=(2.6 * max(len(people), 2) + 2, 0.5 * len(events) + 1.5))
    x = {who: i for i, who in enumerate(people)}
    bottom = len(events) + 0.5
    for who, i in x.items():
        ax.plot([i, i], [0, bottom], color="#8c959f", linewidth=1, zorder=0)
        ax.text(i, -0.3, who, ha="center", va="bottom", fontsize=10, fontweight="bold",
                bbox={"boxstyle": "round", "facecolor": "#ddf4ff", "edgecolor": "#0969da"})
    for e in events:
        y = e.number
        label = f"{e.number}. {e.action}"
        colour = "#cf222e" if "rejection" in e.action or "fails" in e.action else "#1f2328"
        if e.sender == e.receiver:
            i = x[e.sender]
            ax.annotate("", xy=(i + 0.02, y + 0.25), xytext=(i + 0.02, y - 0.15),
                        arrowprops={"arrowstyle": "->", "connectionstyle": "arc3,rad=-1.2", "color": colour})
            ax.text(i + 0.12, y, label, va="center", fontsize=8, color=colour)
        else:
            a, b = x[e.sender], x[e.receiver]
            ax.annotate("", xy=(b, y), xytext=(a, y), arrowprops={"arrowstyle": "->", "color": colour})
            ax.text((a + b) / 2, y - 0.1, label, ha="center", va="bottom", fontsize=8, color=colour)
    ax.set_xlim(-0.6, len(people) - 0.4 + 1.2)
    ax.set_ylim(bottom, -1)
    ax.axis("off")
    ax.set_title(title)
    return ax
