"""Exercises of chapter 01, Public-key cryptography and RSA."""

from __future__ import annotations

from ..factoring import pollard_rho, semiprime
from ..toyrsa import ToyPublicKey, decrypt, encrypt, generate, key_from_primes
from . import Exercise, register

SETUP_KEY = """
from pki_lab.toyrsa import egcd, modinv, key_from_primes
p, q, e = 61, 53, 17
"""


def _valid_ds() -> tuple[int, int]:
    return key_from_primes(61, 53, 17).d, key_from_primes(61, 53, 17, modulus="lambda").d


def _coach_d(answer, expected):
    if isinstance(answer, int) and answer * 17 % 3120 != 1:
        return f"Check your d: e*d mod phi(n) must be 1, and 17 * {answer} mod 3120 = {answer * 17 % 3120}."
    return None


register(Exercise(
    id="01.1",
    prompt="With p = 61, q = 53 and e = 17, compute the private exponent d (a whole number).",
    expected=lambda: _valid_ds()[0],
    accepts=(int,),
    compare=lambda answer, expected: answer in _valid_ds(),
    hints=(
        "d is the inverse of e modulo phi(n) = (p-1)(q-1).",
        "modinv(e, (p - 1) * (q - 1)) computes it; so does Python's pow(e, -1, phi).",
    ),
    solution_code="modinv(e, (p - 1) * (q - 1))",
    explanation="d must satisfy e*d = 1 modulo phi(n); the extended Euclidean algorithm finds it. "
                "(The inverse modulo lambda(n) = lcm(p-1, q-1), as RFC 8017 computes it, is accepted too.)",
    coach=_coach_d,
    setup_code=SETUP_KEY,
))

SETUP_PUBLIC = """
from pki_lab.toyrsa import ToyPublicKey, encrypt
public = ToyPublicKey(n=3233, e=17)
"""


def _c42() -> int:
    return encrypt(ToyPublicKey(3233, 17), 42)


register(Exercise(
    id="01.2",
    prompt="Encrypt the message m = 42 with the public key (n = 3233, e = 17), by hand or with pow().",
    expected=_c42,
    accepts=(int,),
    hints=("Textbook RSA encryption is c = m^e mod n.", "pow(42, public.e, public.n)"),
    solution_code="pow(42, public.e, public.n)",
    explanation="Anyone can encrypt with the public key: c = m^e mod n. Only the holder of d can undo it.",
    coach=lambda a, e: "That used the private exponent d; encryption uses the public exponent e."
    if a == pow(42, 2753, 3233) else None,
    setup_code=SETUP_PUBLIC,
))

SETUP_FACTOR = """
from pki_lab.factoring import semiprime, pollard_rho, trial_division
n = semiprime(48, seed=2026)
"""


def _factors() -> tuple[int, int]:
    result = pollard_rho(semiprime(48, seed=2026))
    return result.p, result.q


register(Exercise(
    id="01.3",
    prompt="n = semiprime(48, seed=2026) is a 48-bit RSA modulus. Find one of its two prime factors.",
    expected=lambda: _factors()[0],
    accepts=(int,),
    compare=lambda answer, expected: answer in _factors(),
    hints=("pollard_rho(n) returns a Factorization with .p and .q.",
           "trial_division(n) works too, but takes about 2**23 steps here: try both and compare."),
    solution_code="pollard_rho(n).p",
    explanation="A 48-bit modulus falls in milliseconds; once p is known, d follows at once. "
                "That is why real moduli have 2048 bits or more.",
    coach=lambda a, e: "1 and n divide every number; find a factor strictly between them."
    if a in (1, semiprime(48, seed=2026)) else None,
    setup_code=SETUP_FACTOR,
))

SETUP_MALLEABLE = """
from pki_lab.toyrsa import generate, encrypt
public = generate(32, seed=7).public
c = encrypt(public, 123456)   # a ciphertext of a message you do not know
"""


def _tripled() -> int:
    public = generate(32, seed=7).public
    return encrypt(public, 123456) * pow(3, public.e, public.n) % public.n


def _coach_tripled(answer, expected):
    key = generate(32, seed=7)
    if isinstance(answer, int) and answer >= key.n:
        return "A ciphertext is a number modulo n: reduce your answer with % public.n."
    return "Multiply c by the encryption of 3 (3^e mod n), modulo n."


register(Exercise(
    id="01.4",
    prompt="Without the private key, turn c into a ciphertext that decrypts to three times the hidden message.",
    expected=_tripled,
    accepts=(int,),
    compare=lambda answer, expected: 0 <= answer < generate(32, seed=7).n
    and decrypt(generate(32, seed=7), answer) == 3 * 123456,
    hints=("(m^e) * (3^e) = (3m)^e modulo n.", "c * pow(3, public.e, public.n) % public.n"),
    solution_code="c * pow(3, public.e, public.n) % public.n",
    explanation="Textbook RSA is malleable: encryption is multiplicative. OAEP padding (RFC 8017 7.1) breaks "
                "that structure, which is one reason real RSA never encrypts a bare message.",
    coach=_coach_tripled,
    setup_code=SETUP_MALLEABLE,
))
