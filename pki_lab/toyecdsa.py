"""ECDSA over P-256 in plain Python integers, with a nonce *you* choose: INSECURE, for learning only.

Real ECDSA (FIPS 186-5, SEC 1 section 4.1.3) draws a fresh secret nonce ``k`` for every
signature, or derives it from the key and the message (RFC 6979, what ``cryptography``
does with ``deterministic_signing=True``). ``cryptography`` rightly offers no way to
pass ``k`` yourself, so to show what happens when ``k`` is reused, the lab signs with
this small integer implementation instead. The signatures it makes are ordinary
ECDSA signatures: ``cryptography`` verifies them (see the unit tests), and with the
``k`` of RFC 6979 appendix A.2.5 it reproduces that RFC's test vectors exactly.

Insecure because the caller picks ``k``, and because the arithmetic is not
constant-time (its timing leaks the secret). Never sign anything real with it.

Note what is *not* here: no encryption. ECDSA computes a point ``k*G`` and two
numbers ``(r, s)``; nothing is encrypted or decrypted at any step.
"""

from __future__ import annotations

import dataclasses
import hashlib

from .errors import ParameterError, WrongTypeError

__all__ = ["P", "N", "G", "Point", "point_add", "scalar_mult", "public_point", "hash_to_int",
           "ToySignature", "sign_with_nonce", "verify"]

# P-256 domain parameters (FIPS 186-5 / SP 800-186 section 3.2.1.3): y^2 = x^3 - 3x + b over GF(P).
P = 0xFFFFFFFF00000001000000000000000000000000FFFFFFFFFFFFFFFFFFFFFFFF
B = 0x5AC635D8AA3A93E7B3EBBD55769886BC651D06B0CC53B0F63BCE3C3E27D2604B
N = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551  # the order of G
G = (0x6B17D1F2E12C4247F8BCE6E563A440F277037D812DEB33A0F4A13945D898C296,
     0x4FE342E2FE1A7F9B8EE7EB4A7C0F9E162BCE33576B315ECECBB6406837BF51F5)

Point = tuple[int, int] | None  # None is the point at infinity


def point_add(p1: Point, p2: Point) -> Point:
    """Add two points of P-256 (affine coordinates, textbook formulas)."""
    if p1 is None:
        return p2
    if p2 is None:
        return p1
    (x1, y1), (x2, y2) = p1, p2
    if x1 == x2 and (y1 + y2) % P == 0:
        return None
    if p1 == p2:
        slope = (3 * x1 * x1 - 3) * pow(2 * y1, -1, P) % P
    else:
        slope = (y2 - y1) * pow(x2 - x1, -1, P) % P
    x3 = (slope * slope - x1 - x2) % P
    return x3, (slope * (x1 - x3) - y1) % P


def scalar_mult(k: int, point: Point = G) -> Point:
    """``k * point`` by double-and-add (not constant-time: fine for a toy, never for a real key)."""
    result, addend = None, point
    while k:
        if k & 1:
            result = point_add(result, addend)
        addend = point_add(addend, addend)
        k >>= 1
    return result


def _scalar(value: object, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise WrongTypeError(f"{what} must be a whole number (int), not {type(value).__name__}.")
    if not 1 <= value < N:
        raise ParameterError(f"{what} must be between 1 and n-1 (the order of P-256's base point).")
    return value


def public_point(private_value: int) -> tuple[int, int]:
    """The public key ``Q = d*G``: derived from the private value, never the other way round."""
    return scalar_mult(_scalar(private_value, "the private value"))


def hash_to_int(message: bytes) -> int:
    """SHA-256 of the message as an integer (its 256 bits are exactly the bit length of n)."""
    if not isinstance(message, (bytes, bytearray)):
        raise WrongTypeError(f"The message must be bytes, not {type(message).__name__}.")
    return int.from_bytes(hashlib.sha256(bytes(message)).digest(), "big")


@dataclasses.dataclass(frozen=True)
class ToySignature:
    """An ECDSA signature ``(r, s)`` and the hash it signs. Made with a chosen nonce: INSECURE."""

    r: int
    s: int
    h: int

    def __repr__(self) -> str:
        return f"ToySignature(r={self.r:064x}, s={self.s:064x}; made with a chosen nonce k: INSECURE)"


def sign_with_nonce(private_value: int, message: bytes, k: int) -> ToySignature:
    """ECDSA signing (SEC 1 4.1.3) with the nonce ``k`` given: ``r = (k*G).x mod n``, ``s = (h + r*d)/k mod n``.

    INSECURE: the caller chooses k (reusing it reveals the key), and the arithmetic is not constant-time.
    """
    d, k = _scalar(private_value, "the private value"), _scalar(k, "the nonce k")
    h = hash_to_int(message)
    r = scalar_mult(k)[0] % N
    s = pow(k, -1, N) * (h + r * d) % N
    if r == 0 or s == 0:  # pragma: no cover - probability about 2**-256
        raise ParameterError("This nonce gives r or s = 0; pick another k.")
    return ToySignature(r, s, h)


def verify(public: tuple[int, int], message: bytes, r: int, s: int) -> bool:
    """ECDSA verification (SEC 1 4.1.4): is ``((h/s)*G + (r/s)*Q).x mod n == r``?"""
    if not (1 <= r < N and 1 <= s < N):
        return False
    w = pow(s, -1, N)
    h = hash_to_int(message)
    point = point_add(scalar_mult(h * w % N), scalar_mult(r * w % N, public))
    return point is not None and point[0] % N == r
