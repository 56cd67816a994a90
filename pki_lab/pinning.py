"""Pinning policies a device can hold, each answering *accept* or *reject* for a presented chain.

Ordinary TLS server authentication accepts any certificate that chains to a root in
the client's trust store and names the host (RFC 5280 section 6, RFC 9525). *Pinning*
narrows that: the client also insists on something it remembered in advance. What it
remembers decides what breaks when the service rotates its certificates:

======================  =====================================================  ==============================
policy                  accepts a chain when                                   breaks when the service ...
======================  =====================================================  ==============================
``TrustStorePolicy``    it validates to a root in the store (no pin at all)    moves to a root not in the store
``LeafCertificatePin``  it validates *and* the leaf is one pinned certificate  renews its certificate (any change)
``SpkiPin``             it validates *and* a key on the path has a pinned       changes key, unless a backup pin
                        SPKI SHA-256 (RFC 7469 ``pin-sha256``)                  names the new key
``IssuingCaPin``        it validates *and* the leaf's issuer is a pinned CA     rolls over its intermediate CA
``ThumbprintAllowList`` the leaf's SHA-256 thumbprint is on the list (no chain  renews its certificate (any change)
                        validation at all: how self-signed certificates are
                        trusted)
======================  =====================================================  ==============================

Path validation uses ``cryptography.x509.verification`` (RFC 5280 path building with
the CA/Browser Forum profile's checks, through
:func:`pki_lab.validation.compare.verify_with_cryptography`), at the lab clock's now unless ``at=`` is given.
Each check returns a frozen :class:`PinVerdict` with a reason sentence.

    >>> from pki_lab.ca import demo_hierarchy
    >>> h = demo_hierarchy("hub.example.net")
    >>> policy = SpkiPin(roots=h.trust_anchors, pins=[spki_sha256(h.leaf)])
    >>> policy.check(h.chain, "hub.example.net").accepted
    True
"""

from __future__ import annotations

import base64
import dataclasses
import datetime as _dt
import hashlib
from collections.abc import Iterable, Sequence
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from . import clock
from .describe import thumbprint
from .errors import ParameterError, WrongTypeError, a_type
from .names import certificate_label
from .validation.compare import verify_with_cryptography

__all__ = [
    "PinVerdict",
    "spki_sha256",
    "validate_path",
    "TrustStorePolicy",
    "LeafCertificatePin",
    "SpkiPin",
    "IssuingCaPin",
    "ThumbprintAllowList",
    "POLICY_KINDS",
    "VerdictTable",
    "compare",
]


@dataclasses.dataclass(frozen=True)
class PinVerdict:
    """What a pinning policy decided about one presented chain, and why."""

    policy: str
    accepted: bool
    reason: str
    #: The library's own words when path validation failed (not stable across releases; not printed).
    detail: str = dataclasses.field(default="", compare=False)

    @property
    def verdict(self) -> str:
        """``"accept"`` or ``"reject"``."""
        return "accept" if self.accepted else "reject"

    def __str__(self) -> str:
        return f"{self.verdict}: {self.reason}"

    __repr__ = __str__


def spki_sha256(obj: Any) -> str:
    """The RFC 7469 ``pin-sha256`` value: base64 of SHA-256 over the DER SubjectPublicKeyInfo.

    ``obj`` is a certificate, a public key or a private key. Two certificates for the
    same key have the same SPKI pin, whatever else differs (RFC 7469 section 2.4).
    """
    if isinstance(obj, x509.Certificate):
        key = obj.public_key()
    elif hasattr(obj, "public_bytes") and not hasattr(obj, "sign"):
        key = obj
    elif hasattr(obj, "public_key") and callable(obj.public_key):
        key = obj.public_key()
    else:
        raise WrongTypeError(
            f"spki_sha256 needs a certificate or a key, not {type(obj).__name__}; "
            "pass e.g. hierarchy.leaf or named_key('server')."
        )
    der = key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return base64.b64encode(hashlib.sha256(der).digest()).decode("ascii")


def _chain(chain: object) -> list[x509.Certificate]:
    if isinstance(chain, x509.Certificate):
        return [chain]
    if isinstance(chain, (str, bytes)) or not isinstance(chain, Iterable):
        raise WrongTypeError(
            f"A presented chain must be a list of certificates (leaf first), not {type(chain).__name__}."
        )
    certs = list(chain)
    if not certs:
        raise ParameterError("The presented chain is empty; a server always sends at least its leaf certificate.")
    for index, cert in enumerate(certs):
        if not isinstance(cert, x509.Certificate):
            raise WrongTypeError(
                f"Item {index} of the presented chain is {a_type(cert)}, not an x509.Certificate."
            )
    return certs


def _certs(values: Iterable[object], what: str) -> tuple[x509.Certificate, ...]:
    if isinstance(values, x509.Certificate):
        values = [values]
    out = tuple(values)
    for value in out:
        if not isinstance(value, x509.Certificate):
            raise WrongTypeError(f"Every {what} must be an x509.Certificate, not {type(value).__name__}.")
    return out


def _instant(at: object) -> _dt.datetime:
    return clock.now() if at is None else clock.require_aware(at, "at")


def validate_path(
    chain: Sequence[x509.Certificate], host: str, roots: Sequence[x509.Certificate], at: _dt.datetime | None = None
) -> tuple[list[x509.Certificate] | None, str, str]:
    """Ordinary server-certificate path validation: ``(path, reason, detail)``.

    ``path`` is leaf ... root when the chain validates for ``host`` at ``at`` against
    ``roots``, else ``None`` with a reason sentence (and the library's message in
    ``detail``). Expiry is named first, because it is the most common failure.
    """
    certs = _chain(chain)
    when = _instant(at)
    if not isinstance(host, str) or not host:
        raise ParameterError(f"`host` must be the server's DNS name, such as 'hub.example.net', not {host!r}.")
    for index, cert in enumerate(certs):
        role = "leaf" if index == 0 else f"intermediate {index}"
        if when > cert.not_valid_after_utc:
            return None, f"the {role} certificate {certificate_label(cert)!r} has expired", ""
        if when < cert.not_valid_before_utc:
            return None, f"the {role} certificate {certificate_label(cert)!r} is not valid yet", ""
    if not roots:
        return None, "the device trusts no root at all", ""
    result = verify_with_cryptography(certs[0], certs[1:], roots, when, name=host)
    if not result.ok:
        detail = result.error
        if "subjectaltname" in detail.lower():
            return None, f"the leaf certificate is not for the host {host!r}", detail
        top = certs[-1]
        if top.issuer != top.subject and top.issuer not in {root.subject for root in roots}:
            issuer = certificate_label(top.issuer)
            return None, (f"the chain does not validate to a root the device trusts: the last certificate sent, "
                          f"{certificate_label(top)!r}, was issued by {issuer!r}, which is not a trusted root"), detail
        return None, "the chain does not validate to a root the device trusts", detail
    path = list(result.path)
    return path, f"the chain validates to the trusted root {certificate_label(path[-1])!r}", ""


class _Policy:
    """Shared parts of the policies: a kind name and :meth:`check`."""

    kind = "policy"

    def check(self, chain: Sequence[x509.Certificate], host: str, *, at: _dt.datetime | None = None) -> PinVerdict:
        """Accept or reject ``chain`` (leaf first, as the server sent it) for ``host`` at ``at``."""
        raise NotImplementedError  # pragma: no cover

    def _validated(self, chain, host, at):
        path, reason, detail = validate_path(chain, host, self.roots, at)
        if path is None:
            return None, PinVerdict(self.kind, False, reason, detail)
        return path, None


@dataclasses.dataclass(frozen=True)
class TrustStorePolicy(_Policy):
    """No pin: accept what validates to one of ``roots`` (what browsers and Microsoft recommend for devices)."""

    roots: tuple[x509.Certificate, ...]
    kind = "trust store"

    def __post_init__(self) -> None:
        object.__setattr__(self, "roots", _certs(self.roots, "root"))

    def check(self, chain, host, *, at=None) -> PinVerdict:
        path, bad = self._validated(chain, host, at)
        if bad:
            return bad
        return PinVerdict(self.kind, True, f"the chain validates to the trusted root {certificate_label(path[-1])!r}")


@dataclasses.dataclass(frozen=True)
class LeafCertificatePin(_Policy):
    """Pin exact leaf certificates (compared byte for byte), on top of ordinary validation."""

    roots: tuple[x509.Certificate, ...]
    leaves: tuple[x509.Certificate, ...]
    kind = "leaf certificate pin"

    def __post_init__(self) -> None:
        object.__setattr__(self, "roots", _certs(self.roots, "root"))
        object.__setattr__(self, "leaves", _certs(self.leaves, "pinned leaf"))

    def check(self, chain, host, *, at=None) -> PinVerdict:
        path, bad = self._validated(chain, host, at)
        if bad:
            return bad
        leaf = path[0]
        if leaf in self.leaves:
            return PinVerdict(self.kind, True, "the chain validates and the leaf is the pinned certificate")
        return PinVerdict(self.kind, False,
                          "the chain validates, but the leaf is not a pinned certificate (it was renewed or replaced)")


@dataclasses.dataclass(frozen=True)
class SpkiPin(_Policy):
    """Pin subject public keys by SPKI SHA-256 (RFC 7469 ``pin-sha256``), with backup pins.

    The chain passes if any certificate on the *validated* path (leaf, intermediates or
    root) has a pinned key (RFC 7469 section 2.6). ``backup_pins`` name keys not in use
    yet (RFC 7469 section 4.3 requires at least one), so the service can move to a
    pre-generated key without breaking its clients.
    """

    roots: tuple[x509.Certificate, ...]
    pins: tuple[str, ...]
    backup_pins: tuple[str, ...] = ()
    kind = "SPKI pin"

    def __post_init__(self) -> None:
        object.__setattr__(self, "roots", _certs(self.roots, "root"))
        for field in ("pins", "backup_pins"):
            values = getattr(self, field)
            values = (values,) if isinstance(values, str) else tuple(values)
            for value in values:
                if not isinstance(value, str) or len(value) != 44 or not value.endswith("="):
                    raise ParameterError(
                        f"Each pin must be a base64 SHA-256 SPKI hash (44 characters ending in '='), "
                        f"as spki_sha256(cert) returns, not {value!r}."
                    )
            object.__setattr__(self, field, values)
        if not self.pins and not self.backup_pins:
            raise ParameterError("An SPKI pin set needs at least one pin; compute one with spki_sha256(cert).")

    def check(self, chain, host, *, at=None) -> PinVerdict:
        path, bad = self._validated(chain, host, at)
        if bad:
            return bad
        for cert in path:
            pin = spki_sha256(cert)
            if pin in self.pins:
                return PinVerdict(self.kind, True,
                                  f"the chain validates and the key of {certificate_label(cert)!r} is pinned")
            if pin in self.backup_pins:
                return PinVerdict(self.kind, True, f"the chain validates and the key of "
                                  f"{certificate_label(cert)!r} matches a backup pin")
        return PinVerdict(self.kind, False, "the chain validates, but no key on the path matches a pin")


@dataclasses.dataclass(frozen=True)
class IssuingCaPin(_Policy):
    """Pin the CA that issues the leaf: the leaf's issuer on the validated path must be a pinned CA.

    A CA matches by name and public key, so a re-issued CA certificate for the same key
    still matches; a new intermediate (a *rollover*) does not.
    """

    roots: tuple[x509.Certificate, ...]
    cas: tuple[x509.Certificate, ...]
    kind = "issuing CA pin"

    def __post_init__(self) -> None:
        object.__setattr__(self, "roots", _certs(self.roots, "root"))
        object.__setattr__(self, "cas", _certs(self.cas, "pinned CA"))

    def check(self, chain, host, *, at=None) -> PinVerdict:
        path, bad = self._validated(chain, host, at)
        if bad:
            return bad
        issuer = path[1] if len(path) > 1 else path[0]
        wanted = {(ca.subject, spki_sha256(ca)) for ca in self.cas}
        if (issuer.subject, spki_sha256(issuer)) in wanted:
            return PinVerdict(self.kind, True,
                              f"the chain validates and the leaf's issuer {certificate_label(issuer)!r} is pinned")
        return PinVerdict(self.kind, False,
                          f"the chain validates, but the leaf's issuer {certificate_label(issuer)!r} is not a "
                          "pinned CA")


@dataclasses.dataclass(frozen=True)
class ThumbprintAllowList(_Policy):
    """Accept a leaf whose SHA-256 thumbprint (hash of its whole DER) is on a list; no chain validation.

    This is how a self-signed certificate is trusted: by being on a list, not by its
    own signature. The validity dates are still checked (an expired certificate is
    refused even if listed). ``thumbprints`` are hex strings, with or without colons.
    """

    thumbprints: tuple[str, ...]
    kind = "thumbprint allow-list"

    def __post_init__(self) -> None:
        values = (self.thumbprints,) if isinstance(self.thumbprints, str) else tuple(self.thumbprints)
        clean = []
        for value in values:
            text = "".join(ch for ch in str(value) if ch not in ": ").upper()
            if len(text) != 64 or any(ch not in "0123456789ABCDEF" for ch in text):
                raise ParameterError(
                    f"Each thumbprint must be a SHA-256 hash in hex (64 digits), as thumbprint(cert) returns, "
                    f"not {value!r}."
                )
            clean.append(text)
        object.__setattr__(self, "thumbprints", tuple(clean))

    @property
    def roots(self) -> tuple[x509.Certificate, ...]:
        """An allow-list trusts no root: it does no path validation."""
        return ()

    def check(self, chain, host=None, *, at=None) -> PinVerdict:
        leaf = _chain(chain)[0]
        when = _instant(at)
        if thumbprint(leaf, "sha256") not in self.thumbprints:
            return PinVerdict(self.kind, False, "the leaf's SHA-256 thumbprint is not on the allow-list")
        if not leaf.not_valid_before_utc <= when <= leaf.not_valid_after_utc:
            return PinVerdict(self.kind, False, "the leaf's thumbprint is listed, but the certificate is out of date")
        return PinVerdict(self.kind, True,
                          "the leaf's SHA-256 thumbprint is on the allow-list (no chain validation was done)")


#: Every policy class, by its kind name.
POLICY_KINDS: dict[str, type] = {
    cls.kind: cls for cls in (TrustStorePolicy, LeafCertificatePin, SpkiPin, IssuingCaPin, ThumbprintAllowList)
}


@dataclasses.dataclass(frozen=True)
class VerdictTable:
    """Verdicts of several policies for several presented chains: ``cells[policy][chain]``."""

    policies: tuple[str, ...]
    chains: tuple[str, ...]
    cells: tuple[tuple[PinVerdict, ...], ...]

    def verdict(self, policy: str, chain: str) -> PinVerdict:
        """The verdict of the policy called ``policy`` for the chain called ``chain``."""
        return self.cells[self.policies.index(policy)][self.chains.index(chain)]

    def __str__(self) -> str:
        width = max(len(p) for p in self.policies)
        cols = [max(len(c), 6) for c in self.chains]
        lines = [f"{'':<{width}}  " + "  ".join(f"{c:<{w}}" for c, w in zip(self.chains, cols, strict=True))]
        for name, row in zip(self.policies, self.cells, strict=True):
            lines.append(f"{name:<{width}}  " + "  ".join(f"{v.verdict:<{w}}" for v, w in zip(row, cols,
                                                                                               strict=True)))
        return "\n".join(lines)

    __repr__ = __str__


def compare(policies: dict, chains: dict, host: str, *, at: _dt.datetime | None = None) -> VerdictTable:
    """Check every chain with every policy: ``policies`` and ``chains`` map display names to objects."""
    if not isinstance(policies, dict) or not isinstance(chains, dict) or not policies or not chains:
        raise ParameterError("compare() needs two non-empty dicts: {name: policy} and {name: chain}.")
    cells = tuple(tuple(policy.check(chain, host, at=at) for chain in chains.values())
                  for policy in policies.values())
    return VerdictTable(tuple(policies), tuple(chains), cells)
