"""Validation at the door: touch every field later code reads, so a damaged object is refused when it loads.

cryptography parses a certificate lazily: ``load_der_x509_certificate`` checks the outer structure, and a damaged
name, date, public key or extension raises only when the field is first read (ValueError, TypeError,
OverflowError, ``x509.DuplicateExtension``, ``x509.UnsupportedGeneralNameType``, ...). Left there, the failure
would surface deep inside ``describe()`` or ``validate_chain()`` as a bare traceback. The loaders of
:mod:`pki_lab.loading` call the checks here instead, so what loads can be described, validated and answered, and
what cannot be read raises one :class:`~pki_lab.errors.MalformedInputError` naming the part::

    The input holds a certificate whose extensions cannot be read: a duplicate subjectAltName extension (RFC 5280
    4.2 allows each extension once). The certificate is damaged or was built wrongly; the lab will not use it.

An algorithm cryptography does not implement (a public key or signature scheme it does not know) is *not* damage:
such a certificate still loads, and the code that needs the key says it cannot use it.

The describers call the same checks, so an object made some other way (``x509.load_der_x509_certificate`` called
directly) gets the same sentence rather than a traceback. ``where`` names the input in the sentence ("the file
chain.pem"); None means the object itself ("This certificate's extensions cannot be read: ...").
"""

from __future__ import annotations

import collections
import threading
import warnings
from collections.abc import Callable
from typing import Any

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.x509 import ocsp

from .errors import MalformedInputError
from .oids import oid_name

__all__ = ["check_certificate", "check_csr", "check_crl", "check_ocsp_request", "check_ocsp_response",
           "check_object", "READ_ERRORS"]

#: What cryptography raises when a lazily parsed field of a damaged object is read.
READ_ERRORS = (ValueError, TypeError, OverflowError, KeyError, IndexError, x509.DuplicateExtension,
               x509.UnsupportedGeneralNameType, x509.InvalidVersion)

# kind -> (with its article, the short noun that closes the sentence)
_WHAT = {
    "certificate": ("a certificate", "certificate"),
    "csr": ("a certificate signing request", "request"),
    "crl": ("a certificate revocation list", "CRL"),
    "ocsp-request": ("an OCSP request", "request"),
    "ocsp-response": ("an OCSP response", "response"),
}


def _reason(exc: BaseException) -> str:
    """cryptography's complaint as a clause a learner can read."""
    if isinstance(exc, x509.DuplicateExtension):
        return f"a duplicate {oid_name(exc.oid)} extension (RFC 5280 4.2 allows each extension once)"
    if isinstance(exc, x509.UnsupportedGeneralNameType):
        return "a name of a type X.509 does not define (RFC 5280 4.2.1.6)"
    if isinstance(exc, x509.InvalidVersion):
        return f"version {exc.parsed_version}, where X.509 has only v1, v2 and v3 (0, 1 and 2)"
    text = " ".join(str(exc).split()) or type(exc).__name__
    if len(text) > 160:
        text = text[:157] + "..."
    return f"the parser reports: {text}"


def _tolerant(read: Callable[[], Any]) -> Callable[[], Any]:
    """``read``, but an algorithm cryptography does not implement is not damage (the caller says it cannot use it)."""
    def run() -> Any:
        try:
            return read()
        except UnsupportedAlgorithm:
            return None
    return run


def _run(kind: str, where: str | None, parts: list[tuple[str, Callable[[], Any]]]) -> None:
    """Read each part; the first that cannot be read raises. cryptography's warnings (a negative serial, a
    country name of the wrong length) are not repeated here: the check only reads, it does not judge."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _read_parts(kind, where, parts)


def _read_parts(kind: str, where: str | None, parts: list[tuple[str, Callable[[], Any]]]) -> None:
    for part, read in parts:
        try:
            read()
        except MalformedInputError:  # a certificate inside an OCSP response: its own sentence
            raise
        except READ_ERRORS as exc:
            article, noun = _WHAT[kind]
            subject = f"This {noun}'s {part}" if where is None else \
                f"{where[:1].upper()}{where[1:]} holds {article} whose {part}"
            raise MalformedInputError(f"{subject} cannot be read: {_reason(exc)}. The {noun} is damaged or was "
                                      "built wrongly; the lab will not use it.") from None


def _extensions(extensions: Callable[[], x509.Extensions]) -> Callable[[], Any]:
    def read() -> Any:
        return [(ext.oid.dotted_string, ext.critical, ext.value) for ext in extensions()]
    return read


def _name(name: Callable[[], x509.Name]) -> Callable[[], Any]:
    def read() -> Any:
        value = name()
        return value.rfc4514_string(), [(a.oid.dotted_string, a.value) for a in value]
    return read


class _Checked:
    """The last objects that passed a check, by identity (each kept alive, so its id is not reused).

    ``validate_chain`` checks its arguments on every call, and a trust store passes the same hundred-odd roots
    each time: a check that passed once is not repeated (cryptography's objects are immutable).
    """

    def __init__(self, size: int) -> None:
        self._size, self._seen, self._lock = size, collections.OrderedDict(), threading.Lock()

    def __contains__(self, obj: object) -> bool:
        with self._lock:
            return self._seen.get(id(obj)) is obj

    def add(self, obj: object) -> None:
        with self._lock:
            self._seen[id(obj)] = obj
            while len(self._seen) > self._size:
                self._seen.popitem(last=False)


_CHECKED = _Checked(4096)


def check_certificate(cert: x509.Certificate, where: str | None = "the input") -> x509.Certificate:
    """``cert``, after reading every field the lab reads later; a field that cannot be read raises.

    Raises:
        MalformedInputError: a field cannot be read (the message names it).
    """
    if cert in _CHECKED:
        return cert
    _run("certificate", where, [
        ("version", lambda: cert.version),
        ("serial number", lambda: cert.serial_number),
        ("signature algorithm", lambda: cert.signature_algorithm_oid),
        ("signature algorithm parameters", _tolerant(lambda: (cert.signature_hash_algorithm,
                                                              cert.signature_algorithm_parameters))),
        ("issuer name", _name(lambda: cert.issuer)),
        ("validity", lambda: (cert.not_valid_before_utc, cert.not_valid_after_utc)),
        ("subject name", _name(lambda: cert.subject)),
        ("public key", _tolerant(cert.public_key)),
        ("public key algorithm", lambda: cert.public_key_algorithm_oid),
        ("extensions", _extensions(lambda: cert.extensions)),
        ("signature", lambda: (cert.signature, cert.tbs_certificate_bytes)),
    ])
    _CHECKED.add(cert)
    return cert


def check_csr(csr: x509.CertificateSigningRequest, where: str | None = "the input") -> x509.CertificateSigningRequest:
    """``csr``, after reading its subject, key, signature algorithm, attributes and requested extensions."""
    _run("csr", where, [
        ("subject name", _name(lambda: csr.subject)),
        ("public key", _tolerant(csr.public_key)),
        ("public key algorithm", lambda: csr.public_key_algorithm_oid),
        ("signature algorithm", lambda: csr.signature_algorithm_oid),
        ("signature algorithm parameters", _tolerant(lambda: (csr.signature_hash_algorithm,
                                                              csr.signature_algorithm_parameters))),
        ("attributes", lambda: [(a.oid.dotted_string, a.value) for a in csr.attributes]),
        ("requested extensions", _extensions(lambda: csr.extensions)),
        ("signature", _tolerant(lambda: csr.is_signature_valid)),
    ])
    return csr


def _entries(crl: x509.CertificateRevocationList) -> Callable[[], Any]:
    def read() -> Any:
        for entry in crl:
            _ = entry.serial_number, entry.revocation_date_utc
            for ext in entry.extensions:
                _ = ext.value
        return len(crl)
    return read


def check_crl(crl: x509.CertificateRevocationList, where: str | None = "the input") -> x509.CertificateRevocationList:
    """``crl``, after reading its issuer, dates, signature algorithm, extensions and every entry (with its own)."""
    if crl in _CHECKED:
        return crl
    _run("crl", where, [
        ("issuer name", _name(lambda: crl.issuer)),
        ("thisUpdate", lambda: crl.last_update_utc),
        ("nextUpdate", lambda: crl.next_update_utc),
        ("signature algorithm", lambda: crl.signature_algorithm_oid),
        ("signature algorithm parameters", _tolerant(lambda: (crl.signature_hash_algorithm,
                                                              crl.signature_algorithm_parameters))),
        ("extensions", _extensions(lambda: crl.extensions)),
        ("revoked certificates", _entries(crl)),
        ("signature", lambda: (crl.signature, crl.tbs_certlist_bytes)),
    ])
    _CHECKED.add(crl)
    return crl


def check_ocsp_request(request: ocsp.OCSPRequest, where: str | None = "the request") -> ocsp.OCSPRequest:
    """``request``, after reading its CertID (hash algorithm, name and key hashes, serial) and its extensions."""
    _run("ocsp-request", where, [
        ("CertID", lambda: (request.issuer_name_hash, request.issuer_key_hash, request.serial_number)),
        ("CertID hash algorithm", _tolerant(lambda: request.hash_algorithm)),
        ("extensions", _extensions(lambda: request.extensions)),
    ])
    return request


def _single_responses(resp: ocsp.OCSPResponse) -> Callable[[], Any]:
    def read() -> Any:
        for single in resp.responses:
            _ = (single.serial_number, single.issuer_name_hash, single.issuer_key_hash, single.certificate_status,
                 single.this_update_utc, single.next_update_utc)
            _tolerant(lambda s=single: s.hash_algorithm)()
            if single.certificate_status == ocsp.OCSPCertStatus.REVOKED:
                _ = single.revocation_time_utc, single.revocation_reason
    return read


def check_ocsp_response(resp: ocsp.OCSPResponse, where: str | None = "the response") -> ocsp.OCSPResponse:
    """``resp``, after reading every field a client reads (for a successful response; else only the status)."""
    if resp.response_status != ocsp.OCSPResponseStatus.SUCCESSFUL:
        return resp
    _run("ocsp-response", where, [
        ("responder ID", lambda: (resp.responder_name, resp.responder_key_hash)),
        ("producedAt", lambda: resp.produced_at_utc),
        ("signature algorithm", lambda: resp.signature_algorithm_oid),
        ("signature hash algorithm", _tolerant(lambda: resp.signature_hash_algorithm)),
        ("signature", lambda: (resp.signature, resp.tbs_response_bytes)),
        ("certificates", lambda: [check_certificate(c, f"the certificate list of {where or 'the response'}")
                                  for c in resp.certificates]),
        ("responses", _single_responses(resp)),
        ("extensions", _extensions(lambda: resp.extensions)),
        ("single response extensions", _extensions(lambda: resp.single_extensions)),
    ])
    return resp


_CHECKS: dict[type, Callable[[Any, str | None], Any]] = {
    x509.Certificate: check_certificate,
    x509.CertificateSigningRequest: check_csr,
    x509.CertificateRevocationList: check_crl,
    ocsp.OCSPRequest: check_ocsp_request,
    ocsp.OCSPResponse: check_ocsp_response,
}


def check_object(obj: Any, where: str | None = "the input") -> Any:
    """``obj`` checked by the check for its type (certificates, CSRs, CRLs, OCSP messages); others as they are."""
    for cls, check in _CHECKS.items():
        if isinstance(obj, cls):
            return check(obj, where)
    return obj
