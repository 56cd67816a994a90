"""ACME's domain-validation values (RFC 8555 8.1, 8.3, 8.4) and the JWK thumbprint (RFC 7638)."""

import base64
import hashlib

import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from pki_lab.acme import b64url, check_answer, dns01, http01, jwk, jwk_thumbprint, key_authorization
from pki_lab.errors import ParameterError, WrongTypeError
from pki_lab.keys import named_key

# RFC 7638 section 3.1: the example RSA key and its thumbprint.
RFC7638_N = (
    "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknj"
    "hMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQ"
    "vRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzK"
    "nqDKgw"
)
RFC7638_THUMBPRINT = "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"
TOKEN = "evaGxfADs6pSRb2LAv9IZf17Dt3juxGJ-PCt92wr-oA"


def _unb64(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def test_rfc7638_example_thumbprint():
    n = int.from_bytes(_unb64(RFC7638_N), "big")
    key = rsa.RSAPublicNumbers(65537, n).public_key()
    assert jwk(key) == {"e": "AQAB", "kty": "RSA", "n": RFC7638_N}
    assert jwk_thumbprint(key) == RFC7638_THUMBPRINT


@pytest.mark.parametrize(("kind", "crv", "size"), [("ec", "P-256", 32), ("p384", "P-384", 48)])
def test_ec_jwk_has_fixed_size_coordinates(kind, crv, size):
    key = named_key("acme-account", kind)
    members = jwk(key)
    assert members["crv"] == crv and members["kty"] == "EC"
    numbers = key.public_key().public_numbers()
    assert _unb64(members["x"]) == numbers.x.to_bytes(size, "big")
    assert _unb64(members["y"]) == numbers.y.to_bytes(size, "big")


def test_ed25519_jwk_is_okp():
    members = jwk(named_key("acme-account", "ed25519"))
    assert members["kty"] == "OKP" and members["crv"] == "Ed25519" and len(_unb64(members["x"])) == 32


def test_http01_and_dns01_values_follow_rfc8555():
    account = named_key("acme-account")
    auth = key_authorization(TOKEN, account)
    assert auth == f"{TOKEN}.{jwk_thumbprint(account)}"
    http = http01("WWW.Example.com", TOKEN, account)
    assert http.where == f"http://www.example.com/.well-known/acme-challenge/{TOKEN}"
    assert http.value == auth
    dns = dns01("www.example.com", TOKEN, account)
    assert dns.where == "_acme-challenge.www.example.com"
    assert dns.value == base64.urlsafe_b64encode(hashlib.sha256(auth.encode()).digest()).decode().rstrip("=")
    assert "serve at http://www.example.com/" in str(http) and "publish a TXT record" in str(dns)


def test_the_answer_is_bound_to_the_account_key():
    mine, theirs = named_key("acme-account"), named_key("someone-else")
    challenge = http01("www.example.com", TOKEN, mine)
    assert check_answer(challenge, challenge.value + "\n").startswith("valid: ")
    forged = http01("www.example.com", TOKEN, theirs).value
    assert check_answer(challenge, forged) == (
        "invalid: http://www.example.com/.well-known/acme-challenge/" + TOKEN + " holds a different value, made for "
        "another token or another account key; the CA does not issue.")
    assert check_answer(challenge, None) == (
        "invalid: nothing found at http://www.example.com/.well-known/acme-challenge/" + TOKEN + ", so control of "
        "www.example.com is not shown.")


def test_readable_errors():
    with pytest.raises(ParameterError, match="at least 128 bits"):
        key_authorization("short", named_key("a"))
    with pytest.raises(ParameterError, match="wildcard name can only be validated with DNS-01"):
        http01("*.example.com", TOKEN, named_key("a"))
    with pytest.raises(ParameterError, match="no name for the curve secp256k1"):
        jwk(ec.derive_private_key(5, ec.SECP256K1()))
    with pytest.raises(WrongTypeError, match="must be a Challenge"):
        check_answer("challenge", "x")
    assert b64url(b"\xff\xfe") == "__4"
