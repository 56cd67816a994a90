"""OCSP (RFC 6960): a live responder on 127.0.0.1, and a client that checks what it is told.

The Online Certificate Status Protocol answers "is serial N of CA X revoked?"
for one certificate at a time, with a response signed by the CA or by a
*delegated responder* the CA certified for that job (extended key usage
id-kp-OCSPSigning, RFC 6960 4.2.2.2). Requests travel over plain HTTP
(RFC 6960 appendix A; the GET form of RFC 5019 is cacheable): the response is
signed, so TLS adds nothing.

* :class:`OcspResponder` answers from a :class:`~pki_lab.revocation.RevocationRegistry`;
  ``with OcspResponder(registry) as responder:`` serves it over HTTP on
  127.0.0.1 on a free port, in a background thread, and always stops it.
* :func:`query_ocsp` builds a request, posts it, and :func:`verify_response`
  checks the answer: signature, responder authorisation, the certificate ID,
  the nonce and freshness.
* :func:`http_request` carries one request to a responder on 127.0.0.1 (the client's
  and the stapling server's one HTTP path).
* :mod:`pki_lab.revocation.stapling` adds stapling, Must-Staple and the soft-fail / hard-fail simulation.

``cryptography``'s ``OCSPResponseBuilder`` stamps producedAt with the real clock
and signs ECDSA with random nonces; the lab re-stamps producedAt from the lab
clock and re-signs with :func:`pki_lab.keys.sign_bytes` (RFC 6979, or RSA PKCS#1 v1.5
for the delegated responder), so responses are the same bytes on every run.
"""

from __future__ import annotations

import base64
import dataclasses
import datetime as _dt
import http.server
import threading
import urllib.error
import urllib.parse
import urllib.request
import weakref
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509 import ocsp
from cryptography.x509.oid import ExtendedKeyUsageOID

from .. import clock
from ..ca import Profile
from ..der.encode import bit_string, children, content, explicit, generalized_time, octet_string, sequence
from ..errors import ParameterError, WrongTypeError
from ..keys import named_key, sign_bytes, signing_hash, verify_bytes
from ..loading import to_der
from ..names import common_name
from ..validation.crl import RevocationStatus

_Status = RevocationStatus  # short, for the many answers below

__all__ = [
    "OCSP_RESPONDER_PROFILE",
    "OcspResponder",
    "OcspAnswer",
    "delegated_responder",
    "build_request",
    "query_ocsp",
    "verify_response",
    "http_request",
]

#: A delegated responder's certificate: id-kp-OCSPSigning only, short-lived (RFC 6960 4.2.2.2).
OCSP_RESPONDER_PROFILE = Profile("ocsp-responder", False, False, (ExtendedKeyUsageOID.OCSP_SIGNING,), 30)
_DER = serialization.Encoding.DER  # for OCSP requests and responses, which loading.to_der does not take
_SKEW = _dt.timedelta(minutes=5)
_DELEGATES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def delegated_responder(ca: Any, *, key: Any = None) -> tuple[x509.Certificate, Any]:
    """Certify a delegated OCSP responder for ``ca``: its certificate and key.

    The certificate has extendedKeyUsage id-kp-OCSPSigning and id-pkix-ocsp-nocheck
    (RFC 6960 4.2.2.2.1: clients need not check the responder's own revocation).
    The default key is the shipped test-only RSA key "ocsp-responder", whose
    PKCS#1 v1.5 signatures are deterministic.
    """
    if key is None and ca in _DELEGATES:
        return _DELEGATES[ca]
    chosen = named_key("ocsp-responder", "rsa") if key is None else key
    if isinstance(chosen, str):
        chosen = named_key(chosen)
    cert = ca.issue(f"{common_name(ca.name) or 'CA'} OCSP Responder", profile=OCSP_RESPONDER_PROFILE, key=chosen,
                    extensions=[(x509.OCSPNoCheck(), False)])
    if key is None:  # one default responder per CA, so starting a responder twice gives the same bytes
        _DELEGATES[ca] = (cert, chosen)
    return cert, chosen


def _key_hash(cert: x509.Certificate, algorithm: hashes.HashAlgorithm) -> bytes:
    """RFC 6960 4.1.1 issuerKeyHash: the hash of the issuer's subjectPublicKey BIT STRING value."""
    bits = content(children(to_der(cert.public_key()))[1])  # SPKI: algorithm, subjectPublicKey BIT STRING
    h = hashes.Hash(algorithm)
    h.update(bits[1:])  # skip the unused-bits byte
    return h.finalize()


def _name_hash(name: x509.Name, algorithm: hashes.HashAlgorithm) -> bytes:
    h = hashes.Hash(algorithm)
    h.update(name.public_bytes())
    return h.finalize()


def _restamp(der: bytes, key: Any, when: _dt.datetime) -> bytes:
    """Set producedAt to ``when`` and re-sign deterministically (RFC 6960 4.2.1 BasicOCSPResponse)."""
    status, wrapped = children(der)
    (response_bytes,) = children(wrapped)
    oid, octets = children(response_bytes)
    tbs, algorithm, _, *certs = children(content(octets))
    tbs = sequence(*(generalized_time(when) if p[0] == 0x18 else p for p in children(tbs)))
    basic = sequence(tbs, algorithm, bit_string(sign_bytes(key, tbs)), *certs)
    return sequence(status, explicit(0, sequence(oid, octet_string(basic))))


class OcspResponder:
    """An OCSP responder for the CA of ``registry``, answering from its revocation records.

    Args:
        registry: the CA's :class:`~pki_lab.revocation.RevocationRegistry`.
        delegated: sign with a delegated responder certificate (default) or with the CA's own key.
        issued: the certificates the CA issued; if given, other serials get "unknown"
            (CA/B Forum BR 4.9.10 forbids "good" for a serial that was never issued).
        validity: how long each response is valid (nextUpdate - thisUpdate).
    """

    def __init__(self, registry: Any, *, delegated: bool = True, issued: Any = None,
                 validity: _dt.timedelta = _dt.timedelta(days=4)) -> None:
        self.registry = registry
        self.issuer = registry.ca.certificate
        if delegated:
            self.signer_cert, self._signer_key = delegated_responder(registry.ca)
        else:
            self.signer_cert, self._signer_key = self.issuer, registry.ca.private_key
        self.delegated = delegated
        self.issued = None if issued is None else {c.serial_number for c in issued}
        self.validity = validity
        #: Every status request seen: (method, serial in hex). What the CA learns about who visits what.
        self.seen: list[tuple[str, str]] = []
        self._server: http.server.HTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- answering -------------------------------------------------------------------------------

    def respond(self, request_der: bytes, method: str = "POST") -> bytes:
        """The DER OCSP response to a DER request (what the HTTP server sends back)."""
        try:
            request = ocsp.load_der_ocsp_request(request_der)
        except ValueError:
            return ocsp.OCSPResponseBuilder.build_unsuccessful(
                ocsp.OCSPResponseStatus.MALFORMED_REQUEST).public_bytes(_DER)
        algorithm = request.hash_algorithm
        if (request.issuer_key_hash != _key_hash(self.issuer, algorithm)
                or request.issuer_name_hash != _name_hash(self.issuer.subject, algorithm)):
            return ocsp.OCSPResponseBuilder.build_unsuccessful(  # RFC 6960 2.3: not authoritative for that CA
                ocsp.OCSPResponseStatus.UNAUTHORIZED).public_bytes(_DER)
        serial = request.serial_number
        self.seen.append((method, f"{serial:x}"))
        now = clock.now().replace(microsecond=0)
        record = self.registry.is_revoked(serial)
        if record is not None:
            status, when = ocsp.OCSPCertStatus.REVOKED, record.date
            reason = None if record.reason == "unspecified" else x509.ReasonFlags(record.reason)
        elif self.issued is not None and serial not in self.issued:
            status, when, reason = ocsp.OCSPCertStatus.UNKNOWN, None, None
        else:
            status, when, reason = ocsp.OCSPCertStatus.GOOD, None, None
        builder = ocsp.OCSPResponseBuilder().add_response_by_hash(
            request.issuer_name_hash, request.issuer_key_hash, serial, algorithm, status,
            now, now + self.validity, when, reason)
        builder = builder.responder_id(ocsp.OCSPResponderEncoding.HASH, self.signer_cert)
        if self.delegated:
            builder = builder.certificates([self.signer_cert])
        for ext in request.extensions:
            if isinstance(ext.value, x509.OCSPNonce):  # RFC 8954: echo the client's nonce
                builder = builder.add_extension(ext.value, critical=False)
        draft = builder.sign(self._signer_key, signing_hash(self._signer_key)).public_bytes(_DER)
        return _restamp(draft, self._signer_key, now)

    # -- serving over HTTP ---------------------------------------------------------------------------

    @property
    def url(self) -> str:
        """The responder's URL while it runs (what a certificate's AIA extension would name)."""
        if self._server is None:
            raise ParameterError("The responder is not running; use it in a `with OcspResponder(...) as r:` block.")
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/"

    @property
    def running(self) -> bool:
        return self._server is not None

    @property
    def port(self) -> int:
        return int(self.url.rsplit(":", 1)[1].rstrip("/"))

    def __enter__(self) -> OcspResponder:
        responder = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def _reply(self, body: bytes, cache: bool) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "application/ocsp-response")  # RFC 6960 A.2
                self.send_header("Content-Length", str(len(body)))
                if cache:  # RFC 5019 6.2: GET responses may be cached until nextUpdate
                    self.send_header("Cache-Control", f"max-age={int(responder.validity.total_seconds())}")
                self.end_headers()
                self.wfile.write(body)

            def do_POST(self) -> None:  # http.server names the handlers
                size = int(self.headers.get("Content-Length", "0"))
                if self.headers.get("Content-Type") != "application/ocsp-request" or not 0 < size < 65536:
                    self.send_error(415 if size else 400, "send a DER OCSP request as application/ocsp-request")
                    return
                self._reply(responder.respond(self.rfile.read(size), "POST"), cache=False)

            def do_GET(self) -> None:
                encoded = urllib.parse.unquote(self.path.lstrip("/"))  # RFC 6960 A.1: base64 of the DER, URL-encoded
                try:
                    request = base64.b64decode(encoded, validate=True)
                except ValueError:
                    request = b""
                self._reply(responder.respond(request, "GET"), cache=True)

            def log_message(self, *args: Any) -> None:  # keep notebooks quiet
                pass

        self._server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="pki-lab-ocsp", daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        server, thread, self._server, self._thread = self._server, self._thread, None, None
        if server is not None:
            server.shutdown()
            server.server_close()
        if thread is not None:
            thread.join(timeout=5)

    def __repr__(self) -> str:
        where = self.url if self._server else "stopped"
        signer = "a delegated responder" if self.delegated else "the CA's own key"
        return f"<OcspResponder for {common_name(self.issuer.subject)!r}, signing with {signer}, {where}>"


# -- the client ---------------------------------------------------------------------------------------------


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


def build_request(cert: x509.Certificate, issuer: Any, *, nonce: bytes | None = None) -> bytes:
    """A DER OCSP request for ``cert`` (CertID with SHA-1, as RFC 5019 2.1.1 requires), with an optional nonce."""
    issuer = getattr(issuer, "certificate", issuer)
    for value, what in ((cert, "cert"), (issuer, "issuer")):
        if not isinstance(value, x509.Certificate):
            raise WrongTypeError(f"`{what}` must be a certificate, not {type(value).__name__}.")
    builder = ocsp.OCSPRequestBuilder().add_certificate(cert, issuer, hashes.SHA1())
    if nonce is not None:
        builder = builder.add_extension(x509.OCSPNonce(nonce), critical=False)
    return builder.build().public_bytes(_DER)


def _signer(resp: Any, issuer: x509.Certificate, at: _dt.datetime) -> tuple[Any, str] | str:
    """RFC 6960 4.2.2.2: the CA itself, or a responder certificate the CA issued for OCSP signing."""
    def named(cert: x509.Certificate) -> bool:
        if resp.responder_name is not None:
            return resp.responder_name == cert.subject
        return resp.responder_key_hash == _key_hash(cert, hashes.SHA1())

    if named(issuer):
        return issuer.public_key(), "the CA itself"
    for cert in resp.certificates:
        if not named(cert):
            continue
        try:
            cert.verify_directly_issued_by(issuer)
        except (ValueError, TypeError, InvalidSignature):
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


def verify_response(response_der: bytes, cert: x509.Certificate, issuer: Any, *, at: _dt.datetime | None = None,
                    nonce: bytes | None = None) -> OcspAnswer:
    """Check an OCSP response for ``cert`` as a careful client does, and say what it means."""
    issuer = getattr(issuer, "certificate", issuer)
    at = clock.now() if at is None else clock.require_aware(at)
    try:
        resp = ocsp.load_der_ocsp_response(response_der)
    except ValueError:
        return OcspAnswer(_Status.INVALID, "The response is not a DER OCSP response.")
    if resp.response_status != ocsp.OCSPResponseStatus.SUCCESSFUL:
        refused = resp.response_status.name.lower()
        return OcspAnswer(_Status.INVALID, f"The responder refused: {refused} (RFC 6960 2.3).")
    found = _signer(resp, issuer, at)
    if isinstance(found, str):
        return OcspAnswer(_Status.INVALID, f"Not authorised: {found} (RFC 6960 4.2.2.2).")
    public_key, signer = found
    if not verify_bytes(public_key, resp.signature, resp.tbs_response_bytes, resp.signature_hash_algorithm):
        return OcspAnswer(_Status.INVALID, f"The signature does not verify with the key of {signer}.", signer=signer)
    single = next((r for r in resp.responses if r.serial_number == cert.serial_number
                   and r.issuer_key_hash == _key_hash(issuer, r.hash_algorithm)
                   and r.issuer_name_hash == _name_hash(issuer.subject, r.hash_algorithm)), None)
    if single is None:
        return OcspAnswer(_Status.INVALID, "The response is about another certificate (its CertID does not match).",
                          signer=signer)
    if nonce is not None:
        echoed = [e.value.nonce for e in resp.extensions if isinstance(e.value, x509.OCSPNonce)]
        if echoed != [nonce]:
            return OcspAnswer(_Status.INVALID, "The response does not echo our nonce: it may be a replay (RFC 8954).",
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


def _local(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    if parts.scheme != "http" or parts.hostname not in ("127.0.0.1", "localhost"):
        raise ParameterError(f"The lab's OCSP client only talks to responders on 127.0.0.1 over http, not {url!r}; "
                             "start one with `with OcspResponder(registry) as responder:`.")
    return url


def http_request(url: str, request: bytes, method: str = "POST", timeout: float = 2.0) -> bytes:
    """Send a DER OCSP request to ``url`` by POST or GET (RFC 6960 appendix A) and return the body of the reply.

    Never through a proxy. Raises ``urllib.error.URLError`` or ``OSError`` when no answer comes.
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
    with opener.open(req, timeout=timeout) as reply:
        return reply.read()


def query_ocsp(url: str, cert: x509.Certificate, issuer: Any, *, method: str = "POST", nonce: bytes | None = None,
               at: _dt.datetime | None = None, timeout: float = 2.0) -> OcspAnswer:
    """Ask the responder at ``url`` about ``cert`` and verify the answer; "unavailable" if no answer came."""
    request = build_request(cert, issuer, nonce=nonce)
    try:
        body = http_request(_local(url), request, method, timeout)
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        return OcspAnswer(_Status.UNAVAILABLE, f"No answer from the responder ({type(reason).__name__}).")
    return verify_response(body, cert, issuer, at=at, nonce=nonce)
