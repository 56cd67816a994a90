"""Exercises of chapter 02, Hashes and signatures."""

from __future__ import annotations

import hashlib

from ..hashing import avalanche
from ..keys import named_key
from ..signatures import SHA256_DIGESTINFO, SignedDocument, emsa_pkcs1_v15, sign, verify
from ..toyecdsa import N, ToySignature, sign_with_nonce
from . import Exercise, register

#: Exercise 02.1's input: the chapter hashes it, but never flips its last bit.
AVALANCHE_TEXT = b"PKI Lab."


def _last_bit() -> int:
    return 8 * len(AVALANCHE_TEXT) - 1


def _coach_avalanche(answer, expected):
    if isinstance(answer, float) and not answer.is_integer():
        return "Count whole output bits: the answer is a whole number."
    if answer in (0, 1):
        return "One input bit changed, but a good hash changes far more than one output bit."
    if answer == avalanche(AVALANCHE_TEXT, bit=_last_bit() - 7).changed_bits:
        return ("That flips the top bit of the last byte. Bit 0 is the top bit of the first byte, so the last bit "
                "of the input is the lowest bit of its last byte.")
    if answer == avalanche(AVALANCHE_TEXT, bit=7).changed_bits:
        return "That flips the last bit of the first byte; flip the last bit of the whole input."
    if answer == avalanche(b"PKI Lab", bit=7).changed_bits:
        return "That is the chapter's example (bit 7 of b'PKI Lab'); this exercise flips another bit of another text."
    if answer == 128:
        return "128 is what a good hash changes on average; one flip changes a number near it. Count this flip's."
    return "Find the number of the last bit (8 bits per byte, numbered from 0), flip it, and compare the digests."


register(Exercise(
    id="02.1",
    prompt="Flip the last bit of b'PKI Lab.' (the lowest bit of its final byte, the '.'). How many of SHA-256's "
           "256 output bits change?",
    expected=lambda: avalanche(AVALANCHE_TEXT, bit=_last_bit()).changed_bits,
    accepts=(int, float),
    hints=("Bits are numbered from 0, starting at the top bit of the first byte: n bytes have bits 0 to 8n - 1.",
           "avalanche(data, bit=...) compares the two digests; its .changed_bits is the count."),
    solution_code=("data = b'PKI Lab.'\n"
                   "avalanche(data, bit=8 * len(data) - 1).changed_bits"),
    explanation="8 bytes have bits 0 to 63, so the last bit is number 63. Flipping it changes about half of the "
                "output bits, and which ones cannot be predicted: the avalanche effect.",
    coach=_coach_avalanche,
))


def inbox() -> list[SignedDocument]:
    """Three copies of one payment order claiming to come from Alice (Ed25519), each with a different signature.

    One signature is Alice's signature of another text, one is Mallory's, one is Alice's genuine one: the
    texts are identical, so only verification can tell them apart.
    """
    alice, mallory = named_key("alice", "ed25519"), named_key("mallory", "ed25519")
    order = b"Alice pays Bob 10 EUR."
    return [
        SignedDocument(order, sign(mallory, order), "ed25519"),
        SignedDocument(order, sign(alice, order), "ed25519"),
        SignedDocument(order, sign(alice, b"Alice pays Bob 90 EUR."), "ed25519"),
    ]


def _genuine_index() -> int:
    pub = named_key("alice", "ed25519").public_key()
    return next(i for i, d in enumerate(inbox()) if verify(pub, d.content, d.signature).ok)


register(Exercise(
    id="02.2",
    prompt="documents holds three signed documents that claim to be from Alice. Which index (0, 1 or 2) "
           "really carries Alice's valid signature?",
    expected=_genuine_index,
    accepts=(int,),
    hints=("verify(alice_public, doc.content, doc.signature) returns a verdict with .ok.",
           "Loop over enumerate(documents) and keep the index whose verdict is ok."),
    solution_code="[i for i, doc in enumerate(documents) if verify(alice_public, doc.content, doc.signature).ok][0]",
    explanation="The three texts are identical; only one signature verifies with Alice's public key. Mallory's was "
                "made with another key, and the third is Alice's signature of a different text (90 EUR).",
    coach=lambda a, e: "Verify with Alice's public key, not by reading the text: which verdict is VALID?",
))


def reused_nonce_signatures() -> tuple[ToySignature, ToySignature]:
    """Two ECDSA P-256 signatures by the lab key 'bob', made (wrongly) with the same nonce k."""
    d = named_key("bob").private_numbers().private_value
    k = int.from_bytes(hashlib.sha256(b"exercise 02.3 nonce").digest(), "big")
    return sign_with_nonce(d, b"firmware v1", k), sign_with_nonce(d, b"firmware v2", k)


def _bob_private() -> int:
    return named_key("bob").private_numbers().private_value


def _coach_nonce(answer, expected):
    s1, s2 = reused_nonce_signatures()
    k = (s1.h - s2.h) * pow(s1.s - s2.s, -1, N) % N
    if answer == k:
        return "That is the nonce k. Now solve s1 = (h1 + r*d) / k for d, modulo n."
    return "Subtract the two equations s_i * k = h_i + r*d (mod n) to find k first."


register(Exercise(
    id="02.3",
    prompt="sig1 and sig2 were made by Bob's ECDSA key with the same nonce k. Recover Bob's private value d.",
    expected=_bob_private,
    accepts=(int,),
    hints=("s1*k = h1 + r*d and s2*k = h2 + r*d (mod n): subtract them.",
           "k = (h1 - h2) / (s1 - s2) mod n; then d = (s1*k - h1) / r mod n. Division is pow(x, -1, n)."),
    solution_code=("k = (sig1.h - sig2.h) * pow(sig1.s - sig2.s, -1, n) % n\n"
                   "(sig1.s * k - sig1.h) * pow(sig1.r, -1, n) % n"),
    explanation="Two equations, two unknowns (k and d): one reused nonce gives the private key away. RFC 6979 "
                "derives k from the key and the message so that this cannot happen by accident.",
    coach=_coach_nonce,
))

#: Exercise 02.4's key size: not the 2048 bits whose encoding the chapter prints.
EMSA_BITS = 3072


def _ff_count() -> int:
    em = emsa_pkcs1_v15(b"hello", EMSA_BITS // 8)
    return em[2:].index(b"\x00")


def _coach_ff(answer, expected):
    k = EMSA_BITS // 8
    if answer == 256 - 3 - len(SHA256_DIGESTINFO) - 32:
        return ("That is the count for a 2048-bit key (a 256-byte encoding). How many bytes long is the encoding "
                "for a 3072-bit modulus?")
    if answer == k:
        return "That is the length of the whole encoding; only part of it is padding."
    if isinstance(answer, (int, float)) and 0 < abs(answer - expected) <= 3:
        return "Close: the 00 01 at the start and the 00 after the padding are not FF bytes."
    if answer == expected + len(SHA256_DIGESTINFO):
        return "Close: the DigestInfo that names the hash (19 bytes) follows the padding too."
    if answer == expected + 32:
        return "Close: the 32-byte hash itself follows the padding too."
    if isinstance(answer, (int, float)) and answer < expected:
        return "Too few: take away only 00 01, the 00 separator, the DigestInfo and the hash, each once."
    return ("The encoding is as long as the modulus; subtract the bytes that are not padding: 00 01, the 00 "
            "separator, the DigestInfo and the hash.")


register(Exercise(
    id="02.4",
    prompt="Predict without a key: Alice's RSA key above has 2048 bits. If she signed with PKCS#1 v1.5 and "
           "SHA-256 using a 3072-bit key instead, how many FF padding bytes would sit between the leading 00 01 "
           "and the next 00?",
    expected=_ff_count,
    accepts=(int,),
    hints=("The encoding EM is exactly as long as the modulus: 3072 bits is how many bytes?",
           "EM = 00 01 | FF ... FF | 00 | DigestInfo (19 bytes for SHA-256) | hash (32 bytes): subtract the rest "
           "from the length."),
    solution_code=("em_length = 3072 // 8  # the encoding is as long as the modulus, in bytes\n"
                   "# take away 00 01, the 00 separator, the 19-byte DigestInfo and the 32-byte hash\n"
                   "em_length - 2 - 1 - 19 - 32"),
    explanation="EMSA-PKCS1-v1_5 (RFC 8017 9.2) fills the encoding up to the modulus length with FF bytes: "
                "00 01, the FF padding, 00, the 19-byte DigestInfo naming SHA-256, then the 32-byte hash. A "
                "longer key means more padding, never a longer hash.",
    coach=_coach_ff,
))
