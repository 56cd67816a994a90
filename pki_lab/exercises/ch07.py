"""Exercises of chapter 07, Revocation."""

from __future__ import annotations

from .. import clock, data
from ..ca import demo_hierarchy
from ..revocation import (
    OcspResponder,
    RevocationRegistry,
    crl_size_table,
    crl_status,
    revocation_decision,
    summarize_response,
)
from . import Exercise, register

# What the notebook defines before its exercises (the unit tests run it too).
SETUP = """
from pki_lab import clock, data
from pki_lab.ca import demo_hierarchy
from pki_lab.revocation import RevocationRegistry, crl_size_table, crl_status, revocation_decision, summarize_response
hierarchy = demo_hierarchy("www.example.com")
leaf, issuing = hierarchy.leaf, hierarchy.intermediate
registry = RevocationRegistry(issuing)
"""


def _stale_status() -> str:
    h = demo_hierarchy("www.example.com")
    crl = RevocationRegistry(h.intermediate).publish_crl()
    with clock.travel(days=8):
        return str(crl_status(h.leaf, h.intermediate, crl).status)


register(Exercise(
    id="07.1",
    prompt="Publish a CRL now with a new, empty registry: fresh_crl = RevocationRegistry(issuing).publish_crl(). "
           "Travel 8 days ahead with the lab clock and check the leaf against fresh_crl. Which status does the check "
           "give: 'good', 'revoked' or 'unknown'?",
    expected=_stale_status,
    accepts=(str,),
    normalize=lambda v: str(v).strip().strip("'\"").casefold(),
    hints=(
        "Look at the CRL's nextUpdate: registry.publish_crl() makes CRLs valid for 7 days.",
        "Run crl_status(leaf, issuing, fresh_crl) inside `with clock.travel(days=8):` and read .status.",
    ),
    solution_code=(
        "fresh_crl = RevocationRegistry(issuing).publish_crl()\n"
        "with clock.travel(days=8):\n"
        "    check = crl_status(leaf, issuing, fresh_crl)\n"
        "check.status"
    ),
    explanation="After its nextUpdate a CRL is stale (RFC 5280 6.3.3 (a)): it may miss recent revocations, so it "
                "can no longer say 'good'. The status is unknown until a fresh CRL is fetched.",
    coach=lambda a, e: ("A stale CRL cannot vouch for anything any more: what does a checker say when it cannot "
                        "tell?") if str(a).strip().casefold() == "good" else None,
    setup_code=SETUP,
))


def _bytes_per_entry() -> int:
    (_, small), (_, large) = crl_size_table(demo_hierarchy("www.example.com").intermediate, [1000, 2000])
    return round((large - small) / 1000)


register(Exercise(
    id="07.2",
    prompt="With crl_size_table(issuing, [1000, 2000]), work out how many bytes one more revocation (with a "
           "128-bit serial) adds to a CRL. Answer with a whole number.",
    expected=_bytes_per_entry,
    accepts=(int, float),
    compare=lambda a, e: abs(a - e) <= 1,
    hints=(
        "crl_size_table returns (revocations, size in bytes) pairs.",
        "Subtract the two sizes and divide by the 1000 extra revocations.",
    ),
    solution_code=(
        "(_, small), (_, large) = crl_size_table(issuing, [1000, 2000])\n"
        "round((large - small) / 1000)"
    ),
    explanation="Each entry is a DER SEQUENCE of the serial, the revocation date and (usually) a reason code: "
                "a few dozen bytes. Multiply by millions of revocations and every client downloads megabytes.",
    coach=lambda a, e: "Divide by the number of extra revocations (1000)." if a > 1000 else None,
    setup_code=SETUP,
))


def _soft_fail_accepts() -> bool:
    h = demo_hierarchy("www.example.com")
    registry = RevocationRegistry(h.intermediate)
    registry.revoke(h.leaf, "keyCompromise")
    with OcspResponder(registry) as responder:
        url = responder.url
    return revocation_decision(h.leaf, h.intermediate, url=url, policy="soft-fail").accepted


register(Exercise(
    id="07.3",
    prompt="The leaf's key was stolen and the CA revoked it. An attacker uses it and blocks the victim's "
           "connection to the OCSP responder. Does a soft-fail client accept the certificate? Answer True or False.",
    expected=_soft_fail_accepts,
    accepts=(bool,),
    wrong_example=False,
    hints=(
        "Soft-fail means: if the responder cannot be reached, carry on.",
        "Try it: start an OcspResponder, note its url, leave the `with` block (the responder stops), then call "
        "revocation_decision(leaf, issuing, url=url, policy='soft-fail').",
    ),
    solution_code=(
        "from pki_lab.revocation import OcspResponder\n"
        "registry.revoke(leaf, 'keyCompromise')\n"
        "with OcspResponder(registry) as responder:\n"
        "    url = responder.url\n"
        "revocation_decision(leaf, issuing, url=url, policy='soft-fail').accepted"
    ),
    explanation="A soft-fail client treats 'no answer' as 'not revoked', so whoever can block the check wins. "
                "That is why revocation moved to data pushed to the client (CRLite, CRLSets) and to short-lived "
                "certificates.",
    coach=lambda a, e: "Think about what soft-fail does when no answer arrives at all.",
    setup_code=SETUP,
))


def _real_reason() -> str:
    return summarize_response(data.ocsp_response("ocsp_resp_quovadis_revoked_superseded_2018")).revocation_reason


register(Exercise(
    id="07.4",
    prompt="Read the real OCSP response data.ocsp_response('ocsp_resp_quovadis_revoked_superseded_2018'). "
           "Which revocation reason does it give (its RFC 5280 name, as a string)?",
    expected=_real_reason,
    accepts=(str,),
    normalize=lambda v: str(v).strip().replace(" ", "").casefold(),
    hints=(
        "summarize_response(...) reads a response field by field.",
        "Its .lines() include a 'revoked:' line; .revocation_reason holds the name.",
    ),
    solution_code=(
        "summarize_response(data.ocsp_response('ocsp_resp_quovadis_revoked_superseded_2018')).revocation_reason"
    ),
    explanation="The CA revoked the certificate because a newer one replaced it (superseded): an everyday, "
                "harmless reason, unlike keyCompromise.",
    setup_code=SETUP,
))
