"""Exercises of chapter 01, Public-key cryptography and RSA."""

from __future__ import annotations

from ..factoring import pollard_rho, semiprime
from ..toyrsa import ToyPublicKey, decrypt, encrypt, generate, key_from_primes
from . import Exercise, register

#: Exercise 01.1's primes and exponent: not the chapter's worked example (whose d the notebook prints).
P, Q, E = 89, 107, 5


def _valid_ds() -> tuple[int, int]:
    return key_from_primes(P, Q, E).d, key_from_primes(P, Q, E, modulus="lambda").d


def _coach_d(answer, expected):
    phi = (P - 1) * (Q - 1)
    if answer == key_from_primes(61, 53, 17).d:
        return "That is d of the chapter's worked example (p = 61, q = 53, e = 17); use this exercise's p, q and e."
    if isinstance(answer, int) and answer * E % phi != 1:
        return f"Check your d: e*d mod phi(n) must be 1, and {E} * {answer} mod {phi} = {answer * E % phi}."
    return None


register(Exercise(
    id="01.1",
    prompt=f"With p = {P}, q = {Q} and e = {E}, compute the private exponent d (a whole number).",
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
))


def _c42() -> int:
    return encrypt(ToyPublicKey(3233, 17), 42)


def _coach_c42(answer, expected):
    if answer == pow(42, 2753, 3233):
        return "That used the private exponent d; encryption uses the public exponent e."
    if answer == 42 ** 17:
        return "That is m^e without the modulus: textbook RSA works modulo n."
    if answer == 42:
        return "That is the message itself; the ciphertext is m raised to e, modulo n."
    return None


register(Exercise(
    id="01.2",
    prompt="Encrypt the message m = 42 with the public key (n = 3233, e = 17), by hand or with pow().",
    expected=_c42,
    accepts=(int,),
    hints=("Textbook RSA encryption is c = m^e mod n.", "pow(42, public.e, public.n)"),
    solution_code="pow(42, public.e, public.n)",
    explanation="Anyone can encrypt with the public key: c = m^e mod n. Only the holder of d can undo it.",
    coach=_coach_c42,
))


def _factors() -> tuple[int, int]:
    result = pollard_rho(semiprime(48, seed=2026))
    return result.p, result.q


def _coach_factor(answer, expected):
    n = semiprime(48, seed=2026)
    if answer in (1, n):
        return "1 and n divide every number; find a factor strictly between them."
    if isinstance(answer, int) and answer > 1 and n % answer:
        return "That number does not divide n (n % answer is not 0); a factor leaves no remainder."
    return None


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
    coach=_coach_factor,
))


def _tripled() -> int:
    public = generate(32, seed=7).public
    return encrypt(public, 123456) * pow(3, public.e, public.n) % public.n


def _coach_tripled(answer, expected):
    key = generate(32, seed=7)
    if isinstance(answer, int) and answer >= key.n:
        return "A ciphertext is a number modulo n: reduce your answer with % public.n."
    c = encrypt(key.public, 123456)
    if answer == c:
        return "That is c itself: it decrypts to the hidden message, not to three times it."
    if answer == 3 * c % key.n:
        return ("3 * c decrypts to (3c)^d, which is not 3m. Which number, raised to e, would you multiply c by "
                "so that the product decrypts to 3m?")
    return "Encryption is multiplicative: (m^e) * (x^e) = (m*x)^e modulo n."


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
))
