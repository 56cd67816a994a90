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


def _stale_status() -> str:
    h = demo_hierarchy("www.example.com")
    crl = RevocationRegistry(h.intermediate).publish_crl()
    with clock.travel(days=8):
        return str(crl_status(h.leaf, h.intermediate, crl).status)


def _coach_stale(answer: str) -> str | None:
    said = str(answer).strip().strip("'\"").casefold()
    if said == "good":
        return ("The leaf is not on the list, but look at the date you checked at and the CRL's nextUpdate: "
                "may a client still rely on that list then (RFC 5280 6.3.3 (a))?")
    if said == "revoked":
        return "The registry was empty when it published fresh_crl: nothing on that list is revoked."
    return None


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
    coach=lambda a, e: _coach_stale(a),
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
        "from pki_lab.revocation import crl_size_table\n"
        "(_, small), (_, large) = crl_size_table(issuing, [1000, 2000])\n"
        "round((large - small) / 1000)"
    ),
    explanation="Each entry is a DER SEQUENCE of the serial, the revocation date and (usually) a reason code: "
                "a few dozen bytes. Multiply by millions of revocations and every client downloads megabytes.",
    coach=lambda a, e: "Divide by the number of extra revocations (1000)." if a > 1000 else None,
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
))


def _validity_hours(name: str) -> float:
    summary = summarize_response(data.ocsp_response(name))
    return (summary.next_update - summary.this_update).total_seconds() / 3600


def _cache_difference() -> float:
    return (_validity_hours("ocsp_resp_letsencrypt_x3_good_2018")
            - _validity_hours("ocsp_resp_quovadis_revoked_superseded_2018"))


def _coach_cache(answer: float, expected: float) -> str | None:
    singles = {round(_validity_hours("ocsp_resp_letsencrypt_x3_good_2018")),
               round(_validity_hours("ocsp_resp_quovadis_revoked_superseded_2018"))}
    if round(answer) in singles:
        return "That is how long one of the two responses is valid; the question asks for the difference."
    if abs(answer + expected) < 0.01:
        return "Right size, wrong sign: take Let's Encrypt's window minus QuoVadis's."
    if abs(answer - expected / 24) < 0.01:
        return "That looks like days: the question asks for hours."
    return None


register(Exercise(
    id="07.4",
    prompt="A client caches each OCSP response until its nextUpdate (RFC 6960 4.2.2.1). Read the two real "
           "responses above, Let's Encrypt's 'good' one and QuoVadis's 'revoked' one: how many hours longer may "
           "the client keep Let's Encrypt's response than QuoVadis's? Answer with a number.",
    expected=_cache_difference,
    accepts=(int, float),
    compare=lambda a, e: abs(a - e) < 0.01,
    hints=(
        "Each response is valid from its thisUpdate to its nextUpdate: work out that window for each.",
        "summarize_response(...).next_update - summarize_response(...).this_update is a timedelta; "
        ".total_seconds() / 3600 gives hours. Subtract QuoVadis's window from Let's Encrypt's.",
    ),
    solution_code=(
        "def hours(name):\n"
        "    s = summarize_response(data.ocsp_response(name))\n"
        "    return (s.next_update - s.this_update).total_seconds() / 3600\n"
        "hours('ocsp_resp_letsencrypt_x3_good_2018') - hours('ocsp_resp_quovadis_revoked_superseded_2018')"
    ),
    explanation="Let's Encrypt signed responses valid for 7 days, QuoVadis for 2 (the CA/B Forum allows at most "
                "10, BR 4.9.10). The window is how long a revocation can stay unseen by a client that trusts its "
                "cache: a shorter one costs the CA more signing and the client more fetching.",
    coach=_coach_cache,
))
