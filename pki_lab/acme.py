"""What an ACME client proves, computed offline: key authorizations for HTTP-01 and DNS-01 (RFC 8555).

ACME (RFC 8555) lets a CA check that the account asking for a certificate controls
each domain name. The CA sends a random **token** per challenge; the client answers
with a **key authorization**, the token joined to the thumbprint of its account key
(RFC 8555 section 8.1), so the answer is bound to that one account:

* **HTTP-01** (section 8.3): serve the key authorization at
  ``http://<domain>/.well-known/acme-challenge/<token>``;
* **DNS-01** (section 8.4): publish a TXT record ``_acme-challenge.<domain>`` holding
  base64url(SHA-256(key authorization)).

The thumbprint is the JWK thumbprint of RFC 7638: SHA-256 over the key's required
JWK members, in lexicographic order, without whitespace. Nothing here talks to a
network; it computes the values a client would publish and checks them as a CA would.

    >>> from pki_lab.acme import jwk_thumbprint
    >>> from pki_lab.keys import named_key
    >>> len(jwk_thumbprint(named_key("acme-account")))
    43
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import json
import re
from typing import Any, Literal

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

from .errors import ParameterError, WrongTypeError, a_type
from .keys import public_key_of

__all__ = ["b64url", "jwk", "jwk_thumbprint", "key_authorization", "ChallengeKind", "Challenge", "http01", "dns01",
           "check_answer"]

#: The two challenge types of RFC 8555 section 8 the lab shows.
ChallengeKind = Literal["http-01", "dns-01"]

_CURVES = {"secp256r1": ("P-256", 32), "secp384r1": ("P-384", 48), "secp521r1": ("P-521", 66)}
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{22,}$")  # base64url, at least 128 bits (RFC 8555 8.3)


def b64url(data: bytes) -> str:
    """Base64url without padding (RFC 7515 section 2), as JOSE and ACME use it."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _int_bytes(value: int, length: int | None = None) -> bytes:
    return value.to_bytes(length or max(1, (value.bit_length() + 7) // 8), "big")


def jwk(key: Any) -> dict[str, str]:
    """The required members of the public key's JWK (RFC 7518 section 6, RFC 8037 for Ed25519)."""
    public = public_key_of(key)
    if isinstance(public, rsa.RSAPublicKey):
        numbers = public.public_numbers()
        return {"e": b64url(_int_bytes(numbers.e)), "kty": "RSA", "n": b64url(_int_bytes(numbers.n))}
    if isinstance(public, ec.EllipticCurvePublicKey):
        if public.curve.name not in _CURVES:
            raise ParameterError(f"JOSE has no name for the curve {public.curve.name}; use P-256, P-384 or P-521.")
        crv, size = _CURVES[public.curve.name]
        numbers = public.public_numbers()
        return {"crv": crv, "kty": "EC", "x": b64url(_int_bytes(numbers.x, size)),
                "y": b64url(_int_bytes(numbers.y, size))}
    if isinstance(public, ed25519.Ed25519PublicKey):
        raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        return {"crv": "Ed25519", "kty": "OKP", "x": b64url(raw)}
    raise WrongTypeError(f"No JWK form for {a_type(public)}; use an RSA, EC or Ed25519 key.")


def jwk_thumbprint(key: Any) -> str:
    """The RFC 7638 thumbprint of the key: base64url(SHA-256(canonical JSON of the required members))."""
    canonical = json.dumps(jwk(key), separators=(",", ":"), sort_keys=True)
    return b64url(hashlib.sha256(canonical.encode("utf-8")).digest())


def _check_token(token: object) -> str:
    if not isinstance(token, str) or not _TOKEN.match(token):
        raise ParameterError(f"An ACME token is base64url text of at least 128 bits (22 characters), not {token!r}.")
    return token


def key_authorization(token: str, account_key: Any) -> str:
    """``token + "." + thumbprint(account key)`` (RFC 8555 section 8.1)."""
    return f"{_check_token(token)}.{jwk_thumbprint(account_key)}"


@dataclasses.dataclass(frozen=True)
class Challenge:
    """What the client must publish for one challenge: where, and what."""

    kind: ChallengeKind
    domain: str
    where: str
    value: str

    def __str__(self) -> str:
        how = "serve at" if self.kind == "http-01" else "publish a TXT record"
        return f"{self.kind} for {self.domain}: {how} {self.where}\n  content: {self.value}"

    __repr__ = __str__


def _domain(domain: object) -> str:
    if not isinstance(domain, str) or "." not in domain or " " in domain or domain.startswith("*"):
        raise ParameterError(f"`domain` must be a host name such as 'www.example.com', not {domain!r} "
                             "(a wildcard name can only be validated with DNS-01 on its base domain).")
    return domain.lower().rstrip(".")


def http01(domain: str, token: str, account_key: Any) -> Challenge:
    """The file an HTTP-01 answer serves (RFC 8555 section 8.3), on port 80 of ``domain``."""
    host = _domain(domain)
    return Challenge("http-01", host, f"http://{host}/.well-known/acme-challenge/{_check_token(token)}",
                     key_authorization(token, account_key))


def dns01(domain: str, token: str, account_key: Any) -> Challenge:
    """The TXT record a DNS-01 answer publishes (RFC 8555 section 8.4)."""
    host = _domain(domain)
    digest = hashlib.sha256(key_authorization(token, account_key).encode("ascii")).digest()
    return Challenge("dns-01", host, f"_acme-challenge.{host}", b64url(digest))


def check_answer(challenge: Challenge, published: str | None) -> str:
    """What the CA concludes when it fetches ``published`` (None: nothing found) for ``challenge``."""
    if not isinstance(challenge, Challenge):
        raise WrongTypeError(f"`challenge` must be a Challenge, not {type(challenge).__name__}.")
    if published is None:
        return f"invalid: nothing found at {challenge.where}, so control of {challenge.domain} is not shown."
    if published.strip() != challenge.value:
        return (f"invalid: {challenge.where} holds a different value, made for another token or another account "
                "key; the CA does not issue.")
    return f"valid: {challenge.where} holds the key authorization, so this account controls {challenge.domain}."
