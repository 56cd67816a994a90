"""Exercises of chapter 04, Chain of trust."""

from __future__ import annotations

import datetime as _dt

from .. import data
from ..validation.api import validate_chain
from ..validation.gallery import scenario
from ..validation.history import certificates
from ..validation.names import in_dns_subtree, is_valid_dns_name
from ..validation.policy_tree import certificate_policies
from . import Exercise, register


def _norm_name(value) -> str:
    """A common name compared without case or extra spaces; a leading 'CN=' (as rfc4514_string() writes it) is
    allowed."""
    text = " ".join(str(value).split())
    return (text[3:] if text[:3].upper() == "CN=" else text).strip().casefold()


def _pathlen_culprit() -> str:
    return scenario("pathlen-exceeded").validate().failure.subject


register(Exercise(
    id="04.1",
    prompt="In the gallery scenario 'pathlen-exceeded', which certificate breaks a rule? Answer with its common "
           "name (a string).",
    expected=_pathlen_culprit,
    accepts=(str,),
    normalize=_norm_name,
    hints=(
        "Validate the scenario and look at the first step that fails: scenario('pathlen-exceeded').validate().",
        "The report's .failure is the first failing Step; its .subject is the certificate's common name.",
    ),
    solution_code="scenario('pathlen-exceeded').validate().failure.subject",
    explanation="A pathLenConstraint limits how many CA certificates may follow the one that carries it; the "
                "issuing CA has pathlen:0, so the Sub CA below it breaks the issuing CA's rule (RFC 5280 6.1.4 (l)). "
                "The rule belongs to the issuing CA, so the report names it.",
    coach=lambda a, e: "That certificate is fine on its own; the rule it breaks belongs to the CA above it."
    if "sub" in str(a).casefold() else "Read the FAIL line of the report.",
))


def _last_valid_day() -> str:
    chain = scenario("valid")
    return min(c.not_valid_after_utc for c in (chain.leaf, *chain.intermediates, *chain.trust)).date().isoformat()


def _as_day(value) -> str | None:
    """The UTC day an answer names, as 'YYYY-MM-DD': a date, a datetime (aware ones in UTC) or ISO 8601 text."""
    if isinstance(value, str):
        text = value.strip()
        try:
            value = _dt.datetime.fromisoformat(text) if len(text) > 10 else _dt.date.fromisoformat(text)
        except ValueError:
            return None
    if isinstance(value, _dt.datetime):
        return (value.astimezone(_dt.UTC) if value.tzinfo else value).date().isoformat()
    return value.isoformat() if isinstance(value, _dt.date) else None


def _same_day(answer, expected) -> bool:
    return _as_day(answer) == expected


def _coach_day(answer, expected):
    day = _as_day(answer)
    if day is None:
        return "Write the day as ISO 8601 does, 'YYYY-MM-DD' (for example '2026-01-31'), or give a date."
    if day == scenario("valid").leaf.not_valid_after_utc.date().isoformat():
        return "That is the leaf's last day, but the chain needs every certificate on the path to be valid."
    return "A path is only as valid as its shortest-lived certificate; compare the notAfter of each one."


register(Exercise(
    id="04.2",
    prompt="What is the last day (UTC) on which the gallery's valid chain still validates? Answer 'YYYY-MM-DD' "
           "text or a datetime.date.",
    expected=_last_valid_day,
    accepts=(str, _dt.date),
    compare=_same_day,
    hints=(
        "Every certificate on the path must be valid at the time of validation (RFC 5280 6.1.3 (a)(2)).",
        "Look at not_valid_after_utc of good.leaf, good.intermediates[0] and good.trust[0]; take the earliest.",
    ),
    solution_code="chain = (good.leaf, *good.intermediates, *good.trust)\n"
                  "min(c.not_valid_after_utc for c in chain).date().isoformat()",
    explanation="The issuing CA expires first (30 days), so the whole chain stops validating then, although the "
                "leaf has 90 days; you can check it with good.validate(at=...) on either side of that instant.",
    coach=_coach_day,
))


def _android_grace_days() -> int:
    certs = certificates()
    dst, cross, r3 = certs["DST Root CA X3"], certs["ISRG Root X1 (cross-signed by DST)"], certs["R3"]
    last = min(cross.not_valid_after_utc, r3.not_valid_after_utc)  # the path's certificates below the anchor
    return (last - dst.not_valid_after_utc).days


def _coach_grace(answer, expected):
    certs = certificates()
    dst, r3 = certs["DST Root CA X3"], certs["R3"]
    if isinstance(answer, int) and answer == (r3.not_valid_after_utc - dst.not_valid_after_utc).days:
        return ("R3 does outlive the cross-certificate, but the path also needs the cross-signed ISRG Root X1 "
                "to be valid: which of the two expires first?")
    if isinstance(answer, int) and answer <= 0:
        return ("Such a device ignores its trust anchor's expiry, so DST Root CA X3's notAfter is where the count "
                "starts, not where it stops.")
    return ("The path is R3 <- ISRG Root X1 (cross-signed) <- DST Root CA X3; with the anchor's expiry ignored, "
            "the path lasts as long as the certificates below it. Count whole days from the DST root's notAfter.")


register(Exercise(
    id="04.3",
    prompt="Old Android devices trusted DST Root CA X3 and did not check their trust anchors' expiry. Servers sent "
           "R3 and the cross-signed ISRG Root X1. For how many whole days after DST Root CA X3 expired could such "
           "a device still build a valid path for R3? Use the real certificates: "
           "pki_lab.validation.history.certificates(). (an integer)",
    expected=_android_grace_days,
    accepts=(int,),
    hints=(
        "Write down the device's path: R3 <- ISRG Root X1 (cross-signed by DST) <- DST Root CA X3. With the "
        "anchor's expiry ignored, which certificates still have to be valid?",
        "certs = certificates(); compare the not_valid_after_utc of certs['R3'] and "
        "certs['ISRG Root X1 (cross-signed by DST)'], take the earlier, subtract "
        "certs['DST Root CA X3'].not_valid_after_utc and take .days.",
    ),
    solution_code=(
        "from pki_lab.validation.history import certificates\n"
        "certs = certificates()\n"
        "last = min(certs['ISRG Root X1 (cross-signed by DST)'].not_valid_after_utc, certs['R3'].not_valid_after_utc)\n"
        "(last - certs['DST Root CA X3'].not_valid_after_utc).days"
    ),
    explanation="The path's certificates below the anchor must still be valid; the anchor itself is only a name "
                "and a key to such a device. The cross-signed ISRG Root X1 expires before R3, on 2024-09-30, about "
                "three years after the DST root: Let's Encrypt chose that lifetime so that old Android devices "
                "kept working (see its 2020 announcement in Further reading).",
    coach=_coach_grace,
))


def _permitted_host() -> str:
    return "www.example.org"


_PERMITTED = "example.org"


def _in_constraints(answer, _expected) -> bool:
    """Inside the permitted subtree, as the validator judges a SAN: a wildcard stands for the names it covers."""
    name = str(answer).strip()
    if name.startswith("*.") and is_valid_dns_name(name, wildcard=True):
        return in_dns_subtree(name[2:], _PERMITTED)
    return in_dns_subtree(name, _PERMITTED)


def _coach_constraints(answer, _expected) -> str:
    name = str(answer).strip()
    if not is_valid_dns_name(name, wildcard=True):
        return ("That is not a host name as a certificate writes it: letters, digits and hyphens in labels "
                "separated by dots, with no scheme, path, spaces or trailing dot.")
    if name.lower().endswith(_PERMITTED):
        return ("That name ends in the letters example.org, but a subtree is made of whole labels: the name must "
                "be example.org itself or end in '.example.org'.")
    return "That name is outside example.org, so the validator would reject it."


register(Exercise(
    id="04.4",
    prompt="The Gallery Constrained CA's certificate permits only the DNS subtree example.org. Give a host name "
           "that a server certificate from that CA could validly carry (a string).",
    expected=_permitted_host,
    accepts=(str,),
    compare=_in_constraints,
    hints=(
        "A permitted DNS subtree covers the name itself and every name below it (RFC 5280 4.2.1.10).",
        "Any name that ends in .example.org (or example.org itself) is inside; example.com is not.",
    ),
    solution_code="'www.example.org'",
    explanation="Name constraints apply to every name in every certificate below the CA: a name inside "
                "example.org passes, anything else fails, whatever the leaf's issuer is willing to sign.",
    coach=_coach_constraints,
    wrong_example="www.example.com",
))


#: The CA/Browser Forum's policy OIDs (BR 7.1.6.1): domain, organization, individual and extended validation.
CABF_POLICIES = ("2.23.140.1.2.1", "2.23.140.1.2.2", "2.23.140.1.2.3", "2.23.140.1.1")


def _facebook_policy() -> str:
    fb = data.chain("facebook.com")
    report = validate_chain(fb.leaf, fb.intermediates, trust=[fb.trust_anchor], at=fb.validation_time,
                            name=fb.dns_name, initial_policies=CABF_POLICIES, explicit_policy=True)
    return report.policy.user_constrained[0]


def _coach_policy(answer, _expected) -> str:
    if str(answer).strip() in certificate_policies(data.chain("facebook.com").intermediates[0]):
        return ("The intermediate may issue under that policy, but a policy holds for a path only if every "
                "certificate below the anchor asserts it (or anyPolicy): look at the leaf too.")
    return "Print report.policy: the user-constrained set is what is left for the caller."


register(Exercise(
    id="04.5",
    prompt="Validate the shipped facebook.com chain accepting any CA/B Forum policy (initial_policies=CABF_POLICIES, "
           "explicit_policy=True). Which policy OID is in the report's user-constrained set? (a dotted OID string)",
    expected=_facebook_policy,
    accepts=(str,),
    normalize=lambda v: str(v).strip(),
    hints=(
        "fb = data.chain('facebook.com'); validate_chain(fb.leaf, fb.intermediates, trust=[fb.trust_anchor], "
        "at=fb.validation_time, name=fb.dns_name, initial_policies=CABF_POLICIES, explicit_policy=True).policy",
        "The DigiCert intermediate lists several policies; the path keeps only those the leaf asserts as well.",
    ),
    solution_code="from pki_lab.exercises.ch04 import CABF_POLICIES\n"
                  "fb = data.chain('facebook.com')\n"
                  "report = validate_chain(fb.leaf, fb.intermediates, trust=[fb.trust_anchor], at=fb.validation_time,\n"
                  "                        name=fb.dns_name, initial_policies=CABF_POLICIES, explicit_policy=True)\n"
                  "report.policy.user_constrained[0]",
    explanation="The intermediate may issue DV, OV, IV and EV certificates, but the leaf asserts only "
                "2.23.140.1.2.2 (organization validated), so the valid_policy_tree keeps that one branch "
                "(RFC 5280 6.1.3 (d)): the path is OV, not EV, whatever else the CA above it may do.",
    coach=_coach_policy,
    wrong_example="2.23.140.1.1",
))
