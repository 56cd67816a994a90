"""Hash functions: SHA-256, the avalanche effect, and why SHA-1 was retired.

A cryptographic hash maps any input to a short, fixed-size digest (SHA-256: 256
bits, FIPS 180-4) so that nobody can find two inputs with the same digest
(*collision resistance*) or an input for a given digest (*preimage resistance*).
Signatures sign the digest, so a signature is only as strong as its hash: that is
why SHA-1, whose collisions are now practical, is no longer used for certificates.

    >>> sha256_hex("abc")[:16]
    'ba7816bf8f01cfea'
    >>> avalanche(b"abc", bit=0).changed_bits > 64
    True
"""

from __future__ import annotations

import dataclasses
import hashlib
import random
import textwrap

from .errors import ParameterError, WrongTypeError

__all__ = [
    "as_bytes",
    "digest",
    "sha256_hex",
    "flip_bit",
    "bit_difference",
    "Avalanche",
    "avalanche",
    "avalanche_profile",
    "HashEvent",
    "SHA1_TIMELINE",
    "sha1_timeline",
]

_ALGORITHMS = ("sha256", "sha384", "sha512", "sha1", "md5", "sha3_256")
_NAMES = {"sha256": "SHA-256", "sha384": "SHA-384", "sha512": "SHA-512", "sha1": "SHA-1", "md5": "MD5",
          "sha3_256": "SHA3-256"}


def as_bytes(data: bytes | bytearray | str, what: str = "data") -> bytes:
    """Bytes as they are; text encoded as UTF-8 (the one forgiving form the lab accepts)."""
    if isinstance(data, (bytes, bytearray)):
        return bytes(data)
    if isinstance(data, str):
        return data.encode("utf-8")
    raise WrongTypeError(f"{what} must be bytes or a string, not {type(data).__name__}.")


def digest(data: bytes | str, algorithm: str = "sha256") -> bytes:
    """The digest of ``data`` with ``algorithm`` (sha256, sha384, sha512, sha1, md5 or sha3_256)."""
    if algorithm not in _ALGORITHMS:
        raise ParameterError(f"Unknown hash {algorithm!r}; choose one of {', '.join(_ALGORITHMS)}.")
    return hashlib.new(algorithm, as_bytes(data)).digest()


def sha256_hex(data: bytes | str) -> str:
    """SHA-256 of ``data`` as 64 lowercase hex digits (FIPS 180-4)."""
    return digest(data).hex()


def flip_bit(data: bytes | str, bit: int) -> bytes:
    """``data`` with one bit inverted. Bit 0 is the most significant bit of the first byte.

    Raises:
        ParameterError: if ``bit`` is outside the data (there are ``8 * len(data)`` bits).
    """
    raw = bytearray(as_bytes(data))
    if isinstance(bit, bool) or not isinstance(bit, int):
        raise WrongTypeError(f"bit must be a whole number, not {type(bit).__name__}.")
    if not raw:
        raise ParameterError("The data is empty, so it has no bit to flip; give at least one byte.")
    if not 0 <= bit < 8 * len(raw):
        raise ParameterError(
            f"Bit {bit} is outside the data: {len(raw)} bytes have bits 0 to {8 * len(raw) - 1}."
        )
    raw[bit // 8] ^= 0x80 >> (bit % 8)
    return bytes(raw)


def bit_difference(a: bytes, b: bytes) -> int:
    """How many bit positions differ between two byte strings of the same length."""
    for name, value in (("a", a), ("b", b)):
        if not isinstance(value, (bytes, bytearray)):
            raise WrongTypeError(f"{name} must be bytes (a digest, for instance), not {type(value).__name__}.")
    if len(a) != len(b):
        raise ParameterError(f"Compare strings of the same length, not {len(a)} and {len(b)} bytes.")
    return sum(bin(x ^ y).count("1") for x, y in zip(a, b, strict=True))


@dataclasses.dataclass(frozen=True)
class Avalanche:
    """One bit flipped in the input, and how many output bits changed."""

    algorithm: str
    bit: int
    before: bytes
    after: bytes

    @property
    def changed_bits(self) -> int:
        return bit_difference(self.before, self.after)

    @property
    def total_bits(self) -> int:
        return 8 * len(self.before)

    def sentence(self) -> str:
        return (f"Flipping input bit {self.bit} changed {self.changed_bits} of the {self.total_bits} output bits "
                f"of {_NAMES[self.algorithm]} ({100 * self.changed_bits / self.total_bits:.0f}%; a good hash "
                "changes about half).")

    def marks(self, width: int = 64) -> str:
        """The output bits, one character each: '^' where the bit changed, '.' where it did not; ``width`` a line."""
        line = "".join(
            "^" if (x ^ y) & (0x80 >> i) else "."
            for x, y in zip(self.before, self.after, strict=True) for i in range(8)
        )
        return "\n".join(line[i:i + width] for i in range(0, len(line), width))

    def __repr__(self) -> str:
        return f"before: {self.before.hex()}\nafter:  {self.after.hex()}\n{self.sentence()}"


def avalanche(data: bytes | str, bit: int = 0, algorithm: str = "sha256") -> Avalanche:
    """Hash ``data`` and ``data`` with bit ``bit`` flipped; compare the two digests bit by bit."""
    return Avalanche(algorithm, bit, digest(data, algorithm), digest(flip_bit(data, bit), algorithm))


#: The most single-bit flips one profile makes (a second or two of hashing).
MAX_FLIPS = 100_000


def avalanche_profile(data: bytes | str, flips: int = 256, seed: int = 0, algorithm: str = "sha256"
                      ) -> list[int]:
    """Changed output bits for ``flips`` single-bit flips of *different* bits (chosen with ``Random(seed)``).

    Each flip starts again from ``data`` and flips one bit that no other flip of the profile touches, so
    ``flips`` is at most the number of bits in ``data``. For SHA-256 the counts cluster around 128 of 256,
    like coin tosses.

    Raises:
        ParameterError: ``data`` is empty, or ``flips`` is not from 1 to the number of bits (and 100,000).
    """
    raw = as_bytes(data)
    if not raw:
        raise ParameterError("The data is empty, so there is no bit to flip; give at least one byte.")
    if isinstance(flips, bool) or not isinstance(flips, int) or not 1 <= flips <= MAX_FLIPS:
        raise ParameterError(f"flips must be a whole number from 1 to {MAX_FLIPS:,}, not {flips!r}.")
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise WrongTypeError(f"seed must be a whole number (int), not {type(seed).__name__}.")
    if flips > 8 * len(raw):
        raise ParameterError(f"{len(raw)} bytes have only {8 * len(raw)} bits, so {flips} flips cannot all flip "
                             f"different bits; ask for at most {8 * len(raw)} flips or give a longer text.")
    bits = random.Random(seed).sample(range(8 * len(raw)), flips)
    return [avalanche(raw, bit, algorithm).changed_bits for bit in bits]


@dataclasses.dataclass(frozen=True)
class HashEvent:
    """A dated event in SHA-1's retirement, with its primary source."""

    date: str  # ISO 8601, as precise as the source: YYYY, YYYY-MM or YYYY-MM-DD
    event: str
    source: str


#: SHA-1's path from standard to retirement. Each date checked against the source named.
SHA1_TIMELINE: tuple[HashEvent, ...] = (
    HashEvent("1995", "SHA-1 published as FIPS 180-1.", "NIST, FIPS 180-1"),
    HashEvent("2005", "Wang, Yin and Yu announce a collision attack far faster than brute force (theoretical).",
              "NIST CSRC news, 2022-12-15, 'NIST Transitioning Away from SHA-1 for All Applications'"),
    HashEvent("2011", "NIST SP 800-131A deprecates SHA-1 for generating digital signatures.",
              "NIST SP 800-131A (2011); NIST CSRC news, 2022-12-15"),
    HashEvent("2016-01-01", "Publicly trusted CAs may no longer issue SHA-1 TLS certificates.",
              "CA/Browser Forum Baseline Requirements, section 7.1.3"),
    HashEvent("2017-02-23", "SHAttered: first public SHA-1 collision, an identical-prefix one: two different PDFs "
              "with one digest (2^63.1 SHA-1 computations).",
              "Stevens, Bursztein, Karpman, Albertini, Markov, 'The first collision for full SHA-1', "
              "CRYPTO 2017; https://shattered.io"),
    HashEvent("2020-01", "'SHA-1 is a Shambles': first practical chosen-prefix collision, used to forge a PGP "
              "key certification (cost estimated at about US$ 45k of rented GPUs).",
              "Leurent and Peyrin, USENIX Security 2020; https://sha-mbles.github.io"),
    HashEvent("2022-12-15", "NIST announces SHA-1's retirement for all applications by 2030-12-31.",
              "NIST news, 'NIST Retires SHA-1 Cryptographic Algorithm', 2022-12-15"),
)


def sha1_timeline(width: int = 100) -> str:
    """The retirement timeline as text, one event per entry, wrapped at ``width`` characters under its date."""
    if isinstance(width, bool) or not isinstance(width, int) or width < 40:
        raise ParameterError(f"width must be a whole number of at least 40 characters, not {width!r}.")
    return "\n".join(textwrap.fill(e.event, width, initial_indent=f"{e.date:<11} ", subsequent_indent=" " * 12)
                     for e in SHA1_TIMELINE)
