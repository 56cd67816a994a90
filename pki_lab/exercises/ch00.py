"""Exercises of chapter 00, Start here."""

from __future__ import annotations

from ..ca import demo_hierarchy
from ..describe import thumbprint
from . import Exercise, normalize_hex, register


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
))


def _days_after_leaf(cert) -> int:
    return (cert.not_valid_after_utc - _leaf().not_valid_after_utc).days


def _signer_margin() -> int:
    """Days from the leaf's notAfter to the notAfter of the CA whose subject is the leaf's issuer."""
    hierarchy = demo_hierarchy()
    signer = next(c for c in (hierarchy.root.certificate, hierarchy.intermediate.certificate)
                  if c.subject == hierarchy.leaf.issuer)
    return _days_after_leaf(signer)


def _coach_margin(answer, expected):
    hierarchy = demo_hierarchy()
    intermediate = hierarchy.intermediate.certificate
    if answer == _days_after_leaf(hierarchy.root.certificate):
        return ("That is the root's margin. Is the root the leaf's issuer? Compare leaf.issuer with each "
                "CA certificate's subject.")
    if answer == -expected:
        return "The sign is reversed: subtract the leaf's notAfter from the signer's notAfter."
    if answer == (intermediate.not_valid_after_utc - intermediate.not_valid_before_utc).days:
        return "That is the signer's whole lifetime; measure from the leaf's notAfter, not from the signer's notBefore."
    if isinstance(answer, (int, float)) and abs(answer - expected) <= 1:
        return "Very close: count whole days (a timedelta's .days)."
    return ("First find the signer: the CA certificate whose subject equals leaf.issuer. Then compare its "
            "notAfter with the leaf's.")


register(Exercise(
    id="00.2",
    prompt="Who signed the leaf, and does that CA outlive it? Find the CA certificate in hierarchy whose subject "
           "is the leaf's issuer, and give how many whole days its notAfter falls after the leaf's notAfter.",
    expected=_signer_margin,
    accepts=(int, float),
    hints=(
        "leaf.issuer names the CA that signed the leaf. Compare it with hierarchy.root.certificate.subject "
        "and hierarchy.intermediate.certificate.subject.",
        "With signer the matching certificate: (signer.not_valid_after_utc - leaf.not_valid_after_utc).days.",
    ),
    solution_code=(
        "signer = next(c for c in (hierarchy.root.certificate, hierarchy.intermediate.certificate)\n"
        "              if c.subject == leaf.issuer)\n"
        "(signer.not_valid_after_utc - leaf.not_valid_after_utc).days"
    ),
    explanation="The issuer field names the CA that signed the certificate: here the issuing (intermediate) CA, "
                "not the root. Its certificate ends years after the leaf's, as it must: a CA whose own "
                "certificate has expired can no longer vouch for anything it signed.",
    coach=_coach_margin,
))


def _root_thumbprint() -> str:
    return thumbprint(demo_hierarchy().root.certificate, "sha256")


def _coach_thumbprint(answer, expected):
    hierarchy = demo_hierarchy()
    given = normalize_hex(answer)
    others = {
        normalize_hex(thumbprint(hierarchy.leaf, "sha256")): "the leaf's",
        normalize_hex(thumbprint(hierarchy.intermediate.certificate, "sha256")): "the issuing CA's",
    }
    if given in others:
        return f"That is {others[given]} SHA-256 thumbprint; hash the root certificate."
    if given == normalize_hex(thumbprint(hierarchy.root.certificate, "sha1")):
        return "That is the root's SHA-1 thumbprint (40 hex digits); the exercise asks for SHA-256."
    if len(given) != 64:
        digits = "1 hex digit" if len(given) == 1 else f"{len(given)} hex digits"
        return f"A SHA-256 thumbprint has 64 hex digits; yours has {digits}."
    return "Hash the DER bytes of the whole root certificate, hierarchy.root.certificate, with SHA-256."


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
    solution_code=(
        "from pki_lab import thumbprint\n"
        "thumbprint(hierarchy.root.certificate, 'sha256')"
    ),
    explanation="The thumbprint is SHA-256 over the DER bytes of the certificate, so any change to the "
                "certificate changes it.",
    coach=_coach_thumbprint,
))
