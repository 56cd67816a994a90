"""Exercises of chapter 06, The certificate lifecycle."""

from __future__ import annotations

import datetime as _dt

from .. import clock
from ..ca import CertificateAuthority
from ..enrollment import Device, IssuancePolicy, IssuingService, alter_csr_subject
from ..lifecycle import judge_at_device_time
from ..renewal import RenewalPolicy, make_fleet, scan
from . import Exercise, plural, register

__all__ = ["boot_clocks"]


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
    coach=lambda a, e: (f"You listed {plural(len(a), 'name')}; the right list has a different length."
                        if len(a) != len(e) else "Same number of names, but not the same ones."),
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
))


def boot_clocks() -> dict[str, _dt.datetime]:
    """Exercise 06.4's devices: what each one's clock reads when it first verifies the server (lab clock's now)."""
    now = clock.now()
    return {
        "no RTC": clock.boot_clock(),
        "build-date floor": clock.boot_clock(floor=_dt.datetime(2026, 1, 10, tzinfo=_dt.UTC)),
        "saved a week ago": now - _dt.timedelta(days=7),
        "NTP, 5 min fast": now + _dt.timedelta(minutes=5),
        "30 days fast": now + _dt.timedelta(days=30),
        "60 days fast": now + _dt.timedelta(days=60),
    }


def _accepting_devices() -> list[str]:
    root = CertificateAuthority.create_root("Fleet Root CA")
    issuing = root.create_intermediate("Fleet Issuing CA")
    web = issuing.issue("www.example.com", profile="server", days=47)
    return [label for label, reading in boot_clocks().items()
            if judge_at_device_time(web, reading, intermediates=[issuing.certificate], trust=[root],
                                    name="www.example.com").accepted]


def _coach_clocks(answer: list, expected: list) -> str:
    given = {str(x) for x in answer}
    if not given:
        return "Your list is empty, but at least one device accepts the chain."
    unknown = given - set(boot_clocks())
    if unknown:
        return f"{len(unknown)} of your labels {'is' if len(unknown) == 1 else 'are'} not a key of boot_clocks."
    if given - set(expected):
        return ("At least one device you listed reads a time outside the chain's validity: compare each reading "
                "with the notBefore and the notAfter of every certificate in the chain.")
    return "Every device you listed accepts, but another one does too: which readings fall inside every validity?"


register(Exercise(
    id="06.4",
    prompt="The server presents `web` (the 47-day certificate above, issued by `issuing` under `root`). Six "
           "devices verify it with the clocks in `clocks` (exercises.ch06.boot_clocks()). Which devices accept "
           "the chain? Answer with a list of their labels (any order).",
    expected=_accepting_devices,
    accepts=(list, tuple, set),
    compare=lambda a, e: sorted(str(x) for x in a) == sorted(e),
    wrong_example=["no RTC"],
    hints=(
        "A device accepts only if its clock reads a time inside the validity of every certificate of the chain: "
        "no earlier than each notBefore, no later than each notAfter.",
        "judge_at_device_time(web, reading, intermediates=[issuing.certificate], trust=[root], "
        "name='www.example.com').accepted asks the validator at that reading.",
    ),
    solution_code=(
        "from pki_lab.lifecycle import judge_at_device_time\n"
        "chain = {'intermediates': [issuing.certificate], 'trust': [root], 'name': 'www.example.com'}\n"
        "[label for label, reading in clocks.items() if judge_at_device_time(web, reading, **chain).accepted]"
    ),
    explanation="The certificate was issued at the lab clock's now, so every clock that reads earlier, even one "
                "a week slow, sees it as not yet valid; a clock 60 days fast sees it expired. Only a device that "
                "has learnt the time (or is not too far off) accepts: give devices a trustworthy time source "
                "before their first TLS connection.",
    coach=_coach_clocks,
))
