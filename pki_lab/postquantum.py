"""Post-quantum PKI (chapter 13): ML-KEM beside X25519, and what ML-DSA certificates cost.

Everything here is measured, not quoted: :func:`kem_demo` runs ML-KEM-768 (FIPS 203) and X25519 with
``cryptography``; :func:`size_table` builds a root, an intermediate and a leaf with the lab CA for each signature
algorithm and measures the real DER; :func:`handshake_cost` frames a chain the way a TLS 1.3 server sends it
(RFC 8446 section 4.4.2-4.4.3) and sets it against TCP's initial congestion window (RFC 6928) and QUIC's
anti-amplification limit (RFC 9000 section 8.1); :func:`device_view` and :func:`ct_cost` say what the same bytes
mean for a constrained device and for a Certificate Transparency log (chapter 08). :func:`speed_ratios` times
signing and verification live: its figures change from run to run, so a notebook shows them only in a widget.

ML-KEM encapsulation and ML-DSA signing are randomised (a fresh seed per call), so only sizes and verdicts are
stable enough to print; the sizes of ML-DSA keys and signatures are fixed by FIPS 204 (Table 2).

    >>> from pki_lab.postquantum import kem_demo
    >>> [row.agree for row in kem_demo().rows]
    [True, True]
"""

from __future__ import annotations

import dataclasses
import functools
import math
import time
from collections.abc import Sequence
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, mldsa, mlkem, rsa, x25519

from . import clock
from .ca import CertificateAuthority
from .errors import ParameterError, WrongTypeError, a_type
from .keys import named_key, sign_bytes, verify_bytes
from .loading import to_der
from .plots import MAX_WIDTH_IN, legend_below

__all__ = ["ALGORITHMS", "KEY_KINDS", "SLH_DSA_PUBLISHED", "KemRow", "KemDemo", "kem_demo", "LabChain",
           "lab_chain", "SizeRow", "SizeTable", "size_table", "HandshakeCost", "handshake_cost",
           "DeviceView", "device_view", "CtCost", "ct_cost", "SpeedRow", "speed_ratios", "plot_sizes",
           "INITIAL_WINDOW", "QUIC_LIMIT", "LORAWAN_PAYLOADS", "IEEE_802_15_4_FRAME"]

#: The signature algorithms the chapter compares, in the table's order, and the lab's key kind for each.
KEY_KINDS: dict[str, str] = {
    "RSA-2048": "rsa",
    "RSA-3072": "rsa3072",
    "ECDSA P-256": "ec",
    "ECDSA P-384": "p384",
    "Ed25519": "ed25519",
    "ML-DSA-44": "ml-dsa-44",
    "ML-DSA-65": "ml-dsa-65",
    "ML-DSA-87": "ml-dsa-87",
}
ALGORITHMS: tuple[str, ...] = tuple(KEY_KINDS)

#: SLH-DSA (FIPS 205), which cryptography 50 does not implement: the sizes FIPS 205 publishes (Table 2) for its
#: two smallest parameter sets, (public key, signature) in bytes. Quoted, not measured.
SLH_DSA_PUBLISHED: dict[str, tuple[int, int]] = {
    "SLH-DSA-SHA2-128s": (32, 7856),
    "SLH-DSA-SHA2-128f": (32, 17088),
}

#: TCP's initial congestion window, RFC 6928: min(10 * MSS, max(2 * MSS, 14600)) = 10 x 1460 bytes.
MSS = 1460
INITIAL_WINDOW = min(10 * MSS, max(2 * MSS, 14600))
#: QUIC before the client's address is validated (RFC 9000 section 8.1): at most 3 x the bytes received, and a
#: client's first Initial datagram is at least 1200 bytes (section 14.1).
QUIC_LIMIT = 3 * 1200
#: IEEE 802.15.4's largest PHY frame (aMaxPHYPacketSize), before its own MAC header and checksum.
IEEE_802_15_4_FRAME = 127
#: LoRaWAN application payload N (no FOpts) in EU863-870 by data rate (LoRaWAN Regional Parameters, RP002).
LORAWAN_PAYLOADS: dict[str, int] = {"DR0-DR2 (SF12-SF10)": 51, "DR3 (SF9)": 115, "DR4-DR7 (SF8-SF7)": 222}
#: RFC 7228's Class 1 device: about 10 KiB of RAM and 100 KiB of flash.
CLASS1_RAM, CLASS1_FLASH = 10 * 1024, 100 * 1024


def _algorithm(name: object, what: str = "algorithm") -> str:
    if not isinstance(name, str):
        raise WrongTypeError(f"`{what}` must be a name such as 'ML-DSA-65', not {type(name).__name__}.")
    for label in ALGORITHMS:
        if name.replace(" ", "").casefold() == label.replace(" ", "").casefold():
            return label
    raise ParameterError(f"Unknown {what} {name!r:.40}; choose one of: {', '.join(ALGORITHMS)}.")


# --- Key exchange: ML-KEM-768 against X25519 --------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class KemRow:
    """One key exchange: what each side sends and the secret both end up with (bytes), and whether they agree."""

    name: str
    public_key: int
    ciphertext: int
    shared_secret: int
    agree: bool


@dataclasses.dataclass(frozen=True)
class KemDemo:
    """ML-KEM-768 and X25519 side by side (sizes and verdicts only: the keys and secrets are fresh each run)."""

    rows: tuple[KemRow, ...]

    def __repr__(self) -> str:
        lines = [f"{'':<12}{'public key':>12}{'ciphertext/share':>18}{'secret':>8}  secrets agree"]
        lines += [f"{r.name:<12}{r.public_key:>12,}{r.ciphertext:>18,}{r.shared_secret:>8}  "
                  f"{'yes' if r.agree else 'NO'}" for r in self.rows]
        return "\n".join(lines)


def kem_demo() -> KemDemo:
    """Run ML-KEM-768 (encapsulate to a public key, decapsulate with the private key) and an X25519 exchange.

    ML-KEM is a key-encapsulation mechanism: the client sends its encapsulation key, the server answers with a
    ciphertext that only the private key opens, and both hold the same 32-byte secret (FIPS 203). X25519 is a
    Diffie-Hellman exchange: each side sends a 32-byte share (RFC 7748).
    """
    kem_private = mlkem.MLKEM768PrivateKey.generate()
    kem_public = kem_private.public_key()
    secret, ciphertext = kem_public.encapsulate()
    opened = kem_private.decapsulate(ciphertext)
    ml_kem = KemRow("ML-KEM-768", len(kem_public.public_bytes_raw()), len(ciphertext), len(secret),
                    opened == secret)
    alice, bob = x25519.X25519PrivateKey.generate(), x25519.X25519PrivateKey.generate()
    alice_secret, bob_secret = alice.exchange(bob.public_key()), bob.exchange(alice.public_key())
    share = len(bob.public_key().public_bytes_raw())
    classic = KemRow("X25519", len(alice.public_key().public_bytes_raw()), share, len(alice_secret),
                     alice_secret == bob_secret)
    return KemDemo((ml_kem, classic))


# --- Chains of real certificates -----------------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class LabChain:
    """A root, an intermediate and a leaf for ``www.example.com`` from the lab CA, with the algorithm of each."""

    algorithms: tuple[str, str, str]
    root: x509.Certificate
    intermediate: x509.Certificate
    leaf: x509.Certificate

    @property
    def certificates(self) -> tuple[x509.Certificate, x509.Certificate, x509.Certificate]:
        return self.root, self.intermediate, self.leaf

    def label(self) -> str:
        return " -> ".join(self.algorithms)


def lab_chain(root: str = "ML-DSA-65", intermediate: str | None = None, leaf: str | None = None) -> LabChain:
    """A three-certificate chain whose root, intermediate and leaf keys use these algorithms (see :data:`ALGORITHMS`).

    ``intermediate`` and ``leaf`` default to the root's algorithm. The names are the same for every algorithm
    ("PQ Lab Root CA", "PQ Lab Issuing CA", "www.example.com"), so only the algorithms change the sizes.
    """
    chosen = _algorithm(root, "root"), _algorithm(intermediate or root, "intermediate"), \
        _algorithm(leaf or intermediate or root, "leaf")
    return _lab_chain(chosen, clock.now())


@functools.cache
def _lab_chain(algorithms: tuple[str, str, str], _at: Any) -> LabChain:
    kinds = [KEY_KINDS[a] for a in algorithms]
    keys = [_key(role, kind) for role, kind in zip(("root-ca", "intermediate-ca", "server"), kinds, strict=True)]
    root = CertificateAuthority.create_root("PQ Lab Root CA", key=keys[0], key_kind=kinds[0])
    issuing = root.create_intermediate("PQ Lab Issuing CA", key=keys[1], key_kind=kinds[1])
    leaf = issuing.issue("www.example.com", profile="server", key=keys[2], key_kind=kinds[2])
    return LabChain(algorithms, root.certificate, issuing.certificate, leaf)


def _key(role: str, kind: str) -> Any:
    """RSA keys are shipped files, one per role ("root-ca", "server", ...); other kinds derive from the CA's name."""
    return named_key(role, kind) if kind.startswith("rsa") else None


def _public_key_bytes(key: Any) -> int:
    """The public key as the certificate's subjectPublicKey carries it: RSA's PKCS #1 structure, an EC point,
    or the raw bytes of an EdDSA or ML-DSA key."""
    if isinstance(key, rsa.RSAPublicKey):
        return len(key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.PKCS1))
    if isinstance(key, ec.EllipticCurvePublicKey):
        return len(key.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint))
    return len(key.public_bytes_raw())


@dataclasses.dataclass(frozen=True)
class SizeRow:
    """Bytes of one algorithm's key, signature, leaf certificate, full chain and what a server sends."""

    algorithm: str
    public_key: int
    signature: int
    certificate: int
    chain: int
    sent: int
    measured: bool = True


@dataclasses.dataclass(frozen=True)
class SizeTable:
    """:func:`size_table`'s rows; its text form is the chapter's table."""

    rows: tuple[SizeRow, ...]

    def row(self, algorithm: str) -> SizeRow:
        label = _algorithm(algorithm)
        return next(r for r in self.rows if r.algorithm == label)

    def __repr__(self) -> str:
        head = (f"{'algorithm':<19}{'public key':>11}{'signature':>11}{'leaf cert':>11}{'full chain':>12}"
                f"{'server sends':>14}")
        lines = [head]
        for r in self.rows:
            if r.measured:
                lines.append(f"{r.algorithm:<19}{r.public_key:>11,}{r.signature:>11,}{r.certificate:>11,}"
                             f"{r.chain:>12,}{r.sent:>14,}")
            else:
                lines.append(f"{r.algorithm:<19}{r.public_key:>11,}{r.signature:>11,}"
                             f"{'(FIPS 205 Table 2, not measured)':>48}")
        return "\n".join(lines)


def _size_row(chain: LabChain) -> SizeRow:
    root, intermediate, leaf = (len(to_der(c)) for c in chain.certificates)
    return SizeRow(chain.algorithms[2], _public_key_bytes(chain.leaf.public_key()), len(chain.leaf.signature),
                   leaf, root + intermediate + leaf, intermediate + leaf)


def size_table(algorithms: Sequence[str] = ALGORITHMS, *, published: bool = True) -> SizeTable:
    """Measure, for each algorithm, a chain of real certificates the lab CA makes with it at every level.

    ``signature`` is the leaf's signature (made by the intermediate, same algorithm); ``chain`` is root +
    intermediate + leaf; ``sent`` is what a TLS server sends (leaf + intermediate: the client has the root).
    With ``published``, SLH-DSA's rows follow, quoted from FIPS 205 (cryptography has no SLH-DSA to measure).
    """
    if isinstance(algorithms, str) or not isinstance(algorithms, Sequence):
        raise WrongTypeError(f"`algorithms` must be a list of names such as ['ECDSA P-256', 'ML-DSA-65'], not "
                             f"{type(algorithms).__name__}.")
    labels = [_algorithm(a) for a in algorithms]  # every name checked before any chain is issued
    rows = [_size_row(lab_chain(a)) for a in labels]
    if published:
        rows += [SizeRow(name, pk, sig, 0, 0, 0, measured=False) for name, (pk, sig) in SLH_DSA_PUBLISHED.items()]
    return SizeTable(tuple(rows))


# --- What the bytes cost -------------------------------------------------------------------------------------------

_SIGNATURE_BYTES = {"ML-DSA-44": 2420, "ML-DSA-65": 3309, "ML-DSA-87": 4627}  # FIPS 204 Table 2
_ML_DSA_KEYS = ((mldsa.MLDSA44PublicKey, "ML-DSA-44"), (mldsa.MLDSA65PublicKey, "ML-DSA-65"),
                (mldsa.MLDSA87PublicKey, "ML-DSA-87"))


def signature_size(cert: x509.Certificate) -> int:
    """Bytes of a signature made with ``cert``'s key: a TLS server's CertificateVerify carries one.

    RSA: the modulus length; Ed25519: 64; ML-DSA: FIPS 204's fixed sizes; ECDSA: the largest DER encoding
    (72 bytes for P-256, 104 for P-384; a signature is sometimes a byte or two shorter).
    """
    key = cert.public_key()
    if isinstance(key, rsa.RSAPublicKey):
        return key.key_size // 8
    if isinstance(key, ec.EllipticCurvePublicKey):
        n = (key.curve.key_size + 7) // 8
        return 2 + 2 * (2 + n + 1) + (1 if 2 * (2 + n + 1) > 127 else 0)
    if isinstance(key, ed25519.Ed25519PublicKey):
        return 64
    for kind, name in _ML_DSA_KEYS:
        if isinstance(key, kind):
            return _SIGNATURE_BYTES[name]
    raise ParameterError(f"The lab does not know the signature size of {a_type(key)} (RSA, ECDSA, Ed25519 and "
                         "ML-DSA keys only).")


def _check_certificates(certs: Sequence[object]) -> None:
    for role, cert in zip(("root", "intermediate", "leaf"), certs, strict=True):
        if not isinstance(cert, x509.Certificate):
            raise WrongTypeError(f"`{role}` must be an x509.Certificate (lab_chain(...).{role}), "
                                 f"not {type(cert).__name__}.")


@dataclasses.dataclass(frozen=True)
class HandshakeCost:
    """A TLS 1.3 server's Certificate and CertificateVerify messages, against TCP's and QUIC's first flights."""

    certificate_message: int
    certificate_verify: int
    with_root: int

    @property
    def total(self) -> int:
        return self.certificate_message + self.certificate_verify

    @property
    def fits_initial_window(self) -> bool:
        return self.total <= INITIAL_WINDOW

    @property
    def extra_round_trips(self) -> int:
        """Round trips beyond the first flight: slow start doubles the window each round trip (RFC 5681)."""
        trips, window, sent = 0, INITIAL_WINDOW, INITIAL_WINDOW
        while sent < self.total:
            trips, window = trips + 1, window * 2
            sent += window
        return trips

    @property
    def fits_quic_limit(self) -> bool:
        return self.total <= QUIC_LIMIT

    def __repr__(self) -> str:
        window = (f"fits TCP's initial window of {INITIAL_WINDOW:,} bytes (10 x 1,460)" if self.fits_initial_window
                  else f"exceeds TCP's initial window of {INITIAL_WINDOW:,} bytes: "
                       f"{self.extra_round_trips} extra round trip{'s' if self.extra_round_trips > 1 else ''}")
        quic = "within" if self.fits_quic_limit else "over"
        return (f"Certificate {self.certificate_message:,} + CertificateVerify {self.certificate_verify:,} = "
                f"{self.total:,} bytes: {window}; {quic} QUIC's {QUIC_LIMIT:,}-byte limit before address validation")


def handshake_cost(root: x509.Certificate, intermediate: x509.Certificate, leaf: x509.Certificate) -> HandshakeCost:
    """The bytes of the server's Certificate and CertificateVerify for this chain (TLS 1.3, RFC 8446).

    Certificate (4.4.2): a 4-byte handshake header, a 1-byte empty request context, a 3-byte list length, and per
    certificate a 3-byte length, the DER and a 2-byte (empty) extensions block; the server sends the leaf and the
    intermediate, not the root the client already has. CertificateVerify (4.4.3): a 4-byte header, the 2-byte
    signature scheme, a 2-byte length and the leaf key's signature. ``with_root`` is the Certificate message if
    the server also sent the root. Record-layer and TCP/IP headers, and the rest of the server's flight
    (ServerHello, EncryptedExtensions, Finished), come on top.
    """
    _check_certificates((root, intermediate, leaf))

    def certificate_message(certs) -> int:
        return 4 + 1 + 3 + sum(3 + len(to_der(c)) + 2 for c in certs)

    verify = 4 + 2 + 2 + signature_size(leaf)
    return HandshakeCost(certificate_message((leaf, intermediate)), verify,
                         certificate_message((leaf, intermediate, root)))


@dataclasses.dataclass(frozen=True)
class DeviceView:
    """What a chain means for a constrained device: flash to store it, RAM to receive it, radio messages."""

    stored: int
    received: int
    frames_802154: int
    lorawan: tuple[tuple[str, int], ...]

    def __repr__(self) -> str:
        lines = [f"stores root + intermediate + leaf: {self.stored:,} bytes "
                 f"({self.stored / CLASS1_FLASH:.0%} of a Class 1 device's ~100 KiB flash, RFC 7228)",
                 f"receives leaf + intermediate: {self.received:,} bytes "
                 f"({self.received / CLASS1_RAM:.0%} of its ~10 KiB RAM"
                 f"{': it does not fit' if self.received > CLASS1_RAM else ''})",
                 f"IEEE 802.15.4: at least {self.frames_802154} frames of 127 bytes"]
        lines += [f"LoRaWAN EU868 {dr}: {n} messages" for dr, n in self.lorawan]
        return "\n".join(lines)


def device_view(root: x509.Certificate, intermediate: x509.Certificate, leaf: x509.Certificate) -> DeviceView:
    """Flash, RAM and radio messages for a device that stores this chain and receives a server's leaf + intermediate.

    802.15.4 frames are a lower bound (each 127-byte frame also carries its own headers); LoRaWAN messages are
    at the EU863-870 application payload sizes by data rate, with no FOpts.
    """
    _check_certificates((root, intermediate, leaf))
    sizes = [len(to_der(c)) for c in (root, intermediate, leaf)]
    received = sizes[1] + sizes[2]
    return DeviceView(sum(sizes), received, math.ceil(received / IEEE_802_15_4_FRAME),
                      tuple((dr, math.ceil(received / n)) for dr, n in LORAWAN_PAYLOADS.items()))


@dataclasses.dataclass(frozen=True)
class CtCost:
    """A CT log's view (chapter 08): bytes stored per entry, and an SCT's size with the log's signature."""

    entry: int
    sct_ecdsa: int
    sct_ml_dsa_44: int

    def per_billion_tb(self) -> float:
        return self.entry * 1e9 / 1e12

    def __repr__(self) -> str:
        return (f"log entry (the leaf): {self.entry:,} bytes, {self.per_billion_tb():.1f} TB per billion "
                f"entries; one SCT: {self.sct_ecdsa} bytes signed with ECDSA P-256, {self.sct_ml_dsa_44:,} "
                "with ML-DSA-44")


def ct_cost(leaf: x509.Certificate) -> CtCost:
    """What logging ``leaf`` costs a CT log, and what an SCT would weigh if logs signed with ML-DSA-44.

    An RFC 6962 SCT (section 3.2) is 1 byte of version, a 32-byte log ID, an 8-byte timestamp, a 2-byte
    extensions length, then a digitally-signed struct: 2 bytes of algorithms, a 2-byte length and the signature.
    The log's issuer certificates are stored once and shared by many entries, so an entry is about its leaf.
    """
    if not isinstance(leaf, x509.Certificate):
        raise WrongTypeError(f"`leaf` must be an x509.Certificate, not {type(leaf).__name__}.")
    fixed = 1 + 32 + 8 + 2 + 2 + 2
    return CtCost(len(to_der(leaf)), fixed + 72, fixed + _SIGNATURE_BYTES["ML-DSA-44"])


# --- Speed, live ---------------------------------------------------------------------------------------------------

_SPEED_KEYS = ("ECDSA P-256", "RSA-2048", "Ed25519", "ML-DSA-44", "ML-DSA-65", "ML-DSA-87")


@dataclasses.dataclass(frozen=True)
class SpeedRow:
    """One algorithm's median signing and verification time (microseconds) and its ratio to ECDSA P-256."""

    algorithm: str
    sign_us: float
    verify_us: float
    sign_ratio: float
    verify_ratio: float


def _median_us(action, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return sorted(times)[len(times) // 2] * 1e6


def speed_ratios(algorithms: Sequence[str] = _SPEED_KEYS, *, repeat: int = 25) -> list[SpeedRow]:
    """Time signing and verifying 32 bytes with each algorithm's named key, here and now (figures vary by run).

    Ratios are to ECDSA P-256 (the first row is 1.0): a widget shows them; the benchmark prints the absolute times.
    """
    if isinstance(repeat, bool) or not isinstance(repeat, int) or not 1 <= repeat <= 1000:
        raise ParameterError(f"`repeat` must be a whole number from 1 to 1000, not {repeat!r:.40}.")
    if isinstance(algorithms, str) or not isinstance(algorithms, Sequence):
        raise WrongTypeError(f"`algorithms` must be a list of names such as ['ML-DSA-44'], not "
                             f"{type(algorithms).__name__}.")
    labels = ["ECDSA P-256", *(a for a in (_algorithm(x) for x in algorithms) if a != "ECDSA P-256")]
    data = b"pki-lab speed test: 32 bytes..."
    measured = []
    for label in labels:
        # RSA keys are shipped files, one per role name: the server's; the other kinds derive from any name.
        key = named_key("server" if label.startswith("RSA") else "speed", KEY_KINDS[label])
        signature = sign_bytes(key, data)
        measured.append((label, _median_us(lambda k=key: sign_bytes(k, data), repeat),
                         _median_us(lambda k=key, s=signature: verify_bytes(k, s, data), repeat)))
    base_sign, base_verify = measured[0][1], measured[0][2]
    return [SpeedRow(label, s, v, s / base_sign, v / base_verify) for label, s, v in measured]


# --- The figure ----------------------------------------------------------------------------------------------------

_SERIES = (("public_key", "public key", "#0969da"), ("signature", "signature", "#bf8700"),
           ("certificate", "leaf certificate", "#8250df"), ("sent", "what the server sends", "#cf222e"))


def plot_sizes(table: SizeTable | None = None, *, ax: Any = None) -> Any:
    """Grouped horizontal bars, on a log scale, of each algorithm's sizes, with TCP's initial window marked."""
    import matplotlib.pyplot as plt

    table = table or size_table(published=False)
    rows = [r for r in table.rows if r.measured]
    if ax is None:
        _, ax = plt.subplots(figsize=(MAX_WIDTH_IN, 0.62 * len(rows) + 1.6))
    height = 0.8 / len(_SERIES)
    for i, (field, label, colour) in enumerate(_SERIES):
        positions = [n + (i - (len(_SERIES) - 1) / 2) * height for n in range(len(rows))]
        ax.barh(positions, [getattr(r, field) for r in rows], height=height, color=colour, label=label)
    ax.set_yticks(range(len(rows)), [r.algorithm for r in rows], fontsize=9)
    ax.invert_yaxis()
    ax.set_xscale("log")
    ax.set_xlim(20, 60_000)
    ax.axvline(INITIAL_WINDOW, color="#1f2328", linestyle="--", linewidth=1)
    ax.text(INITIAL_WINDOW * 1.1, -0.45, "TCP's initial\nwindow:\n14,600 bytes", ha="left", va="top",
            fontsize=8, color="#1f2328")
    sent_offset = (len(_SERIES) - 1) / 2 * height  # the last series' bars, one per row
    for n, row in enumerate(rows):
        ax.text(row.sent * 1.1, n + sent_offset, f"{row.sent:,}", va="center", fontsize=8, color="#cf222e",
                bbox={"facecolor": "white", "edgecolor": "none", "pad": 0.5})
    ax.set_xlabel("bytes (log scale)")
    ax.set_title("Sizes measured from the lab CA's certificates", fontsize=11)
    legend_below(ax, ncol=4, fontsize=8)
    return ax
