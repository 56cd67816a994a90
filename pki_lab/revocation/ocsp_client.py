"""The OCSP client (RFC 6960): build a request, carry it to a responder on 127.0.0.1, check what comes back.

:func:`verify_response` checks a response as a careful client does (signature, responder authorisation,
CertID, nonce, freshness) and says what it means in an :class:`OcspAnswer`. It never raises for any bytes:
a damaged response is "invalid" with a sentence, like a forged one. :func:`query_ocsp` classifies every
way an exchange can fail (refused, timed out, cut off, an HTTP error page) as "unavailable" with a sentence,
so a soft-fail or hard-fail policy decides on it like on any other status.
"""

from __future__ import annotations

import base64
import dataclasses
import datetime as _dt
import http.client
import time
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509 import ocsp
from cryptography.x509.oid import ExtendedKeyUsageOID

from .. import clock
from ..errors import ParameterError, WrongTypeError
from ..keys import verify_bytes
from ..names import common_name
from ..validation.crl import RevocationStatus
from .ocsp_wire import NONCE_MAX, NONCE_MIN, key_hash, name_hash

_Status = RevocationStatus  # short, for the many answers below

__all__ = ["OcspAnswer", "build_request", "verify_response", "http_request", "query_ocsp", "MAX_RESPONSE_BYTES",
           "UNREADABLE"]

_DER = serialization.Encoding.DER
_SKEW = _dt.timedelta(minutes=5)
#: The largest response the client reads; a real one is a few kilobytes.
MAX_RESPONSE_BYTES = 1 << 20
#: What cryptography raises on a response it cannot read, often only when a field is first looked at (which one
#: differs between releases: a name with an unknown string tag is a ValueError in 50.0, a KeyError in 49.0).
UNREADABLE = (ValueError, TypeError, OverflowError, KeyError, IndexError, UnsupportedAlgorithm, InvalidSignature,
              x509.DuplicateExtension, x509.UnsupportedGeneralNameType)


@dataclasses.dataclass(frozen=True)
class OcspAnswer:
    """What a client concluded from an OCSP exchange.

    ``status`` is a :class:`~pki_lab.validation.crl.RevocationStatus`: "good", "revoked" or
    "unknown" (what a valid response said), "invalid" (the response cannot be trusted),
    "unavailable" (no response) or "unchecked" (there was no responder to ask).
    """

    status: RevocationStatus
    reason: str
    this_update: _dt.datetime | None = None
    next_update: _dt.datetime | None = None
    produced_at: _dt.datetime | None = None
    revocation_time: _dt.datetime | None = None
    revocation_reason: str | None = None
    signer: str | None = None

    @property
    def ok(self) -> bool:
        return self.status == RevocationStatus.GOOD

    def sentence(self) -> str:
        return f"{self.status}: {self.reason}"


def _certificates(cert: Any, issuer: Any) -> tuple[x509.Certificate, x509.Certificate]:
    issuer = getattr(issuer, "certificate", issuer)
    for value, what in ((cert, "cert"), (issuer, "issuer")):
        if not isinstance(value, x509.Certificate):
            raise WrongTypeError(f"`{what}` must be a certificate, not {type(value).__name__}.")
    return cert, issuer


def build_request(cert: x509.Certificate, issuer: Any, *, nonce: bytes | None = None) -> bytes:
    """A DER OCSP request for ``cert`` (CertID with SHA-1, as RFC 5019 2.1.1 requires), with an optional nonce.

    ``nonce`` is 1 to 128 bytes (RFC 9654 section 2.1, ``Nonce ::= OCTET STRING(SIZE(1..128))``); a client should
    send 32 random bytes. A responder need only accept 16 to 32 (and one still on the obsoleted RFC 8954 refuses
    more than 32).
    """
    cert, issuer = _certificates(cert, issuer)
    builder = ocsp.OCSPRequestBuilder().add_certificate(cert, issuer, hashes.SHA1())
    if nonce is not None:
        if not isinstance(nonce, bytes) or not NONCE_MIN <= len(nonce) <= NONCE_MAX:
            raise ParameterError(f"`nonce` must be {NONCE_MIN} to {NONCE_MAX} bytes (RFC 9654 section 2.1; send 32 "
                                 f"random bytes, e.g. os.urandom(32)), not {nonce!r:.60}.")
        builder = builder.add_extension(x509.OCSPNonce(nonce), critical=False)
    return builder.build().public_bytes(_DER)


def _signer(resp: Any, issuer: x509.Certificate, at: _dt.datetime) -> tuple[Any, str] | str:
    """RFC 6960 4.2.2.2: the CA itself, or a responder certificate the CA issued for OCSP signing."""
    def named(cert: x509.Certificate) -> bool:
        if resp.responder_name is not None:
            return resp.responder_name == cert.subject
        return resp.responder_key_hash == key_hash(cert, hashes.SHA1())

    if named(issuer):
        return issuer.public_key(), "the CA itself"
    for cert in resp.certificates:
        if not named(cert):
            continue
        try:
            cert.verify_directly_issued_by(issuer)
        except (ValueError, TypeError, InvalidSignature, UnsupportedAlgorithm):
            return "the responder's certificate was not issued by the certificate's CA, so it may not speak for it"
        try:
            eku = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
        except x509.ExtensionNotFound:
            eku = []
        if ExtendedKeyUsageOID.OCSP_SIGNING not in eku:
            return "the responder's certificate lacks id-kp-OCSPSigning, so the CA did not delegate OCSP to it"
        if not cert.not_valid_before_utc <= at <= cert.not_valid_after_utc:
            return "the responder's certificate is outside its validity period"
        return cert.public_key(), f"delegated responder '{common_name(cert.subject)}'"
    return "the response is signed by neither the CA nor a responder certificate it includes"


def _single_for(resp: Any, cert: x509.Certificate, issuer: x509.Certificate) -> Any:
    """The SingleResponse whose CertID names ``cert``; one with a hash the client does not know is skipped."""
    for single in resp.responses:
        try:
            algorithm = single.hash_algorithm
        except UnsupportedAlgorithm:
            continue
        if (single.serial_number == cert.serial_number and single.issuer_key_hash == key_hash(issuer, algorithm)
                and single.issuer_name_hash == name_hash(issuer.subject, algorithm)):
            return single
    return None


def verify_response(response_der: bytes, cert: x509.Certificate, issuer: Any, *, at: _dt.datetime | None = None,
                    nonce: bytes | None = None) -> OcspAnswer:
    """Check an OCSP response for ``cert`` as a careful client does, and say what it means.

    Never raises for any bytes: what cannot be read is "invalid", with a sentence saying so.
    """
    cert, issuer = _certificates(cert, issuer)
    at = clock.now() if at is None else clock.require_aware(at)
    if not isinstance(response_der, (bytes, bytearray, memoryview)):
        raise WrongTypeError(f"`response_der` must be the DER bytes of an OCSP response, not "
                             f"{type(response_der).__name__}.")
    try:
        resp = ocsp.load_der_ocsp_response(bytes(response_der))
    except UNREADABLE:
        return OcspAnswer(_Status.INVALID, "The response is not a DER OCSP response.")
    try:
        return _judge(resp, cert, issuer, at, nonce)
    except UNREADABLE as exc:
        what = str(exc).splitlines()[0][:120] if str(exc) else type(exc).__name__
        return OcspAnswer(_Status.INVALID, f"The response is damaged ({what}), so it proves nothing; "
                          "ask the responder again.")


def _judge(resp: Any, cert: x509.Certificate, issuer: x509.Certificate, at: _dt.datetime,
           nonce: bytes | None) -> OcspAnswer:
    if resp.response_status != ocsp.OCSPResponseStatus.SUCCESSFUL:
        refused = resp.response_status.name.lower()
        return OcspAnswer(_Status.INVALID, f"The responder refused: {refused} (RFC 6960 2.3).")
    found = _signer(resp, issuer, at)
    if isinstance(found, str):
        return OcspAnswer(_Status.INVALID, f"Not authorised: {found} (RFC 6960 4.2.2.2).")
    public_key, signer = found
    if not verify_bytes(public_key, resp.signature, resp.tbs_response_bytes, resp.signature_hash_algorithm):
        return OcspAnswer(_Status.INVALID, f"The signature does not verify with the key of {signer}.", signer=signer)
    single = _single_for(resp, cert, issuer)
    if single is None:
        return OcspAnswer(_Status.INVALID, "The response is about another certificate (its CertID does not match).",
                          signer=signer)
    if nonce is not None:
        echoed = [e.value.nonce for e in resp.extensions if isinstance(e.value, x509.OCSPNonce)]
        if echoed != [nonce]:
            return OcspAnswer(_Status.INVALID,
                              "The response does not echo our nonce: it may be a replay (RFC 9654 section 2.1).",
                              signer=signer)
    this, nxt = single.this_update_utc, single.next_update_utc
    times = dict(this_update=this, next_update=nxt, produced_at=resp.produced_at_utc, signer=signer)
    if this > at + _SKEW:
        return OcspAnswer(_Status.INVALID, f"thisUpdate ({this.isoformat()}) is in the future.", **times)
    if nxt is None or at > nxt:
        why = "has no nextUpdate" if nxt is None else f"expired at its nextUpdate ({nxt.isoformat()})"
        return OcspAnswer(_Status.INVALID, f"The response is stale: it {why}; ask again (RFC 6960 4.2.2.1).", **times)
    status = single.certificate_status
    if status == ocsp.OCSPCertStatus.REVOKED:
        reason = single.revocation_reason.value if single.revocation_reason else None
        because = f" because of {reason}" if reason else ""
        return OcspAnswer(_Status.REVOKED, f"{signer} says the certificate was revoked on "
                          f"{single.revocation_time_utc.isoformat()}{because}.", **times,
                          revocation_time=single.revocation_time_utc, revocation_reason=reason)
    if status == ocsp.OCSPCertStatus.UNKNOWN:
        return OcspAnswer(_Status.UNKNOWN, f"{signer} does not know this certificate.", **times)
    return OcspAnswer(_Status.GOOD, f"{signer} says the certificate is not revoked, valid until {nxt.isoformat()}.",
                      **times)


# -- carrying a request ------------------------------------------------------------------------------------------


def _local(url: str) -> str:
    parts = urllib.parse.urlsplit(url) if isinstance(url, str) else None
    if parts is None or parts.scheme != "http" or parts.hostname not in ("127.0.0.1", "localhost"):
        raise ParameterError(f"The lab's OCSP client only talks to responders on 127.0.0.1 over http, not {url!r}; "
                             "start one with `with OcspResponder(registry) as responder:`.")
    return url


def _read_all(reply: Any, deadline: float) -> bytes:
    """The body, read in pieces so that neither a huge nor a trickling reply can hold the client."""
    body = b""
    while True:
        if time.monotonic() > deadline:
            raise TimeoutError("the responder's reply did not arrive in time")
        piece = reply.read1(65536)
        if not piece:
            return body
        body += piece
        if len(body) > MAX_RESPONSE_BYTES:
            raise http.client.HTTPException(f"the reply is larger than {MAX_RESPONSE_BYTES:,} bytes")


def http_request(url: str, request: bytes, method: str = "POST", timeout: float = 2.0) -> bytes:
    """Send a DER OCSP request to ``url`` by POST or GET (RFC 6960 appendix A) and return the body of the reply.

    Never through a proxy; the whole exchange takes at most about twice ``timeout``. Raises
    ``urllib.error.URLError``, ``OSError`` or ``http.client.HTTPException`` when no answer comes.
    """
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # never through a proxy
    if method == "GET":  # RFC 6960 A.1 / RFC 5019 5: base64 of the DER, URL-encoded, after the URL
        target = url.rstrip("/") + "/" + urllib.parse.quote(base64.b64encode(request).decode(), safe="")
        req = urllib.request.Request(target, method="GET")
    elif method == "POST":
        req = urllib.request.Request(url, data=request, method="POST",
                                     headers={"Content-Type": "application/ocsp-request"})
    else:
        raise ParameterError(f"`method` must be 'POST' or 'GET', not {method!r}.")
    deadline = time.monotonic() + 2 * timeout
    with opener.open(req, timeout=timeout) as reply:
        return _read_all(reply, deadline)


def _failure(exc: BaseException) -> str:
    """Why no answer came, in words: the cause a learner can act on."""
    reason = getattr(exc, "reason", exc)
    if isinstance(reason, TimeoutError):
        return "No answer from the responder in time (TimeoutError): it is stalled or overloaded."
    if isinstance(reason, http.client.HTTPException):
        return f"The responder's reply was cut off or garbled ({type(reason).__name__})."
    return f"No answer from the responder ({type(reason).__name__})."


def query_ocsp(url: str, cert: x509.Certificate, issuer: Any, *, method: str = "POST", nonce: bytes | None = None,
               at: _dt.datetime | None = None, timeout: float = 2.0) -> OcspAnswer:
    """Ask the responder at ``url`` about ``cert`` and verify the answer; "unavailable" if no answer came.

    An HTTP error whose body is an OCSP response (the lab responder's malformedRequest, tryLater) is
    judged like any response; any other failure is "unavailable" with a sentence saying why.
    """
    request = build_request(cert, issuer, nonce=nonce)
    try:
        body = http_request(_local(url), request, method, timeout)
    except urllib.error.HTTPError as exc:
        if exc.headers.get("Content-Type") == "application/ocsp-response":
            try:
                body = _read_all(exc, time.monotonic() + timeout)
            except (OSError, http.client.HTTPException) as cut:
                return OcspAnswer(_Status.UNAVAILABLE, _failure(cut))
            return verify_response(body, cert, issuer, at=at, nonce=nonce)
        return OcspAnswer(_Status.UNAVAILABLE, f"The responder answered HTTP {exc.code} without an OCSP response.")
    except (urllib.error.URLError, OSError, http.client.HTTPException) as exc:
        return OcspAnswer(_Status.UNAVAILABLE, _failure(exc))
    return verify_response(body, cert, issuer, at=at, nonce=nonce)
