"""Certificate transparency: a working log, its signed promises, and a monitor that catches mis-issuance.

A CT log (RFC 6962) is a public, append-only list of certificates, run by an
independent *log operator* (Google, Cloudflare, DigiCert, Sectigo, Let's Encrypt,
...), not by the CA whose certificates it records. It gives three things:

* a **receipt** on submission, the *signed certificate timestamp* (SCT, RFC 6962
  3.2): the log's signed promise to add the certificate within its maximum
  merge delay. Browsers require SCTs from several logs before they accept a
  public TLS certificate;
* a **signed tree head** (STH, RFC 6962 3.5): the log's signature on its size
  and Merkle root at an instant;
* **proofs** (:mod:`pki_lab.merkle`): that a certificate is in the tree
  (inclusion) and that a newer tree extends an older one without rewriting it
  (consistency).

*Monitors* read every entry and alert a domain owner when a certificate for
their name appears from a CA they do not use: CT does not stop mis-issuance, it
makes it impossible to hide.

The lab log signs with an Ed25519 named key (deterministic signatures, RFC 8032)
and reads the time from the lab clock, so its tree heads and receipts are the
same on every run.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import hashlib
from collections.abc import Iterable
from typing import Any

from cryptography import x509

from . import clock
from .errors import PolicyError, WrongTypeError
from .keys import named_key, public_key_of, sign_bytes, verify_bytes
from .loading import to_der
from .merkle import MerkleTree, verify_consistency, verify_inclusion
from .names import certificate_label, common_name

__all__ = [
    "CTLog",
    "SignedTreeHead",
    "Receipt",
    "MonitorAlert",
    "MonitorReport",
    "Monitor",
    "EmbeddedSct",
    "embedded_scts",
    "verify_receipt",
    "verify_tree_head",
    "certificate_names",
]

def _ms(when: _dt.datetime) -> int:
    return int(when.timestamp() * 1000)


def _from_ms(ms: int) -> _dt.datetime:
    return _dt.datetime.fromtimestamp(ms / 1000, tz=_dt.UTC)


def _u(n: int, size: int) -> bytes:
    return n.to_bytes(size, "big")


def _leaf_input(timestamp_ms: int, cert_der: bytes) -> bytes:
    """RFC 6962 3.4 MerkleTreeLeaf: v1, timestamped_entry, timestamp, x509_entry, the certificate, no extensions.

    The same bytes are what an SCT signs (RFC 6962 3.2: v1, certificate_timestamp = 0, then the same fields),
    so :func:`_sct_signed_data` is this function.
    """
    return b"\x00\x00" + _u(timestamp_ms, 8) + b"\x00\x00" + _u(len(cert_der), 3) + cert_der + b"\x00\x00"


_sct_signed_data = _leaf_input


def _sth_signed_data(timestamp_ms: int, size: int, root: bytes) -> bytes:
    """RFC 6962 3.5 TreeHeadSignature: v1, tree_hash, timestamp, tree_size, sha256_root_hash."""
    return b"\x00\x01" + _u(timestamp_ms, 8) + _u(size, 8) + root


@dataclasses.dataclass(frozen=True)
class SignedTreeHead:
    """A log's signed statement "my first ``tree_size`` entries hash to ``root_hash``" (RFC 6962 3.5)."""

    log_id: bytes
    tree_size: int
    timestamp: _dt.datetime
    root_hash: bytes
    signature: bytes

    def sentence(self) -> str:
        return (f"tree head: {self.tree_size} entries, root {self.root_hash.hex()[:16]}..., "
                f"signed {self.timestamp.isoformat()}")


@dataclasses.dataclass(frozen=True)
class Receipt:
    """An SCT-like receipt: the log's signed promise to include ``certificate`` (RFC 6962 3.2)."""

    log_id: bytes
    timestamp: _dt.datetime
    certificate_sha256: bytes
    signature: bytes
    leaf_index: int

    def sentence(self) -> str:
        return (f"receipt from log {self.log_id.hex()[:16]}...: certificate {self.certificate_sha256.hex()[:16]}... "
                f"accepted at {self.timestamp.isoformat()} as entry {self.leaf_index}")


class CTLog:
    """An append-only certificate transparency log with an Ed25519 signing key.

    >>> log = CTLog("Lab Log 2026")
    >>> log.size
    0
    """

    def __init__(self, name: str = "PKI Lab CT Log", *, key: Any = None) -> None:
        self.name = name
        self._key = key if key is not None else named_key(f"ct-log/{name}", "ed25519")
        self._tree = MerkleTree()
        self._entries: list[tuple[x509.Certificate, int]] = []

    # -- identity ----------------------------------------------------------------------------

    @property
    def public_key(self):
        """The log's public key, which browsers ship in their list of trusted logs."""
        return public_key_of(self._key)

    @property
    def log_id(self) -> bytes:
        """RFC 6962 3.2: the SHA-256 of the log's public key (DER SubjectPublicKeyInfo)."""
        return hashlib.sha256(to_der(self.public_key)).digest()

    @property
    def size(self) -> int:
        return len(self._tree)

    @property
    def tree(self) -> MerkleTree:
        """The Merkle tree over the log's entries (read it, do not append to it directly)."""
        return self._tree

    def __repr__(self) -> str:
        return f"<CTLog {self.name!r}: {self.size} entries>"

    # -- writing -----------------------------------------------------------------------------

    def submit(self, cert: x509.Certificate) -> Receipt:
        """Add a certificate and return a signed receipt (an SCT-like promise).

        A real log returns the SCT at once and merges the entry within its maximum
        merge delay (24 hours in RFC 6962 3); the lab log merges immediately.
        """
        if not isinstance(cert, x509.Certificate):
            raise WrongTypeError(f"A CT log accepts certificates, not {type(cert).__name__}.")
        der = to_der(cert)
        ms = _ms(clock.now())
        index = self._tree.append(_leaf_input(ms, der))
        self._entries.append((cert, ms))
        signature = sign_bytes(self._key, _sct_signed_data(ms, der))
        return Receipt(self.log_id, _from_ms(ms), hashlib.sha256(der).digest(), signature, index)

    def tree_head(self) -> SignedTreeHead:
        """Sign the current size and root at the lab clock's now (RFC 6962 3.5)."""
        ms, size = _ms(clock.now()), self.size
        root = self._tree.root(size)
        return SignedTreeHead(self.log_id, size, _from_ms(ms), root,
                              sign_bytes(self._key, _sth_signed_data(ms, size, root)))

    # -- reading ------------------------------------------------------------------------------

    def entries(self, start: int = 0, end: int | None = None) -> list[x509.Certificate]:
        """The certificates of entries ``start`` to ``end`` (exclusive): what a monitor downloads."""
        return [cert for cert, _ in self._entries[start:end]]

    def leaf_hash(self, index: int) -> bytes:
        return self._tree.leaf_hash_at(index)

    def index_of(self, cert: x509.Certificate) -> int:
        """The index of a certificate in the log; PolicyError if it was never logged."""
        der = to_der(cert)
        for i, (c, _) in enumerate(self._entries):
            if to_der(c) == der:
                return i
        raise PolicyError("This certificate is not in the log: it was never submitted, so no proof exists.")

    def prove_inclusion(self, cert: x509.Certificate, tree_size: int | None = None) -> tuple[int, list[bytes]]:
        """The index of ``cert`` and its audit path in the tree of ``tree_size`` entries."""
        index = self.index_of(cert)
        return index, self._tree.inclusion_proof(index, tree_size)

    def prove_consistency(self, old_size: int, new_size: int | None = None) -> list[bytes]:
        return self._tree.consistency_proof(old_size, new_size)

    def rewrite_history(self, index: int, replacement: x509.Certificate) -> CTLog:
        """A copy of this log, same key, with entry ``index`` replaced: what a dishonest operator would do.

        Its new tree heads carry valid signatures, but no consistency proof can link
        them to the tree heads the honest log published before (see the chapter).
        """
        self._tree._check_index(index, self.size)
        forged = CTLog(self.name, key=self._key)
        for i, (cert, ms) in enumerate(self._entries):
            cert = replacement if i == index else cert
            forged._tree.append(_leaf_input(ms, to_der(cert)))
            forged._entries.append((cert, ms))
        return forged


def verify_tree_head(sth: SignedTreeHead, public_key: Any) -> bool:
    """Does the tree head's signature verify with the log's public key?"""
    return verify_bytes(public_key, sth.signature,
                        _sth_signed_data(_ms(sth.timestamp), sth.tree_size, sth.root_hash))


def verify_receipt(receipt: Receipt, cert: x509.Certificate, public_key: Any) -> bool:
    """Does the receipt's signature cover exactly this certificate, with the log's key?"""
    return verify_bytes(public_key, receipt.signature, _sct_signed_data(_ms(receipt.timestamp), to_der(cert)))


# -- the monitor ----------------------------------------------------------------------------------


def certificate_names(cert: x509.Certificate) -> list[str]:
    """The DNS names a certificate is valid for (SAN dNSNames; the CN only if there is no SAN)."""
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        return san.get_values_for_type(x509.DNSName)
    except x509.ExtensionNotFound:
        cn = common_name(cert.subject)
        return [cn] if cn else []


def _covers(name: str, watched: str) -> bool:
    name, watched = name.lower().rstrip("."), watched.lower().rstrip(".")
    return name == watched or name.endswith("." + watched) or (name.startswith("*.") and watched.endswith(name[1:]))


@dataclasses.dataclass(frozen=True)
class MonitorAlert:
    """A certificate for a watched name from a CA the domain owner did not expect."""

    index: int
    names: tuple[str, ...]
    issuer: str
    serial_hex: str

    def sentence(self) -> str:
        return (f"ALERT: entry {self.index} is a certificate for {', '.join(self.names)} issued by "
                f"'{self.issuer}', which is not one of your CAs; check it, and have it revoked if it is not yours.")


@dataclasses.dataclass(frozen=True)
class MonitorReport:
    """What one poll of a log found: the new tree head, whether it extends the last one, and alerts."""

    tree_size: int
    previous_size: int
    consistent: bool
    signature_valid: bool
    alerts: tuple[MonitorAlert, ...]

    def sentence(self) -> str:
        if not self.signature_valid:
            return "The tree head's signature does not verify with the log's key: ignore it and report the log."
        if not self.consistent:
            return (f"The log's tree of {self.tree_size} entries is NOT consistent with the tree of "
                    f"{self.previous_size} entries it signed before: it rewrote history. Report the log.")
        found = f"{len(self.alerts)} alert(s)" if self.alerts else "no certificate for your names from another CA"
        if self.tree_size == self.previous_size:
            return f"No new entries: the log still has {self.tree_size} entries, the same tree as before."
        return (f"Tree grew from {self.previous_size} to {self.tree_size} entries, consistently; "
                f"scanned the new entries: {found}.")


class Monitor:
    """Watch a log for certificates issued for ``watched`` names by CAs outside ``expected_issuers``.

    Each :meth:`poll` fetches the log's tree head, checks its signature and its
    consistency with the last head seen, then scans only the new entries.
    """

    def __init__(self, log_public_key: Any, watched: Iterable[str], expected_issuers: Iterable[x509.Name]) -> None:
        self.public_key = log_public_key
        self.watched = tuple(watched)
        self.expected_issuers = tuple(expected_issuers)
        self.last: SignedTreeHead | None = None

    def poll(self, log: CTLog) -> MonitorReport:
        sth = log.tree_head()
        previous = self.last
        old_size = previous.tree_size if previous else 0
        if not verify_tree_head(sth, self.public_key):
            return MonitorReport(sth.tree_size, old_size, False, False, ())
        consistent = previous is None or (
            sth.tree_size >= old_size
            and verify_consistency(old_size, sth.tree_size, previous.root_hash, sth.root_hash,
                                   log.prove_consistency(old_size, sth.tree_size))
        )
        if not consistent:
            return MonitorReport(sth.tree_size, old_size, False, True, ())
        alerts = []
        for offset, cert in enumerate(log.entries(old_size, sth.tree_size)):
            names = [n for n in certificate_names(cert) if any(_covers(n, w) for w in self.watched)]
            if names and cert.issuer not in self.expected_issuers:
                issuer = certificate_label(cert.issuer)
                alerts.append(MonitorAlert(old_size + offset, tuple(names), issuer, format(cert.serial_number, "x")))
        self.last = sth
        return MonitorReport(sth.tree_size, old_size, True, True, tuple(alerts))


def check_inclusion(log: CTLog, cert: x509.Certificate, sth: SignedTreeHead) -> bool:
    """Ask the log for an audit path of ``cert`` in the tree of ``sth`` and verify it against the signed root."""
    index, path = log.prove_inclusion(cert, sth.tree_size)
    return verify_inclusion(log.leaf_hash(index), index, sth.tree_size, path, sth.root_hash)


__all__.append("check_inclusion")


# -- SCTs in real certificates -----------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class EmbeddedSct:
    """One SCT embedded in a real certificate (RFC 6962 3.3): which log, and when it promised inclusion."""

    log_id: bytes
    timestamp: _dt.datetime
    signature_algorithm: str

    def sentence(self) -> str:
        return (f"log {self.log_id.hex()[:16]}... promised at {self.timestamp.isoformat()} "
                f"({self.signature_algorithm})")


def embedded_scts(cert: x509.Certificate) -> list[EmbeddedSct]:
    """The SCTs a CA embedded in a certificate (extension 1.3.6.1.4.1.11129.2.4.2), oldest first."""
    if not isinstance(cert, x509.Certificate):
        raise WrongTypeError(f"embedded_scts reads a certificate, not {type(cert).__name__}.")
    try:
        ext = cert.extensions.get_extension_for_class(x509.PrecertificateSignedCertificateTimestamps)
    except x509.ExtensionNotFound:
        return []
    out = []
    for sct in ext.value:
        algorithm = f"{sct.signature_algorithm.name} with {sct.signature_hash_algorithm.name.upper()}"
        out.append(EmbeddedSct(sct.log_id, sct.timestamp.replace(tzinfo=_dt.UTC), algorithm))
    return sorted(out, key=lambda s: (s.timestamp, s.log_id))

