"""The tamper lab: change one byte of a certificate and see what breaks.

A certificate's issuer signs the exact bytes of ``tbsCertificate`` (RFC 5280
4.1.1.3), so changing any one of them (a date, a letter of a name, a bit of the
public key) makes the signature fail, even when the certificate still parses and
looks plausible. Changing a byte of a tag or a length usually stops it parsing at
all. :func:`tamper` flips bits of one byte and reports, in sentences:

1. which field the byte lies in (with :mod:`pki_lab.der`'s field paths);
2. whether the bytes still parse as tag-length-value elements (the lab's DER reader, which
   knows no schema), and whether they still load as a certificate (RFC 5280's ASN.1,
   which ``cryptography``'s parser and the lab's door enforce). The two differ: a tag
   flipped from SEQUENCE (0x30) to SET (0x31) still parses, but is no certificate;
3. whether the signature still verifies with the issuer's public key;
4. which fields a reader would now see differently (a validity date, a name, ...).

    >>> from pki_lab import demo_hierarchy
    >>> from pki_lab.tamper import tamper
    >>> h = demo_hierarchy()
    >>> report = tamper(h.leaf, 120, issuer=h.intermediate.certificate)
    >>> report.field, report.signature_valid
    ('tbsCertificate.validity.notAfter', False)
"""

from __future__ import annotations

import dataclasses
import random

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, padding, rsa

from .der import DerTree, Node, parse
from .describe import name_text, summarize_extension
from .errors import MalformedInputError, ParameterError, WrongTypeError, a_type
from .keys import ml_dsa_level, verify_bytes
from .loading import load_certificate, to_der, tree_of
from .oids import oid_name
from .wellformed import READ_ERRORS, check_certificate

_GONE, _ABSENT = "(no longer decodes)", "(absent)"
_VERIFYING_KEYS = (rsa.RSAPublicKey, ec.EllipticCurvePublicKey, ed25519.Ed25519PublicKey, ed448.Ed448PublicKey)

__all__ = ["TamperReport", "tamper", "flip_byte", "signature_verifies", "visible_fields", "mystery_copy",
           "set_of_order"]


def flip_byte(data: bytes, offset: int, mask: int = 0x01) -> bytes:
    """``data`` with the byte at ``offset`` XOR-ed with ``mask`` (default: flip its lowest bit)."""
    if isinstance(offset, bool) or not isinstance(offset, int) or not 0 <= offset < len(data):
        raise ParameterError(f"`offset` must be a whole number from 0 to {len(data) - 1} (the certificate has "
                             f"{len(data)} bytes), not {offset!r}.")
    if isinstance(mask, bool) or not isinstance(mask, int) or not 1 <= mask <= 0xFF:
        raise ParameterError(f"`mask` must be a whole number from 1 to 255 (the bits to flip), not {mask!r}.")
    out = bytearray(data)
    out[offset] ^= mask
    return bytes(out)


def signature_verifies(cert: x509.Certificate, issuer_public_key: object) -> bool:
    """Whether ``cert``'s signature over its ``tbsCertificate`` bytes verifies with the issuer's key.

    Only the signature is checked (not names, dates or extensions): RSA PKCS #1 v1.5
    or PSS (RFC 8017), ECDSA (RFC 5758), EdDSA (RFC 8410) or ML-DSA (RFC 9881), as the certificate's
    signatureAlgorithm says.
    """
    key = issuer_public_key
    if not isinstance(key, _VERIFYING_KEYS) and not ml_dsa_level(key):
        raise WrongTypeError(f"Cannot check a signature with {a_type(key)}; pass the issuer's RSA, "
                             "EC, EdDSA or ML-DSA public key (issuer_cert.public_key()).")
    try:
        algorithm, pad = cert.signature_hash_algorithm, cert.signature_algorithm_parameters
    except (UnsupportedAlgorithm, ValueError):  # a damaged algorithm identifier: the signature does not verify
        return False
    if isinstance(key, rsa.RSAPublicKey) and isinstance(pad, padding.PSS):  # RFC 4055: the one scheme left here
        try:
            key.verify(cert.signature, cert.tbs_certificate_bytes, pad, algorithm)
        except (InvalidSignature, ValueError, TypeError):
            return False
        return True
    return verify_bytes(key, cert.signature, cert.tbs_certificate_bytes, algorithm)


def visible_fields(cert: x509.Certificate) -> dict[str, str]:
    """What a reader sees in each main field, as text (a field that no longer decodes says so)."""
    readers = {
        "serial number": lambda: format(cert.serial_number, "X"),
        "signature algorithm": lambda: oid_name(cert.signature_algorithm_oid),
        "issuer": lambda: name_text(cert.issuer),
        "notBefore": lambda: cert.not_valid_before_utc.strftime("%Y-%m-%d %H:%M:%S UTC"),
        "notAfter": lambda: cert.not_valid_after_utc.strftime("%Y-%m-%d %H:%M:%S UTC"),
        "subject": lambda: name_text(cert.subject),
        "public key": lambda: cert.public_key_algorithm_oid.dotted_string + ":" + to_der(cert.public_key()).hex(),
        "signature": lambda: cert.signature.hex(),
    }
    out = {}
    for name, read in readers.items():
        try:
            out[name] = read()
        except Exception:  # noqa: BLE001 - a damaged field: report it, do not crash
            out[name] = _GONE
    try:
        for ext in cert.extensions:
            out[f"{oid_name(ext.oid)} extension"] = summarize_extension(ext)
    except Exception:  # noqa: BLE001 - a damaged extension
        out["extensions"] = _GONE
    return out


@dataclasses.dataclass(frozen=True)
class TamperReport:
    """What one flipped byte did to a certificate."""

    offset: int
    old_byte: int
    new_byte: int
    field: str
    in_header: bool
    tampered: bytes = dataclasses.field(repr=False)
    parses: bool
    parse_error: str | None
    loads: bool
    signature_valid: bool | None
    changed: tuple[tuple[str, str, str], ...]  # (field, before, after)
    #: When the byte is a tag: (the type RFC 5280 has there, the type the tag now says).
    tag_change: tuple[str, str] | None = None
    #: Whether cryptography's X.509 parser refuses the bytes (rather than the lab's door refusing a field).
    parser_refuses: bool = False
    #: Whether the tag now says SET and its elements are out of the order DER gives a SET OF (X.690 11.6).
    unsorted_set: bool = False

    def sentences(self) -> tuple[str, ...]:
        """The report as sentences a learner reads from top to bottom, in the steps of the module docstring."""
        part = "the tag byte" if self.tag_change else "a tag or length byte" if self.in_header else "a content byte"
        out = [f"Byte {self.offset} changed from 0x{self.old_byte:02X} to 0x{self.new_byte:02X}; it is {part} "
               f"of {self.field}."]
        out += self._decoding_sentences()
        out += self._signature_sentences()
        out += self._change_sentences()
        return tuple(out)

    def _decoding_sentences(self) -> list[str]:
        """Step 2: whether the bytes still parse as DER elements, and whether they still load as a certificate."""
        if not self.parses:
            return [f"The result is no longer well-formed DER: {self.parse_error}"]
        out = ["The bytes still parse: every tag, length and value is consistent (the lab's DER reader checks "
               "that without knowing what a certificate should hold)."]
        if self.loads:
            out.append("It still loads as a certificate.")
        elif self.tag_change is not None and self.parser_refuses:
            was, now = self.tag_change
            out.append(f"But it no longer loads as a certificate: the tag now says {now} where RFC 5280's ASN.1 "
                       f"has {was}, so cryptography's X.509 parser refuses the bytes.")
        elif self.parser_refuses:
            out.append("But it no longer loads as a certificate: the bytes no longer match RFC 5280's ASN.1 for a "
                       "certificate, so cryptography's X.509 parser refuses them.")
        else:
            out.append("But it no longer loads as a certificate: one of its fields no longer decodes, so the lab's "
                       "checks at the door refuse it.")
        if self.unsorted_set:
            out.append("Nor are they DER for any SET OF: X.690 11.6 wants a SET OF's elements in ascending order "
                       "of their encodings, and these are not.")
        return out

    def _signature_sentences(self) -> list[str]:
        """Step 3: whether the signature still verifies (nothing when it was not checked: no issuer key)."""
        if not self.parses or (not self.loads and self.signature_valid is None):
            return ["Its signature cannot even be checked: a validator rejects it at once."]
        if self.signature_valid is True:
            return ["The signature still verifies with the issuer's public key."]
        if self.signature_valid is False:
            return ["The signature no longer verifies with the issuer's public key, so every validator "
                    "rejects the certificate."]
        return []

    def _change_sentences(self) -> list[str]:
        """Step 4: each field a reader now sees differently (a long value is only said to have changed)."""
        out = []
        for name, before, after in self.changed:
            if after == _GONE:
                out.append(f"The {name} no longer decodes.")
            elif before == _ABSENT:
                out.append(f"A {name} appeared: {after}.")
            elif after == _ABSENT:
                out.append(f"The {name} disappeared.")
            elif len(before) > 60 or len(after) > 60:
                out.append(f"The {name} changed.")
            else:
                out.append(f"The {name} changed from {before} to {after}.")
        if self.loads and not self.changed:
            out.append("No field a reader sees changed.")
        return out

    def __str__(self) -> str:
        return "\n".join(self.sentences())

    __repr__ = __str__


def _tree(cert: object) -> DerTree:
    if isinstance(cert, x509.Certificate):
        return tree_of(cert)
    if isinstance(cert, (bytes, bytearray, memoryview)):
        return parse(bytes(cert))
    raise WrongTypeError(f"tamper() takes an x509.Certificate or its DER bytes, not {type(cert).__name__}.")


def tamper(cert: object, offset: int, *, mask: int = 0x01, issuer: object = None) -> TamperReport:
    """Flip the bits ``mask`` of the byte at ``offset`` of ``cert`` and report what breaks.

    Args:
        cert: a certificate (or its DER bytes).
        offset: which byte, counted from 0 in the DER encoding.
        mask: which bits to flip (XOR), default 0x01.
        issuer: the issuer's certificate or public key, to check the signature; default:
            the certificate's own key when it is self-signed (a root), else no check.
    """
    tree = _tree(cert)
    original = load_certificate(tree.data) if not isinstance(cert, x509.Certificate) else cert
    tampered = flip_byte(tree.data, offset, mask)
    node = tree.at(offset)
    try:
        parse(tampered, x509=False)
        parses, parse_error = True, None
    except MalformedInputError as exc:
        parses, parse_error = False, str(exc)
    try:
        new = x509.load_der_x509_certificate(tampered)
        new_fields = visible_fields(new)
        loads = _GONE not in new_fields.values() and _passes_the_door(new)
    except READ_ERRORS:  # ValueError, and InvalidVersion for a damaged version number
        new, new_fields, loads = None, {}, False
    tag_change = _tag_change(node, offset, tampered) if parses else None
    key = _issuer_key(original, issuer)
    signature_valid = None if key is None or new is None else signature_verifies(new, key)
    before = visible_fields(original)
    names = list(before) + [k for k in new_fields if k not in before]
    changed = () if new is None else tuple(
        (k, before.get(k, _ABSENT), new_fields.get(k, _ABSENT)) for k in names
        if before.get(k, _ABSENT) != new_fields.get(k, _ABSENT) and not (k == "extensions" and k not in new_fields)
    )
    return TamperReport(offset, tree.data[offset], tampered[offset], node.path or node.tag, tree.in_header(offset),
                        tampered, parses, parse_error, loads, signature_valid, changed, tag_change=tag_change,
                        parser_refuses=new is None,
                        unsorted_set=tag_change is not None and tag_change[1] == "SET" and not set_of_order(
                            parse(tampered, x509=False).at(offset), tampered))


def _tag_change(node: Node, offset: int, tampered: bytes) -> tuple[str, str] | None:
    """(old type, new type) when ``offset`` is the (single-byte) tag of ``node`` and the flip changed the type."""
    if offset != node.offset:
        return None
    new = parse(tampered, x509=False).at(offset)
    return None if new.tag == node.tag else (node.tag, new.tag)


def set_of_order(node: Node, data: bytes) -> bool:
    """Whether ``node``'s elements are in the order DER gives a SET OF (X.690 11.6).

    The encodings are compared as octet strings, the shorter one padded at its end with zero bytes.
    """
    encodings = [data[c.offset:c.end] for c in node.children]
    width = max((len(e) for e in encodings), default=0)
    padded = [e.ljust(width, b"\x00") for e in encodings]
    return padded == sorted(padded)


def _passes_the_door(cert: x509.Certificate) -> bool:
    """Whether the lab's loaders would accept ``cert`` (every field they read can be read)."""
    try:
        check_certificate(cert, None)
    except MalformedInputError:
        return False
    return True


def _issuer_key(cert: x509.Certificate, issuer: object) -> object:
    """The key that should verify the signature, or None when there is none the lab can use (then no check)."""
    try:
        if issuer is None:
            return cert.public_key() if cert.issuer == cert.subject else None
        if isinstance(issuer, x509.Certificate):
            return issuer.public_key()
    except (*READ_ERRORS, UnsupportedAlgorithm):  # a key the lab cannot read or does not implement
        return None
    if hasattr(issuer, "verify"):
        return issuer
    raise WrongTypeError(f"`issuer` must be the issuer's certificate or public key, not {type(issuer).__name__}.")


_READABLE = ("UTF8String", "PrintableString", "UTCTime", "GeneralizedTime", "IA5String")


def mystery_copy(cert: x509.Certificate, seed: int = 0) -> bytes:
    """A copy of ``cert``'s DER with the lowest bit of one byte flipped, somewhere a reader would notice.

    The byte is a content byte of a name, a date or a DNS name inside ``tbsCertificate``,
    chosen with ``random.Random(seed)``: a puzzle for the exercises (find the byte by
    comparing, then explain why the signature fails).
    """
    tree = _tree(cert)
    tbs = tree.root.children[0]
    candidates = [n for n in tbs.walk() if not n.children and n.length > 0
                  and (n.tag in _READABLE or (n.tag_class == "context" and ".dNSName[" in n.path))]
    if not candidates:
        raise ParameterError("This certificate has no name, date or DNS name to tamper with.")
    rng = random.Random(seed)
    node = rng.choice(candidates)
    return flip_byte(tree.data, rng.randrange(node.content_offset, node.end), 0x01)
