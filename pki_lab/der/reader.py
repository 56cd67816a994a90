"""A DER reader for teaching: walk the tag-length-value (TLV) bytes of any DER blob into a tree.

Real parsers (the one inside ``cryptography``) turn DER straight into objects and
hide the bytes. This reader keeps them: every :class:`Node` knows its offset, its
header (tag and length bytes), its tag class and number, its length and a short
preview of its value (:mod:`pki_lab.der_values`), so a learner can point at byte 347
and ask "what is this?".
For certificates, CSRs and CRLs, :mod:`pki_lab.x509paths` adds the field path of
each node (``tbsCertificate.validity.notAfter``).

It is strict, as DER is (X.690 section 10): bad bytes never hang it or crash it;
truncated input, lengths longer than the data, indefinite lengths (allowed in BER,
forbidden in DER), lengths not in their shortest form, nesting deeper than
``max_depth`` and bytes after the outer element each raise
:class:`~pki_lab.errors.MalformedInputError` naming the offset. Because only one
encoding is accepted, :func:`encode` rebuilds exactly the bytes that were read.

    >>> from pki_lab.der import parse
    >>> tree = parse(bytes.fromhex("3006020101020102"))
    >>> print(tree)
       0+2  SEQUENCE (2 elements)
       2+2    INTEGER 1
       5+2    INTEGER 2
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

from .der_values import PRINTABLE_CHARACTERS, _preview, tag_name
from .errors import MalformedInputError, ParameterError, WrongTypeError

__all__ = ["Node", "DerTree", "parse", "tree_of", "encode", "encode_string", "parse_content", "MAX_DEPTH", "tag_name",
           "PRINTABLE_CHARACTERS"]

MAX_DEPTH = 64
_CLASSES = ("universal", "application", "context", "private")
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
        return _preview(self)

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


def _read_header(data: bytes, offset: int, limit: int) -> tuple[str, bool, int, int, int]:
    """Read a tag and a length at ``offset``: (class, constructed, number, header length, content length)."""
    if offset >= limit:
        raise _fail(f"The DER data ends at offset {offset}, where an element's tag was expected.")
    first = data[offset]
    tag_class, constructed, number = _CLASSES[first >> 6], bool(first & 0x20), first & 0x1F
    pos = offset + 1
    if number == 0x1F:  # X.690 8.1.2.4: high tag number form, base 128
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
    if tag_class == "universal" and number == 0:
        raise _fail(f"Offset {offset} holds tag 0x00, the end-of-contents marker that only BER's indefinite "
                    "lengths use; DER forbids it.")
    if pos >= limit:
        raise _fail(f"The DER data ends at offset {pos}, inside the header of the element at offset {offset} "
                    "(its length byte is missing).")
    size = data[pos]
    pos += 1
    if size < 0x80:  # X.690 8.1.3.4: short form
        length = size
    elif size == 0x80:
        raise _fail(f"The element at offset {offset} uses an indefinite length (0x80), which BER allows but "
                    "DER forbids; re-encode it as DER.")
    elif size == 0xFF:
        raise _fail(f"The length byte at offset {pos - 1} is 0xFF, a value X.690 reserves; the data is damaged.")
    else:
        count = size & 0x7F
        if pos + count > limit:
            raise _fail(f"The DER data ends inside the {count}-byte length of the element at offset {offset}.")
        length = int.from_bytes(data[pos:pos + count], "big")
        if data[pos] == 0 or length < 0x80:  # X.690 10.1: the shortest form only
            raise _fail(f"The length of the element at offset {offset} is not in its shortest form, which DER "
                        "forbids.")
        pos += count
    return tag_class, constructed, number, pos - offset, length


def _element(data: bytes, offset: int, limit: int, depth: int, max_depth: int) -> Node:
    if depth > max_depth:
        raise _fail(f"The element at offset {offset} is nested more than {max_depth} levels deep; the lab "
                    "stops there (real certificates use about 10).")
    tag_class, constructed, number, header, length = _read_header(data, offset, limit)
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


def parse(data: bytes | bytearray | memoryview, *, max_depth: int = MAX_DEPTH, x509: bool = True) -> DerTree:
    """Parse one DER element (and everything inside it) into a :class:`DerTree`.

    Args:
        data: the DER bytes.
        max_depth: the deepest nesting accepted (a guard against hostile input).
        x509: when the bytes are a certificate, CSR or CRL, add field paths (and open
            the DER inside extension values, RSA keys and ECDSA signatures).

    Raises:
        MalformedInputError: the bytes are not one well-formed DER element; the message
            names the offset of the problem.
    """
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise WrongTypeError(f"parse() takes DER bytes, not {type(data).__name__}; for a certificate use "
                             "pki_lab.der.tree_of(cert).")
    data = bytes(data)
    if not data:
        raise _fail("The DER data is empty (0 bytes).")
    root = _element(data, 0, len(data), 0, max_depth)
    if root.end < len(data):
        raise _fail(f"There are {len(data) - root.end:,} unexpected bytes after the end of the outer element, "
                    f"starting at offset {root.end}.")
    tree = DerTree(data, root)
    if x509:
        from .x509paths import annotate

        tree = annotate(tree, max_depth)
    return tree


def tree_of(source: object, *, max_depth: int = MAX_DEPTH) -> DerTree:
    """The DER tree of a certificate, CSR or CRL object, or of DER/PEM bytes, PEM text or a file path.

    PEM input must hold one block (its DER is parsed); anything else is read as DER.
    """
    from cryptography import x509 as _x509

    from .loading import _pem_blocks, read_source, to_der

    if isinstance(source, (_x509.Certificate, _x509.CertificateSigningRequest, _x509.CertificateRevocationList)):
        return parse(to_der(source), max_depth=max_depth)
    data = read_source(source)
    if b"-----BEGIN" in data:
        blocks = _pem_blocks(data, "the input")
        if len(blocks) != 1:
            raise MalformedInputError(f"The PEM input holds {len(blocks)} blocks; pass one block at a time "
                                      "(pki_lab.load_certificates reads them all).")
        data = blocks[0][1]
    return parse(data, max_depth=max_depth)


def _encode_tag(node: Node) -> bytes:
    first = (_CLASSES.index(node.tag_class) << 6) | (0x20 if node.constructed else 0)
    if node.tag_number < 31:
        return bytes([first | node.tag_number])
    groups, number = [], node.tag_number
    while True:
        groups.append(number & 0x7F)
        number >>= 7
        if not number:
            break
    groups.reverse()
    return bytes([first | 0x1F] + [g | 0x80 for g in groups[:-1]] + [groups[-1]])


def _encode_length(length: int) -> bytes:
    if length < 0x80:
        return bytes([length])
    raw = length.to_bytes((length.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(raw)]) + raw


def encode(node: Node) -> bytes:
    """Re-encode a node (and its children) as DER, from its tag, its children and its content.

    For every tree :func:`parse` returns, ``encode(tree.root) == tree.data``.
    """
    if node.constructed:
        content = b"".join(encode(c) for c in node.children)
    elif node.encapsulated:
        content = (b"\x00" if node.tag_number == 3 else b"") + b"".join(encode(c) for c in node.children)
    else:
        content = node.content
    return _encode_tag(node) + _encode_length(len(content)) + content


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
    content = text.encode("utf-8")
    return bytes([_STRING_TAGS[string_type]]) + _encode_length(len(content)) + content
