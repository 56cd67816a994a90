"""ML-DSA beside RSA, ECDSA and Ed25519: key generation, signing, verification and sizes (chapter 13).

    python benchmarks/signatures_pq.py [rounds]

For each algorithm: the median time to make a key (ML-DSA, ECDSA and Ed25519 from a seed or scalar, as the lab's
named keys are made; RSA generated from fresh randomness, since RSA keys cannot be seeded), to sign 1 KiB and
to verify that signature; then the sizes that matter on the wire: the public key (raw and as a
subjectPublicKeyInfo), the signature, a TLS server certificate the lab CA issues (a CA of the same algorithm
signing a leaf of the same algorithm) and the chain a server sends (leaf and intermediate). ML-DSA signatures
are hedged (random each time), so their bytes differ from run to run but never their size. ML-KEM-768 beside
X25519 closes the table (key generation, encapsulation or key agreement, decapsulation). Figures, not tests:
nothing fails on a slow machine.
"""

from __future__ import annotations

import hashlib
import statistics
import sys
import time

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, mldsa, mlkem, rsa, x25519

from pki_lab import clock
from pki_lab.ca import CertificateAuthority
from pki_lab.keys import named_key, sign_bytes, verify_bytes
from pki_lab.loading import to_der

#: label, the lab's key kind, and how to make a fresh key of that kind (from a seed where the algorithm allows).
ALGORITHMS = (
    ("RSA-2048", "rsa", lambda i: rsa.generate_private_key(65537, 2048)),
    ("RSA-3072", "rsa3072", lambda i: rsa.generate_private_key(65537, 3072)),
    ("ECDSA P-256", "ec", lambda i: ec.derive_private_key(i + 1, ec.SECP256R1())),
    ("ECDSA P-384", "p384", lambda i: ec.derive_private_key(i + 1, ec.SECP384R1())),
    ("Ed25519", "ed25519", lambda i: ed25519.Ed25519PrivateKey.from_private_bytes(_seed(i, 32))),
    ("ML-DSA-44", "ml-dsa-44", lambda i: mldsa.MLDSA44PrivateKey.from_seed_bytes(_seed(i, 32))),
    ("ML-DSA-65", "ml-dsa-65", lambda i: mldsa.MLDSA65PrivateKey.from_seed_bytes(_seed(i, 32))),
    ("ML-DSA-87", "ml-dsa-87", lambda i: mldsa.MLDSA87PrivateKey.from_seed_bytes(_seed(i, 32))),
)
MESSAGE = bytes(range(256)) * 4  # 1 KiB


def _seed(i: int, size: int) -> bytes:
    return hashlib.shake_256(f"bench/{i}".encode()).digest(size)


def _median_us(func, rounds: int) -> float:
    times = []
    for i in range(rounds):
        start = time.perf_counter()
        func(i)
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1e6


def _raw_public(key) -> int:
    public = key.public_key()
    if isinstance(public, rsa.RSAPublicKey):
        return public.key_size // 8  # the modulus
    if isinstance(public, ec.EllipticCurvePublicKey):
        return len(public.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint))
    return len(public.public_bytes_raw())


def _sizes(kind: str) -> tuple[int, int, int, int, int]:
    """Raw public key, SPKI, signature, leaf certificate and chain (leaf + intermediate) sizes in bytes."""
    key = named_key("server", kind) if kind.startswith("rsa") else named_key("bench", kind)
    spki = len(to_der(key.public_key()))
    with clock.travel_to(clock.LAB_EPOCH):
        root = CertificateAuthority.create_root(f"Bench {kind} Root CA", key_kind=kind)
        issuing = root.create_intermediate(f"Bench {kind} Issuing CA", key_kind=kind)
        leaf = issuing.issue("www.example.com", profile="server", key=key)
    leaf_size, ca_size = len(to_der(leaf)), len(to_der(issuing.certificate))
    return _raw_public(key), spki, len(leaf.signature), leaf_size, leaf_size + ca_size


def _signatures(rounds: int) -> None:
    print(f"{'algorithm':<12} {'keygen us':>10} {'sign us':>9} {'verify us':>10} {'pub key':>8} {'SPKI':>6} "
          f"{'sig':>6} {'leaf cert':>10} {'chain':>7}")
    for label, kind, make in ALGORITHMS:
        key = named_key("server", kind) if kind.startswith("rsa") else named_key("bench", kind)
        signature = sign_bytes(key, MESSAGE)
        keygen_rounds = max(3, rounds // 20) if kind.startswith("rsa") else rounds
        keygen = _median_us(make, keygen_rounds)
        sign = _median_us(lambda i, k=key: sign_bytes(k, MESSAGE), rounds)
        verify = _median_us(lambda i, k=key, s=signature: verify_bytes(k, s, MESSAGE), rounds)
        raw, spki, sig, leaf, chain = _sizes(kind)
        print(f"{label:<12} {keygen:>10.1f} {sign:>9.1f} {verify:>10.1f} {raw:>8,} {spki:>6,} {sig:>6,} "
              f"{leaf:>10,} {chain:>7,}")
    print(f"(median of {rounds} rounds; RSA key generation {max(3, rounds // 20)} rounds, from fresh randomness; "
          "message 1 KiB; sizes in bytes; chain = leaf + intermediate, as a TLS server sends it)")


def _kem(rounds: int) -> None:
    print()
    print(f"{'KEM':<12} {'keygen us':>10} {'encaps us':>10} {'decaps us':>10} {'pub key':>8} {'ciphertext':>11} "
          f"{'secret':>7}")
    kem = mlkem.MLKEM768PrivateKey.from_seed_bytes(_seed(0, 64))
    shared, ciphertext = kem.public_key().encapsulate()
    keygen = _median_us(lambda i: mlkem.MLKEM768PrivateKey.from_seed_bytes(_seed(i, 64)), rounds)
    encaps = _median_us(lambda i: kem.public_key().encapsulate(), rounds)
    decaps = _median_us(lambda i: kem.decapsulate(ciphertext), rounds)
    print(f"{'ML-KEM-768':<12} {keygen:>10.1f} {encaps:>10.1f} {decaps:>10.1f} "
          f"{len(kem.public_key().public_bytes_raw()):>8,} {len(ciphertext):>11,} {len(shared):>7}")
    mine = x25519.X25519PrivateKey.from_private_bytes(_seed(1, 32))
    peer = x25519.X25519PrivateKey.from_private_bytes(_seed(2, 32)).public_key()
    keygen = _median_us(lambda i: x25519.X25519PrivateKey.from_private_bytes(_seed(i, 32)), rounds)
    exchange = _median_us(lambda i: mine.exchange(peer), rounds)
    print(f"{'X25519':<12} {keygen:>10.1f} {exchange:>10.1f} {'(same)':>10} "
          f"{len(mine.public_key().public_bytes_raw()):>8,} {32:>11,} {32:>7}")
    print("(ML-KEM: encapsulate to the public key, decapsulate with the private one; X25519: one exchange each side, "
          "its 'ciphertext' is the other side's 32-byte public key)")


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    _signatures(rounds)
    _kem(rounds)


if __name__ == "__main__":
    main()
