"""Trust stores: the list of anchors a device, a browser or a runtime decides to trust.

A chain of certificates proves nothing by itself: it must end at a **trust
anchor**, a public key and a name the relying party already trusts (RFC 5280
6.1.1 (d)). Who keeps that list differs from one program to the next:

* an operating system (Windows, macOS/iOS, Android, a Linux distribution's
  ``ca-certificates`` package, updated with the OS);
* a browser with its own root program (Mozilla's NSS list in Firefox; Chrome's
  Chrome Root Store since Chrome 105);
* a runtime or library that ships a copy: Node.js builds Mozilla's list into its
  binary, Python's ``certifi`` package ships it as ``cacert.pem``; such a copy
  changes only when the package is upgraded.

A :class:`TrustStore` is an immutable value: :meth:`TrustStore.add` and
:meth:`TrustStore.remove` return a *new* store, so two stores can be compared
side by side. :meth:`TrustStore.anchor_for` asks which anchor a chain ends at,
with the course's own path validator (:func:`pki_lab.validation.validate_chain`,
RFC 5280 6.1) or, for comparison, ``cryptography.x509.verification``.

    >>> from pki_lab.truststore import TrustStore
    >>> store = TrustStore.snapshot()
    >>> len(store) > 100
    True
"""

from __future__ import annotations

import collections
import dataclasses
import datetime as _dt
import os
import warnings
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.utils import CryptographyDeprecationWarning

from . import clock, data
from .describe import thumbprint
from .errors import ParameterError, WrongTypeError
from .keys import key_summary
from .loading import load_certificates
from .names import common_name
from .oids import oid_name
from .plots import MAX_WIDTH_IN, integer_ticks
from .validation.api import validate_chain
from .validation.compare import verify_with_cryptography
from .validation.context import Usage

__all__ = [
    "SNAPSHOT",
    "SYSTEM_CA_FILES",
    "TrustStore",
    "StoreSummary",
    "Anchoring",
    "anchor_label",
    "plot_expiry_years",
    "plot_validity",
]

#: The dated copy of certifi's bundle shipped with the course (see data/truststores/README.md).
SNAPSHOT = "truststores/certifi-2026.10.19.pem"

#: Where common Linux distributions and macOS (Homebrew OpenSSL) keep their CA bundle.
SYSTEM_CA_FILES = (
    "/etc/ssl/certs/ca-certificates.crt",  # Debian, Ubuntu, Alpine
    "/etc/pki/tls/certs/ca-bundle.crt",  # Fedora, RHEL
    "/etc/ssl/ca-bundle.pem",  # openSUSE
    "/etc/ssl/cert.pem",  # macOS, BSDs
)


def anchor_label(cert: x509.Certificate) -> str:
    """A short name for a root: its common name, else its organisation, else the RFC 4514 subject.

    Not :func:`pki_lab.names.certificate_label`: many roots have no common name but an
    organisational unit or organisation that says more than the whole RFC 4514 subject.
    """
    cn = common_name(cert.subject)
    if cn:
        return cn
    orgs = cert.subject.get_attributes_for_oid(x509.NameOID.ORGANIZATIONAL_UNIT_NAME) or \
        cert.subject.get_attributes_for_oid(x509.NameOID.ORGANIZATION_NAME)
    return str(orgs[-1].value) if orgs else cert.subject.rfc4514_string()


def _serial_not_positive(cert: x509.Certificate) -> bool:
    """True for a serial encoded as a negative (or zero) DER INTEGER, which RFC 5280 4.1.2.2 forbids."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CryptographyDeprecationWarning)
        return cert.serial_number <= 0


def _signature_name(cert: x509.Certificate) -> str:
    return oid_name(cert.signature_algorithm_oid)


@dataclasses.dataclass(frozen=True)
class StoreSummary:
    """What a trust store holds: counts by key, by signature algorithm and by expiry year."""

    name: str
    count: int
    key_types: tuple[tuple[str, int], ...]
    signature_algorithms: tuple[tuple[str, int], ...]
    expiry_years: tuple[tuple[int, int], ...]
    expired: int
    at: _dt.datetime
    nonpositive_serials: int = 0

    def __str__(self) -> str:
        def fmt(pairs):
            return ", ".join(f"{k}: {n}" for k, n in pairs)

        return "\n".join([
            f"{self.name}: {self.count} trust anchors",
            f"  keys:                 {fmt(self.key_types)}",
            f"  signature algorithms: {fmt(self.signature_algorithms)}",
            f"  expiry years:         {self.expiry_years[0][0]} .. {self.expiry_years[-1][0]}"
            if self.expiry_years else "  expiry years:         (none)",
            f"  expired at {self.at.date().isoformat()}: {self.expired}",
            f"  serial number not positive (RFC 5280 4.1.2.2 forbids it): {self.nonpositive_serials}",
        ])

    __repr__ = __str__


@dataclasses.dataclass(frozen=True)
class Anchoring:
    """The answer to "which anchor does this chain end at?", with the path found or the reason it failed."""

    trusted: bool
    store_name: str
    at: _dt.datetime
    path: tuple[x509.Certificate, ...] = ()
    reason: str = ""

    @property
    def anchor(self) -> x509.Certificate | None:
        """The trust anchor at the end of the validated path (None if the chain is not trusted)."""
        return self.path[-1] if self.path else None

    def __str__(self) -> str:
        when = self.at.strftime("%Y-%m-%d %H:%M:%S UTC")
        if not self.trusted:
            return f"Not trusted by {self.store_name!r} at {when}: {self.reason}"
        names = " -> ".join(anchor_label(c) for c in self.path)
        return f"Trusted by {self.store_name!r} at {when}: {names} (anchor: {anchor_label(self.path[-1])})"

    __repr__ = __str__


def _as_certificates(items: Iterable[Any]) -> list[x509.Certificate]:
    out = []
    for item in items:
        if isinstance(item, x509.Certificate):
            out.append(item)
        elif hasattr(item, "certificate") and isinstance(item.certificate, x509.Certificate):
            out.append(item.certificate)  # a CertificateAuthority
        else:
            raise WrongTypeError(
                f"A trust anchor must be an x509.Certificate (or a CertificateAuthority), not {type(item).__name__}."
            )
    return out


@dataclasses.dataclass(frozen=True)
class TrustStore:
    """An immutable list of trust anchors, with a name and where it came from.

    Make one with :meth:`from_certifi`, :meth:`snapshot`, :meth:`from_system`,
    :meth:`from_pem` or :meth:`of`; change it with :meth:`add` and :meth:`remove`,
    which return a new store and leave this one as it was.
    """

    name: str
    anchors: tuple[x509.Certificate, ...]
    source: str = ""

    # -- construction ------------------------------------------------------------------

    @classmethod
    def of(cls, anchors: Iterable[Any], name: str = "custom store", source: str = "built in code") -> TrustStore:
        """A store from certificates (or lab CAs), without duplicates, in the order given."""
        seen, unique = set(), []
        for cert in _as_certificates(anchors):
            key = thumbprint(cert)
            if key not in seen:
                seen.add(key)
                unique.append(cert)
        return cls(name, tuple(unique), source)

    @classmethod
    def from_pem(cls, *sources: Any, name: str = "PEM store") -> TrustStore:
        """A store from PEM bundles: paths, bytes or PEM text (see :func:`pki_lab.loading.read_source`)."""
        if not sources:
            raise ParameterError("from_pem needs at least one PEM file, bytes or text with certificates.")
        with warnings.catch_warnings():
            # A few roots in Mozilla's list encode their serial number as a negative DER
            # INTEGER (RFC 5280 4.1.2.2 forbids it; see StoreSummary.nonpositive_serials).
            # cryptography warns about each; the store keeps them, as browsers do.
            warnings.simplefilter("ignore", CryptographyDeprecationWarning)
            certs = [c for source in sources for c in load_certificates(source)]
        return cls.of(certs, name=name, source=f"{len(sources)} PEM source(s)")

    @classmethod
    def from_certifi(cls) -> TrustStore:
        """The live store of the installed ``certifi`` package (its contents change with each release)."""
        import certifi

        store = cls.from_pem(Path(certifi.where()), name=f"certifi {certifi.__version__}")
        return dataclasses.replace(store, source=f"certifi {certifi.__version__}, {certifi.where()}")

    @classmethod
    def snapshot(cls) -> TrustStore:
        """The dated copy of certifi 2026.10.19 shipped with the course (Mozilla's list, MPL-2.0)."""
        store = cls.from_pem(data.read_bytes(SNAPSHOT), name="certifi 2026.10.19 (snapshot)")
        return dataclasses.replace(store, source=f"pki_lab/data/{SNAPSHOT}")

    @classmethod
    def from_system(cls, path: str | os.PathLike | None = None) -> TrustStore:
        """The operating system's CA bundle, if this machine has one in a known place.

        Raises:
            ParameterError: no bundle found (Windows and macOS keep their roots in a
                system keychain or registry, not in a PEM file).
        """
        candidates = [Path(path)] if path is not None else [Path(p) for p in SYSTEM_CA_FILES]
        for candidate in candidates:
            if candidate.is_file():
                store = cls.from_pem(candidate, name=f"system ({candidate})")
                return dataclasses.replace(store, source=str(candidate))
        raise ParameterError(
            "No system CA bundle was found (looked in " + ", ".join(str(c) for c in candidates) + "); "
            "Windows and macOS keep their roots in the system's own store, so use TrustStore.from_certifi() "
            "or TrustStore.snapshot() instead."
        )

    # -- a store is a collection -----------------------------------------------------

    def __len__(self) -> int:
        return len(self.anchors)

    def __iter__(self):
        return iter(self.anchors)

    def __contains__(self, cert: object) -> bool:
        if not isinstance(cert, x509.Certificate):
            return False
        return any(a == cert for a in self.anchors)

    def __repr__(self) -> str:
        return f"<TrustStore {self.name!r}: {len(self)} anchors>"

    def find(self, text: str) -> list[x509.Certificate]:
        """The anchors whose subject contains ``text`` (case-insensitive)."""
        if not isinstance(text, str) or not text:
            raise ParameterError(f"`text` must be a non-empty string such as 'ISRG', not {text!r}.")
        needle = text.casefold()
        return [a for a in self.anchors if needle in a.subject.rfc4514_string().casefold()]

    # -- new stores from old ---------------------------------------------------------

    def add(self, *anchors: Any, name: str | None = None) -> TrustStore:
        """A new store with ``anchors`` added (certificates or lab CAs); this store is unchanged."""
        if not anchors:
            raise ParameterError("add() needs at least one certificate to add.")
        store = TrustStore.of(list(self.anchors) + _as_certificates(anchors), name or f"{self.name} + custom",
                              self.source)
        return store

    def remove(self, *anchors: Any, name: str | None = None) -> TrustStore:
        """A new store without ``anchors`` (certificates, lab CAs, or subject substrings such as 'DST Root').

        Raises:
            ParameterError: an anchor to remove is not in the store.
        """
        if not anchors:
            raise ParameterError("remove() needs at least one certificate (or name) to remove.")
        drop: list[x509.Certificate] = []
        for item in anchors:
            if isinstance(item, str):
                found = self.find(item)
                if not found:
                    raise ParameterError(f"No anchor of {self.name!r} has {item!r} in its subject; nothing removed.")
                drop += found
            else:
                cert = _as_certificates([item])[0]
                if cert not in self:
                    raise ParameterError(
                        f"{anchor_label(cert)!r} is not an anchor of {self.name!r}, so it cannot be removed."
                    )
                drop.append(cert)
        kept = [a for a in self.anchors if a not in drop]
        return TrustStore(name or f"{self.name} - {len(self.anchors) - len(kept)}", tuple(kept), self.source)

    # -- questions -------------------------------------------------------------------

    def summary(self, at: _dt.datetime | None = None) -> StoreSummary:
        """Counts of key types, signature algorithms and expiry years; ``expired`` counts at ``at``."""
        when = clock.now() if at is None else clock.require_aware(at)
        keys = collections.Counter(key_summary(a.public_key()) for a in self.anchors)
        sigs = collections.Counter(_signature_name(a) for a in self.anchors)
        years = collections.Counter(a.not_valid_after_utc.year for a in self.anchors)
        expired = sum(1 for a in self.anchors if a.not_valid_after_utc < when)
        return StoreSummary(
            self.name, len(self.anchors),
            tuple(sorted(keys.items(), key=lambda kv: (-kv[1], kv[0]))),
            tuple(sorted(sigs.items(), key=lambda kv: (-kv[1], kv[0]))),
            tuple(sorted(years.items())), expired, when,
            sum(1 for a in self.anchors if _serial_not_positive(a)),
        )

    def expiring_between(self, start: _dt.datetime, end: _dt.datetime) -> list[x509.Certificate]:
        """The anchors whose notAfter falls in [start, end), soonest first."""
        start, end = clock.require_aware(start, "start"), clock.require_aware(end, "end")
        hits = [a for a in self.anchors if start <= a.not_valid_after_utc < end]
        return sorted(hits, key=lambda a: (a.not_valid_after_utc, anchor_label(a)))

    def anchor_for(
        self,
        chain: Sequence[x509.Certificate] | x509.Certificate,
        *,
        at: _dt.datetime | None = None,
        dns_name: str | None = None,
        engine: str = "pki_lab",
    ) -> Anchoring:
        """Validate ``chain`` (leaf first, then untrusted intermediates) and say which anchor it ends at.

        With ``dns_name`` the check is a TLS server check (the name must be in the
        leaf's SAN, the leaf needs serverAuth); without it the leaf is checked for what
        it is for (a client or device certificate as a client, anything else as a server).

        ``engine`` picks the path validator: ``"pki_lab"`` (default) is the course's own
        :func:`pki_lab.validation.validate_chain` (RFC 5280 6.1, step-by-step reasons);
        ``"cryptography"`` is ``cryptography.x509.verification``, an independent
        implementation for comparison. Both check the anchor's own validity dates too,
        as OpenSSL does.
        """
        certs = [chain] if isinstance(chain, x509.Certificate) else _as_certificates(chain)
        if not certs:
            raise ParameterError("The chain is empty; pass the leaf certificate first, then its intermediates.")
        when = clock.now() if at is None else clock.require_aware(at)
        if engine not in ("pki_lab", "cryptography"):
            raise ParameterError(f"`engine` must be 'pki_lab' or 'cryptography', not {engine!r}.")
        if not self.anchors:
            return Anchoring(False, self.name, when, reason="the store has no anchors at all.")
        if engine == "pki_lab":
            report = validate_chain(certs[0], certs[1:], trust=self.anchors, at=when, name=dns_name,
                                    usage=_usage(certs[0], dns_name))
            if report.ok:
                return Anchoring(True, self.name, when, tuple(report.path))
            return Anchoring(False, self.name, when, reason=report.reason)
        result = verify_with_cryptography(certs[0], certs[1:], self.anchors, when, name=dns_name,
                                          usage=None if dns_name is None else "server")
        if not result.ok:
            return Anchoring(False, self.name, when, reason=_reason(result.error, self, certs, when))
        return Anchoring(True, self.name, when, result.path)


def _usage(leaf: x509.Certificate, dns_name: str | None) -> Usage:
    """'client' for a leaf that is only for client authentication (devices), else 'server'."""
    if dns_name is not None:
        return "server"
    try:
        ekus = set(leaf.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value)
    except x509.ExtensionNotFound:
        return "server"
    client, server = x509.oid.ExtendedKeyUsageOID.CLIENT_AUTH, x509.oid.ExtendedKeyUsageOID.SERVER_AUTH
    return "client" if client in ekus and server not in ekus else "server"


def _reason(text: str, store: TrustStore, certs: list[x509.Certificate], when: _dt.datetime) -> str:
    """A sentence for a failed validation (``text``: the verifier's error), naming the most likely cause."""
    top = certs[-1]
    issuers = [a for a in store.anchors if a.subject == top.issuer]
    if "not valid at validation time" in text or "expired" in text:
        stale = [c for c in certs + issuers if not c.not_valid_before_utc <= when <= c.not_valid_after_utc]
        if stale:
            c = stale[-1]
            fmt = "%Y-%m-%d %H:%M:%S"
            return (f"{anchor_label(c)!r} is valid from {c.not_valid_before_utc:{fmt}} to "
                    f"{c.not_valid_after_utc:{fmt}} UTC, not at {when:{fmt}} UTC.")
    if not issuers and top.issuer != top.subject:
        return (f"no anchor of the store is named {top.issuer.rfc4514_string()!r} (the issuer of "
                f"{anchor_label(top)!r}), so the chain does not reach a trusted root.")
    return f"path validation failed ({text.split(' (encountered')[0]})."


def plot_expiry_years(store: TrustStore, *, at: _dt.datetime | None = None, ax: Any = None) -> Any:
    """A bar chart of how many anchors expire in each year, with the lab clock's year marked."""
    import matplotlib.pyplot as plt

    summary = store.summary(at)
    if ax is None:
        _, ax = plt.subplots(figsize=(MAX_WIDTH_IN, 3.2))
    years = [y for y, _ in summary.expiry_years]
    counts = [n for _, n in summary.expiry_years]
    colours = ["#cf222e" if y < summary.at.year else "#0969da" for y in years]
    ax.bar(years, counts, color=colours)
    ax.axvline(summary.at.year, color="#57606a", linestyle="--", linewidth=1)
    integer_ticks(ax.xaxis)  # years and numbers of roots are whole numbers
    integer_ticks(ax.yaxis)
    ax.set_xlabel("year the root expires (notAfter)")
    ax.set_ylabel("roots")
    ax.set_title(f"{store.name}: {summary.count} roots by expiry year (dashed: lab clock)")
    return ax


def plot_validity(certs: Sequence[x509.Certificate], *, at: _dt.datetime | None = None,
                  events: Sequence[tuple[_dt.datetime, str]] = (), ax: Any = None) -> Any:
    """A timeline: one bar per certificate from notBefore to notAfter, the lab clock and labelled events."""
    import matplotlib.dates as mdates
    import matplotlib.pyplot as plt

    certs = _as_certificates(certs)
    when = clock.now() if at is None else clock.require_aware(at)
    if ax is None:
        _, ax = plt.subplots(figsize=(MAX_WIDTH_IN - 0.8, 0.6 + 0.55 * len(certs)))
    for row, cert in enumerate(certs):
        start = mdates.date2num(cert.not_valid_before_utc)
        end = mdates.date2num(cert.not_valid_after_utc)
        ax.barh(row, end - start, left=start, height=0.5, color="#0969da" if end >= mdates.date2num(when)
                else "#8c959f")
    ax.set_yticks(range(len(certs)), [anchor_label(c) for c in certs])
    ax.invert_yaxis()
    ax.axvline(mdates.date2num(when), color="#57606a", linestyle="--", linewidth=1)
    for instant, label in events:
        x = mdates.date2num(clock.require_aware(instant, "event time"))
        ax.axvline(x, color="#cf222e", linewidth=1)
        ax.text(x, 0.97, f" {label}", transform=ax.get_xaxis_transform(), fontsize=8, color="#cf222e",
                ha="left", va="top", bbox={"facecolor": "white", "edgecolor": "none", "pad": 1})
    first = min(c.not_valid_before_utc.year for c in certs)
    last = max(c.not_valid_after_utc.year for c in certs)
    ax.xaxis.set_major_locator(mdates.YearLocator(base=max(1, (last - first) // 10)))
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y"))
    ax.set_title("validity periods (dashed: lab clock)")
    return ax
