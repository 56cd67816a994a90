"""Revocation in path validation (RFC 5280 6.1.3 (a)(3) and 6.3): one certificate's status from the CRLs given.

:func:`revocation_step` records, for certificate ``i`` of the path, whether a CRL from its issuer lists it
(:func:`pki_lab.validation.crl.check_crl` checks one CRL against one certificate) and what the validation's
revocation mode (:class:`pki_lab.validation.crl.RevocationMode`) makes of the status.
"""

from __future__ import annotations

from .context import ValidationContext
from .crl import check_crl
from .recorder import Recorder
from .rules import Rule

__all__ = ["revocation_step"]


def revocation_step(rec: Recorder, i: int, ctx: ValidationContext) -> None:
    cert, issuer = rec.path[i], rec.path[i + 1]
    relevant = [crl for crl in ctx.crls if crl.issuer == cert.issuer]
    if not relevant:
        rec.add(i, Rule.REVOCATION, Rule.REVOCATION.section, "No CRL from its issuer was given, so its "
                "revocation status was not checked.", True)
        return
    results = [check_crl(cert, issuer, crl, ctx.at) for crl in relevant]
    revoked = next((r for r in results if r.status == "revoked"), None)
    good = next((r for r in results if r.status == "good"), None)
    chosen = revoked or good or results[0]
    if chosen.status == "unknown":
        sentence = "Its revocation status cannot be determined: " + chosen.reason[:1].lower() + chosen.reason[1:]
    elif chosen.status == "revoked":
        sentence = "Revoked: " + chosen.reason[:1].lower() + chosen.reason[1:]
    else:
        sentence = chosen.reason
    rec.add(i, Rule.REVOCATION, chosen.rule, sentence, chosen.status == "good")
