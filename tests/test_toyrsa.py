"""Textbook RSA against published worked examples, and its round-trip properties."""

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pki_lab import data
from pki_lab.errors import ParameterError, WrongTypeError
from pki_lab.toyrsa import (
    ToyPublicKey,
    ToyRSAKey,
    decrypt,
    egcd,
    encrypt,
    generate,
    is_probable_prime,
    key_from_primes,
    keygen_walkthrough,
    malleability_demo,
    modinv,
    paper_blocks,
    sign,
    verify,
)

from .conftest import examples

EXAMPLES = {ex["name"]: ex for ex in data.vectors("textbook_rsa")["examples"]}
WIKI = EXAMPLES["Wikipedia RSA worked example"]
PAPER = EXAMPLES["Original RSA paper example"]
SMALL = EXAMPLES["Small-prime illustration p=7, q=19"]


@pytest.mark.parametrize("ex", [WIKI, PAPER, SMALL], ids=["wikipedia-61-53", "rsa-paper-47-59", "herong-7-19"])
def test_published_key_generation(ex):
    key = key_from_primes(ex["p"], ex["q"], ex["e"])
    assert (key.n, key.phi, key.d) == (ex["n"], ex["phi_n"], ex["d"])


def test_classic_61_53_17_encrypt_decrypt_sign():
    key = key_from_primes(61, 53, 17)
    assert encrypt(key.public, WIKI["encrypt"]["m"]) == WIKI["encrypt"]["c"]
    assert decrypt(key, WIKI["decrypt"]["c"]) == WIKI["decrypt"]["m"]
    assert sign(key, WIKI["sign_example"]["m"]) == WIKI["sign_example"]["s"]
    assert verify(key.public, WIKI["sign_example"]["m"], WIKI["sign_example"]["s"])
    assert not verify(key.public, WIKI["sign_example"]["m"] + 1, WIKI["sign_example"]["s"])  # failure twin


def test_lambda_variant_gives_the_rfc8017_exponent_and_also_decrypts():
    key = key_from_primes(61, 53, 17, modulus="lambda")
    assert key.d == WIKI["d_lambda"] and key.lam == WIKI["lambda_n"]
    assert decrypt(key, WIKI["encrypt"]["c"]) == WIKI["encrypt"]["m"]


def test_rsa_paper_its_all_greek_to_me():
    key = key_from_primes(PAPER["p"], PAPER["q"], PAPER["e"])
    blocks = paper_blocks(PAPER["plaintext"])
    assert blocks == [int(b) for b in PAPER["plaintext_blocks"]]
    assert [encrypt(key, b) for b in blocks] == [int(c) for c in PAPER["ciphertext_blocks"]]
    assert [decrypt(key, int(c)) for c in PAPER["ciphertext_blocks"]] == blocks


def test_small_example_encrypts():
    assert encrypt(ToyPublicKey(SMALL["n"], SMALL["e"]), SMALL["encrypt"]["m"]) == SMALL["encrypt"]["c"]


@pytest.mark.parametrize("a,b", [(240, 46), (17, 3120), (3120, 17), (0, 5), (-12, 18), (1, 1)])
def test_egcd_bezout_identity(a, b):
    g, x, y = egcd(a, b)
    assert g == math.gcd(a, b) and a * x + b * y == g


def test_modinv_and_its_failure():
    assert modinv(17, 3120) * 17 % 3120 == 1
    with pytest.raises(ParameterError, match="has no inverse modulo 3120: they share the factor 3"):
        modinv(3, 3120)


@pytest.mark.parametrize("n,expected", [
    (2, True), (3, True), (97, True), (561, False),  # 561: the first Carmichael number fools Fermat, not M-R
    (2**61 - 1, True), (2**61 + 1, False), (1, False), (0, False), (3215031751, False),  # strong pseudoprime
    ((2**89 - 1), True), ((2**89 - 1) * (2**61 - 1), False),
])
def test_miller_rabin(n, expected):
    assert is_probable_prime(n) is expected


def test_miller_rabin_agrees_with_trial_division_below_5000():
    def naive(n):
        return n > 1 and all(n % d for d in range(2, math.isqrt(n) + 1))
    assert [n for n in range(5000) if is_probable_prime(n)] == [n for n in range(5000) if naive(n)]


def test_generate_is_seeded_and_exact_size():
    assert generate(64, seed=1) == generate(64, seed=1)
    assert generate(64, seed=1) != generate(64, seed=2)
    for bits in (10, 16, 32, 64, 128):
        key = generate(bits, seed=3)
        assert key.bits == bits and is_probable_prime(key.p) and is_probable_prime(key.q)
        assert key.e * key.d % key.phi == 1


@settings(max_examples=examples(40), deadline=None)
@given(seed=st.integers(0, 10**6), bits=st.sampled_from([16, 24, 32, 64]), m=st.integers(min_value=0))
def test_decrypt_encrypt_roundtrip_for_random_keys(seed, bits, m):
    key = generate(bits, seed=seed)
    m %= key.n
    assert decrypt(key, encrypt(key.public, m)) == m
    assert verify(key.public, m, sign(key, m))


def test_repr_and_docstrings_say_insecure():
    key = key_from_primes(61, 53, 17)
    for text in (repr(key), repr(key.public), ToyRSAKey.__doc__, ToyPublicKey.__doc__):
        assert "INSECURE" in text
    for function in (key_from_primes, generate, encrypt, decrypt, sign, verify, keygen_walkthrough,
                     malleability_demo, paper_blocks):
        assert "INSECURE" in function.__doc__, function.__name__
    assert "no padding" in repr(key) and "tiny key" in repr(key)


def test_walkthrough_lists_every_step():
    text = repr(keygen_walkthrough(61, 53, 17))
    assert "n = p*q = 3233" in text and "d = x mod phi = 2753" in text and "e*d mod phi = 1" in text


def test_malleability_multiplies_the_plaintext():
    key = key_from_primes(61, 53, 17)
    demo = malleability_demo(key, 65, 3)
    assert demo.m_forged == 195 and decrypt(key, demo.c_forged) == 195
    assert "decrypts to 195 = 3 x 65" in demo.sentence()


@pytest.mark.parametrize("call,error,message", [
    (lambda: key_from_primes(61, 61, 17), ParameterError, "must be different primes"),
    (lambda: key_from_primes(60, 53, 17), ParameterError, "p = 60 is not a prime"),
    (lambda: key_from_primes(61, 53, 3), ParameterError, "shares the factor 3 with phi"),
    (lambda: key_from_primes(61, 53, 5000), ParameterError, "between 2 and phi"),
    (lambda: key_from_primes(61, 53, 17, modulus="x"), ParameterError, "'phi' or 'lambda'"),
    (lambda: encrypt(key_from_primes(61, 53, 17), 3233), ParameterError, "not in the range 0 to n-1 = 3232"),
    (lambda: encrypt("key", 5), WrongTypeError, "Expected a toy RSA key"),
    (lambda: decrypt(ToyPublicKey(3233, 17), 5), WrongTypeError, "needs the private key"),
    (lambda: encrypt(ToyPublicKey(3233, 17), 1.5), WrongTypeError, "must be a whole number"),
    (lambda: generate(7, seed=1), ParameterError, "even number from 10 to 2048"),
    (lambda: generate(16, seed=1, e=4), ParameterError, "must be odd"),
    (lambda: generate(16, seed=1, e=65537), ParameterError, "too big for a 16-bit key"),
    (lambda: paper_blocks("HI!"), ParameterError, "only has letters and blanks"),
], ids=["same-primes", "not-prime", "e-not-coprime", "e-too-large", "bad-modulus", "message-too-big",
        "not-a-key", "decrypt-with-public", "float-message", "odd-bits", "even-e", "e-too-big", "paper-punctuation"])
def test_bad_input_raises_a_sentence(call, error, message):
    with pytest.raises(error, match=message) as info:
        call()
    assert str(info.value).endswith(".")


def test_toy_keys_stop_at_2048_bits_with_a_sentence():
    """A 10**30-bit request would never finish; the lab refuses it and points to real keys."""
    with pytest.raises(ParameterError, match="from 10 to 2048.*cryptography library"):
        generate(10**30, seed=1)
    with pytest.raises(ParameterError, match="from 10 to 2048"):
        generate(2050, seed=1)
