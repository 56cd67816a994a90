"""Exercises of chapter 03, Anatomy of an X.509 certificate."""

from __future__ import annotations

from ..ca import demo_hierarchy
from ..data import certificate
from ..describe import thumbprint
from ..loading import to_der, tree_of
from ..tamper import mystery_copy
from . import Exercise, normalize_hex, register

# What the notebook defines before its exercises (the unit tests run it too).
SETUP = """
from pki_lab import data, demo_hierarchy, thumbprint, to_der
from pki_lab.loading import tree_of
from pki_lab.tamper import mystery_copy, tamper
hierarchy = demo_hierarchy("www.example.com")
leaf = hierarchy.leaf
tree = tree_of(leaf)
"""

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
    setup_code=SETUP,
))


def _isrg_sha1() -> str:
    return thumbprint(certificate("isrg_root_x1"), "sha1")


def _coach_thumbprint(answer, expected):
    digits = normalize_hex(answer)
    if len(digits) == 64:
        return "That has 64 hex digits, the length of a SHA-256 hash; this exercise asks for SHA-1 (40)."
    if len(digits) == 40:
        return "Right length: hash the DER bytes of the whole certificate (to_der(cert)), not the PEM text or the key."
    return "A SHA-1 thumbprint has 40 hex digits."


register(Exercise(
    id="03.2",
    prompt="Compute the SHA-1 thumbprint of the real ISRG Root X1 certificate, data.certificate('isrg_root_x1') "
           "(hex, with or without colons).",
    expected=_isrg_sha1,
    accepts=(str, bytes),
    normalize=normalize_hex,
    hints=(
        "A thumbprint is a hash of the certificate's DER encoding: every byte, signature included.",
        "import hashlib; hashlib.sha1(to_der(cert)).hexdigest()",
    ),
    solution_code="import hashlib\nhashlib.sha1(to_der(data.certificate('isrg_root_x1'))).hexdigest()",
    explanation="SHA-1 over the DER bytes of the whole certificate. It matches the fingerprint Let's Encrypt and "
                "the trust stores publish, because every copy of the certificate has the same DER bytes.",
    coach=_coach_thumbprint,
    setup_code=SETUP,
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
    setup_code=SETUP,
))


def _registration_id_type() -> str:
    cert = demo_hierarchy().intermediate.issue("sensor_0042", profile="device")
    return tree_of(cert).find("tbsCertificate.subject[commonName].value").tag


register(Exercise(
    id="03.4",
    prompt="Issue a device certificate for the registration ID 'sensor_0042' with "
           "hierarchy.intermediate.issue('sensor_0042', profile='device'). Which ASN.1 string type holds its "
           "common name? Answer with the type's name, e.g. 'IA5String'.",
    expected=_registration_id_type,
    accepts=(str,),
    normalize=lambda v: "".join(str(v).split()).casefold(),
    hints=(
        "Build the DER tree of the certificate with tree_of(cert) and find 'tbsCertificate.subject[commonName].value'.",
        "The node's .tag is the answer.",
    ),
    solution_code="device = hierarchy.intermediate.issue('sensor_0042', profile='device')\n"
                  "tree_of(device).find('tbsCertificate.subject[commonName].value').tag",
    explanation="cryptography encodes a common name as a UTF8String by default, which is what 'sensor_0042' "
                "needs: '_' is not in PrintableString's character set (X.680 41.4).",
    coach=lambda a, e: "PrintableString cannot hold '_', so the library cannot have chosen it."
    if "printable" in str(a).casefold() else None,
    setup_code=SETUP,
))
