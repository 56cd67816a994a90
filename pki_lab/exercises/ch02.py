"""Exercises of chapter 02, Hashes and signatures."""

from __future__ import annotations

import hashlib

from ..hashing import avalanche
from ..keys import named_key
from ..signatures import SignedDocument, recovered_encoding, sign, verify
from ..toyecdsa import N, ToySignature, sign_with_nonce
from . import Exercise, register

SETUP_HASH = """
from pki_lab.hashing import avalanche, flip_bit, sha256_hex, bit_difference
"""

register(Exercise(
    id="02.1",
    prompt="Flip bit 7 of b'PKI Lab' (it turns 'P' into 'Q'). How many of SHA-256's 256 output bits change?",
    expected=lambda: avalanche(b"PKI Lab", bit=7).changed_bits,
    accepts=(int,),
    hints=("avalanche(data, bit=...) compares the two digests bit by bit.",
           "avalanche(b'PKI Lab', bit=7).changed_bits"),
    solution_code="avalanche(b'PKI Lab', bit=7).changed_bits",
    explanation="One input bit changes about half of the output bits, unpredictably: the avalanche effect.",
    coach=lambda a, e: "One input bit changed, but a good hash changes far more than one output bit."
    if a in (0, 1) else None,
    setup_code=SETUP_HASH,
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


SETUP_INBOX = """
from pki_lab import named_key
from pki_lab.signatures import verify
from pki_lab.exercises.ch02 import inbox
alice_public = named_key("alice", "ed25519").public_key()
documents = inbox()
"""


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
    setup_code=SETUP_INBOX,
))


def reused_nonce_signatures() -> tuple[ToySignature, ToySignature]:
    """Two ECDSA P-256 signatures by the lab key 'bob', made (wrongly) with the same nonce k."""
    d = named_key("bob").private_numbers().private_value
    k = int.from_bytes(hashlib.sha256(b"exercise 02.3 nonce").digest(), "big")
    return sign_with_nonce(d, b"firmware v1", k), sign_with_nonce(d, b"firmware v2", k)


SETUP_NONCE = """
from pki_lab.exercises.ch02 import reused_nonce_signatures
from pki_lab.toyecdsa import N as n
sig1, sig2 = reused_nonce_signatures()   # each has .r, .s and .h (the message hash as an integer)
"""


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
    setup_code=SETUP_NONCE,
))

SETUP_EMSA = """
from pki_lab import named_key
from pki_lab.signatures import sign, recovered_encoding
key = named_key("alice", "rsa")
signature = sign(key, b"hello", "rsa-pkcs1v15")
"""


def _ff_count() -> int:
    key = named_key("alice", "rsa")
    em = recovered_encoding(key.public_key(), sign(key, b"hello", "rsa-pkcs1v15"))
    return em[2:].index(b"\x00")


register(Exercise(
    id="02.4",
    prompt="'Decrypt' Alice's RSA PKCS#1 v1.5 signature with her public key (s^e mod n). How many FF padding "
           "bytes sit between the leading 00 01 and the next 00?",
    expected=_ff_count,
    accepts=(int,),
    hints=("recovered_encoding(key.public_key(), signature) gives s^e mod n as bytes.",
           "The encoding starts 00 01, then FF bytes, then 00: find that 00 after position 2."),
    solution_code="em = recovered_encoding(key.public_key(), signature)\nem[2:].index(b'\\x00')",
    explanation="s^e mod n is not the bare hash: it is the EMSA-PKCS1-v1_5 encoding (RFC 8017 9.2), "
                "00 01 FF...FF 00, then the DigestInfo naming SHA-256, then the hash.",
    coach=lambda a, e: "Count only the FF bytes: not the 00 01 at the start nor the DigestInfo and hash at the end.",
    setup_code=SETUP_EMSA,
))
