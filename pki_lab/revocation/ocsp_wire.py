"""OCSP on the wire (RFC 6960 4.1, 4.2): reading any request a client may send, and writing every response.

``cryptography`` reads a request with one CertID only, refuses hash algorithms it does not know and raises
on a duplicated extension; its response builder writes one SingleResponse. RFC 6960 4.1.1 lets a request
carry several CertIDs, and a responder must answer each, so the lab reads requests and writes responses
itself, with the one DER writer (:mod:`pki_lab.der.encode`):

* :func:`parse_request` returns the CertIDs as sent (a hash it does not know is kept, marked unknown) and
  the nonce, or raises :class:`~pki_lab.errors.MalformedInputError` with a sentence naming the part;
* :func:`single_response` and :func:`successful` write the answer; :func:`unsuccessful` writes
  malformedRequest, internalError, tryLater or unauthorized (RFC 6960 2.3), which carry no signature.

A CertID is echoed byte for byte in its SingleResponse, so a client matches it whatever encoding it chose.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import enum

from cryptography import x509
from cryptography.hazmat.primitives import hashes

from ..der.encode import (
    bit_string,
    children,
    content,
    enumerated,
    explicit,
    generalized_time,
    octet_string,
    oid,
    sequence,
    tlv,
)
from ..errors import MalformedInputError, WrongTypeError
from ..loading import to_der

__all__ = ["ResponseStatus", "CertId", "key_hash", "name_hash", "OcspRequest", "parse_request", "unsuccessful",
           "single_response", "successful", "wrap", "MAX_REQUEST_BYTES", "NONCE_OID", "NONCE_MIN",
           "NONCE_MAX"]

#: The largest request body the responder reads (RFC 5019 requests are about 100 bytes).
MAX_REQUEST_BYTES = 65536
#: id-pkix-ocsp-nonce (RFC 6960 4.4.1, replaced by RFC 9654 section 2.1).
NONCE_OID = "1.3.6.1.5.5.7.48.1.2"
#: The nonce's length in octets: ``Nonce ::= OCTET STRING(SIZE(1..128))`` (RFC 9654 section 2.1, August 2024,
#: which obsoletes RFC 8954 and its 32-octet maximum).
NONCE_MIN, NONCE_MAX = 1, 128
_BASIC = "1.3.6.1.5.5.7.48.1.1"  # id-pkix-ocsp-basic, RFC 6960 4.2.1

_HASHES: dict[bytes, type[hashes.HashAlgorithm]] = {
    oid("1.3.14.3.2.26"): hashes.SHA1,
    oid("2.16.840.1.101.3.4.2.4"): hashes.SHA224,
    oid("2.16.840.1.101.3.4.2.1"): hashes.SHA256,
    oid("2.16.840.1.101.3.4.2.2"): hashes.SHA384,
    oid("2.16.840.1.101.3.4.2.3"): hashes.SHA512,
}
_SEQUENCE, _INTEGER, _OCTET_STRING, _OID, _BOOLEAN = 0x30, 0x02, 0x04, 0x06, 0x01


class ResponseStatus(enum.IntEnum):
    """OCSPResponseStatus (RFC 6960 4.2.1); 4 is not used."""

    SUCCESSFUL = 0
    MALFORMED_REQUEST = 1
    INTERNAL_ERROR = 2
    TRY_LATER = 3
    SIG_REQUIRED = 5
    UNAUTHORIZED = 6


@dataclasses.dataclass(frozen=True)
class CertId:
    """One CertID of a request (RFC 6960 4.1.1), as the client sent it."""

    der: bytes
    algorithm: hashes.HashAlgorithm | None  # None: a hash algorithm the responder does not know
    name_hash: bytes
    key_hash: bytes
    serial: int


@dataclasses.dataclass(frozen=True)
class OcspRequest:
    """What a responder needs from a request: its CertIDs and the nonce to echo (RFC 9654 section 2.1), if any."""

    cert_ids: tuple[CertId, ...]
    nonce: bytes | None


def _bad(part: str, problem: str) -> MalformedInputError:
    return MalformedInputError(f"The OCSP request's {part} {problem}; send the DER of an OCSPRequest "
                               "(RFC 6960 4.1.1).")


def _tag(der: bytes) -> int:
    return der[0]


def _parts(der: bytes, part: str, tag: int = _SEQUENCE) -> list[bytes]:
    """The children of ``der``, which must be an element with ``tag`` (a SEQUENCE by default)."""
    if _tag(der) != tag:
        raise _bad(part, f"has tag 0x{_tag(der):02x} where 0x{tag:02x} was expected")
    try:
        return children(der)
    except MalformedInputError as exc:
        raise _bad(part, f"is not valid DER ({exc})") from None


def _one(der: bytes, part: str) -> bytes:
    """The one element inside an [n] EXPLICIT wrapper."""
    inner = _parts(der, part, _tag(der))
    if len(inner) != 1:
        raise _bad(part, f"holds {len(inner)} elements where its explicit tag holds exactly one")
    return inner[0]


def _primitive(der: bytes, part: str, tag: int) -> bytes:
    if _tag(der) != tag:
        raise _bad(part, f"has tag 0x{_tag(der):02x} where 0x{tag:02x} was expected")
    return content(der)


def _cert_id(der: bytes, where: str) -> CertId:
    fields = _parts(der, f"{where}.reqCert")
    if len(fields) != 4:
        raise _bad(f"{where}.reqCert", f"has {len(fields)} fields instead of 4 (hashAlgorithm, issuerNameHash, "
                   "issuerKeyHash, serialNumber)")
    algorithm = _parts(fields[0], f"{where}.reqCert.hashAlgorithm")
    if not algorithm or _tag(algorithm[0]) != _OID or len(algorithm) > 2 or not _valid_oid(algorithm[0]):
        raise _bad(f"{where}.reqCert.hashAlgorithm", "is not an AlgorithmIdentifier")
    known = _HASHES.get(algorithm[0])
    if known and len(algorithm) == 2 and algorithm[1] != b"\x05\x00":  # RFC 5754 2: absent or NULL
        raise _bad(f"{where}.reqCert.hashAlgorithm", "has parameters other than NULL")
    name_digest = _primitive(fields[1], f"{where}.reqCert.issuerNameHash", _OCTET_STRING)
    key_digest = _primitive(fields[2], f"{where}.reqCert.issuerKeyHash", _OCTET_STRING)
    serial = _primitive(fields[3], f"{where}.reqCert.serialNumber", _INTEGER)
    if not serial or (len(serial) > 1 and (serial[0], serial[1] & 0x80) in ((0, 0), (0xFF, 0x80))):
        raise _bad(f"{where}.reqCert.serialNumber", "is not a DER INTEGER (empty, or not in its shortest form)")
    return CertId(der, known() if known else None, name_digest, key_digest, int.from_bytes(serial, "big", signed=True))


def _valid_oid(oid_der: bytes) -> bool:
    """X.690 8.19: at least one subidentifier, each in the fewest bytes (no leading 0x80), the last one ended."""
    body = content(oid_der)
    starts = [i for i in range(len(body)) if i == 0 or not body[i - 1] & 0x80]  # where each subidentifier begins
    return bool(body) and not body[-1] & 0x80 and all(body[i] != 0x80 for i in starts)


def _extensions(der: bytes, part: str) -> dict[bytes, bytes]:
    """extnID -> extnValue of an [n] EXPLICIT Extensions; a repeated extnID is malformed (RFC 5280 4.2)."""
    inner = _one(der, part)
    found: dict[bytes, bytes] = {}
    for number, extension in enumerate(_parts(inner, part), 1):
        fields = _parts(extension, f"{part} extension {number}")
        if (not 2 <= len(fields) <= 3 or _tag(fields[0]) != _OID or not _valid_oid(fields[0])
                or (len(fields) == 3 and _tag(fields[1]) != _BOOLEAN)):
            raise _bad(f"{part} extension {number}", "is not (extnID, critical, extnValue)")
        if fields[0] in found:
            raise _bad(part, f"names the extension {_dotted(fields[0])} twice, which RFC 5280 4.2 forbids")
        found[fields[0]] = _primitive(fields[-1], f"{part} extension {number}.extnValue", _OCTET_STRING)
    return found


def _dotted(oid_der: bytes) -> str:
    body, arcs, value = content(oid_der), [], 0
    for byte in body:
        value = (value << 7) | (byte & 0x7F)
        if not byte & 0x80:
            arcs.append(value)
            value = 0
    if not arcs:
        return "(empty OID)"
    first = min(arcs[0] // 40, 2)
    return ".".join(str(a) for a in [first, arcs[0] - 40 * first, *arcs[1:]])


def _nonce(extensions: dict[bytes, bytes]) -> bytes | None:
    """The nonce extension's extnValue to echo, or None to leave the nonce out of the response.

    RFC 9654 section 2.1: a nonce is 1 to 128 octets (``SIZE(1..128)``); a responder must accept 16 to 32 octets
    and may ignore a shorter one. The lab's responder echoes every nonce of 1 to 128 octets, and leaves out one
    outside that range (empty or longer than 128 octets) rather than refusing the request.
    """
    value = extensions.get(oid(NONCE_OID))
    if value is None:
        return None
    nonce = _primitive(value, "nonce extension's value", _OCTET_STRING) if value else b""
    return value if NONCE_MIN <= len(nonce) <= NONCE_MAX else None


def _split_tbs(tbs: list[bytes]) -> tuple[bytes, bytes | None]:
    """(requestList, requestExtensions) of a TBSRequest: [0] version, [1] requestorName are optional."""
    rest = list(tbs)
    if rest and _tag(rest[0]) == 0xA0:
        version = _one(rest.pop(0), "tbsRequest.version")
        if _tag(version) != _INTEGER or content(version) != b"\x00":
            raise _bad("tbsRequest.version", "is not v1 (0), the only version RFC 6960 defines")
    if rest and _tag(rest[0]) == 0xA1:
        rest.pop(0)  # requestorName: the lab does not need it
    if not rest or _tag(rest[0]) != _SEQUENCE:
        raise _bad("tbsRequest", "has no requestList")
    request_list = rest.pop(0)
    extensions = rest.pop(0) if rest and _tag(rest[0]) == 0xA2 else None
    if rest:
        raise _bad("tbsRequest", f"has {len(rest)} unexpected field(s) after its requestList and extensions")
    return request_list, extensions


def parse_request(der: bytes) -> OcspRequest:
    """Read an OCSPRequest (RFC 6960 4.1.1): every CertID, in order, and the nonce to echo.

    Raises:
        WrongTypeError: ``der`` is not bytes.
        MalformedInputError: the bytes are not an OCSP request, or a part of it is damaged; the
            message names the part.
    """
    if not isinstance(der, (bytes, bytearray, memoryview)):
        raise WrongTypeError(f"An OCSP request is DER bytes, not {type(der).__name__}.")
    der = bytes(der)
    if not der:
        raise _bad("body", "is empty")
    outer = _parts(der, "outer OCSPRequest")
    if not 1 <= len(outer) <= 2 or (len(outer) == 2 and _tag(outer[1]) != 0xA0):
        raise _bad("outer OCSPRequest", "is not (tbsRequest, optionalSignature)")
    request_list, extensions = _split_tbs(_parts(outer[0], "tbsRequest"))
    entries = _parts(request_list, "tbsRequest.requestList")
    if not entries:
        raise _bad("tbsRequest.requestList", "is empty: it names no certificate")
    cert_ids = []
    for number, entry in enumerate(entries, 1):
        where = f"request {number}"
        fields = _parts(entry, where)
        if not fields or len(fields) > 2 or (len(fields) == 2 and _tag(fields[1]) != 0xA0):
            raise _bad(where, "is not (reqCert, singleRequestExtensions)")
        if len(fields) == 2:
            _extensions(fields[1], f"{where}.singleRequestExtensions")
        cert_ids.append(_cert_id(fields[0], where))
    found = {} if extensions is None else _extensions(extensions, "tbsRequest.requestExtensions")
    return OcspRequest(tuple(cert_ids), _nonce(found))


def key_hash(cert: x509.Certificate, algorithm: hashes.HashAlgorithm) -> bytes:
    """RFC 6960 4.1.1 issuerKeyHash: the hash of the issuer's subjectPublicKey BIT STRING value."""
    bits = content(children(to_der(cert.public_key()))[1])  # SPKI: algorithm, subjectPublicKey BIT STRING
    h = hashes.Hash(algorithm)
    h.update(bits[1:])  # skip the unused-bits byte
    return h.finalize()


def name_hash(name: x509.Name, algorithm: hashes.HashAlgorithm) -> bytes:
    h = hashes.Hash(algorithm)
    h.update(name.public_bytes())
    return h.finalize()


# -- responses ---------------------------------------------------------------------------------------------------


def unsuccessful(status: ResponseStatus) -> bytes:
    """An OCSPResponse with only a responseStatus: what a responder sends when it cannot answer (RFC 6960 2.3)."""
    return sequence(enumerated(int(status)))


def single_response(cert_id: CertId, status: str, this_update: _dt.datetime, next_update: _dt.datetime,
                    revoked_at: _dt.datetime | None = None, reason_code: int | None = None) -> bytes:
    """A SingleResponse (RFC 6960 4.2.1): the CertID as sent, good / revoked / unknown, and the validity interval."""
    if status == "revoked":
        reason = b"" if reason_code is None else explicit(0, enumerated(reason_code))
        cert_status = tlv(0xA1, generalized_time(revoked_at) + reason)  # [1] IMPLICIT RevokedInfo
    else:
        cert_status = b"\x80\x00" if status == "good" else b"\x82\x00"  # [0] / [2] IMPLICIT NULL
    return sequence(cert_id.der, cert_status, generalized_time(this_update), explicit(0, generalized_time(next_update)))


def successful(head: list[bytes], produced_at: _dt.datetime, singles: list[bytes], nonce: bytes | None) -> bytes:
    """The tbsResponseData: ``head`` (version, responderID as the signer's draft has them), then the rest.

    ``nonce`` is the request's nonce extnValue, echoed unchanged (RFC 9654 section 2.1).
    """
    extensions = [] if nonce is None else [explicit(1, sequence(sequence(oid(NONCE_OID), octet_string(nonce))))]
    return sequence(*head, generalized_time(produced_at), sequence(*singles), *extensions)


def wrap(tbs: bytes, algorithm: bytes, signature: bytes, certs: list[bytes]) -> bytes:
    """A successful OCSPResponse around a signed BasicOCSPResponse (RFC 6960 4.2.1)."""
    basic = sequence(tbs, algorithm, bit_string(signature), *certs)
    return sequence(enumerated(0), explicit(0, sequence(oid(_BASIC), octet_string(basic))))
