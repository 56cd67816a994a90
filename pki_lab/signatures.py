"""Digital signatures with ``cryptography``: RSA PKCS#1 v1.5, RSA-PSS, ECDSA P-256 and Ed25519.

Four schemes, one interface: :func:`sign` gives signature bytes, :func:`verify` a
:class:`Verdict` with a sentence. What actually happens inside each scheme:

* **RSASSA-PKCS1-v1_5** (RFC 8017 8.2): hash, *encode* the hash with its algorithm
  (EMSA-PKCS1-v1_5, section 9.2: ``00 01 FF..FF 00 DigestInfo``), then apply the RSA
  private-key operation (RSASP1). Deterministic.
* **RSASSA-PSS** (RFC 8017 8.1): hash, encode with a random *salt* and a mask
  (EMSA-PSS, section 9.1), then RSASP1. Randomised: two signatures of the same
  message differ, and both verify.
* **ECDSA P-256** (FIPS 186-5): a nonce k, the point k*G, two numbers (r, s). Signed here
  with ``deterministic_signing=True``, so k comes from RFC 6979 and signatures repeat.
* **Ed25519** (RFC 8032): a deterministic Edwards-curve scheme that hashes the message itself.

Only RSA has a private-key operation that resembles decryption, and even there the
input is an encoding, not the bare hash; ECDSA and EdDSA encrypt nothing at all.
"""

from __future__ import annotations

import dataclasses
import hashlib
import textwrap

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa, utils

from . import toyecdsa
from .errors import ParameterError, WrongTypeError
from .hashing import as_bytes, flip_bit, sha256_hex
from .keys import named_key, public_key_of, sign_bytes, verify_bytes

__all__ = [
    "SCHEMES",
    "scheme_for",
    "sign",
    "verify",
    "Verdict",
    "tamper",
    "TamperReport",
    "tamper_lab",
    "emsa_pkcs1_v15",
    "recovered_encoding",
    "explain_encoding",
    "SignedDocument",
    "Flow",
    "signing_flow",
    "validation_flow",
    "recover_private_value",
    "NonceReuseDemo",
    "nonce_reuse_demo",
]

#: scheme id -> human name
SCHEMES = {
    "rsa-pkcs1v15": "RSA PKCS#1 v1.5",
    "rsa-pss": "RSA-PSS",
    "ecdsa-p256": "ECDSA P-256",
    "ed25519": "Ed25519",
}
# RFC 8017 section 9.2, note 1: the DER of DigestInfo for SHA-256, followed by the 32-byte hash.
SHA256_DIGESTINFO = bytes.fromhex("3031300d060960864801650304020105000420")


def _pss() -> padding.PSS:
    # Salt as long as the hash (RFC 8017 9.1: "typical salt lengths in octets are hLen").
    return padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=padding.PSS.DIGEST_LENGTH)


def _verify_pss(pub: rsa.RSAPublicKey, signature: bytes, data: bytes) -> bool:
    try:
        pub.verify(signature, data, _pss(), hashes.SHA256())
    except (InvalidSignature, ValueError):
        return False
    return True


def scheme_for(key: object, scheme: str | None = None) -> str:
    """The scheme to use with ``key``: ``scheme`` if it fits the key, else the key's default."""
    pub = public_key_of(key)
    fits = {
        rsa.RSAPublicKey: ("rsa-pkcs1v15", "rsa-pss"),
        ec.EllipticCurvePublicKey: ("ecdsa-p256",),
        ed25519.Ed25519PublicKey: ("ed25519",),
    }
    for kind, allowed in fits.items():
        if isinstance(pub, kind):
            if isinstance(pub, ec.EllipticCurvePublicKey) and pub.curve.name != "secp256r1":
                raise ParameterError(f"The lab signs with ECDSA on P-256 only, not on {pub.curve.name}.")
            if scheme is None:
                return allowed[0]
            if scheme not in allowed:
                raise ParameterError(
                    f"A {type(pub).__name__.removeprefix('_')} cannot make {scheme!r} signatures; "
                    f"it can make: {', '.join(allowed)}."
                )
            return scheme
    raise WrongTypeError(f"The lab signs with RSA, EC P-256 or Ed25519 keys, not {type(pub).__name__}.")


def sign(private_key: object, message: bytes | str, scheme: str | None = None) -> bytes:
    """Sign ``message`` (bytes, or text as UTF-8) with SHA-256 where the scheme uses a separate hash."""
    if scheme is not None and (not isinstance(scheme, str) or scheme not in SCHEMES):
        raise ParameterError(f"Unknown scheme {scheme!r}; choose one of {', '.join(SCHEMES)}.")
    if not hasattr(private_key, "sign") or isinstance(private_key, (rsa.RSAPublicKey, ec.EllipticCurvePublicKey,
                                                                     ed25519.Ed25519PublicKey)):
        raise WrongTypeError(
            f"Signing needs a private key, not {type(private_key).__name__}: a public key can only verify."
        )
    scheme = scheme_for(private_key, scheme)
    data = as_bytes(message, "message")
    if scheme == "rsa-pss":
        return private_key.sign(data, _pss(), hashes.SHA256())
    # PKCS#1 v1.5 and ECDSA P-256 with SHA-256 (RFC 6979 nonces), Ed25519: the lab's one signer does exactly this.
    return sign_bytes(private_key, data)


@dataclasses.dataclass(frozen=True)
class Verdict:
    """The result of a verification: ``ok`` and a sentence saying why."""

    ok: bool
    scheme: str
    reason: str

    def __bool__(self) -> bool:
        return self.ok

    def __repr__(self) -> str:
        return f"{'VALID' if self.ok else 'INVALID'} ({SCHEMES[self.scheme]}): {self.reason}"


def verify(key: object, message: bytes | str, signature: bytes, scheme: str | None = None) -> Verdict:
    """Check ``signature`` over ``message`` with the public key (a private key's public half is used)."""
    pub = public_key_of(key)
    scheme = scheme_for(pub, scheme)
    data = as_bytes(message, "message")
    if not isinstance(signature, (bytes, bytearray)):
        raise WrongTypeError(f"The signature must be bytes, not {type(signature).__name__}.")
    if scheme == "rsa-pss":
        ok = _verify_pss(pub, bytes(signature), data)
    else:
        ok = verify_bytes(pub, bytes(signature), data)
    # The verdict's repr names the scheme, so the reason need not: it stays short enough for one line.
    if not ok:
        return Verdict(False, scheme, "it does not match: the message or the signature was changed, or another key "
                                      "signed it.")
    return Verdict(True, scheme, "it matches: the message is byte for byte what the matching private key signed.")


def tamper(data: bytes | str, bit: int) -> bytes:
    """Flip one bit of a message or a signature (bit 0 is the top bit of the first byte)."""
    return flip_bit(data, bit)


@dataclasses.dataclass(frozen=True)
class TamperReport:
    """A signature checked before and after one bit of the message or of the signature was flipped."""

    target: str
    bit: int
    before: Verdict
    after: Verdict

    def __repr__(self) -> str:
        return f"flip bit {self.bit} of the {self.target}:\n  before: {self.before!r}\n  after:  {self.after!r}"


def tamper_lab(private_key: object, message: bytes | str, target: str = "message", bit: int = 0,
               scheme: str | None = None) -> TamperReport:
    """Sign ``message``, flip ``bit`` of the message or of the signature, and verify both versions."""
    if target not in ("message", "signature"):
        raise ParameterError(f"target must be 'message' or 'signature', not {target!r}.")
    data = as_bytes(message, "message")
    signature = sign(private_key, data, scheme)
    before = verify(private_key, data, signature, scheme)
    if target == "message":
        after = verify(private_key, tamper(data, bit), signature, scheme)
    else:
        after = verify(private_key, data, tamper(signature, bit), scheme)
    return TamperReport(target, bit, before, after)


_MAX_EM_LEN = 2048


def emsa_pkcs1_v15(message: bytes | str, em_len: int) -> bytes:
    """EMSA-PKCS1-v1_5 with SHA-256 (RFC 8017 9.2): ``00 01 FF...FF 00 || DigestInfo || SHA-256(message)``.

    ``em_len`` is the modulus length in bytes (256 for a 2048-bit key), at most 2048 (a 16384-bit key).
    """
    if isinstance(em_len, bool) or not isinstance(em_len, int):
        raise WrongTypeError(f"em_len must be a whole number of bytes, not {type(em_len).__name__}.")
    if em_len > _MAX_EM_LEN:
        raise ParameterError(f"em_len = {em_len} is longer than any RSA key in use; the lab stops at "
                             f"{_MAX_EM_LEN} bytes (a 16384-bit modulus).")
    t = SHA256_DIGESTINFO + hashlib.sha256(as_bytes(message, "message")).digest()
    if em_len < len(t) + 11:
        raise ParameterError(f"em_len = {em_len} is too short; EMSA-PKCS1-v1_5 needs {len(t) + 11} bytes.")
    return b"\x00\x01" + b"\xff" * (em_len - len(t) - 3) + b"\x00" + t


def recovered_encoding(public_key: object, signature: bytes) -> bytes:
    """RSAVP1 (RFC 8017 5.2.2): ``signature**e mod n`` as bytes: the encoded message, not a bare hash."""
    pub = public_key_of(public_key)
    if not isinstance(pub, rsa.RSAPublicKey):
        raise WrongTypeError(
            f"Only RSA has a public-key operation to undo a signature; {type(pub).__name__} has none "
            "(ECDSA and EdDSA verify an equation instead)."
        )
    if not isinstance(signature, (bytes, bytearray)):
        raise WrongTypeError(f"The signature must be bytes, not {type(signature).__name__}.")
    numbers = pub.public_numbers()
    if int.from_bytes(signature, "big") >= numbers.n:
        raise ParameterError("The signature, read as a number, is not smaller than the key's modulus n, so it "
                             "cannot be an RSA signature made with this key.")
    k = (numbers.n.bit_length() + 7) // 8
    return pow(int.from_bytes(signature, "big"), numbers.e, numbers.n).to_bytes(k, "big")


def explain_encoding(em: bytes) -> str:
    """Split an RSA encoded message into its parts, as a short text."""
    if not isinstance(em, (bytes, bytearray)):
        raise WrongTypeError(f"The encoded message must be bytes (from recovered_encoding), not {type(em).__name__}.")
    if em.startswith(b"\x00\x01\xff") and SHA256_DIGESTINFO in em:
        start = em.index(SHA256_DIGESTINFO)
        return (f"00 01 | FF x {start - 3} | 00 | DigestInfo(SHA-256) {SHA256_DIGESTINFO.hex()} |\n"
                f"hash {em[start + len(SHA256_DIGESTINFO):].hex()}")
    if em[-1:] == b"\xbc":
        return f"{len(em)} bytes of masked data (salt and hash mixed by MGF1) ending in the PSS trailer BC"
    return f"{len(em)} bytes with no recognisable structure: not a valid encoding for this key"


@dataclasses.dataclass(frozen=True)
class SignedDocument:
    """A document with its signature in its 'metadata', as in the seed's diagrams."""

    content: bytes
    signature: bytes
    scheme: str


@dataclasses.dataclass(frozen=True)
class Flow:
    """The steps of a signing or validation flow: (the seed's box, what really happens, the value)."""

    title: str
    steps: tuple[tuple[str, str, str], ...]
    verdict: Verdict | None = None

    def __repr__(self) -> str:
        lines = [self.title]
        for i, (box, really, value) in enumerate(self.steps, 1):
            # Wrapped at 100 columns under the step, so a narrow output area never breaks a word.
            lines.append(textwrap.fill(f"{i}. [{box}] {really}", 100, subsequent_indent="   ")
                         + (f"\n     {value}" if value else ""))
        if self.verdict is not None:
            lines.append(f"=> {self.verdict!r}")
        return "\n".join(lines)


_CORE = {
    "rsa-pkcs1v15": ("encode the hash as 00 01 FF..FF 00 DigestInfo hash (EMSA-PKCS1-v1_5), then s = EM^d mod n "
                     "(RSASP1)", "compute EM' = s^e mod n (RSAVP1) and compare it with the encoding of our hash"),
    "rsa-pss": ("encode the hash with a fresh random salt and a mask (EMSA-PSS), then s = EM^d mod n",
                "compute EM' = s^e mod n, unmask it, recover the salt, and recheck the hash"),
    "ecdsa-p256": ("derive the nonce k from key and hash (RFC 6979), r = (k*G).x mod n, s = k^-1 (h + r*d) mod n; "
                   "nothing is encrypted", "check that ((h/s)*G + (r/s)*Q).x mod n equals r; nothing is decrypted"),
    "ed25519": ("hash the key's secret prefix and the message with SHA-512 to get r, R = r*B, S = r + H(R,A,M)*a; "
                "nothing is encrypted", "check that S*B = R + H(R,A,M)*A; nothing is decrypted"),
}


def _hash_value(content: bytes, scheme: str) -> str:
    if scheme == "ed25519":
        return f"(no separate hash: all {len(content)} bytes go into Ed25519)"
    return "SHA-256 " + sha256_hex(content)


def signing_flow(private_key: object, document: bytes | str, scheme: str | None = None
                 ) -> tuple[Flow, SignedDocument]:
    """The seed's 'Document signing' diagram, run: each box, what really happens, and the value."""
    scheme = scheme_for(private_key, scheme)
    content = as_bytes(document, "document")
    signature = sign(private_key, content, scheme)
    shown = "(random: differs on every run)" if scheme == "rsa-pss" else signature.hex()[:32] + "..."
    hash_step = ("SHA-512 inside Ed25519 (RFC 8032 5.1.6): it takes the message, not a hash"
                 if scheme == "ed25519" else "SHA-256 of the content")
    steps = (
        ("Hash document contents", hash_step, _hash_value(content, scheme)),
        ("Encrypt hash with private key to get signature", _CORE[scheme][0], f"{len(signature)}-byte signature "
         + shown),
        ("Write signature to document metadata", "attach the signature to the document", ""),
    )
    return Flow(f"Signing with {SCHEMES[scheme]}", steps), SignedDocument(content, signature, scheme)


def validation_flow(public_key: object, document: SignedDocument) -> Flow:
    """The seed's 'Signature validation' diagram, run, ending in a verdict."""
    if not isinstance(document, SignedDocument):
        raise WrongTypeError(f"Expected a SignedDocument from signing_flow, not {type(document).__name__}.")
    verdict = verify(public_key, document.content, document.signature, document.scheme)
    detail = ""
    if document.scheme == "rsa-pkcs1v15":
        detail = explain_encoding(recovered_encoding(public_key, document.signature))[:60] + "..."
    steps = (
        ("Read document with metadata", "split content and signature", f"{len(document.content)} bytes of content"),
        ("Hash document contents", "hash the content as received", _hash_value(document.content, document.scheme)),
        ("Read signature from document metadata", "take the signature", f"{len(document.signature)} bytes"),
        ("Decrypt hash with public key", _CORE[document.scheme][1], detail),
        ("Do they match?", "the library runs the scheme's whole check", ""),
    )
    return Flow(f"Validating with {SCHEMES[document.scheme]}", steps, verdict)


def recover_private_value(h1: int, s1: int, h2: int, s2: int, r: int) -> tuple[int, int]:
    """ECDSA nonce reuse: from two signatures with the same r (same k), return ``(k, d)``.

    ``s_i = k^-1 (h_i + r*d) mod n`` for i = 1, 2, so ``k = (h1 - h2) / (s1 - s2)`` and
    ``d = (s1*k - h1) / r``, all modulo the group order n. Plain integer arithmetic.
    """
    n = toyecdsa.N
    for name, value in (("h1", h1), ("s1", s1), ("h2", h2), ("s2", s2), ("r", r)):
        if isinstance(value, bool) or not isinstance(value, int):
            raise WrongTypeError(f"{name} must be a whole number (int), not {type(value).__name__}.")
    if r % n == 0:
        raise ParameterError("r is 0 modulo the group order, which no valid ECDSA signature has.")
    if (s1 - s2) % n == 0:
        raise ParameterError("s1 equals s2, so these are the same signature; nonce reuse needs two messages.")
    k = (h1 - h2) * pow(s1 - s2, -1, n) % n
    d = (s1 * k - h1) * pow(r, -1, n) % n
    return k, d


@dataclasses.dataclass(frozen=True)
class NonceReuseDemo:
    """Two ECDSA signatures made with one nonce, and the private key recovered from them."""

    messages: tuple[bytes, bytes]
    signatures: tuple[toyecdsa.ToySignature, toyecdsa.ToySignature]
    both_verify: bool
    recovered: int
    actual: int

    @property
    def key_recovered(self) -> bool:
        return self.recovered == self.actual

    def __repr__(self) -> str:
        s1, s2 = self.signatures
        return "\n".join([
            f"signature 1: r = {s1.r:x}",
            f"signature 2: r = {s2.r:x}",
            f"the same r: {s1.r == s2.r} (so the same nonce k signed both messages)",
            f"both signatures verify with the real public key (cryptography): {self.both_verify}",
            f"recovered private value: {self.recovered:x}",
            f"equals the real private key: {self.key_recovered}",
        ])


def nonce_reuse_demo(name: str = "alice", messages: tuple[bytes, bytes] = (b"pay Bob 10", b"pay Bob 20"),
                     nonce_label: str = "the-same-nonce") -> NonceReuseDemo:
    """Sign two messages with the lab key ``name`` reusing one nonce, then recover the key.

    The nonce is a hash of ``nonce_label`` (fixed, so the demo repeats). The signatures are
    made by :mod:`pki_lab.toyecdsa` because ``cryptography`` does not let anyone choose k;
    ``cryptography`` then verifies them with the key's real public key.
    """
    if not isinstance(name, str):
        raise WrongTypeError(f"name must be the name of a lab key (a str such as 'alice'), not {type(name).__name__}.")
    if not isinstance(messages, (tuple, list)) or len(messages) != 2:
        raise ParameterError("messages must be two messages (a tuple of two bytes or str values): nonce reuse "
                             "needs two signatures.")
    messages = tuple(as_bytes(m, "each message") for m in messages)
    if messages[0] == messages[1]:
        raise ParameterError("The two messages are the same, so the two signatures are too; give two different "
                             "messages.")
    key = named_key(name, "ec")
    d = key.private_numbers().private_value
    k = int.from_bytes(hashlib.sha256(nonce_label.encode()).digest(), "big") % (toyecdsa.N - 1) + 1
    sigs = tuple(toyecdsa.sign_with_nonce(d, m, k) for m in messages)
    pub = key.public_key()
    ok = all(verify(pub, m, utils.encode_dss_signature(s.r, s.s), "ecdsa-p256").ok
             for m, s in zip(messages, sigs, strict=True))
    _, recovered = recover_private_value(sigs[0].h, sigs[0].s, sigs[1].h, sigs[1].s, sigs[0].r)
    return NonceReuseDemo(tuple(messages), sigs, ok, recovered, d)
