"""Exercises of chapter 10, TLS in practice (real handshakes on loopback).

Each asks for a step of reasoning the chapter's printed output does not show: read a suite's name, predict a
misconfiguration's failure, predict what a server makes of the wrong certificate, judge suites for forward
secrecy. The expected answers are computed with the lab (real handshakes, :func:`pki_lab.tls.suite_parts`).
"""

from __future__ import annotations

from ..tls import FAILURES, lab_tls_pki, suite_parts, tls_connect, tls_server
from . import Exercise, register


def _failure_name(value) -> str:
    return " ".join(str(value).replace("-", " ").split()).casefold()


def _tls12_suite() -> str:
    pki = lab_tls_pki()
    with tls_server(pki.server_chain, pki.server_key) as server:
        return tls_connect(server.address, trust=[pki.root], host=pki.host, max_version="TLSv1.2").cipher


def _authentication() -> str:
    return suite_parts(_tls12_suite()).authentication


def _coach_authentication(answer, _expected) -> str:
    given = str(answer).strip().upper()
    if given in ("ECDHE", "DHE"):
        return ("That part names the key exchange: keys made for this connection only and thrown away. "
                "Which part names what the long-lived key in the server's certificate does?")
    if any(part in given for part in ("AES", "GCM", "CHACHA", "SHA")):
        return "That part protects the records after the handshake; the certificate's key is not used there."
    return "Split the suite's name at each '-': one part is the key exchange, one the signature, the rest records."


register(Exercise(
    id="10.1",
    prompt="The TLS 1.2 handshake above negotiated `result12.cipher`. The server's certificate holds a long-lived "
           "key; in this suite that key only signs. Which part of the suite's name (between the '-') names the "
           "algorithm the certificate's key signs with? Answer that part, as a string.",
    expected=_authentication,
    accepts=(str,),
    normalize=lambda v: str(v).strip().upper(),
    hints=(
        "A TLS 1.2 suite name, as OpenSSL writes it, reads: key exchange - authentication - record cipher - hash.",
        "result12.cipher.split('-') lists the parts; the certificate's key is an EC key.",
    ),
    solution_code="result12.cipher.split('-')[1]",
    explanation="In ECDHE-ECDSA-..., ECDHE is the ephemeral key exchange (forward secrecy) and ECDSA the signature "
                "the certificate's key makes over the key exchange parameters (RFC 8422 5.4); the key never "
                "encrypts a session key. suite_parts(result12.cipher) reads the name the same way.",
    coach=_coach_authentication,
))


def _root_instead() -> str:
    pki = lab_tls_pki()
    with tls_server([pki.server_cert, pki.root], pki.server_key) as server:
        return tls_connect(server.address, trust=[pki.root], host=pki.host).failure


register(Exercise(
    id="10.2",
    prompt="A server operator mixes up the files: the server sends its leaf and the *root* "
           "(`tls_server([pki.server_cert, pki.root], pki.server_key)`), not the intermediate. The client trusts "
           "pki.root. Predict first, then run it: which failure does the client report? Answer with one of "
           "pki_lab.tls.FAILURES.",
    expected=_root_instead,
    accepts=(str,),
    normalize=_failure_name,
    hints=(
        "The client needs a chain of signatures from the leaf up to a root it trusts. Who signed the leaf?",
        "with tls_server([pki.server_cert, pki.root], pki.server_key) as server: "
        "result = tls_connect(server.address, trust=[pki.root], host=pki.host); then read result.failure.",
    ),
    solution_code=(
        "with tls_server([pki.server_cert, pki.root], pki.server_key) as server:\n"
        "    result = tls_connect(server.address, trust=[pki.root], host=pki.host)\n"
        "result.failure"
    ),
    explanation="The root the server sent is the one the client trusts, but the root did not sign the leaf: the "
                "issuing CA did, and it was not sent. A root in the chain never replaces an intermediate "
                "(RFC 8446 4.4.2: each certificate certifies the one before it).",
    coach=lambda a, e: "The client does trust that root; what links the leaf to it?"
    if "unknown" in _failure_name(a) else
    (None if _failure_name(a) in {_failure_name(f) for f in FAILURES}
     else "Answer with one of the names in pki_lab.tls.FAILURES."),
))


def _wrong_purpose() -> str:
    pki = lab_tls_pki()
    with tls_server(pki.server_chain, pki.server_key, client_roots=[pki.root], require_client_cert=True) as server:
        return tls_connect(server.address, trust=[pki.root], host=pki.host,
                           client_chain=[pki.server_cert, pki.issuing], client_key=pki.server_key).failure


def _coach_purpose(answer, _expected) -> str | None:
    given = _failure_name(answer)
    if given == "client certificate required":
        return "The client did send a certificate this time, and its key; the server looked at it and refused it."
    if given in ("client certificate rejected", "unknown ca"):
        return ("The server trusts the CA that issued that certificate. Look at pki.server_cert's extended key "
                "usage: what is it allowed to be used for?")
    if given not in {_failure_name(f) for f in FAILURES}:
        return "Answer with one of the names in pki_lab.tls.FAILURES."
    return None


register(Exercise(
    id="10.3",
    prompt="A device has no certificate of its own, so its developer lends it the server's: in mutual TLS it "
           "presents `client_chain=[pki.server_cert, pki.issuing]` with `client_key=pki.server_key`, to a server "
           "that requires client certificates issued under pki.root. Predict first, then run it: which failure "
           "does the client report? Answer with one of pki_lab.tls.FAILURES.",
    expected=_wrong_purpose,
    accepts=(str,),
    normalize=_failure_name,
    hints=(
        "The certificate chains to a root the server trusts, and the device holds its key. What else does a "
        "server check about a client's certificate? Compare the extKeyUsage rows of describe(pki.server_cert) and "
        "describe(pki.device_cert) (from pki_lab import describe).",
        "with tls_server(pki.server_chain, pki.server_key, client_roots=[pki.root], require_client_cert=True) as "
        "server: result = tls_connect(..., client_chain=[pki.server_cert, pki.issuing], client_key=pki.server_key)",
    ),
    solution_code=(
        "with tls_server(pki.server_chain, pki.server_key, client_roots=[pki.root], require_client_cert=True) as "
        "server:\n"
        "    result = tls_connect(server.address, trust=[pki.root], host=pki.host,\n"
        "                         client_chain=[pki.server_cert, pki.issuing], client_key=pki.server_key)\n"
        "result.failure"
    ),
    explanation="The server certificate's extendedKeyUsage allows serverAuth only, and a TLS server checks that a "
                "client's certificate allows clientAuth (RFC 5280 4.2.1.12); OpenSSL refuses it with an "
                "unsupported_certificate alert. A device needs a certificate and key issued for it, with "
                "clientAuth: a copy of the server's private key on a device is a stolen server key waiting to "
                "happen.",
    coach=_coach_purpose,
))

#: The TLS 1.2 suites of exercise 10.4, as OpenSSL names them (SSLSocket.cipher()).
SUITES = ("ECDHE-ECDSA-AES256-GCM-SHA384", "AES256-GCM-SHA384", "DHE-RSA-AES128-GCM-SHA256",
          "AES128-SHA256", "ECDHE-RSA-CHACHA20-POLY1305")


def _forward_secret() -> list[str]:
    return sorted(s for s in SUITES if suite_parts(s).forward_secret)


def _as_names(value) -> list[str]:
    items = [value] if isinstance(value, str) else list(value)
    return sorted(str(item).strip().upper() for item in items)


def _coach_secret(answer, expected) -> str:
    given = set(_as_names(answer))
    if given - set(SUITES):
        return "Answer with names from pki_lab.exercises.ch10.SUITES, spelled as there."
    wrong = sorted(given - set(expected))
    if wrong:
        return (f"{wrong[0]} has no ephemeral key exchange: the client encrypts the premaster secret with the "
                "server's RSA key, so whoever steals that key later can decrypt recordings.")
    return "Some suites with an ephemeral key exchange are missing; look at each name's first part."


register(Exercise(
    id="10.4",
    prompt="Which of the TLS 1.2 suites in `pki_lab.exercises.ch10.SUITES` give forward secrecy (a later theft of "
           "the server's certificate key cannot decrypt recorded sessions)? Answer a list of suite names.",
    expected=_forward_secret,
    accepts=(list, tuple, set),
    compare=lambda a, e: _as_names(a) == sorted(e),
    hints=(
        "Forward secrecy needs session keys from an ephemeral Diffie-Hellman exchange: ECDHE or DHE. "
        "A suite that names no key exchange uses RSA key transport (RFC 5246 7.4.7.1).",
        "suite_parts(name).key_exchange reads each name; pick those whose key exchange is ephemeral.",
    ),
    solution_code=(
        "from pki_lab.exercises.ch10 import SUITES\n"
        "from pki_lab.tls import suite_parts\n"
        "[name for name in SUITES if suite_parts(name).forward_secret]"
    ),
    explanation="ECDHE and DHE make a fresh key pair for each connection and throw it away; the certificate's key "
                "only signs. The other suites send the premaster secret encrypted with the server's RSA key, which "
                "TLS 1.3 removed for that reason (RFC 8446 1.2). Forward secrecy is a matter of the key exchange "
                "only: four of the five protect records with an AEAD cipher, and AES128-SHA256 pairs a CBC "
                "cipher with a separate HMAC.",
    coach=_coach_secret,
    wrong_example=["AES256-GCM-SHA384"],
))
