"""OCSP stapling, Must-Staple, soft-fail versus hard-fail, and reading real OCSP responses.

**Stapling** (RFC 6066 section 8, RFC 8446 4.4.2.1): the TLS server fetches a
fresh OCSP response for its own certificate and sends it in the handshake, so
the client asks no one: no privacy leak to the CA, no extra round trip, and the
response is still signed by the CA's responder, so the server cannot forge it.

**Must-Staple** (RFC 7633): a certificate extension that tells clients "refuse
me without a staple", closing the soft-fail gap for that certificate.

**Soft-fail**: when a client cannot reach the responder, most carry on as if
the certificate were good. An attacker who holds a stolen key and can block the
client's traffic to the responder therefore wins; :func:`revocation_decision`
simulates every policy. The rule itself (mode and status to accept, reject or
accept-with-warning) is :func:`pki_lab.validation.crl.decide_revocation`, the one
place the lab decides it.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import http.client
import urllib.error
from typing import Any

from cryptography import x509
from cryptography.x509 import ocsp

from ..errors import MalformedInputError, ParameterError, WrongTypeError
from ..keys import verify_bytes
from ..validation.crl import RevocationDecision, RevocationMode, RevocationStatus, decide_revocation
from .ocsp import OcspAnswer, OcspResponder, build_request, http_request, query_ocsp, verify_response
from .ocsp_client import UNREADABLE

__all__ = [
    "fetch_staple",
    "must_staple",
    "Decision",
    "revocation_decision",
    "ResponseSummary",
    "summarize_response",
    "signed_by",
]


def fetch_staple(responder: OcspResponder, cert: x509.Certificate) -> bytes | None:
    """What a TLS server staples: a fresh response for its own certificate, fetched by the server.

    Over HTTP when the responder is running (as a real server does, every few
    hours); straight from the responder object otherwise. ``None`` when the
    responder did not answer: a real server then staples nothing.
    """
    request = build_request(cert, responder.issuer)
    if not responder.running:
        return responder.respond(request, method="staple")
    try:
        return http_request(responder.url, request, "POST", 2.0)
    except (urllib.error.URLError, OSError, http.client.HTTPException):
        return None


def must_staple(cert: x509.Certificate) -> bool:
    """Does the certificate carry the TLS Feature extension status_request ("Must-Staple", RFC 7633)?"""
    try:
        features = cert.extensions.get_extension_for_class(x509.TLSFeature).value
    except x509.ExtensionNotFound:
        return False
    return x509.TLSFeatureType.status_request in features


@dataclasses.dataclass(frozen=True)
class Decision:
    """A client's decision about a certificate under a revocation policy, and the OCSP answer it rests on."""

    policy: RevocationMode
    answer: OcspAnswer
    verdict: RevocationDecision

    @property
    def accepted(self) -> bool:
        return self.verdict.accepted

    def sentence(self) -> str:
        verdict = "ACCEPTS" if self.accepted else "REJECTS"
        return f"{self.policy} client {verdict} the certificate; OCSP said {self.answer.sentence()}"


def revocation_decision(cert: x509.Certificate, issuer: Any, *, url: str | None = None, staple: bytes | None = None,
                        policy: RevocationMode | str = "soft-fail", at: _dt.datetime | None = None,
                        timeout: float = 1.0) -> Decision:
    """What a client with ``policy`` does with a stapled response or a live query.

    ``policy`` is a :class:`~pki_lab.validation.crl.RevocationMode` or its name: "require",
    "hard-fail", "soft-fail" or "off".
    A Must-Staple certificate turns any checking policy into "require" (RFC 7633 4.2.3): without a
    valid staple it is refused, whatever the client would otherwise tolerate. The verdict comes from
    :func:`~pki_lab.validation.crl.decide_revocation`.
    """
    mode = RevocationMode.parse(policy, "policy")
    if staple is not None:
        answer = verify_response(staple, cert, issuer, at=at)
    elif must_staple(cert):
        answer = OcspAnswer(RevocationStatus.INVALID,
                            "The certificate is Must-Staple but the server sent no staple (RFC 7633).")
    elif url is not None:
        answer = query_ocsp(url, cert, issuer, at=at, timeout=timeout)
    else:
        answer = OcspAnswer(RevocationStatus.UNCHECKED,
                            "The certificate names no responder and the server sent no staple.")
    strict = RevocationMode.REQUIRE if must_staple(cert) and mode != RevocationMode.OFF else mode
    return Decision(mode, answer, decide_revocation(strict, answer.status))


@dataclasses.dataclass(frozen=True)
class ResponseSummary:
    """The readable fields of an OCSP response (a real one from ``pki_lab.data``, say)."""

    status: RevocationStatus
    serial_hex: str
    produced_at: _dt.datetime
    this_update: _dt.datetime
    next_update: _dt.datetime | None
    responder: str
    embedded_certificates: tuple[str, ...]
    revocation_time: _dt.datetime | None
    revocation_reason: str | None
    has_nonce: bool

    def lines(self) -> list[str]:
        out = [f"status: {self.status}", f"serial: {self.serial_hex}", f"responder: {self.responder}",
               f"producedAt: {self.produced_at.isoformat()}", f"thisUpdate: {self.this_update.isoformat()}",
               f"nextUpdate: {self.next_update.isoformat() if self.next_update else '(none)'}"]
        if self.revocation_time:
            out.append(f"revoked: {self.revocation_time.isoformat()} ({self.revocation_reason or 'no reason'})")
        certs = ", ".join(self.embedded_certificates) or "none (signed by the CA itself)"
        return out + [f"responder certificates included: {certs}", f"nonce: {'yes' if self.has_nonce else 'no'}"]


def _load(response: Any) -> ocsp.OCSPResponse:
    if isinstance(response, ocsp.OCSPResponse):
        return response
    if not isinstance(response, (bytes, bytearray, memoryview)):
        raise WrongTypeError(f"An OCSP response is DER bytes or an ocsp.OCSPResponse, not {type(response).__name__}.")
    try:
        return ocsp.load_der_ocsp_response(bytes(response))
    except ValueError:
        raise MalformedInputError("These bytes are not a DER OCSP response (RFC 6960 4.2.1); pass the body a "
                                  "responder sent, such as data.ocsp_response(...).") from None


def _damaged(exc: Exception) -> MalformedInputError:
    what = str(exc).splitlines()[0][:120] if str(exc) else type(exc).__name__
    return MalformedInputError(f"This OCSP response is damaged: a field cannot be read ({what}).")


def summarize_response(response: Any) -> ResponseSummary:
    """Read an OCSP response (object or DER) field by field, without judging it.

    Raises:
        MalformedInputError: the bytes are not an OCSP response, or a field of it is damaged.
        ParameterError: the response is an error (malformedRequest, tryLater...) with no status to read.
    """
    resp = _load(response)
    if resp.response_status != ocsp.OCSPResponseStatus.SUCCESSFUL:
        raise ParameterError(f"This OCSP response is an error ({resp.response_status.name.lower()}); "
                             "it has no certificate status to read.")
    try:
        return _summary(resp)
    except UNREADABLE as exc:
        raise _damaged(exc) from None


def _summary(resp: ocsp.OCSPResponse) -> ResponseSummary:
    if resp.responder_name is not None:
        responder = resp.responder_name.rfc4514_string()
    else:
        responder = f"key hash {resp.responder_key_hash.hex()}"
    reason = resp.revocation_reason.value if resp.revocation_reason else None
    return ResponseSummary(
        RevocationStatus(resp.certificate_status.name.lower()), f"{resp.serial_number:x}", resp.produced_at_utc,
        resp.this_update_utc, resp.next_update_utc, responder,
        tuple(c.subject.rfc4514_string() for c in resp.certificates), resp.revocation_time_utc, reason,
        any(isinstance(e.value, x509.OCSPNonce) for e in resp.extensions))


def signed_by(response: Any, cert: x509.Certificate) -> bool:
    """Does the response's signature verify with ``cert``'s public key? False for an error response."""
    if not isinstance(cert, x509.Certificate):
        raise WrongTypeError(f"`cert` must be a certificate, not {type(cert).__name__}.")
    resp = _load(response)
    if resp.response_status != ocsp.OCSPResponseStatus.SUCCESSFUL:
        return False
    try:
        return verify_bytes(cert.public_key(), resp.signature, resp.tbs_response_bytes, resp.signature_hash_algorithm)
    except UNREADABLE as exc:
        raise _damaged(exc) from None


