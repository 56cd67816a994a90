"""Helpers for demonstrations: a tampered CSR, a weak RSA key from a seeded generator, a sequence drawing."""

from __future__ import annotations

import random
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import rsa

from ..errors import ParameterError, WrongTypeError
from ..loading import to_der
from ..plots import sequence_diagram
from .roles import EventLog

__all__ = ["alter_csr_subject", "seeded_rsa_key", "plot_sequence"]


def alter_csr_subject(csr: x509.CertificateSigningRequest, old: str, new: str) -> x509.CertificateSigningRequest:
    """A copy of ``csr`` with ``old`` replaced by ``new`` in its bytes *after* signing (a tampered request).

    ``new`` must have the same length as ``old`` so the DER lengths stay right; the
    signature no longer matches, which is what proof of possession catches.
    """
    if not isinstance(old, str) or not isinstance(new, str) or len(old) != len(new) or not old:
        raise ParameterError("`old` and `new` must be non-empty strings of the same length (DER lengths must not "
                             f"change), not {old!r} and {new!r}.")
    der = to_der(csr)
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
    """Draw the log as a sequence diagram: a lifeline per participant, an arrow per event (rejections in red)."""
    if not isinstance(log, EventLog):
        raise WrongTypeError(f"`log` must be an EventLog, not {type(log).__name__}.")
    messages = [(e.sender, e.receiver, e.action, not ("rejection" in e.action or "fails" in e.action))
                for e in log.events]
    return sequence_diagram(list(log.participants), messages, title=title, ax=ax)
