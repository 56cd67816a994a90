"""OCSP (RFC 6960): a live responder on 127.0.0.1, and a client that checks what it is told.

The Online Certificate Status Protocol answers "is serial N of CA X revoked?"
for one certificate at a time, with a response signed by the CA or by a
*delegated responder* the CA certified for that job (extended key usage
id-kp-OCSPSigning, RFC 6960 4.2.2.2). Requests travel over plain HTTP
(RFC 6960 appendix A: POST, or GET with the request in the URL, A.1; the lightweight
profile of RFC 5019, replaced by RFC 9919 in 2026, recommends GET so that caches can
keep responses): the response is signed, so TLS adds nothing.

* :class:`OcspResponder` answers from a :class:`~pki_lab.revocation.RevocationRegistry`, every request
  with an OCSP response: one SingleResponse per CertID (RFC 6960 4.1.1), malformedRequest, unauthorized
  or internalError (2.3), never an exception; what went wrong is in its ``log``. ``with
  OcspResponder(registry) as responder:`` serves it over HTTP on 127.0.0.1 on a free port, clients
  concurrently with timeouts (:mod:`.ocsp_http`), and always stops it within a second.
* :func:`query_ocsp`, :func:`verify_response`, :func:`build_request` and :func:`http_request` are the
  client (:mod:`.ocsp_client`, re-exported here), which never raises for any response bytes.
* :mod:`pki_lab.revocation.stapling` adds stapling, Must-Staple and the soft-fail / hard-fail simulation.

Requests are read and responses written by :mod:`.ocsp_wire` with the lab's one DER writer;
``cryptography`` signs one draft per signer, for the responderID and signatureAlgorithm fields. The lab
stamps producedAt from the lab clock and signs with :func:`pki_lab.keys.sign_bytes` (RFC 6979, or RSA
PKCS#1 v1.5 for the delegated responder), so responses are the same bytes on every run.
"""

from __future__ import annotations

import collections
import datetime as _dt
import weakref
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509 import ocsp
from cryptography.x509.oid import ExtendedKeyUsageOID

from .. import clock
from ..ca import Profile
from ..der.encode import children, content
from ..errors import MalformedInputError, ParameterError, WrongTypeError
from ..keys import named_key, require_ml_dsa_x509, sign_bytes, signing_hash
from ..names import common_name
from . import ocsp_wire as wire
from .crl import REASON_CODES
from .ocsp_client import OcspAnswer, build_request, http_request, query_ocsp, verify_response
from .ocsp_http import OcspHttpServer
from .ocsp_wire import key_hash, name_hash

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

#: A delegated responder's certificate: id-kp-OCSPSigning only (RFC 6960 4.2.2.2), short-lived, and a key that
#: only signs: keyUsage digitalSignature alone, whatever the key type (CA/B Forum BR 7.1.2.8; an RSA key that
#: signs OCSP responses has no business encrypting keys, so no keyEncipherment).
OCSP_RESPONDER_PROFILE = Profile("ocsp-responder", False, False, (ExtendedKeyUsageOID.OCSP_SIGNING,), 30,
                                 key_usage=x509.KeyUsage(digital_signature=True, content_commitment=False,
                                                         key_encipherment=False, data_encipherment=False,
                                                         key_agreement=False, key_cert_sign=False, crl_sign=False,
                                                         encipher_only=False, decipher_only=False))
_DER = serialization.Encoding.DER  # for OCSP requests and responses, which loading.to_der does not take
_SKEW = _dt.timedelta(minutes=5)
_DELEGATES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_LOG_LINES = 1000  # the responder's log keeps the latest lines only


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
        #: What went wrong, one line each (malformed requests, timeouts, internal errors): never printed.
        self.log: collections.deque[str] = collections.deque(maxlen=_LOG_LINES)
        self._server: OcspHttpServer | None = None
        self._parts: tuple[tuple[int, int], tuple[list[bytes], bytes, list[bytes]]] | None = None

    # -- answering -------------------------------------------------------------------------------

    def respond(self, request_der: bytes, method: str = "POST") -> bytes:
        """The DER OCSP response to a DER request (what the HTTP server sends back), whatever the bytes.

        One SingleResponse per CertID (RFC 6960 4.1.1); a CertID for another CA, or with a hash algorithm
        the responder does not know, is answered "unknown" (RFC 6960 2.2). Bytes that are not a request
        get malformedRequest; a request that names no CertID of this CA, unauthorized (2.3); a failure
        inside the responder, internalError. Each of these is noted in :attr:`log`, never raised.
        """
        if not isinstance(request_der, (bytes, bytearray, memoryview)):
            raise WrongTypeError(f"`request_der` must be the DER bytes of an OCSP request, not "
                                 f"{type(request_der).__name__}.")
        try:
            return self._answer(bytes(request_der), method)
        except Exception as exc:  # noqa: BLE001 - a responder answers every request: internalError, and a log line
            self.log.append(f"internalError for a {method} request: {type(exc).__name__}: {exc}")
            return wire.unsuccessful(wire.ResponseStatus.INTERNAL_ERROR)

    def _ours(self, cert_id: wire.CertId) -> bool:
        algorithm = cert_id.algorithm
        return algorithm is not None and cert_id.key_hash == key_hash(self.issuer, algorithm) \
            and cert_id.name_hash == name_hash(self.issuer.subject, algorithm)

    def _status(self, serial: int) -> tuple[str, _dt.datetime | None, int | None]:
        record = self.registry.is_revoked(serial)
        if record is not None:
            code = None if record.reason == "unspecified" else REASON_CODES[record.reason]
            return "revoked", record.date, code
        if self.issued is not None and serial not in self.issued:
            return "unknown", None, None
        return "good", None, None

    def _answer(self, request_der: bytes, method: str) -> bytes:
        try:
            request = wire.parse_request(request_der)
        except MalformedInputError as exc:
            self.log.append(f"malformedRequest for a {method} request: {exc}")
            return wire.unsuccessful(wire.ResponseStatus.MALFORMED_REQUEST)
        ours = [self._ours(c) for c in request.cert_ids]
        if not any(ours):  # RFC 6960 2.3: not authoritative for that CA
            self.log.append(f"unauthorized for a {method} request: it names no certificate of this CA")
            return wire.unsuccessful(wire.ResponseStatus.UNAUTHORIZED)
        now = clock.now().replace(microsecond=0)
        singles = []
        for cert_id, mine in zip(request.cert_ids, ours, strict=True):
            if mine:
                self.seen.append((method, f"{cert_id.serial:x}"))
            status, when, code = self._status(cert_id.serial) if mine else ("unknown", None, None)
            singles.append(wire.single_response(cert_id, status, now, now + self.validity, when, code))
        head, algorithm, certs = self._signing_parts()
        tbs = wire.successful(head, now, singles, request.nonce)
        return wire.wrap(tbs, algorithm, sign_bytes(self._signer_key, tbs), certs)

    def _signing_parts(self) -> tuple[list[bytes], bytes, list[bytes]]:
        """The responderID, signatureAlgorithm and certs of a response, from one draft ``cryptography`` signs.

        Kept per signer, so a responder whose signer is swapped (the tests' unauthorised responders) follows.
        """
        key = (id(self.signer_cert), id(self._signer_key))
        if self._parts is None or self._parts[0] != key:
            when = clock.now().replace(microsecond=0)
            builder = ocsp.OCSPResponseBuilder().add_response_by_hash(
                b"\0" * 20, b"\0" * 20, 1, hashes.SHA1(), ocsp.OCSPCertStatus.GOOD, when, when, None, None)
            builder = builder.responder_id(ocsp.OCSPResponderEncoding.HASH, self.signer_cert)
            if self.delegated:
                builder = builder.certificates([self.signer_cert])
            require_ml_dsa_x509(self._signer_key)  # cryptography 48's OCSP builder refuses ML-DSA keys
            draft = builder.sign(self._signer_key, signing_hash(self._signer_key)).public_bytes(_DER)
            (response_bytes,) = children(children(draft)[1])
            tbs, algorithm, _, *certs = children(content(children(response_bytes)[1]))
            head = [p for p in children(tbs) if p[0] not in (0x18, 0x30, 0xA1)]  # version, responderID
            self._parts = (key, (head, algorithm, certs))
        return self._parts[1]

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
        if self._server is not None:
            raise ParameterError("This responder is already running; use one `with` block at a time.")
        self._server = OcspHttpServer(self).start()
        return self

    def __exit__(self, *exc: Any) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.stop()

    def __repr__(self) -> str:
        where = self.url if self._server else "stopped"
        signer = "a delegated responder" if self.delegated else "the CA's own key"
        return f"<OcspResponder for {common_name(self.issuer.subject)!r}, signing with {signer}, {where}>"
