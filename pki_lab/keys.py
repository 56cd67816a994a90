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
  name in :func:`rsa_key_names`; ``"rsa3072"`` picks the 3,072-bit twin of a role's
  key (``named_key("server", "rsa3072")`` is the shipped ``server-3072``);
* ``"ml-dsa-44"``, ``"ml-dsa-65"``, ``"ml-dsa-87"`` (FIPS 204): the 32-byte seed
  (FIPS 204's xi, the private key format RFC 9881 recommends) is a SHA-256
  hash of the name, expanded by ``MLDSA65PrivateKey.from_seed_bytes``;
* ``"ml-kem-768"``, ``"ml-kem-1024"`` (FIPS 203, key encapsulation, not signing): the
  64-byte seed (d || z) is a SHA-512 hash of the name, expanded by
  ``MLKEM768PrivateKey.from_seed_bytes``.

A key that anyone can recompute from its name is, of course, not secret: these
keys are for learning only. Classical signatures repeat too: ECDSA signs with
``deterministic_signing=True`` (RFC 6979), Ed25519 and RSA PKCS#1 v1.5 are
deterministic by design. **ML-DSA signatures do not repeat**: cryptography signs in
FIPS 204's default *hedged* mode, which mixes fresh randomness into every signature,
so two signatures of the same bytes with the same key differ,
and so do the bytes and thumbprint of an ML-DSA-signed certificate. Both verify. The
lab therefore never prints ML-DSA signature bytes, only their sizes and verdicts.

ML-DSA and ML-KEM keys arrived in cryptography 48.0, ML-DSA *certificates* (its
X.509 builders) in 49.0, the course's floor; on an older release the lab raises a
:class:`~pki_lab.errors.ParameterError` that names 49.0 (:func:`require_ml_dsa_x509`).

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
from typing import Any, Literal, get_args

import cryptography
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, padding, rsa

from .errors import ParameterError, WrongTypeError

try:  # FIPS 204 and FIPS 203 arrived in cryptography 48.0; an older release gets a sentence, not an ImportError.
    from cryptography.hazmat.primitives.asymmetric import mldsa, mlkem
except ImportError:  # pragma: no cover - the course's floor has both
    mldsa = mlkem = None

__all__ = [
    "KEY_KINDS",
    "KEM_KINDS",
    "KeyKind",
    "KemKind",
    "ML_DSA_SIZES",
    "named_key",
    "canonical_kind",
    "rsa_key_names",
    "key_summary",
    "ml_dsa_level",
    "ml_kem_level",
    "is_randomised",
    "signing_hash",
    "sign_bytes",
    "verify_bytes",
    "public_key_of",
    "require_ml_dsa_x509",
]

PrivateKey = Any  # RSA, EC, Ed25519, ML-DSA (and ML-KEM) private keys of cryptography
PublicKey = Any

#: The kinds of signing key :func:`named_key` makes: P-256, P-384, Ed25519, the shipped test-only RSA keys
#: (2048 bits; ``"rsa3072"`` their 3,072-bit twins) and ML-DSA at its three levels (FIPS 204).
KeyKind = Literal["ec", "p384", "ed25519", "rsa", "rsa3072", "ml-dsa-44", "ml-dsa-65", "ml-dsa-87"]
KEY_KINDS: tuple[KeyKind, ...] = get_args(KeyKind)
#: The key-encapsulation kinds (FIPS 203): they make shared secrets, never signatures. cryptography (48.0 to
#: 50.0.2, as of 2026-12-01) implements ML-KEM-768 and ML-KEM-1024, not ML-KEM-512.
KemKind = Literal["ml-kem-768", "ml-kem-1024"]
KEM_KINDS: tuple[KemKind, ...] = get_args(KemKind)

#: FIPS 204 Table 2: (public key, signature) sizes in bytes of each ML-DSA level; the private key is a 32-byte seed.
ML_DSA_SIZES: dict[str, tuple[int, int]] = {"ML-DSA-44": (1312, 2420), "ML-DSA-65": (1952, 3309),
                                            "ML-DSA-87": (2592, 4627)}
_ML_DSA_CLASSES = {"ml-dsa-44": "MLDSA44", "ml-dsa-65": "MLDSA65", "ml-dsa-87": "MLDSA87"}
_ML_KEM_CLASSES = {"ml-kem-768": "MLKEM768", "ml-kem-1024": "MLKEM1024"}
#: cryptography's first release with ML-DSA keys, and the first whose X.509 builders take them.
MLDSA_RELEASE, MLDSA_X509_RELEASE = (48, 0), (49, 0)

_CURVES = {
    "ec": (ec.SECP256R1(), 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551),
    "p384": (
        ec.SECP384R1(),
        0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFC7634D81F4372DDF581A0DB248B0A77AECEC196ACCC52973,
    ),
}
_ALIASES = {"p256": "ec", "p-256": "ec", "ecdsa": "ec", "p-384": "p384", "rsa2048": "rsa", "rsa-2048": "rsa",
            "rsa-3072": "rsa3072", "mldsa44": "ml-dsa-44", "mldsa65": "ml-dsa-65", "mldsa87": "ml-dsa-87",
            "mlkem512": "ml-kem-512", "mlkem768": "ml-kem-768", "mlkem1024": "ml-kem-1024"}
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


def canonical_kind(kind: object) -> object:
    """``"ML-DSA-65"``, ``"mldsa65"``, ``"ml_dsa_65"`` -> ``"ml-dsa-65"``; ``"P-256"`` -> ``"ec"``; other spellings
    :func:`named_key` accepts to the kind they name (a value that is not a string is returned as it is)."""
    if not isinstance(kind, str):
        return kind
    lowered = kind.strip().lower()
    compact = lowered.replace("-", "").replace("_", "")
    return _ALIASES.get(lowered, _ALIASES.get(compact, lowered))


def named_key(name: str, kind: KeyKind | KemKind = "ec") -> PrivateKey:
    """Return the lab's private key called ``name``, of the given ``kind``.

    Args:
        name: any non-empty string for ``"ec"``, ``"p384"``, ``"ed25519"``, the ML-DSA and the ML-KEM
            kinds; one of :func:`rsa_key_names` for ``"rsa"``; a role with a 3,072-bit twin (``"root-ca"``,
            ``"intermediate-ca"``, ``"server"``, ``"client"``, ``"device"``) for ``"rsa3072"``.
        kind: ``"ec"`` (P-256, default), ``"p384"``, ``"ed25519"``, ``"rsa"``, ``"rsa3072"``, ``"ml-dsa-44"``,
            ``"ml-dsa-65"``, ``"ml-dsa-87"`` (:data:`KeyKind`), or ``"ml-kem-768"``, ``"ml-kem-1024"``
            (:data:`KemKind`). Spellings accepted too: ``"p256"``, ``"P-256"``, ``"ecdsa"``, ``"P-384"``,
            ``"rsa2048"``, ``"RSA-3072"``, and any case with or without dashes for ML-DSA and ML-KEM
            (``"ML-DSA-65"``, ``"mldsa65"``).

    An ML-DSA key signs with fresh randomness each time (hedged, FIPS 204): the key repeats, its
    signatures do not.

        >>> key_summary(named_key("root", "ML-DSA-65"))
        'ML-DSA-65'

    Raises:
        ParameterError: for an empty name, an unknown kind, an RSA name the lab does not ship, ML-KEM-512
            (which cryptography does not implement), or an ML-DSA/ML-KEM kind on a cryptography too old
            to have it (the message names 49.0, the course's floor).
    """
    # The checks come before the cache: an unhashable argument (a list) gets the sentence, not a TypeError.
    _check_name(name)
    if not isinstance(kind, str):
        raise ParameterError(f"`kind` must be one of {', '.join(KEY_KINDS + KEM_KINDS)}, not {kind!r}.")
    return _named_key(name, canonical_kind(kind))


def _pq_class(module: Any, prefix: str, what: str) -> Any:
    """cryptography's ``<prefix>PrivateKey`` class, or a ParameterError naming the release that has it."""
    cls = getattr(module, f"{prefix}PrivateKey", None) if module is not None else None
    if cls is None or not hasattr(cls, "from_seed_bytes"):
        raise ParameterError(
            f"{what} needs cryptography {'.'.join(map(str, MLDSA_X509_RELEASE))} or newer, the course's floor "
            f"({what} keys arrived in {'.'.join(map(str, MLDSA_RELEASE))}, certificates with them in "
            f"{'.'.join(map(str, MLDSA_X509_RELEASE))}), and this is cryptography {cryptography.__version__}; "
            "upgrade it (pip install 'cryptography>=49') and restart the kernel."
        )
    return cls


def _from_seed(cls: Any, seed: bytes, what: str) -> PrivateKey:
    """``cls.from_seed_bytes(seed)``; a backend without the algorithm (cryptography 47's OpenSSL wheels have the
    ML-DSA classes but raise UnsupportedAlgorithm) gets the sentence naming the release needed."""
    try:
        return cls.from_seed_bytes(seed)
    except UnsupportedAlgorithm:
        _pq_class(None, "", what)  # raises the ParameterError that names the release
        raise  # pragma: no cover - _pq_class always raises here


def require_ml_dsa_x509(key: object) -> None:
    """Refuse, with the release needed, to put an ML-DSA key into a certificate, CSR or CRL on cryptography < 49.

    cryptography 48 has ML-DSA keys but its X.509 builders refuse them (``CertificateBuilder.public_key`` and
    every builder's ``sign``); 49.0 accepts them. Other keys pass untouched.

    Raises:
        ParameterError: ``key`` (private or public) is an ML-DSA key and cryptography is older than 49.0.
    """
    if ml_dsa_level(key) is None:
        return
    if tuple(int(p) for p in cryptography.__version__.split(".")[:2]) < MLDSA_X509_RELEASE:
        raise ParameterError(
            f"ML-DSA certificates, CSRs and CRLs need cryptography {'.'.join(map(str, MLDSA_X509_RELEASE))} or "
            f"newer: cryptography {cryptography.__version__} has ML-DSA keys, but its X.509 builders refuse them. "
            "Upgrade it (pip install 'cryptography>=49') and restart the kernel."
        )


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
    if kind in _ML_DSA_CLASSES:
        # FIPS 204 ML-DSA.KeyGen_internal(xi) from a 32-byte seed xi; domain-separated by kind, like the others.
        cls = _pq_class(mldsa, _ML_DSA_CLASSES[kind], "ML-DSA")
        return _from_seed(cls, hashlib.sha256(f"pki-lab/{kind}/{name}".encode()).digest(), "ML-DSA")
    if kind in _ML_KEM_CLASSES:
        # FIPS 203 ML-KEM.KeyGen_internal(d, z) from a 64-byte seed d || z.
        cls = _pq_class(mlkem, _ML_KEM_CLASSES[kind], "ML-KEM")
        return _from_seed(cls, hashlib.sha512(f"pki-lab/{kind}/{name}".encode()).digest(), "ML-KEM")
    if kind == "ml-kem-512":
        raise ParameterError(
            f"cryptography {cryptography.__version__} implements ML-KEM-768 and ML-KEM-1024 but not ML-KEM-512; "
            "use kind='ml-kem-768' (the level TLS's X25519MLKEM768 uses)."
        )
    if kind in ("rsa", "rsa3072"):
        return _rsa_key(name, kind)
    raise ParameterError(f"Unknown key kind {kind!r}; choose one of: {', '.join(KEY_KINDS + KEM_KINDS)}.")


def _rsa_key(name: str, kind: str) -> PrivateKey:
    """A shipped test-only RSA key: ``name`` itself, or for ``"rsa3072"`` the file ``<name>-3072``."""
    file_name = f"{name}-3072" if kind == "rsa3072" else name
    if file_name not in rsa_key_names():
        if kind == "rsa3072":
            twins = [n[: -len("-3072")] for n in rsa_key_names() if n.endswith("-3072")]
            raise ParameterError(
                f"The lab has no 3,072-bit RSA key for {name!r} (RSA keys cannot be derived from a name, so "
                f"they are shipped as files). Pick one of: {', '.join(twins)}; or use kind='ec'."
            )
        raise ParameterError(
            f"The lab has no RSA key called {name!r} (RSA keys cannot be derived from a "
            f"name, so they are shipped as files). Pick one of: {', '.join(rsa_key_names())}; "
            "or use kind='ec', which works with any name."
        )
    pem = resources.files("pki_lab").joinpath(f"{_KEY_DIR}/{_PREFIX}{file_name}.pem").read_bytes()
    return serialization.load_pem_private_key(pem, password=None)


def _public_classes() -> tuple[type, ...]:
    classes: list[type] = [rsa.RSAPublicKey, ec.EllipticCurvePublicKey, ed25519.Ed25519PublicKey,
                           ed448.Ed448PublicKey]
    for module, prefixes in ((mldsa, _ML_DSA_CLASSES.values()), (mlkem, _ML_KEM_CLASSES.values())):
        classes += [getattr(module, f"{p}PublicKey") for p in prefixes if hasattr(module, f"{p}PublicKey")]
    return tuple(classes)


_PUBLIC_CLASSES = _public_classes()


def _pq_level(key: object, module: Any, classes: dict[str, str]) -> str | None:
    """The kind's display name (``"ML-DSA-65"``) whose private or public class ``key`` is an instance of, else None."""
    if module is None:  # pragma: no cover - cryptography < 48
        return None
    for kind, prefix in classes.items():
        if isinstance(key, (getattr(module, f"{prefix}PrivateKey"), getattr(module, f"{prefix}PublicKey"))):
            return kind.upper()
    return None


def ml_dsa_level(key: object) -> str | None:
    """``"ML-DSA-44"``, ``"ML-DSA-65"`` or ``"ML-DSA-87"`` for an ML-DSA key (private or public), else None."""
    return _pq_level(key, mldsa, _ML_DSA_CLASSES)


def ml_kem_level(key: object) -> str | None:
    """``"ML-KEM-768"`` or ``"ML-KEM-1024"`` for an ML-KEM key (private or public), else None."""
    return _pq_level(key, mlkem, _ML_KEM_CLASSES)


def is_randomised(key: object) -> bool:
    """True when the lab's signatures with ``key`` differ every time (ML-DSA, hedged); False for RSA, ECDSA, EdDSA."""
    return ml_dsa_level(key) is not None


def public_key_of(key: object) -> PublicKey:
    """The public half of a private key, or the key itself if it is already public."""
    if hasattr(key, "public_key") and callable(key.public_key):
        return key.public_key()
    if isinstance(key, _PUBLIC_CLASSES):
        return key
    raise WrongTypeError(
        f"Expected an RSA, EC or Ed25519 key (or an ML-DSA key), got {type(key).__name__}; "
        "make one with pki_lab.named_key('name')."
    )


def key_summary(key: object) -> str:
    """A short human name for a key's type and size: 'EC P-256', 'RSA 2048', 'Ed25519', 'ML-DSA-65', 'ML-KEM-768'."""
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
    return ml_dsa_level(pub) or ml_kem_level(pub) or type(pub).__name__


def signing_hash(key: object) -> hashes.HashAlgorithm | None:
    """The hash a certificate signed by ``key`` uses: SHA-384 for P-384, none for EdDSA and ML-DSA, else SHA-256.

    EdDSA and ML-DSA sign the message itself (ML-DSA hashes inside the algorithm, with SHAKE256 (FIPS 204);
    RFC 9881 section 3 uses "pure" ML-DSA with an empty context), so a builder is signed with
    ``sign(key, None)``.

    Raises:
        WrongTypeError: ``key`` is not a key, or is an ML-KEM key (which cannot sign).
    """
    pub = public_key_of(key)
    if ml_kem_level(pub):
        raise WrongTypeError(f"An {ml_kem_level(pub)} key encapsulates shared secrets and cannot sign, so it has no "
                             "signing hash; sign with an ML-DSA key, for example named_key('name', 'ml-dsa-65').")
    if isinstance(pub, (ed25519.Ed25519PublicKey, ed448.Ed448PublicKey)) or ml_dsa_level(pub):
        return None
    if isinstance(pub, ec.EllipticCurvePublicKey) and pub.curve.key_size >= 384:
        return hashes.SHA384()
    return hashes.SHA256()


def sign_bytes(private_key: object, data: bytes) -> bytes:
    """Sign ``data`` the way the lab signs everything: the hash chosen from the key by :func:`signing_hash`.

    ECDSA signs deterministically (RFC 6979), RSA with PKCS#1 v1.5, EdDSA as the algorithm defines. ML-DSA
    signs "pure" ML-DSA with an empty context (FIPS 204 Algorithm 2; RFC 9881 section 3) in its default hedged
    mode: each call draws fresh randomness, so **two ML-DSA signatures of the same data differ** (both verify);
    never print or compare them. This is the one signer behind certificates' siblings that the lab writes by
    hand (CRLs, OCSP responses, proofs of possession, tree heads), so every signature over a P-384 key uses
    SHA-384.

    Raises:
        WrongTypeError: ``private_key`` is not a private signing key (an ML-KEM key, which cannot sign, says so).
    """
    if ml_kem_level(private_key):
        raise WrongTypeError(
            f"An {ml_kem_level(private_key)} key encapsulates shared secrets and cannot sign; sign with an "
            "ML-DSA key, for example named_key('name', 'ml-dsa-65')."
        )
    if not (isinstance(private_key, (rsa.RSAPrivateKey, ec.EllipticCurvePrivateKey, ed25519.Ed25519PrivateKey,
                                     ed448.Ed448PrivateKey))
            or (ml_dsa_level(private_key) and hasattr(private_key, "sign"))):
        raise WrongTypeError(
            f"`private_key` must be an RSA, EC, EdDSA or ML-DSA private key, not {type(private_key).__name__}."
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
    one :func:`signing_hash` chooses for the key. RSA is PKCS#1 v1.5; ML-DSA is pure ML-DSA with an empty
    context, so a signature made at one level never verifies at another (an ML-DSA-44 signature checked with
    an ML-DSA-65 key is ``False``). Any failure, including a key that cannot make this kind of signature, is
    ``False``: a signature that cannot be checked does not verify. A randomised ML-DSA signature verifies
    like any other: only its bytes change from one signing to the next.
    """
    try:
        pub = public_key_of(public_key)
    except (WrongTypeError, ParameterError):
        return False
    if ml_kem_level(pub):  # a KEM key verifies nothing
        return False
    if algorithm is None:
        algorithm = signing_hash(pub)
    try:
        if isinstance(pub, rsa.RSAPublicKey):
            pub.verify(signature, data, padding.PKCS1v15(), algorithm)
        elif isinstance(pub, ec.EllipticCurvePublicKey):
            pub.verify(signature, data, ec.ECDSA(algorithm))
        elif isinstance(pub, (ed25519.Ed25519PublicKey, ed448.Ed448PublicKey)) or ml_dsa_level(pub):
            pub.verify(signature, data)
        else:  # pragma: no cover - public_key_of admits only the kinds above
            return False
    except (InvalidSignature, TypeError, ValueError):
        return False
    return True
