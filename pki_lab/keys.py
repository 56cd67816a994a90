"""The named-key factory: the same name gives the same key, every run, on every machine.

Real key generation draws from the operating system's random source, so every
run would print different public keys, thumbprints and signatures. The lab
instead *derives* keys from names:

* ``"ec"`` (P-256, the default) and ``"p384"``: the private scalar is a SHA-512
  hash of the name, reduced into the curve's range, passed to
  :func:`cryptography.hazmat.primitives.asymmetric.ec.derive_private_key`;
* ``"ed25519"``: the 32-byte private key is a SHA-256 hash of the name;
* ``"rsa"``: RSA keys cannot be derived from a seed in ``cryptography``, so the
  lab ships a small set of **test-only** RSA keys (``pki_lab/data/keys``), one per
  name in :func:`rsa_key_names`.

A key that anyone can recompute from its name is, of course, not secret: these
keys are for learning only. Signatures repeat too: ECDSA signs with
``deterministic_signing=True`` (RFC 6979), Ed25519 and RSA PKCS#1 v1.5 are
deterministic by design.

    >>> from pki_lab.keys import named_key, key_summary
    >>> key_summary(named_key("alice"))
    'EC P-256'
    >>> named_key("alice").private_numbers() == named_key("alice").private_numbers()
    True
"""

from __future__ import annotations

import functools
import hashlib
from importlib import resources
from typing import Literal, get_args

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, padding, rsa

from .errors import ParameterError, WrongTypeError

__all__ = [
    "KEY_KINDS",
    "KeyKind",
    "named_key",
    "rsa_key_names",
    "key_summary",
    "signing_hash",
    "sign_bytes",
    "verify_bytes",
    "public_key_of",
]

PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey | ed25519.Ed25519PrivateKey
PublicKey = rsa.RSAPublicKey | ec.EllipticCurvePublicKey | ed25519.Ed25519PublicKey

#: The kinds of key :func:`named_key` makes: P-256, P-384, Ed25519, and the shipped test-only RSA keys.
KeyKind = Literal["ec", "p384", "ed25519", "rsa"]
KEY_KINDS: tuple[KeyKind, ...] = get_args(KeyKind)

_CURVES = {
    "ec": (ec.SECP256R1(), 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551),
    "p384": (
        ec.SECP384R1(),
        0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFC7634D81F4372DDF581A0DB248B0A77AECEC196ACCC52973,
    ),
}
_ALIASES = {"p256": "ec", "p-256": "ec", "ecdsa": "ec", "p-384": "p384", "rsa2048": "rsa"}
_KEY_DIR = "data/keys"
_PREFIX = "test-only-rsa-"


def _check_name(name: object) -> str:
    if not isinstance(name, str) or not name.strip():
        raise ParameterError(
            f"A key name must be a non-empty string such as 'alice' or 'root-ca', not {name!r}."
        )
    return name


@functools.cache
def rsa_key_names() -> tuple[str, ...]:
    """The names for which the lab ships a test-only RSA key."""
    folder = resources.files("pki_lab").joinpath(_KEY_DIR)
    names = [
        entry.name[len(_PREFIX) : -len(".pem")]
        for entry in folder.iterdir()
        if entry.name.startswith(_PREFIX) and entry.name.endswith(".pem")
    ]
    return tuple(sorted(names))


def named_key(name: str, kind: KeyKind = "ec") -> PrivateKey:
    """Return the lab's private key called ``name``, of the given ``kind``.

    Args:
        name: any non-empty string for ``"ec"``, ``"p384"`` and ``"ed25519"``; one of
            :func:`rsa_key_names` for ``"rsa"``.
        kind: ``"ec"`` (P-256, default), ``"p384"``, ``"ed25519"`` or ``"rsa"`` (:data:`KeyKind`); the
            spellings ``"p256"``, ``"P-256"``, ``"ecdsa"``, ``"P-384"`` and ``"rsa2048"`` are accepted too.

    Raises:
        ParameterError: for an empty name, an unknown kind, or an RSA name the lab
            does not ship.
    """
    # The checks come before the cache: an unhashable argument (a list) gets the sentence, not a TypeError.
    _check_name(name)
    if not isinstance(kind, str):
        raise ParameterError(f"`kind` must be one of {', '.join(KEY_KINDS)}, not {kind!r}.")
    return _named_key(name, _ALIASES.get(kind.lower(), kind.lower()))


@functools.cache
def _named_key(name: str, kind: str) -> PrivateKey:
    """The key itself, derived once per (name, kind): :func:`named_key` has checked both."""
    if kind in _CURVES:
        curve, order = _CURVES[kind]
        digest = hashlib.sha512(f"pki-lab/{kind}/{name}".encode()).digest()
        scalar = int.from_bytes(digest, "big") % (order - 1) + 1
        return ec.derive_private_key(scalar, curve)
    if kind == "ed25519":
        seed = hashlib.sha256(f"pki-lab/ed25519/{name}".encode()).digest()
        return ed25519.Ed25519PrivateKey.from_private_bytes(seed)
    if kind == "rsa":
        if name not in rsa_key_names():
            raise ParameterError(
                f"The lab has no RSA key called {name!r} (RSA keys cannot be derived from a "
                f"name, so they are shipped as files). Pick one of: {', '.join(rsa_key_names())}; "
                "or use kind='ec', which works with any name."
            )
        pem = resources.files("pki_lab").joinpath(f"{_KEY_DIR}/{_PREFIX}{name}.pem").read_bytes()
        return serialization.load_pem_private_key(pem, password=None)
    raise ParameterError(f"Unknown key kind {kind!r}; choose one of: {', '.join(KEY_KINDS)}.")


def public_key_of(key: object) -> PublicKey:
    """The public half of a private key, or the key itself if it is already public."""
    if hasattr(key, "public_key") and callable(key.public_key):
        return key.public_key()
    if isinstance(
        key,
        (rsa.RSAPublicKey, ec.EllipticCurvePublicKey, ed25519.Ed25519PublicKey, ed448.Ed448PublicKey),
    ):
        return key
    raise WrongTypeError(
        f"Expected an RSA, EC or Ed25519 key, got {type(key).__name__}; "
        "make one with pki_lab.named_key('name')."
    )


def key_summary(key: object) -> str:
    """A short human name for a key's type and size: 'EC P-256', 'RSA 2048', 'Ed25519'."""
    pub = public_key_of(key)
    if isinstance(pub, rsa.RSAPublicKey):
        return f"RSA {pub.key_size}"
    if isinstance(pub, ec.EllipticCurvePublicKey):
        names = {"secp256r1": "P-256", "secp384r1": "P-384", "secp521r1": "P-521"}
        return f"EC {names.get(pub.curve.name, pub.curve.name)}"
    if isinstance(pub, ed25519.Ed25519PublicKey):
        return "Ed25519"
    if isinstance(pub, ed448.Ed448PublicKey):
        return "Ed448"
    return type(pub).__name__  # pragma: no cover - public_key_of filters the rest


def signing_hash(key: object) -> hashes.HashAlgorithm | None:
    """The hash a certificate signed by ``key`` uses: SHA-384 for P-384, none for EdDSA, else SHA-256."""
    pub = public_key_of(key)
    if isinstance(pub, (ed25519.Ed25519PublicKey, ed448.Ed448PublicKey)):
        return None
    if isinstance(pub, ec.EllipticCurvePublicKey) and pub.curve.key_size >= 384:
        return hashes.SHA384()
    return hashes.SHA256()


def sign_bytes(private_key: object, data: bytes) -> bytes:
    """Sign ``data`` the way the lab signs everything: the hash chosen from the key by :func:`signing_hash`.

    ECDSA signs deterministically (RFC 6979), RSA with PKCS#1 v1.5, EdDSA as the algorithm defines. This is the
    one signer behind certificates' siblings that the lab writes by hand (CRLs, OCSP responses, proofs of
    possession, tree heads), so every signature over a P-384 key uses SHA-384.
    """
    if not isinstance(private_key, (rsa.RSAPrivateKey, ec.EllipticCurvePrivateKey, ed25519.Ed25519PrivateKey,
                                    ed448.Ed448PrivateKey)):
        raise WrongTypeError(
            f"`private_key` must be an RSA, EC or EdDSA private key, not {type(private_key).__name__}."
        )
    algorithm = signing_hash(private_key)
    if isinstance(private_key, ec.EllipticCurvePrivateKey):
        return private_key.sign(data, ec.ECDSA(algorithm, deterministic_signing=True))
    if isinstance(private_key, rsa.RSAPrivateKey):
        return private_key.sign(data, padding.PKCS1v15(), algorithm)
    return private_key.sign(data)


def verify_bytes(public_key: object, signature: bytes, data: bytes,
                 algorithm: hashes.HashAlgorithm | None = None) -> bool:
    """True when ``signature`` over ``data`` verifies with ``public_key`` (a public or private key).

    ``algorithm`` is the hash a signed structure names (an OCSP response's, a CRL's); without it the hash is the
    one :func:`signing_hash` chooses for the key. RSA is PKCS#1 v1.5. Any failure, including a key that cannot
    make this kind of signature, is ``False``: a signature that cannot be checked does not verify.
    """
    try:
        pub = public_key_of(public_key)
    except (WrongTypeError, ParameterError):
        return False
    if algorithm is None:
        algorithm = signing_hash(pub)
    try:
        if isinstance(pub, rsa.RSAPublicKey):
            pub.verify(signature, data, padding.PKCS1v15(), algorithm)
        elif isinstance(pub, ec.EllipticCurvePublicKey):
            pub.verify(signature, data, ec.ECDSA(algorithm))
        elif isinstance(pub, (ed25519.Ed25519PublicKey, ed448.Ed448PublicKey)):
            pub.verify(signature, data)
        else:  # pragma: no cover - public_key_of admits only the kinds above
            return False
    except (InvalidSignature, TypeError, ValueError):
        return False
    return True
