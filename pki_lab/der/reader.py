"""A DER reader for teaching: walk the tag-length-value (TLV) bytes of any DER blob into a tree.

Real parsers (the one inside ``cryptography``) turn DER straight into objects and
hide the bytes. This reader keeps them: every :class:`Node` knows its offset, its
header (tag and length bytes), its tag class and number, its length and a short
preview of its value (:mod:`pki_lab.der.values`), so a learner can point at byte 347
and ask "what is this?". The reader knows X.690 only; :mod:`pki_lab.der.paths` adds
the X.509 field path of each node (``tbsCertificate.validity.notAfter``).

It is strict, as DER is (X.690 section 10): bad bytes never hang it or crash it;
truncated input, lengths longer than the data, indefinite lengths (allowed in BER,
forbidden in DER), lengths not in their shortest form, nesting deeper than
``max_depth`` and bytes after the outer element each raise
:class:`~pki_lab.errors.MalformedInputError` naming the offset. Because only one
encoding is accepted, :func:`pki_lab.der.encode` rebuilds exactly the bytes that were read.

    >>> from pki_lab.der.reader import read
    >>> print(read(bytes.fromhex("3006020101020102")))
       0+2  SEQUENCE (2 elements)
       2+2    INTEGER 1
       5+2    INTEGER 2
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import NamedTuple

from ..errors import MalformedInputError, WrongTypeError
from .values import preview, tag_name

__all__ = ["Node", "DerTree", "Header", "read", "read_header", "parse_content", "MAX_DEPTH", "TAG_CLASSES"]

MAX_DEPTH = 64
TAG_CLASSES = ("universal", "application", "context", "private")
# X.690 10.2: DER encodes these universal types in primitive form only; SEQUENCE and SET are constructed.
_MUST_BE_PRIMITIVE = {1, 2, 3, 4, 5, 6, 9, 10, 12, 13, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30}
_MUST_BE_CONSTRUCTED = {16, 17}


@dataclasses.dataclass(frozen=True)
class Node:
    """One TLV element: where it is, what its tag says, and its content (or its children).

    ``content`` holds the raw content bytes of primitive elements (also of an OCTET
    STRING or BIT STRING whose content is itself DER, then shown as ``children``
    with ``encapsulated`` set); constructed elements keep only their children.
    """

    offset: int
    header_length: int
    length: int
    tag_class: str
    constructed: bool
    tag_number: int
    depth: int
    content: bytes = b""
    children: tuple[Node, ...] = ()
    encapsulated: bool = False
    path: str = ""

    @property
    def end(self) -> int:
        """The offset just past this element."""
        return self.offset + self.header_length + self.length

    @property
    def content_offset(self) -> int:
        """The offset of the first content byte (after the tag and length bytes)."""
        return self.offset + self.header_length

    @property
    def tag(self) -> str:
        return tag_name(self.tag_class, self.tag_number)

    @property
    def is_universal(self) -> bool:
        return self.tag_class == "universal"

    def walk(self) -> Iterator[Node]:
        """This node and all nodes below it, in byte order."""
        yield self
        for child in self.children:
            yield from child.walk()

    @property
    def value(self) -> str:
        """A short, release-stable preview of the value (OIDs with their names, times in ISO form)."""
        return preview(self)

    def __str__(self) -> str:
        path = f"  {self.path}" if self.path else ""
        return f"{self.offset:>4}+{self.header_length}  {'  ' * self.depth}{self.tag} {self.value}".rstrip() + path


@dataclasses.dataclass(frozen=True)
class DerTree:
    """The parsed bytes and the root node; ``kind`` is "certificate", "csr", "crl" or "der"."""

    data: bytes
    root: Node
    kind: str = "der"

    def nodes(self) -> tuple[Node, ...]:
        """Every node, in byte order."""
        return tuple(self.root.walk())

    def at(self, offset: int) -> Node:
        """The deepest node whose bytes (header or content) include ``offset``."""
        if not isinstance(offset, int) or not 0 <= offset < len(self.data):
            raise MalformedInputError(
                f"Offset {offset!r} is outside the data, which has {len(self.data)} bytes (offsets 0 to "
                f"{len(self.data) - 1})."
            )
        node = self.root
        while True:
            inner = [c for c in node.children if c.offset <= offset < c.end]
            if not inner:
                return node
            node = inner[0]

    def find(self, path: str) -> Node:
        """The first (outermost) node with this field path, e.g. ``"tbsCertificate.validity.notAfter"``."""
        for node in self.root.walk():
            if node.path == path:
                return node
        known = ", ".join(dict.fromkeys(n.path for n in self.root.walk() if n.path and n.depth <= 2))
        raise MalformedInputError(f"No field has the path {path!r}; paths near the top are: {known}.")

    def in_header(self, offset: int) -> bool:
        """Whether ``offset`` is a tag or length byte (rather than a content byte) of its node."""
        node = self.at(offset)
        return offset < node.content_offset

    def __str__(self) -> str:
        return "\n".join(str(n) for n in self.root.walk())

    __repr__ = __str__


def _fail(message: str) -> MalformedInputError:
    return MalformedInputError(message)


class Header(NamedTuple):
    """The tag and length of one element, as :func:`read_header` finds them."""

    tag_class: str
    constructed: bool
    tag_number: int
    header_length: int
    length: int


def read_header(data: bytes, offset: int = 0, limit: int | None = None) -> Header:
    """Read the tag and length bytes at ``offset`` (X.690 8.1.2, 8.1.3), strictly as DER requires.

    ``limit`` is where the enclosing element ends (the end of ``data`` by default);
    the content length is not checked against it, only the header bytes.

    Raises:
        MalformedInputError: the header is truncated or not in DER's one allowed form.
    """
    limit = len(data) if limit is None else limit
    if offset >= limit:
        raise _fail(f"The DER data ends at offset {offset}, where an element's tag was expected.")
    tag_class, constructed, number, pos = _read_identifier(data, offset, limit)
    length, pos = _read_length(data, offset, pos, limit)
    return Header(tag_class, constructed, number, pos - offset, length)


def _read_identifier(data: bytes, offset: int, limit: int) -> tuple[str, bool, int, int]:
    """The identifier octets at ``offset`` (X.690 8.1.2): class, form, tag number, and where the length starts.

    The first byte holds the class (bits 8-7), the form (bit 6) and a tag number up to 30
    (bits 5-1); 0x1F there means the number follows in more bytes (8.1.2.4).
    """
    first = data[offset]
    tag_class, constructed, number = TAG_CLASSES[first >> 6], bool(first & 0x20), first & 0x1F
    pos = offset + 1
    if number == 0x1F:  # X.690 8.1.2.4: high tag number form, base 128
        number, pos = _read_high_tag_number(data, offset, pos, limit)
    if tag_class == "universal" and number == 0:
        raise _fail(f"Offset {offset} holds tag 0x00, the end-of-contents marker that only BER's indefinite "
                    "lengths use; DER forbids it.")
    return tag_class, constructed, number, pos


def _read_high_tag_number(data: bytes, offset: int, pos: int, limit: int) -> tuple[int, int]:
    """A tag number in the high tag number form (X.690 8.1.2.4): base 128, from ``pos``; and the byte after it.

    DER allows one encoding of each number, so a leading zero (a first byte of 0x80) and the long
    form for a number that fits the first byte (below 31) are refused. The lab reads at most five
    number bytes, far beyond any tag a certificate uses.
    """
    number = 0
    for count in range(5):
        if pos >= limit:
            raise _fail(f"The DER data ends inside the tag that starts at offset {offset}.")
        byte = data[pos]
        pos += 1
        if count == 0 and byte == 0x80:
            raise _fail(f"The tag at offset {offset} has a leading zero in its number, which DER forbids.")
        number = (number << 7) | (byte & 0x7F)
        if not byte & 0x80:
            break
    else:
        raise _fail(f"The tag at offset {offset} has a tag number longer than 4 bytes; this is not DER.")
    if number < 31:
        raise _fail(f"The tag at offset {offset} uses the long form for a small tag number ({number}), "
                    "which DER forbids.")
    return number, pos


def _read_length(data: bytes, offset: int, pos: int, limit: int) -> tuple[int, int]:
    """The length octets at ``pos`` (X.690 8.1.3): the content length, and where the content starts.

    DER keeps one of BER's three forms for each length (X.690 10.1): the short form below 128,
    otherwise the long form in as few bytes as possible; never the indefinite form.
    """
    if pos >= limit:
        raise _fail(f"The DER data ends at offset {pos}, inside the header of the element at offset {offset} "
                    "(its length byte is missing).")
    size = data[pos]
    pos += 1
    if size < 0x80:  # X.690 8.1.3.4: short form
        return size, pos
    if size == 0x80:  # X.690 8.1.3.6: indefinite form
        raise _fail(f"The element at offset {offset} uses an indefinite length (0x80), which BER allows but "
                    "DER forbids; re-encode it as DER.")
    if size == 0xFF:  # X.690 8.1.3.5 c): reserved
        raise _fail(f"The length byte at offset {pos - 1} is 0xFF, a value X.690 reserves; the data is damaged.")
    count = size & 0x7F  # X.690 8.1.3.5: long form, the number of length bytes that follow
    if pos + count > limit:
        raise _fail(f"The DER data ends inside the {count}-byte length of the element at offset {offset}.")
    length = int.from_bytes(data[pos:pos + count], "big")
    if data[pos] == 0 or length < 0x80:  # X.690 10.1: the shortest form only
        raise _fail(f"The length of the element at offset {offset} is not in its shortest form, which DER "
                    "forbids.")
    return length, pos + count


def _element(data: bytes, offset: int, limit: int, depth: int, max_depth: int) -> Node:
    if depth > max_depth:
        raise _fail(f"The element at offset {offset} is nested more than {max_depth} levels deep; the lab "
                    "stops there (real certificates use about 10).")
    tag_class, constructed, number, header, length = read_header(data, offset, limit)
    start, end = offset + header, offset + header + length
    if end > limit:
        where = "the data" if limit == len(data) else "its parent element"
        raise _fail(f"The element at offset {offset} announces {length:,} content bytes, but {where} has only "
                    f"{max(limit - start, 0):,} left: it is truncated or its length is wrong.")
    if tag_class == "universal":
        if constructed and number in _MUST_BE_PRIMITIVE:
            raise _fail(f"The {tag_name(tag_class, number)} at offset {offset} is in constructed form; DER "
                        "encodes it in primitive form only.")
        if not constructed and number in _MUST_BE_CONSTRUCTED:
            raise _fail(f"The {tag_name(tag_class, number)} at offset {offset} is in primitive form; it must "
                        "be constructed.")
    if not constructed:
        return Node(offset, header, length, tag_class, False, number, depth, data[start:end])
    children = _elements(data, start, end, depth + 1, max_depth)
    return Node(offset, header, length, tag_class, True, number, depth, b"", children)


def _elements(data: bytes, start: int, end: int, depth: int, max_depth: int) -> tuple[Node, ...]:
    children, pos = [], start
    while pos < end:
        child = _element(data, pos, end, depth, max_depth)
        children.append(child)
        pos = child.end
    return tuple(children)


def parse_content(data: bytes, node: Node, max_depth: int = MAX_DEPTH) -> Node:
    """``node`` with its content read as DER (an OCTET STRING or BIT STRING that encapsulates DER).

    Used for extension values (RFC 5280 4.1: ``extnValue`` is an OCTET STRING holding
    DER), RSA public keys and ECDSA signatures (BIT STRINGs holding a SEQUENCE).
    Returns ``node`` unchanged when the content is not exactly one or more whole DER
    elements.
    """
    if node.constructed or not node.is_universal or node.tag_number not in (3, 4) or not node.content:
        return node
    start = node.content_offset
    if node.tag_number == 3:
        if node.content[0] != 0 or len(node.content) < 2:
            return node
        start += 1
    try:
        children = _elements(data, start, node.end, node.depth + 1, max_depth)
    except MalformedInputError:
        return node
    return dataclasses.replace(node, children=children, encapsulated=True)


def read(data: bytes | bytearray | memoryview, *, max_depth: int = MAX_DEPTH) -> DerTree:
    """Read one DER element (and everything inside it) into a :class:`DerTree`, without X.509 field paths.

    :func:`pki_lab.der.parse` calls this and then names the fields of certificates,
    CSRs and CRLs (:mod:`pki_lab.der.paths`); the reader itself knows only X.690.

    Raises:
        MalformedInputError: the bytes are not one well-formed DER element; the message
            names the offset of the problem.
        WrongTypeError: ``data`` is not bytes.
    """
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise WrongTypeError(f"parse() takes DER bytes, not {type(data).__name__}; for a certificate use "
                             "pki_lab.loading.tree_of(cert).")
    data = bytes(data)
    if not data:
        raise _fail("The DER data is empty (0 bytes).")
    root = _element(data, 0, len(data), 0, max_depth)
    if root.end < len(data):
        raise _fail(f"There are {len(data) - root.end:,} unexpected bytes after the end of the outer element, "
                    f"starting at offset {root.end}.")
    return DerTree(data, root)
