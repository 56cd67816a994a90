"""Exercises of chapter 03, Anatomy of an X.509 certificate."""

from __future__ import annotations

import hashlib

from ..ca import demo_hierarchy
from ..data import certificate, files
from ..der import PRINTABLE_CHARACTERS
from ..describe import thumbprint
from ..loading import to_der, tree_of
from ..tamper import mystery_copy
from . import Exercise, normalize_hex, register

FIELD_OFFSET = 141
SUSPECT_SEED = 3


def _leaf():
    return demo_hierarchy().leaf


def _field_at() -> str:
    return tree_of(_leaf()).at(FIELD_OFFSET).path


def _norm_path(value) -> str:
    return "".join(str(value).split()).casefold()


def _coach_field(answer, expected):
    tree = tree_of(_leaf())
    paths = {_norm_path(n.path): n for n in tree.nodes()}
    node = paths.get(_norm_path(answer))
    if node is None:
        return "That is not a field path of this certificate; print(tree) lists them all."
    if node.offset <= FIELD_OFFSET < node.end:
        return "Right area: that field contains the byte, but a smaller field inside it does too. Go deeper."
    return (f"That field runs from offset {node.offset} to {node.end - 1}, so it does not contain byte "
            f"{FIELD_OFFSET}.")


register(Exercise(
    id="03.1",
    prompt=f"Which field of the lab leaf holds the byte at offset {FIELD_OFFSET}? Answer with its field path, "
           "as a string such as 'tbsCertificate.serialNumber'.",
    expected=_field_at,
    accepts=(str,),
    normalize=_norm_path,
    hints=(
        "print(tree) lists every field with its offset and header length: find the deepest line whose bytes "
        f"include {FIELD_OFFSET}.",
        "A line '  139+2  UTF8String ...' covers offsets 139 up to 139 + 2 + the value's length - 1.",
        "tree.at(offset) returns the deepest node that contains the offset; its .path is the answer.",
    ),
    solution_code=f"tree.at({FIELD_OFFSET}).path",
    explanation="Each node covers its header (tag and length bytes) and its content; the deepest node that "
                "covers the offset is the field the byte belongs to.",
    coach=_coach_field,
))


_ISRG = "isrg_root_x1"


def _isrg():
    return certificate(_ISRG)


def _same_key_other_certificate():
    """The shipped certificate, other than ISRG Root X1's self-signed one, that holds ISRG Root X1's key."""
    isrg = _isrg()
    return next(c for c in (certificate(n) for n in files("roots") + files("intermediates"))
                if c.public_key() == isrg.public_key() and c != isrg)


def _cross_sha256() -> str:
    return thumbprint(_same_key_other_certificate(), "sha256")


def _coach_thumbprint(answer, expected):
    digits = normalize_hex(answer)
    if len(digits) == 40:
        return ("That has 40 hex digits, the length of a SHA-1 thumbprint. SHA-1 is collision-broken: register "
                "and compare SHA-256 thumbprints (64 hex digits).")
    if digits == thumbprint(_isrg(), "sha256"):
        return ("That is the self-signed ISRG Root X1's thumbprint. The other certificate has the same key and "
                "name, but a thumbprint hashes the whole certificate, issuer and signature included.")
    if digits == hashlib.sha256(to_der(_isrg().public_key())).hexdigest().upper():
        return ("That is a hash of the public key (SPKI), which both certificates share: a pin (chapter 09), "
                "not a thumbprint. Hash the DER of the whole certificate.")
    others = {thumbprint(certificate(n), "sha256"): n for n in files("roots") + files("intermediates")}
    if digits in others:
        return (f"That is the thumbprint of {others[digits]}, which holds another key: compare each "
                "certificate's public_key() with ISRG Root X1's.")
    if len(digits) == 64:
        return "Right length: hash the DER bytes of the whole certificate (to_der(cert)), not its PEM text."
    return "A SHA-256 thumbprint has 64 hex digits."


register(Exercise(
    id="03.2",
    prompt="Besides the self-signed ISRG Root X1, one other certificate the lab ships (among data.files('roots') "
           "and data.files('intermediates')) holds the very same public key. Find it and give its SHA-256 "
           "thumbprint (hex, with or without colons). Does it match the root's?",
    expected=_cross_sha256,
    accepts=(str, bytes),
    normalize=normalize_hex,
    hints=(
        "A thumbprint hashes the whole certificate (names, key, issuer, dates, signature); the same key in "
        "another certificate gives another thumbprint.",
        "Loop over data.files('roots') + data.files('intermediates'), load each with data.certificate(name), and "
        "compare its public_key() with data.certificate('isrg_root_x1').public_key().",
        "thumbprint(cert) is SHA-256 by default; take the matching certificate that is not ISRG Root X1 itself.",
    ),
    solution_code=(
        "from pki_lab import data, thumbprint\n"
        "isrg = data.certificate('isrg_root_x1')\n"
        "certs = [data.certificate(name) for name in data.files('roots') + data.files('intermediates')]\n"
        "twin = next(c for c in certs if c.public_key() == isrg.public_key() and c != isrg)\n"
        "thumbprint(twin)"
    ),
    explanation="The twin is ISRG Root X1 cross-signed by DST Root CA X3: the same CA (a name and a key) in a "
                "second certificate, with another issuer, dates and signature. Its thumbprint differs from the "
                "self-signed root's, because a thumbprint identifies one exact certificate, not a key or a CA. "
                "SHA-256, since SHA-1 thumbprints rest on a collision-broken hash.",
    coach=_coach_thumbprint,
))


def _suspect_offset() -> int:
    original, suspect = to_der(_leaf()), mystery_copy(_leaf(), SUSPECT_SEED)
    return next(i for i, (a, b) in enumerate(zip(original, suspect, strict=True)) if a != b)


def _coach_offset(answer, expected):
    if isinstance(answer, bool) or not isinstance(answer, int):
        return "Answer with a whole number: the offset of the changed byte."
    return "Not that byte. Compare the two byte strings position by position and stop at the first difference."


register(Exercise(
    id="03.3",
    prompt=f"suspect = mystery_copy(leaf, seed={SUSPECT_SEED}) is the leaf's DER with one byte changed. At which "
           "offset? (Then run tamper(leaf, offset, issuer=...) to see which field it hit and why the signature "
           "breaks.)",
    expected=_suspect_offset,
    accepts=(int,),
    hints=(
        "to_der(leaf) and suspect have the same length; they differ in exactly one position.",
        "[i for i in range(len(suspect)) if suspect[i] != to_der(leaf)[i]]",
    ),
    solution_code=f"suspect = mystery_copy(leaf, seed={SUSPECT_SEED})\n"
                  "original = to_der(leaf)\n"
                  "next(i for i in range(len(original)) if original[i] != suspect[i])",
    explanation="Comparing byte by byte finds the change; the DER tree then names the field, and since that "
                "field is inside tbsCertificate, the issuer's signature no longer matches.",
    coach=_coach_offset,
))


# Exercise 03.4's registration IDs; chapter 03 lists the same ones in `registration_ids`.
REGISTRATION_IDS = ("sensor_0042", "sensor-0042", "Sensor 42", "sensor@plant7", "Z\u00e4hler-7", "gw.plant7/line:3")


def _fits(rid: str) -> bool:
    return set(rid) <= PRINTABLE_CHARACTERS


def _printable_ids() -> int:
    return sum(1 for rid in REGISTRATION_IDS if _fits(rid))


def _coach_printable(answer, expected):
    if answer == sum(1 for rid in REGISTRATION_IDS if "_" not in rid):
        return "'_' is not the only character PrintableString lacks: look at '@' and at accented letters too."
    if answer == len(REGISTRATION_IDS):
        return "Not every one: some of these IDs hold characters outside PrintableString's alphabet."
    if isinstance(answer, int) and not 0 <= answer <= len(REGISTRATION_IDS):
        return f"There are {len(REGISTRATION_IDS)} IDs, so the answer lies between 0 and that."
    return ("Check every character of each ID against PrintableString's alphabet: letters, digits, space and "
            "' ( ) + , - . / : = ?")


register(Exercise(
    id="03.4",
    prompt="A device maker names its devices " + ", ".join(repr(r) for r in REGISTRATION_IDS) + " (the list "
           "registration_ids). For how many of these registration IDs could a CA write the common name as a "
           "PrintableString? Answer with a whole number.",
    expected=_printable_ids,
    accepts=(int,),
    hints=(
        "PrintableString allows only the letters A-Z and a-z, the digits, space and ' ( ) + , - . / : = ? "
        "(X.680 41.4).",
        "pki_lab.der.PRINTABLE_CHARACTERS is that alphabet as a set: set(rid) <= PRINTABLE_CHARACTERS tests one ID.",
        "Or call encode_string(rid, 'PrintableString') on each and count the ones that do not raise.",
    ),
    solution_code="from pki_lab.der import PRINTABLE_CHARACTERS\n"
                  "sum(1 for rid in registration_ids if set(rid) <= PRINTABLE_CHARACTERS)",
    explanation="Only IDs made of PrintableString's characters fit it; '_', '@' and an accented letter do not, so "
                "those IDs need a UTF8String, which is what cryptography writes for every common name anyway. "
                "RFC 5280 4.1.2.4 lets a CA use either type.",
    coach=_coach_printable,
))
