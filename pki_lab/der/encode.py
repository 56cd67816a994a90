"""A small DER writer: lengths, TLVs, INTEGERs, times, SEQUENCEs, and splitting a SEQUENCE again (X.690).

The lab builds a few structures by hand where ``cryptography`` has no builder for
what a lesson needs: CRLs with a chosen defect, OCSP responses re-stamped at a lab
instant. Every such module writes its DER with these functions, so one encoder is
tested once. Each function returns a whole TLV (tag, length, content) unless its
name says otherwise (:func:`length`, :func:`content`, :func:`children`).

:func:`encode` re-encodes a node the reader (:mod:`pki_lab.der.reader`) produced,
byte for byte; :func:`encode_string` writes the three string types certificates use.

    >>> sequence(integer(1), integer(-129)).hex()
    '30070201010202ff7f'
"""

from __future__ import annotations

import datetime as _dt

from ..errors import MalformedInputError, ParameterError, WrongTypeError
from .reader import TAG_CLASSES, Node, read_header
from .values import PRINTABLE_CHARACTERS

__all__ = [
    "length", "tlv", "integer", "enumerated", "boolean", "null", "oid", "octet_string", "bit_string",
    "utc_time", "generalized_time", "time", "sequence", "set_of", "explicit", "content", "children",
    "encode", "encode_string",
]

# Universal tag bytes (X.680 8.4, Table 1), with the constructed bit (0x20) where DER requires it.
BOOLEAN, INTEGER, BIT_STRING, OCTET_STRING, NULL, OID, ENUMERATED = 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x0A
UTC_TIME, GENERALIZED_TIME, SEQUENCE, SET = 0x17, 0x18, 0x30, 0x31


def length(n: int) -> bytes:
    """The DER length octets for ``n`` content bytes: short form below 128, else long form (X.690 8.1.3, 10.1).

        >>> length(127).hex(), length(128).hex(), length(256).hex()
        ('7f', '8180', '820100')
    """
    if isinstance(n, bool) or not isinstance(n, int):
        raise WrongTypeError(f"A DER length must be an int, not {type(n).__name__}.")
    if n < 0:
        raise ParameterError(f"A DER length cannot be negative ({n}).")
    if n < 0x80:
        return bytes([n])
    raw = n.to_bytes((n.bit_length() + 7) // 8, "big")
    if len(raw) > 126:  # X.690 8.1.3.5: 0xFF is reserved, so at most 126 length octets
        raise ParameterError(f"A DER length of {len(raw)} bytes does not fit in the long form (126 at most).")
    return bytes([0x80 | len(raw)]) + raw


def tlv(tag: int, body: bytes) -> bytes:
    """One element: the one-byte ``tag`` (class, constructed bit and number), the length, then ``body``.

    Raises:
        ParameterError: ``tag`` is not a byte, or its number bits are 31 (0x1F), which
            announces a multi-byte tag number (X.690 8.1.2.4) this writer does not write.
    """
    if isinstance(tag, bool) or not isinstance(tag, int) or not 0 <= tag <= 0xFF:
        raise ParameterError(f"A tag must be one byte (0 to 255), not {tag!r}.")
    if tag & 0x1F == 0x1F:
        raise ParameterError(f"Tag byte 0x{tag:02X} starts a multi-byte tag number (X.690 8.1.2.4); "
                             "this writer takes one-byte tags only.")
    body = bytes(body)
    return bytes([tag]) + length(len(body)) + body


def _twos_complement(n: int, what: str) -> bytes:
    if isinstance(n, bool) or not isinstance(n, int):
        raise WrongTypeError(f"An {what} must be an int, not {type(n).__name__}.")
    # X.690 8.3.2: the shortest two's complement form (no leading 0x00 or 0xFF that only repeats the sign).
    return n.to_bytes((n if n >= 0 else ~n).bit_length() // 8 + 1, "big", signed=True)


def integer(n: int) -> bytes:
    """An INTEGER in its shortest two's complement form (X.690 8.3): ``0`` is ``02 01 00``, 128 is ``02 02 00 80``."""
    return tlv(INTEGER, _twos_complement(n, "INTEGER"))


def enumerated(n: int) -> bytes:
    """An ENUMERATED, encoded like an INTEGER (X.690 8.4); CRL reason codes use it (RFC 5280 5.3.1)."""
    return tlv(ENUMERATED, _twos_complement(n, "ENUMERATED"))


def boolean(value: bool) -> bytes:
    """A BOOLEAN: DER writes TRUE as 0xFF, FALSE as 0x00 (X.690 11.1)."""
    return tlv(BOOLEAN, b"\xff" if value else b"\x00")


def null() -> bytes:
    """A NULL, which has no content (X.690 8.8)."""
    return tlv(NULL, b"")


def oid(dotted: str) -> bytes:
    """An OBJECT IDENTIFIER from its dotted form, e.g. ``"2.5.29.21"`` (X.690 8.19).

    Raises:
        ParameterError: not at least two arcs of digits, a first arc above 2, or a
            second arc of 40 or more under arcs 0 and 1.
    """
    parts = dotted.split(".") if isinstance(dotted, str) else []
    if len(parts) < 2 or not all(p.isascii() and p.isdigit() for p in parts):
        raise ParameterError(f"{dotted!r} is not a dotted OID such as '2.5.29.21'.")
    arcs = [int(p) for p in parts]
    if arcs[0] > 2 or (arcs[0] < 2 and arcs[1] >= 40):
        raise ParameterError(f"{dotted!r} is not a valid OID: the first arc is 0, 1 or 2, and under 0 and 1 "
                             "the second arc is below 40 (X.660).")
    body = bytearray()
    for arc in [arcs[0] * 40 + arcs[1], *arcs[2:]]:  # X.690 8.19.4: the first two arcs share one subidentifier
        groups = [arc & 0x7F]
        arc >>= 7
        while arc:
            groups.append(0x80 | (arc & 0x7F))
            arc >>= 7
        body.extend(reversed(groups))
    return tlv(OID, bytes(body))


def octet_string(body: bytes) -> bytes:
    """An OCTET STRING holding ``body`` (an extension's ``extnValue`` holds DER this way, RFC 5280 4.1)."""
    return tlv(OCTET_STRING, body)


def bit_string(body: bytes) -> bytes:
    """A BIT STRING of whole bytes: the unused-bits octet 0, then ``body`` (a signature or a key, X.690 8.6)."""
    return tlv(BIT_STRING, b"\x00" + bytes(body))


def _utc(when: _dt.datetime) -> _dt.datetime:
    if not isinstance(when, _dt.datetime):
        raise WrongTypeError(f"A DER time takes a datetime, not {type(when).__name__}.")
    if when.tzinfo is None or when.utcoffset() is None:
        raise ParameterError("`when` must be a timezone-aware datetime, not a naive one.")
    return when.astimezone(_dt.UTC)


def utc_time(when: _dt.datetime) -> bytes:
    """A UTCTime ``YYMMDDHHMMSSZ`` in UTC, seconds included, no fraction (RFC 5280 4.1.2.5.1).

    Raises:
        ParameterError: ``when`` is naive, or outside 1950-2049, the years two digits can name.
    """
    when = _utc(when)
    if not 1950 <= when.year <= 2049:  # RFC 5280 4.1.2.5.1: YY >= 50 is 19YY, YY < 50 is 20YY
        raise ParameterError(f"UTCTime holds the years 1950 to 2049 only, not {when.year}; use generalized_time.")
    return tlv(UTC_TIME, f"{when:%y%m%d%H%M%S}Z".encode("ascii"))


def generalized_time(when: _dt.datetime) -> bytes:
    """A GeneralizedTime ``YYYYMMDDHHMMSSZ`` in UTC, no fraction (RFC 5280 4.1.2.5.2, RFC 6960 4.2.2.1)."""
    when = _utc(when)
    return tlv(GENERALIZED_TIME, f"{when.year:04d}{when:%m%d%H%M%S}Z".encode("ascii"))


def time(when: _dt.datetime) -> bytes:
    """A certificate or CRL ``Time`` (RFC 5280 4.1.2.5, 5.1.2.4): UTCTime through 2049, GeneralizedTime from 2050.

    Years before 1950 (which UTCTime cannot name) are GeneralizedTime too.
    """
    when = _utc(when)
    return utc_time(when) if 1950 <= when.year <= 2049 else generalized_time(when)


def sequence(*parts: bytes) -> bytes:
    """A SEQUENCE of the given encoded elements, in order (X.690 8.9)."""
    return tlv(SEQUENCE, b"".join(parts))


def set_of(*parts: bytes) -> bytes:
    """A SET OF the given elements, sorted by their encodings as DER requires (X.690 11.6)."""
    return tlv(SET, b"".join(sorted(parts)))


def explicit(number: int, body: bytes) -> bytes:
    """A context-specific constructed tag ``[number]`` around ``body`` (an EXPLICIT tag, X.690 8.14).

    Raises:
        ParameterError: ``number`` is outside 0..30 (larger numbers need a multi-byte tag).
    """
    if isinstance(number, bool) or not isinstance(number, int) or not 0 <= number <= 30:
        raise ParameterError(f"An explicit tag number must be 0 to 30 for a one-byte tag, not {number!r}.")
    return tlv(0xA0 | number, body)


def _span(der: bytes) -> tuple[int, int]:
    """(content start, content end) of the one element ``der`` holds, refusing truncated or trailing bytes."""
    if not isinstance(der, (bytes, bytearray, memoryview)):
        raise WrongTypeError(f"Expected DER bytes, not {type(der).__name__}.")
    header = read_header(bytes(der))
    end = header.header_length + header.length
    if end > len(der):
        raise MalformedInputError(f"The element announces {header.length:,} content bytes but only "
                                  f"{len(der) - header.header_length:,} follow its header: it is truncated.")
    if end < len(der):
        raise MalformedInputError(f"There are {len(der) - end:,} unexpected bytes after the end of the element, "
                                  f"starting at offset {end}.")
    return header.header_length, end


def content(der: bytes) -> bytes:
    """The content bytes of one element (what follows its tag and length), e.g. the DER inside an OCTET STRING."""
    start, end = _span(der)
    return bytes(der[start:end])


def children(der: bytes) -> list[bytes]:
    """The child elements of one SEQUENCE or SET (or any element whose content is DER), each as its full bytes.

        >>> children(sequence(integer(1), integer(2)))
        [b'\\x02\\x01\\x01', b'\\x02\\x01\\x02']

    Raises:
        MalformedInputError: the element or one of its children is truncated, or bytes
            follow the element.
    """
    der = bytes(der) if isinstance(der, (bytearray, memoryview)) else der
    pos, end = _span(der)
    out = []
    while pos < end:
        header = read_header(der, pos, end)
        stop = pos + header.header_length + header.length
        if stop > end:
            raise MalformedInputError(f"The child element at offset {pos} announces {header.length:,} content "
                                      f"bytes, but its parent has only {end - pos - header.header_length:,} left: "
                                      "it is truncated or its length is wrong.")
        out.append(der[pos:stop])
        pos = stop
    return out


def _tag_bytes(node: Node) -> bytes:
    first = (TAG_CLASSES.index(node.tag_class) << 6) | (0x20 if node.constructed else 0)
    if node.tag_number < 31:
        return bytes([first | node.tag_number])
    groups, number = [], node.tag_number  # X.690 8.1.2.4: high tag numbers in base 128
    while True:
        groups.append(number & 0x7F)
        number >>= 7
        if not number:
            break
    groups.reverse()
    return bytes([first | 0x1F] + [g | 0x80 for g in groups[:-1]] + [groups[-1]])


def encode(node: Node) -> bytes:
    """Re-encode a node (and its children) as DER, from its tag, its children and its content.

    For every tree :func:`pki_lab.der.parse` returns, ``encode(tree.root) == tree.data``.
    """
    if node.constructed:
        body = b"".join(encode(c) for c in node.children)
    elif node.encapsulated:
        body = (b"\x00" if node.tag_number == 3 else b"") + b"".join(encode(c) for c in node.children)
    else:
        body = node.content
    return _tag_bytes(node) + length(len(body)) + body


_STRING_TAGS = {"UTF8String": 12, "PrintableString": 19, "IA5String": 22}


def encode_string(text: str, string_type: str = "UTF8String") -> bytes:
    """The DER of ``text`` as a UTF8String, PrintableString or IA5String, refusing characters the type lacks.

    A PrintableString holds only A-Z, a-z, 0-9, space and ``'()+,-./:=?`` (X.680 41.4,
    Table 10), so ``"device_01"`` must be a UTF8String (RFC 5280 4.1.2.4 allows both).
    """
    if string_type not in _STRING_TAGS:
        raise ParameterError(f"`string_type` must be one of {', '.join(_STRING_TAGS)}, not {string_type!r}.")
    if string_type == "PrintableString":
        bad = "".join(sorted(set(text) - PRINTABLE_CHARACTERS))
        if bad:
            raise ParameterError(f"{text!r} cannot be a PrintableString: {bad!r} is not in its character set "
                                 "(X.680 41.4); encode it as a UTF8String.")
    if string_type == "IA5String" and not text.isascii():
        raise ParameterError(f"{text!r} cannot be an IA5String, which holds ASCII only; use a UTF8String.")
    return tlv(_STRING_TAGS[string_type], text.encode("utf-8"))
