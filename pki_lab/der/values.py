"""Value previews for the DER reader: type names, OIDs with their names, times, strings (X.680, X.690).

Split from the reader (:mod:`pki_lab.der.reader`) so each file stays short. The previews are release-stable
text (our own formatting, not a library's repr), so notebook outputs do not change.
Value-level problems (an OID that is not a valid encoding, a PrintableString holding
``_``) are *shown* in the preview rather than raised: the structure is still DER.
"""

from __future__ import annotations

from typing import Any

from ..oids import oid_name

__all__ = ["tag_name", "oid_text", "preview", "PRINTABLE_CHARACTERS"]

_UNIVERSAL = {
    1: "BOOLEAN", 2: "INTEGER", 3: "BIT STRING", 4: "OCTET STRING", 5: "NULL", 6: "OBJECT IDENTIFIER",
    10: "ENUMERATED", 12: "UTF8String", 16: "SEQUENCE", 17: "SET", 18: "NumericString", 19: "PrintableString",
    20: "T61String", 22: "IA5String", 23: "UTCTime", 24: "GeneralizedTime", 26: "VisibleString",
    28: "UniversalString", 30: "BMPString",
}
# X.680 41.4, Table 10: the PrintableString character set. No "_", "@", "*", "&" or non-ASCII letters.
PRINTABLE_CHARACTERS = frozenset(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789 '()+,-./:=?"
)
_TEXT = {12: "utf-8", 18: "ascii", 19: "ascii", 20: "latin-1", 22: "ascii", 26: "ascii",
         28: "utf-32-be", 30: "utf-16-be"}


def tag_name(tag_class: str, tag_number: int) -> str:
    """``SEQUENCE``, ``INTEGER``, ``[0]`` (context-specific), ``[APPLICATION 1]``, ``[UNIVERSAL 99]``."""
    if tag_class == "universal":
        return _UNIVERSAL.get(tag_number, f"[UNIVERSAL {tag_number}]")
    if tag_class == "context":
        return f"[{tag_number}]"
    return f"[{tag_class.upper()} {tag_number}]"


def oid_text(content: bytes) -> str | None:
    """Dotted form of an OID's content (X.690 8.19), or None if it is not a valid encoding."""
    if not content or content[-1] & 0x80:
        return None
    arcs, value, fresh = [], 0, True
    for byte in content:
        if fresh and byte == 0x80:
            return None  # X.690 8.19.2: no leading 0x80 in a subidentifier
        value = (value << 7) | (byte & 0x7F)
        fresh = not byte & 0x80
        if fresh:
            arcs.append(value)
            value = 0
    first = arcs[0]
    head = [min(first // 40, 2), first - 40 * min(first // 40, 2)]
    return ".".join(str(a) for a in head + arcs[1:])


def _hex(content: bytes, limit: int = 12) -> str:
    text = content[:limit].hex(" ").upper()
    return text + (f" ... ({len(content)} bytes)" if len(content) > limit else "")


def _time_text(number: int, text: str) -> str:
    digits = text.rstrip("Z")
    if not text.endswith("Z") or not digits.isdigit() or len(digits) != (12 if number == 23 else 14):
        return f"{text!r} (not in the form RFC 5280 4.1.2.5 requires)"
    if number == 23:  # RFC 5280 4.1.2.5.1: YY >= 50 means 19YY, else 20YY
        digits = ("19" if int(digits[:2]) >= 50 else "20") + digits
    return f"{digits[:4]}-{digits[4:6]}-{digits[6:8]} {digits[8:10]}:{digits[10:12]}:{digits[12:14]} UTC"


def preview(node: Any) -> str:
    """A short, release-stable preview of a node's value: OIDs with their names, times in ISO form."""
    count = len(node.children)
    if node.constructed:
        return f"({count} element{'s' if count != 1 else ''})"
    if node.encapsulated:
        return f"(encapsulates DER: {count} element{'s' if count != 1 else ''})"
    if not node.is_universal:  # e.g. a dNSName [2] or a URI [6] in a GeneralName: IA5String text
        return _tagged_preview(node.content)
    return _universal_preview(node.tag_number, node.content)


def _tagged_preview(content: bytes) -> str:
    """An implicitly tagged primitive value: quoted when it reads as printable ASCII, else hex.

    The tag alone does not say the type (the ASN.1 module does), but in a certificate these are
    often IA5String names (a GeneralName's dNSName or URI), so text is the likely reading.
    """
    printable = content and all(0x20 <= b < 0x7F for b in content)
    return repr(content.decode("ascii")) if printable else _hex(content)


def _universal_preview(n: int, content: bytes) -> str:
    """The value of a primitive UNIVERSAL ``n``, read as its type (X.690 clause 8); hex for other types.

    A value that breaks its type's rules is shown with what is wrong, not raised: the structure is still DER.
    """
    if n == 1:  # X.690 11.1: DER's TRUE is 0xFF
        return {b"\xff": "TRUE", b"\x00": "FALSE"}.get(content, f"{_hex(content)} (not a DER BOOLEAN)")
    if n in (2, 10):
        return _integer_preview(content)
    if n == 3:
        return f"{_hex(content[1:])} (unused bits: {content[0]})" if content else "(empty)"
    if n == 5:
        return "" if not content else f"{_hex(content)} (a NULL must be empty)"
    if n == 6:
        return _oid_preview(content)
    if n in _TEXT or n in (23, 24):
        return _text_preview(n, content)
    return _hex(content)


def _integer_preview(content: bytes) -> str:
    """An INTEGER or ENUMERATED (X.690 8.3, 8.4): two's complement, in decimal up to 8 bytes, else hex."""
    if not content:
        return "(empty: not a valid INTEGER)"
    value = int.from_bytes(content, "big", signed=True)
    return str(value) if len(content) <= 8 else _hex(content, 8)


def _oid_preview(content: bytes) -> str:
    """An OBJECT IDENTIFIER (X.690 8.19) in dotted form, with its name when the lab knows one."""
    dotted = oid_text(content)
    if dotted is None:
        return f"{_hex(content)} (not a valid OID encoding)"
    name = oid_name(dotted)
    return dotted if name == dotted else f"{dotted} ({name})"


def _text_preview(n: int, content: bytes) -> str:
    """A character string or a time, decoded as its type's encoding says.

    Times (UTCTime 23, GeneralizedTime 24) are ASCII and shown in ISO form; a PrintableString
    (19) also names the characters X.680 does not allow in it.
    """
    try:
        text = content.decode(_TEXT.get(n, "ascii"))
    except UnicodeDecodeError:
        return f"{_hex(content)} (not valid {tag_name('universal', n)} text)"
    if n in (23, 24):
        return _time_text(n, text)
    bad = "" if n != 19 else "".join(sorted(set(text) - PRINTABLE_CHARACTERS))
    return repr(text) + (f" (not allowed in a PrintableString: {bad!r})" if bad else "")
