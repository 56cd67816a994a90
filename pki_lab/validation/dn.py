"""Comparing distinguished names as RFC 5280 7.1 says: RDN by RDN, values prepared by RFC 4518.

Two certificates chain when the child's issuer *matches* the parent's subject
(RFC 5280 6.1.3 (a)(4)), and "matches" is not "has the same bytes":

* two DNs match if they have the same number of RDNs and the RDNs match in order;
* two RDNs match if they hold the same number of attributes and each attribute of one
  matches an attribute of the other (an RDN is a set);
* two attributes match if their types are the same and their values are equal after the
  LDAP string preparation of RFC 4518 (caseIgnoreMatch): transcode to Unicode, map
  (control characters removed, other spaces to SPACE, case folded per RFC 3454 B.2),
  normalise (NFKC), prohibit (unassigned, private-use, non-character, surrogate code
  points), and insignificant space handling (2.6.1). RFC 5280 7.1 asks for this on every
  DirectoryString value: PrintableString, UTF8String, TeletexString, BMPString and
  UniversalString, so ``CN=Example CA`` in PrintableString matches ``cn=example  ca``
  in UTF8String;
* domainComponent values (IA5String) compare case-insensitively (RFC 5280 7.3);
* values of any other type compare exactly, by their DER (type and content).

:func:`name_key` turns a name into a canonical key (a tuple of RDN keys) with these
rules built in, so equal keys mean matching names and a key can index a dictionary
(:class:`~pki_lab.validation.registry.IssuerRegistry` does). A value whose preparation
fails (a prohibited code point) keeps its exact form: it then matches only itself, byte
for byte, which is what RFC 4518 leaves (an undefined comparison is no match).
"""

from __future__ import annotations

import functools
import stringprep
import unicodedata

from cryptography import x509

__all__ = ["NameKey", "name_key", "names_equal", "name_within", "prepare_string"]

#: A canonical name: one sorted tuple of attribute keys per RDN, in the name's order.
NameKey = tuple[tuple[tuple, ...], ...]

# The ASN.1 string tags of the DirectoryString choice (X.520; RFC 5280 4.1.2.4, 7.1).
_UTF8, _PRINTABLE, _TELETEX, _IA5, _UNIVERSAL, _BMP = 12, 19, 20, 22, 28, 30
_DIRECTORY_STRING = frozenset({_UTF8, _PRINTABLE, _TELETEX, _UNIVERSAL, _BMP})
_DOMAIN_COMPONENT = x509.NameOID.DOMAIN_COMPONENT.dotted_string

# RFC 4518 2.2: code points mapped to nothing (soft hyphen, joiners, variation selectors, the
# object replacement character, zero width space, and every control or format character).
_TO_NOTHING = frozenset(
    [0x00AD, 0x1806, 0x034F, 0xFFFC, 0x200B, 0x06DD, 0x070F, 0x180E, 0xFEFF, 0xE0001]
    + list(range(0x0000, 0x0009)) + list(range(0x000E, 0x0020)) + list(range(0x007F, 0x0085))
    + list(range(0x0086, 0x00A0)) + list(range(0x180B, 0x180E)) + list(range(0xFE00, 0xFE10))
    + list(range(0x200C, 0x2010)) + list(range(0x202A, 0x202F)) + list(range(0x2060, 0x2064))
    + list(range(0x206A, 0x2070)) + list(range(0xFFF9, 0xFFFC)) + list(range(0x1D173, 0x1D17B))
    + list(range(0xE0020, 0xE0080))
)
# RFC 4518 2.2: mapped to SPACE (tab, line feed, line tabulation, form feed, carriage return, next line).
_TO_SPACE = frozenset([0x0009, 0x000A, 0x000B, 0x000C, 0x000D, 0x0085])
_SEPARATORS = frozenset({"Zs", "Zl", "Zp"})
_UCD = unicodedata.ucd_3_2_0  # RFC 4518 1: the Unicode 3.2 tables of RFC 3454


def _map(text: str) -> str:
    """RFC 4518 2.2 (with RFC 5280 7.1's case folding, RFC 3454 B.2)."""
    out = []
    for ch in text:
        cp = ord(ch)
        if cp in _TO_NOTHING:
            continue
        if cp in _TO_SPACE or _UCD.category(ch) in _SEPARATORS:
            out.append(" ")
            continue
        out.append(stringprep.map_table_b2(ch))
    return "".join(out)


def _prohibited(ch: str) -> bool:
    """RFC 4518 2.4: unassigned (stored values), private use, non-characters, surrogates, C.8, U+FFFD."""
    return (ch == "\ufffd" or stringprep.in_table_a1(ch) or stringprep.in_table_c3(ch)
            or stringprep.in_table_c4(ch) or stringprep.in_table_c5(ch) or stringprep.in_table_c8(ch))


@functools.lru_cache(maxsize=4096)  # a pure function of the text: the same value repeats in every name
def prepare_string(text: str) -> str | None:
    """The RFC 4518 caseIgnoreMatch form of ``text``, or None if a prohibited code point makes it undefined.

    Steps 2.1 (transcode: the value is already Unicode), 2.2 (map, case fold), 2.3 (NFKC),
    2.4 (prohibit), 2.5 (bidi: nothing to do) and 2.6.1 (insignificant space handling: one
    SPACE at each end, two between words, two SPACEs for a value with no other character).
    """
    if text.isascii() and text.isprintable():
        normal = text.lower()  # printable ASCII: mapping is lower-casing, NFKC changes nothing, nothing prohibited
    else:
        normal = _UCD.normalize("NFKC", _map(text))
        if any(_prohibited(ch) for ch in normal):
            return None
    words = [w for w in normal.split(" ") if w]
    if not words:
        return "  "
    return " " + "  ".join(words) + " "


def _type_tag(attr: x509.NameAttribute) -> int:
    # cryptography keeps the ASN.1 string type a value was read with (its constructor takes ``_type``).
    kind = getattr(attr, "_type", None)
    return int(getattr(kind, "value", 0) or 0)


def _attribute_key(attr: x509.NameAttribute) -> tuple:
    oid = attr.oid.dotted_string
    tag, value = _type_tag(attr), attr.value
    if isinstance(value, str):
        if tag in _DIRECTORY_STRING:
            prepared = prepare_string(value)
            if prepared is not None:
                return (oid, "p", prepared)
        elif tag == _IA5 and oid == _DOMAIN_COMPONENT and value.isascii():
            return (oid, "i", value.lower())  # RFC 5280 7.3: domainComponent, case-insensitive
        raw = value.encode("utf-16-be" if tag == _BMP else "utf-32-be" if tag == _UNIVERSAL else "utf-8")
    else:
        raw = bytes(value)
    return (oid, "x", tag, raw)


def name_key(name: x509.Name) -> NameKey:
    """A canonical key for ``name``: equal keys exactly when the names match under RFC 5280 7.1.

    >>> from cryptography.x509 import Name, NameAttribute, NameOID
    >>> a = Name([NameAttribute(NameOID.COMMON_NAME, "Example  CA")])
    >>> b = Name([NameAttribute(NameOID.COMMON_NAME, " example ca")])
    >>> name_key(a) == name_key(b)
    True
    """
    return tuple(_rdn_key(rdn) for rdn in name.rdns)


def _rdn_key(rdn: x509.RelativeDistinguishedName) -> tuple:
    """An RDN's key: its attributes as a set (sorted keys), a single attribute without sorting."""
    keys = [_attribute_key(attr) for attr in rdn]
    return (keys[0],) if len(keys) == 1 else tuple(sorted(keys))


def names_equal(a: x509.Name, b: x509.Name) -> bool:
    """Do two distinguished names match (RFC 5280 7.1: RDNs in order, values prepared by RFC 4518)?"""
    return name_key(a) == name_key(b)


def name_within(name: NameKey | x509.Name, base: NameKey | x509.Name) -> bool:
    """RFC 5280 7.1 and 4.2.1.10: is ``name`` in the subtree of ``base`` (base's RDNs are its leading RDNs)?"""
    key = name if isinstance(name, tuple) else name_key(name)
    prefix = base if isinstance(base, tuple) else name_key(base)
    return len(key) >= len(prefix) and key[: len(prefix)] == prefix
