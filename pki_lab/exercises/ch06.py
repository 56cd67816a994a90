"""Exercises of chapter 06, The certificate lifecycle."""

from __future__ import annotations

import datetime as _dt

from ..ca import CertificateAuthority
from ..enrollment import Device, IssuancePolicy, IssuingService, alter_csr_subject
from ..renewal import RenewalPolicy, make_fleet, scan
from . import Exercise, register

# What the notebook defines before its exercises (the unit tests run it too).
SETUP = """
from pki_lab.ca import CertificateAuthority
from pki_lab.enrollment import Device, IssuancePolicy, IssuingService, alter_csr_subject
from pki_lab.renewal import RenewalPolicy, make_fleet, scan
issuing = CertificateAuthority.create_root("Fleet Root CA").create_intermediate("Fleet Issuing CA")
service = IssuingService(issuing, IssuancePolicy())
honest = Device("cam-7.devices.example.com")
honest.generate_key()
tampered = alter_csr_subject(honest.create_csr(), "cam-7", "cam-8")
small_fleet = make_fleet(12, seed=6)
"""


def _tampered_rule() -> str:
    issuing = CertificateAuthority.create_root("Fleet Root CA").create_intermediate("Fleet Issuing CA")
    device = Device("cam-7.devices.example.com")
    device.generate_key()
    tampered = alter_csr_subject(device.create_csr(), "cam-7", "cam-8")
    return IssuingService(issuing, IssuancePolicy()).handle(tampered).failed_rules[0]


register(Exercise(
    id="06.1",
    prompt="Someone changed the device name in the CSR `tampered` after the device signed it. Submit it to "
           "`service`: which rule of the issuance policy rejects it? Answer with the rule's id (a string).",
    expected=_tampered_rule,
    accepts=(str,),
    normalize=lambda v: str(v).strip().casefold(),
    hints=(
        "service.handle(tampered) returns a Decision; print it to see every check.",
        "decision.failed_rules lists the ids of the rules that failed.",
    ),
    solution_code="service.handle(tampered).failed_rules[0]",
    explanation="The CSR's signature covers its subject, so changing the name after signing breaks the signature: "
                "the CA can no longer tell that the requester holds the private key.",
    coach=lambda a, e: "The new name is allowed by the pattern; which check looks at the signature?"
    if "name" in str(a).casefold() else None,
    setup_code=SETUP,
))


def _due_names() -> list[str]:
    return scan(make_fleet(12, seed=6), RenewalPolicy(days_before=30)).due


register(Exercise(
    id="06.2",
    prompt="In `small_fleet` (12 devices), which certificates are due for renewal now under "
           "RenewalPolicy(days_before=30)? Answer with a list of device names (any order).",
    expected=_due_names,
    accepts=(list, tuple, set),
    compare=lambda a, e: sorted(str(x) for x in a) == sorted(e),
    wrong_example=["dev-0000"],
    hints=(
        "scan(small_fleet, policy) sorts the fleet into expired, due and fine.",
        "The FleetScan result has a .due list.",
    ),
    solution_code="scan(small_fleet, RenewalPolicy(days_before=30)).due",
    explanation="A certificate is due from 30 days before its notAfter until notAfter itself (still valid, RFC 5280 "
                "4.1.2.5); after that it is expired, not due.",
    coach=lambda a, e: f"You listed {len(a)} names; the right list has a different length." if len(a) != len(e)
    else "Same number of names, but not the same ones.",
    setup_code=SETUP,
))


def _renewal_date() -> str:
    cert = CertificateAuthority.create_root("Fleet Root CA").issue("web.example.com", profile="server", days=47)
    return RenewalPolicy(fraction=2 / 3).renew_at(cert).date().isoformat()


register(Exercise(
    id="06.3",
    prompt="A 47-day server certificate (the 2029 maximum) is issued at the lab clock's now. With "
           "RenewalPolicy(fraction=2/3), on which date (YYYY-MM-DD) does it become due?",
    expected=_renewal_date,
    accepts=(str, _dt.date),
    normalize=lambda v: v.isoformat() if isinstance(v, _dt.date) else str(v).strip(),
    hints=(
        "Issue it: CertificateAuthority.create_root('X').issue('web.example.com', profile='server', days=47).",
        "RenewalPolicy(fraction=2/3).renew_at(cert) is the instant; .date().isoformat() its date.",
    ),
    solution_code=(
        "cert = issuing.issue('web.example.com', profile='server', days=47)\n"
        "RenewalPolicy(fraction=2/3).renew_at(cert).date().isoformat()"
    ),
    explanation="Two thirds of 47 days is 31 days and 8 hours after notBefore: with 47-day certificates an agent "
                "renews about once a month, which only automation can keep up.",
    setup_code=SETUP,
))
