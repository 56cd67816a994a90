"""Textbook RSA of our own, with small numbers: INSECURE, for learning only.

Everything here is the bare RSA *primitive* of RFC 8017 section 5 (RSAEP, RSADP,
RSASP1, RSAVP1) on Python integers, with keys small enough to compute by hand.
It is **insecure on purpose**, for two reasons:

* **no padding**: real RSA never exponentiates a message directly. Encryption
  uses RSAES-OAEP (RFC 8017 section 7.1), signatures use RSASSA-PSS or
  RSASSA-PKCS1-v1_5 (section 8), which *encode* the message first. Without
  that encoding, RSA is deterministic (the same message always gives the same
  ciphertext) and malleable (see :func:`malleability_demo`);
* **tiny keys**: a modulus of a few dozen bits is factored in milliseconds
  (:mod:`pki_lab.factoring`); real keys have 2048 bits or more.

Randomness only comes from a local ``random.Random(seed)``, so the same seed
gives the same key on every machine.

    >>> key = key_from_primes(61, 53, e=17)
    >>> key.n, key.d
    (3233, 2753)
    >>> decrypt(key, encrypt(key.public, 65))
    65
"""

from __future__ import annotations

import dataclasses
import math
import random

from .errors import ParameterError, WrongTypeError

__all__ = [
    "egcd",
    "modinv",
    "is_probable_prime",
    "random_prime",
    "ToyPublicKey",
    "ToyRSAKey",
    "key_from_primes",
    "generate",
    "encrypt",
    "decrypt",
    "sign",
    "verify",
    "keygen_walkthrough",
    "Walkthrough",
    "MalleabilityDemo",
    "malleability_demo",
    "paper_blocks",
]

_WARNING = "INSECURE textbook RSA: no padding, tiny key; for learning only"
_SMALL_PRIMES = (2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41)
_DEFAULT_EXPONENTS = (65537, 257, 17, 5, 3)


def _fit(numbers: str, warning: str, width: int = 100) -> str:
    """A key's repr on one line when it fits in ``width`` columns, else with the warning on a second line."""
    one_line = f"{numbers} {warning}"
    return one_line if len(one_line) <= width else f"{numbers}\n    {warning}"


def _int(value: object, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise WrongTypeError(f"{what} must be a whole number (int), not {type(value).__name__}.")
    return value


def egcd(a: int, b: int) -> tuple[int, int, int]:
    """The extended Euclidean algorithm: ``(g, x, y)`` with ``a*x + b*y == g == gcd(a, b)``.

    The Bezout coefficient ``x`` is what turns ``e`` into ``d``: if ``gcd(e, phi) == 1``
    then ``e*x + phi*y == 1``, so ``e*x`` is 1 modulo ``phi``.
    """
    a, b = _int(a, "a"), _int(b, "b")
    old_r, r = a, b
    old_x, x = 1, 0
    old_y, y = 0, 1
    while r:
        q = old_r // r
        old_r, r = r, old_r - q * r
        old_x, x = x, old_x - q * x
        old_y, y = y, old_y - q * y
    if old_r < 0:
        old_r, old_x, old_y = -old_r, -old_x, -old_y
    return old_r, old_x, old_y


def modinv(a: int, m: int) -> int:
    """The inverse of ``a`` modulo ``m``: the ``x`` in ``[0, m)`` with ``a*x % m == 1``.

    Raises:
        ParameterError: if ``m < 2`` or ``a`` and ``m`` share a factor (no inverse exists).
    """
    a, m = _int(a, "a"), _int(m, "m")
    if m < 2:
        raise ParameterError(f"The modulus must be at least 2, not {m}.")
    g, x, _ = egcd(a % m, m)
    if g != 1:
        raise ParameterError(
            f"{a} has no inverse modulo {m}: they share the factor {g}. Pick a value coprime to {m}."
        )
    return x % m


def is_probable_prime(n: int, rounds: int = 8, seed: int = 0) -> bool:
    """Miller-Rabin primality test (FIPS 186-5 appendix B.3 describes the same test).

    The first 13 primes as bases make the answer exact below 3.3e24; ``rounds``
    extra bases drawn from ``random.Random(seed)`` make a wrong "prime" for larger
    numbers less likely than 4**-rounds.
    """
    n = _int(n, "n")
    if n < 2:
        return False
    for p in _SMALL_PRIMES:
        if n % p == 0:
            return n == p
    d, s = n - 1, 0
    while d % 2 == 0:
        d, s = d // 2, s + 1
    rng = random.Random(seed)
    bases = list(_SMALL_PRIMES) + [rng.randrange(2, n - 1) for _ in range(rounds if n > 3 * 10**24 else 0)]
    for a in bases:
        x = pow(a, d, n)
        if x in (1, n - 1):
            continue
        for _ in range(s - 1):
            x = x * x % n
            if x == n - 1:
                break
        else:
            return False  # a is a witness: n is certainly composite
    return True


#: The largest toy key (and prime pair) the lab generates: bigger ones take minutes in pure Python.
MAX_TOY_BITS = 2048


def random_prime(bits: int, rng: random.Random) -> int:
    """A random prime of exactly ``bits`` bits (top two bits set, so p*q has 2*bits bits)."""
    bits = _int(bits, "bits")
    if bits < 3:
        raise ParameterError(f"A prime needs at least 3 bits here, not {bits}.")
    if bits > MAX_TOY_BITS // 2:
        raise ParameterError(f"A toy prime of {bits} bits would take too long in pure Python; the lab stops at "
                             f"{MAX_TOY_BITS // 2}-bit primes ({MAX_TOY_BITS}-bit keys). Real keys come from the "
                             "cryptography library.")
    while True:
        candidate = rng.getrandbits(bits) | (1 << (bits - 1)) | (1 << (bits - 2)) | 1
        if is_probable_prime(candidate):
            return candidate


@dataclasses.dataclass(frozen=True)
class ToyPublicKey:
    """A textbook RSA public key ``(n, e)``. INSECURE: no padding, tiny modulus."""

    n: int
    e: int

    @property
    def bits(self) -> int:
        return self.n.bit_length()

    def __repr__(self) -> str:
        return _fit(f"ToyPublicKey(n={self.n}, e={self.e};", f"{self.bits}-bit modulus; {_WARNING})")


@dataclasses.dataclass(frozen=True)
class ToyRSAKey:
    """A textbook RSA private key. INSECURE: no padding, tiny primes, secret values in plain sight.

    ``p`` and ``q`` are the secret primes, ``n = p*q`` the public modulus, ``e`` the public
    exponent and ``d`` the private exponent (``e*d = 1`` modulo ``phi(n)`` or ``lambda(n)``).
    """

    p: int
    q: int
    e: int
    d: int

    @property
    def n(self) -> int:
        return self.p * self.q

    @property
    def phi(self) -> int:
        """Euler's totient ``(p-1)(q-1)``, as in the original RSA paper."""
        return (self.p - 1) * (self.q - 1)

    @property
    def lam(self) -> int:
        """Carmichael's ``lcm(p-1, q-1)``, which RFC 8017 section 3.2 uses."""
        return math.lcm(self.p - 1, self.q - 1)

    @property
    def bits(self) -> int:
        return self.n.bit_length()

    @property
    def public(self) -> ToyPublicKey:
        """The public key ``(n, e)``: all of it can be published; the primes stay secret."""
        return ToyPublicKey(self.n, self.e)

    def __repr__(self) -> str:
        return _fit(f"ToyRSAKey(p={self.p}, q={self.q}, n={self.n}, e={self.e}, d={self.d};",
                    f"{self.bits}-bit modulus; {_WARNING})")


def _pick_e(phi: int) -> int:
    for e in _DEFAULT_EXPONENTS:
        if e < phi and math.gcd(e, phi) == 1:
            return e
    for e in range(3, phi, 2):  # pragma: no cover - only for primes so small no default fits
        if math.gcd(e, phi) == 1:
            return e
    raise ParameterError("These primes are too small to make an RSA key; pick primes of at least 3.")


def key_from_primes(p: int, q: int, e: int | None = None, *, modulus: str = "phi") -> ToyRSAKey:
    """Build a textbook key from two primes, the way the RSA paper does it. INSECURE: tiny primes, no padding.

    Args:
        p, q: two different primes (the secret).
        e: the public exponent; by default the first of 65537, 257, 17, 5, 3 that works.
        modulus: ``"phi"`` computes ``d`` modulo ``(p-1)(q-1)`` (the paper, most textbooks);
            ``"lambda"`` modulo ``lcm(p-1, q-1)`` (RFC 8017 section 3.2; a smaller, equally valid d).

    Raises:
        ParameterError: if p or q is not prime, p == q, or e is not coprime to phi(n).
    """
    p, q = _int(p, "p"), _int(q, "q")
    for name, value in (("p", p), ("q", q)):
        if not is_probable_prime(value):
            raise ParameterError(f"{name} = {value} is not a prime; RSA needs two primes (try 61 and 53).")
    if p == q:
        raise ParameterError(
            f"p and q are both {p}; they must be different primes, or n = p*p is trivially p squared."
        )
    phi = (p - 1) * (q - 1)
    if e is None:
        e = _pick_e(phi)
    e = _int(e, "e")
    if not 1 < e < phi:
        raise ParameterError(f"e = {e} must be between 2 and phi(n) - 1 = {phi - 1}.")
    if math.gcd(e, phi) != 1:
        raise ParameterError(
            f"e = {e} shares the factor {math.gcd(e, phi)} with phi(n) = {phi}, so it has no inverse d; "
            "pick another e (an odd prime such as 3, 17 or 65537 that does not divide phi(n))."
        )
    if modulus not in ("phi", "lambda"):
        raise ParameterError(f"modulus must be 'phi' or 'lambda', not {modulus!r}.")
    m = phi if modulus == "phi" else math.lcm(p - 1, q - 1)
    return ToyRSAKey(p, q, e, modinv(e, m))


def generate(bits: int, seed: int, e: int | None = None) -> ToyRSAKey:
    """A textbook key with an exactly ``bits``-bit modulus, from ``random.Random(seed)``.

    Same ``bits`` and ``seed``, same key, everywhere. ``e`` defaults to 65537 (the usual
    choice) when the key is big enough, else the first of 257, 17, 5, 3 that works.
    INSECURE: use it to play, never to protect.

    Raises:
        ParameterError: for fewer than 10 bits, an odd bit count, an even e, or an e too big for the key.
    """
    bits, seed = _int(bits, "bits"), _int(seed, "seed")
    if bits < 10 or bits % 2 or bits > MAX_TOY_BITS:
        raise ParameterError(f"bits must be an even number from 10 to {MAX_TOY_BITS}, not {bits}; real keys "
                             "come from the cryptography library.")
    if e is not None:
        e = _int(e, "e")
        if e < 3 or e % 2 == 0:
            raise ParameterError(f"e must be odd and at least 3, not {e}.")
        if e.bit_length() >= bits - 1:
            raise ParameterError(f"e = {e} is too big for a {bits}-bit key; pick a smaller e or more bits.")
    rng = random.Random(seed)
    for _ in range(10_000):
        p, q = random_prime(bits // 2, rng), random_prime(bits // 2, rng)
        phi = (p - 1) * (q - 1)
        if p == q:
            continue
        chosen = e if e is not None else _pick_e(phi)
        if math.gcd(chosen, phi) == 1 and chosen < phi:
            return key_from_primes(p, q, chosen)
    raise ParameterError(f"No {bits}-bit key with e = {e} was found; pick another e.")  # pragma: no cover


def _public(key: ToyRSAKey | ToyPublicKey) -> ToyPublicKey:
    if isinstance(key, ToyRSAKey):
        return key.public
    if isinstance(key, ToyPublicKey):
        return key
    raise WrongTypeError(
        f"Expected a toy RSA key (from key_from_primes or generate), not {type(key).__name__}."
    )


def _check_range(value: int, n: int, what: str) -> int:
    value = _int(value, what)
    if not 0 <= value < n:
        raise ParameterError(
            f"The {what} {value} is not in the range 0 to n-1 = {n - 1}; textbook RSA only works on "
            "numbers smaller than the modulus: split the message into blocks or use a bigger key."
        )
    return value


def encrypt(key: ToyRSAKey | ToyPublicKey, m: int) -> int:
    """RSAEP (RFC 8017 5.1.1): ``c = m**e mod n``, with the public key. INSECURE: no OAEP padding."""
    pub = _public(key)
    return pow(_check_range(m, pub.n, "message"), pub.e, pub.n)


def decrypt(key: ToyRSAKey, c: int) -> int:
    """RSADP (RFC 8017 5.1.2): ``m = c**d mod n``, with the private key. INSECURE: no OAEP, tiny key."""
    if not isinstance(key, ToyRSAKey):
        raise WrongTypeError(f"Decryption needs the private key (a ToyRSAKey), not {type(key).__name__}.")
    return pow(_check_range(c, key.n, "ciphertext"), key.d, key.n)


def sign(key: ToyRSAKey, m: int) -> int:
    """RSASP1 (RFC 8017 5.2.1): ``s = m**d mod n``. INSECURE: no hash, no encoding (EMSA) first."""
    if not isinstance(key, ToyRSAKey):
        raise WrongTypeError(f"Signing needs the private key (a ToyRSAKey), not {type(key).__name__}.")
    return pow(_check_range(m, key.n, "message"), key.d, key.n)


def verify(key: ToyRSAKey | ToyPublicKey, m: int, s: int) -> bool:
    """RSAVP1 (RFC 8017 5.2.2) and compare: is ``s**e mod n == m``? INSECURE: no hash, no encoding, tiny key."""
    pub = _public(key)
    return pow(_check_range(s, pub.n, "signature"), pub.e, pub.n) == _check_range(m, pub.n, "message")


@dataclasses.dataclass(frozen=True)
class Walkthrough:
    """RSA key generation, one step per row: (step, value, why)."""

    rows: tuple[tuple[str, str, str], ...]
    key: ToyRSAKey

    def __repr__(self) -> str:
        width = max(len(r[0]) for r in self.rows)
        vwidth = max(len(r[1]) for r in self.rows)
        return "\n".join(f"{s:<{width}}  {v:<{vwidth}}  {w}" for s, v, w in self.rows)


def keygen_walkthrough(p: int, q: int, e: int | None = None) -> Walkthrough:
    """Key generation with small numbers, each step with its reason (chapter 01). INSECURE: tiny primes."""
    key = key_from_primes(p, q, e)
    g, x, y = egcd(key.e, key.phi)
    rows = (
        ("1. pick primes", f"p = {key.p}, q = {key.q}", "secret: whoever knows them can compute d"),
        ("2. modulus", f"n = p*q = {key.n}", "public; its size is the key size"),
        ("3. totient", f"phi = (p-1)(q-1) = {key.phi}", "secret: needs p and q"),
        ("4. public exponent", f"e = {key.e}", "public, small, coprime to phi"),
        ("5. extended Euclid", f"{key.e}*({x}) + {key.phi}*({y}) = {g}", "Bezout: e*x is 1 modulo phi"),
        ("6. private exponent", f"d = x mod phi = {key.d}", "secret: the inverse of e"),
        ("7. check", f"e*d mod phi = {key.e * key.d % key.phi}", "must be 1"),
        ("public key", f"(n, e) = ({key.n}, {key.e})", "publish it"),
        ("private key", f"(n, d) = ({key.n}, {key.d})", "keep it (and p, q) secret"),
    )
    return Walkthrough(rows, key)


@dataclasses.dataclass(frozen=True)
class MalleabilityDemo:
    """Textbook RSA is malleable: anyone can turn Enc(m) into Enc(m*k) without the private key."""

    m: int
    factor: int
    c: int
    c_forged: int
    m_forged: int

    def sentence(self) -> str:
        return (f"The attacker multiplied the ciphertext {self.c} by {self.factor}^e, without the private key; "
                f"it decrypts to {self.m_forged} = {self.factor} x {self.m}.")

    def __repr__(self) -> str:
        return self.sentence()


def malleability_demo(key: ToyRSAKey, m: int, factor: int) -> MalleabilityDemo:
    """Multiply a textbook RSA ciphertext by ``factor**e``: the plaintext gets multiplied by ``factor``.

    This is why textbook RSA is INSECURE: without padding, ciphertexts can be combined.

    This works because ``(m**e) * (k**e) = (m*k)**e`` modulo n. OAEP padding (RFC 8017 7.1)
    destroys this structure: a changed OAEP ciphertext fails to decrypt.
    """
    c = encrypt(key, m)
    pub = key.public
    forged = c * pow(_check_range(factor, pub.n, "factor"), pub.e, pub.n) % pub.n
    return MalleabilityDemo(m, factor, c, forged, decrypt(key, forged))


def paper_blocks(text: str) -> list[int]:
    """The RSA paper's encoding: blank=00, A=01 ... Z=26, two letters per block (Rivest et al. 1978).

    INSECURE as an RSA encoding: it is deterministic and has no padding; it is here to reproduce the paper.
    """
    if not isinstance(text, str):
        raise WrongTypeError(f"text must be a string, not {type(text).__name__}.")
    codes = []
    for ch in text.upper():
        if ch == " ":
            codes.append(0)
        elif "A" <= ch <= "Z":
            codes.append(ord(ch) - ord("A") + 1)
        else:
            raise ParameterError(f"The paper's encoding only has letters and blanks, not {ch!r}.")
    if len(codes) % 2:
        codes.append(0)
    return [codes[i] * 100 + codes[i + 1] for i in range(0, len(codes), 2)]
