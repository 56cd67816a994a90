"""Exercises of chapter 00, Start here."""

from __future__ import annotations

from ..ca import demo_hierarchy
from ..describe import thumbprint
from ..names import common_name
from . import Exercise, normalize_hex, register

# What the notebook defines before its exercises (the unit tests run it too).
SETUP = """
from pki_lab import demo_hierarchy, thumbprint
hierarchy = demo_hierarchy("www.example.com")
leaf = hierarchy.leaf
"""


def _leaf():
    return demo_hierarchy().leaf


def _lifetime_days() -> int:
    leaf = _leaf()
    return (leaf.not_valid_after_utc - leaf.not_valid_before_utc).days


def _coach_days(answer, expected):
    if isinstance(answer, (int, float)) and abs(answer - expected) <= 1:
        return "Very close: count whole days between notBefore and notAfter."
    return "Compare the 'Not before' and 'Not after' rows of describe(leaf)."


register(Exercise(
    id="00.1",
    prompt="For how many days is the demo leaf certificate valid? Answer with a whole number.",
    expected=_lifetime_days,
    accepts=(int, float),
    hints=(
        "Look at the rows 'Not before' and 'Not after' of describe(leaf).",
        "leaf.not_valid_after_utc - leaf.not_valid_before_utc is a timedelta; it has .days.",
    ),
    solution_code="(leaf.not_valid_after_utc - leaf.not_valid_before_utc).days",
    explanation="Subtracting the two validity instants gives a timedelta; its .days is the lifetime.",
    coach=_coach_days,
    setup_code=SETUP,
))


def _issuer_cn() -> str:
    return common_name(_leaf().issuer)


register(Exercise(
    id="00.2",
    prompt="Which CA issued the leaf certificate? Answer with the issuer's common name (CN), as a string.",
    expected=_issuer_cn,
    accepts=(str,),
    normalize=lambda v: " ".join(str(v).split()).casefold(),
    hints=(
        "The issuer is a field of the certificate, just before the validity dates.",
        "describe(leaf) shows it as 'Issuer'; the CN is the part after 'CN='.",
    ),
    solution_code=(
        "from cryptography.x509.oid import NameOID\n"
        "leaf.issuer.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value"
    ),
    explanation="The issuer field names the CA that signed the certificate: here the issuing (intermediate) CA, "
                "not the root.",
    coach=lambda a, e: "That is the root CA; the leaf was signed by the CA below it."
    if "root" in str(a).casefold() else None,
    setup_code=SETUP,
))


def _root_thumbprint() -> str:
    return thumbprint(demo_hierarchy().root.certificate, "sha256")


register(Exercise(
    id="00.3",
    prompt="Compute the SHA-256 thumbprint of the root certificate (hex, with or without colons).",
    expected=_root_thumbprint,
    accepts=(str, bytes),
    normalize=normalize_hex,
    hints=(
        "A thumbprint is a hash of the certificate's whole DER encoding.",
        "pki_lab.thumbprint(cert, 'sha256') computes it; so does hashlib.sha256(to_der(cert)).hexdigest().",
    ),
    solution_code="thumbprint(hierarchy.root.certificate, 'sha256')",
    explanation="The thumbprint is SHA-256 over the DER bytes of the certificate, so any change to the "
                "certificate changes it.",
    coach=lambda a, e: "That looks like the leaf's or the intermediate's thumbprint; hash the root."
    if len(normalize_hex(a)) == 64 else "A SHA-256 thumbprint has 64 hex digits.",
    setup_code=SETUP,
))
