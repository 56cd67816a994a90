"""Milestones of chapter 12, the capstone: each step of the learner's own design, checked against the rules.

Every check calls the same pure milestone functions as the design report
(:mod:`pki_lab.iot.capstone`, :mod:`pki_lab.iot.capstone_report`); a wrong answer gets the first failing
finding's sentence. The worked solutions build a design of their own (Fabrikam Sense), never the chapter's
worked example, and each solution uses only what the solutions before it defined.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from ..iot.capstone import WORKED_EXAMPLE, CapstoneProfile, Finding, milestone_design
from ..iot.capstone_line import ProductLine
from ..iot.capstone_plan import ClockPolicy, RenewalPlan
from ..iot.capstone_pq import PqPlan, milestone_pq, pq_plan
from ..iot.capstone_report import (
    OFFLINE_DAYS,
    milestone_block,
    milestone_bundle,
    milestone_clock,
    milestone_line,
    milestone_offline,
    milestone_plan,
)
from ..iot.device import IoTDevice
from . import Exercise, register


def _passes(findings: list[Finding]) -> bool:
    return all(f.ok for f in findings)


def _first_failure(findings: list[Finding]) -> str:
    bad = next((f for f in findings if not f.ok), None)
    return "Not yet; try hint()." if bad is None else f"Not yet ({bad.rule}): {bad.sentence}"

def _judged(milestone: Callable[[Any], list[Finding]]) -> dict[str, Callable[[Any, Any], Any]]:
    """``compare`` and ``coach`` for a milestone exercise, sharing one run of the milestone per check.

    A check compares, then coaches a wrong answer; a milestone may simulate ten years, so ``compare`` runs it and
    ``coach`` takes those findings (and forgets them). ``compare`` always runs it afresh: a learner may change
    the same object and check it again.
    """
    last: dict[str, Any] = {}

    def compare(answer: Any, _expected: Any) -> bool:
        last.clear()
        last.update(answer=answer, findings=milestone(answer))
        return _passes(last["findings"])

    def coach(answer: Any, _expected: Any) -> str:
        found = last.pop("findings") if last.pop("answer", None) is answer and "findings" in last else None
        last.clear()
        return _first_failure(milestone(answer) if found is None else found)

    return {"compare": compare, "coach": coach}



register(Exercise(
    id="12.1",
    prompt="Milestone 1, your design: build a CapstoneProfile for a product line of your own with design(...): "
           "lifetimes, key types, factories, an ID scheme and a why for each of lifetimes, keys and names. It must "
           "pass every rule, and it must not be the worked example.",
    expected=lambda: "a profile of your own that passes every design rule",
    **_judged(milestone_design),
    accepts=(CapstoneProfile,),
    hints=(
        "check_profile(your_profile) lists every rule with PASS or FAIL; fix the first FAIL.",
        "Each lifetime must be shorter than its issuer's, leave the issuing CA a year of issuing, and the root "
        "must cover 3652 days plus one device certificate (or set root_roll=True).",
    ),
    solution_code=(
        'mine = design("Fabrikam Sense", ("Porto", "Brno"), root_days=6000, issuing_days=1460, device_days=730,\n'
        '              why={"lifetimes": "a 16-year root covers ten years of devices and their last certificate",\n'
        '                   "keys": "ECDSA P-256 is what the sensor secure element makes quickly",\n'
        '                   "names": "product, factory and serial keep every registration ID unique"})\n'
        "mine"),
    explanation="Lifetimes shrink down the chain with room to roll each issuer, the keys are ones IoT Hub speaks, "
                "the ID scheme is unique per device and is the CN DPS needs, and each choice says why.",
    wrong_example=WORKED_EXAMPLE,
))


@functools.cache
def _example_line() -> ProductLine:
    return ProductLine(WORKED_EXAMPLE)


register(Exercise(
    id="12.2",
    prompt="Milestone 2, issue through the roles: build ProductLine(your profile) and enroll at least one device "
           "per factory (by hand with enroll_by_hand and adopt, or with line.enroll), so that DPS and the hub admit "
           "each one. Answer with your line.",
    expected=lambda: "your line, with devices from every factory, all issued by the roles and admitted",
    **_judged(milestone_line),
    accepts=(ProductLine,),
    hints=(
        "my_line = ProductLine(mine); then my_line.enroll(factory) for each factory in mine.factories.",
        "A device made by hand needs the line's next ID: IoTDevice(my_line.next_id('Porto')), then "
        "enroll_by_hand(device, my_line.factory('Porto')), my_line.adopt(device, 'Porto') and "
        "my_line.provision(device).",
    ),
    solution_code=("my_line = ProductLine(mine)\n"
                   "my_fleet = [my_line.enroll(factory) for factory in mine.factories for _ in range(2)]\n"
                   "my_line"),
    explanation="Each device made its key and CSR inside; the factory's agent carried the CSR to the issuing service, "
                "whose policy (the ID pattern, the key type) approved it; the device installed the certificate and "
                "registered with DPS, which admitted it through the enrollment group on the root.",
    wrong_example=_example_line(),
))


register(Exercise(
    id="12.3",
    prompt="Milestone 3, renewal over ten years: write a RenewalPlan for your profile (when devices renew, how often "
           "each factory's issuing CA rolls, and the root if it must) so that simulate_life(plan) leaves no device "
           "without a valid chain and no certificate outliving its issuer. Answer with the plan.",
    expected=lambda: "a plan for your profile that simulate_life passes",
    **_judged(milestone_plan),
    accepts=(RenewalPlan,),
    hints=(
        "A new issuing CA must come while the old one still has more than a device certificate's lifetime left: "
        "roll_issuing_every <= issuing_days - device_days.",
        "renew_at=2/3 renews with a third of the lifetime left; run simulate_life(plan) and read its first FAIL.",
    ),
    solution_code=('my_plan = RenewalPlan(mine, renew_at=0.5, roll_issuing_every=700,\n'
                   '                      why="renew halfway, so a device has a year to come back online")\n'
                   "my_plan"),
    explanation="Rolling each issuing CA 700 days into its 1460 leaves 760 days, more than a 730-day device "
                "certificate, so none outlives its issuer; renewing halfway keeps every device valid all ten years.",
    wrong_example=RenewalPlan(WORKED_EXAMPLE, renew_at=0.9, roll_issuing_every=1500),
))


register(Exercise(
    id="12.4",
    prompt="Milestone 4, the hub's root migration: the hub will move its TLS certificate from CLOUD_G1 to CLOUD_G2. "
           "Set the trust bundle (device.trust_bundle, a list of root certificates) that one of your devices must "
           "carry before the move, so that it reaches the hub both before and after it. Answer with the device.",
    expected=lambda: "a device whose bundle works on both sides of the move",
    **_judged(lambda device: milestone_bundle(device.trust_bundle, WORKED_EXAMPLE)),
    accepts=(IoTDevice,),
    hints=(
        "Before the move the hub's chain ends at one root; after it, at the other.",
        "A device judges the hub's chain against its bundle only: what must the bundle hold on each day?",
    ),
    solution_code=("my_device = my_line.devices[0]\n"
                   "my_device.trust_bundle = [CLOUD_G1, CLOUD_G2]\n"
                   "my_device"),
    explanation="Both roots: the old one until the hub moves, the new one after. Delivering the new root before "
                "the switch (announce, deliver, switch) is what Microsoft asked of devices before IoT Hub moved to "
                "DigiCert Global Root G2.",
    wrong_example=IoTDevice("contoso-thermo-shenzhen-000001"),
))


register(Exercise(
    id="12.5",
    prompt="Milestone 5, a stolen device: shut one device of your line out the way Azure allows (DPS and IoT Hub do "
           "not read CRLs), so that it is refused by both DPS and the hub while every other device still works. "
           "Answer with your line.",
    expected=lambda: "your line with exactly one device blocked at DPS and at the hub",
    **_judged(milestone_block),
    accepts=(ProductLine,),
    hints=(
        "DPS: an individual enrollment for the stolen device's certificate, disabled, overrides its group "
        "(my_line.dps.add_individual_enrollment(id, certificate=...), then my_line.dps.disable(id)).",
        "The hub: a provisioned device connects directly, so disable its identity too: "
        "my_line.hub.disable_device(id).",
    ),
    solution_code=("stolen = my_line.devices[1]\n"
                   "my_line.dps.add_individual_enrollment(stolen.registration_id, certificate=stolen.certificate)\n"
                   "my_line.dps.disable(stolen.registration_id)\n"
                   "my_line.hub.disable_device(stolen.registration_id)\n"
                   "my_line"),
    explanation="The disabled individual enrollment stops DPS from provisioning the device again (keep it: deleting "
                "it would let the group admit the device); the disabled hub identity stops the device that already "
                "knows the hub. The rest of the fleet, same factory included, keeps working.",
    wrong_example=_example_line(),
))


register(Exercise(
    id="12.6",
    prompt=f"Milestone 6, a long time offline: some of your devices sit unpowered in a warehouse or lose their "
           f"network for up to {OFFLINE_DAYS} days. Write a plan for your profile whose devices come back with a "
           f"valid certificate after {OFFLINE_DAYS} days away (even if they left just before renewing), and that "
           "still passes milestone 3. Answer with the plan.",
    expected=lambda: f"a plan whose renewal window is at least {OFFLINE_DAYS} days and that passes ten years",
    **_judged(milestone_offline),
    accepts=(RenewalPlan,),
    hints=(
        "A device that leaves just before renewing has what is left of its certificate: device_days * (1 - renew_at) "
        "days. offline_margin(plan) computes it.",
        f"Solve device_days * (1 - renew_at) >= {OFFLINE_DAYS} for renew_at, then check simulate_life(plan).",
    ),
    solution_code=('my_offline_plan = RenewalPlan(mine, renew_at=0.4, roll_issuing_every=700,\n'
                   '                              why="renew early: 438 days of window outlast 400 days away")\n'
                   "my_offline_plan"),
    explanation="Renewing at 40% of a 730-day certificate leaves 438 days: a device that goes dark just before its "
                "renewal still returns valid after 400 days, renews with a new key and carries on. A device away "
                "longer comes back expired and cannot authenticate a renewal: it must be re-provisioned by hand.",
    wrong_example=RenewalPlan(WORKED_EXAMPLE, renew_at=2 / 3, roll_issuing_every=700),
))


register(Exercise(
    id="12.7",
    prompt="Milestone 7, a clock reset: one of your devices loses power and has no battery-backed clock. Write a "
           "ClockPolicy for your profile (a build-date floor or not, the time saved to flash or not, which time "
           "source it syncs from and whether before its first TLS connection, and why) so that the reset device is "
           "admitted by the hub and its clock never reads earlier than the firmware's build date, even when a time "
           "answer is forged. Answer with the policy.",
    expected=lambda: "a policy under which the reset device is admitted and its clock never goes before the floor",
    **_judged(milestone_clock),
    accepts=(ClockPolicy,),
    hints=(
        "Step 6 tried each fix alone: which one got the device admitted? And what did the clock read at boot "
        "without a floor?",
        "A floor and a saved time are dates in the past; the hub's certificate may be newer. An unauthenticated "
        "time source can be forged; what keeps a forged answer from taking the clock back years?",
    ),
    solution_code=('my_clock = ClockPolicy(mine, floor=True, saved_time=True, sync="nts",\n'
                   '                       why="authenticated time before TLS; the build date bounds a bad boot")\n'
                   "my_clock"),
    explanation="The device syncs its clock before its first TLS connection, so it judges the hub's certificate at "
                "the real time; NTS authenticates the answer, and the build-date floor keeps any boot (or a forged "
                "SNTP, NITZ or GNSS time, on devices that use those) from going back before the firmware existed. "
                "The saved time is optional: it narrows the gap when no time source answers, but proves nothing.",
    wrong_example=ClockPolicy(WORKED_EXAMPLE, floor=True, sync="sntp"),
))


register(Exercise(
    id="12.8",
    prompt="Milestone 8, the post-quantum migration (chapter 13): your roots and devices live 15 years, past 2035, "
           "when NIST IR 8547's draft disallows RSA and ECDSA. Write a PqPlan for your profile with pq_plan(mine, "
           "order=(...), new_root=..., ship_pq_root_now=..., firmware_signing=..., device_ram_kib=..., why=...): "
           "which of STEPS migrates first and which last, which post-quantum root your devices carry from now on, "
           "what the boot loader verifies updates with, and how much RAM a device gives to certificates. Answer "
           "with the plan.",
    expected=lambda: "a plan under which every rule of milestone 8 passes",
    **_judged(milestone_pq),
    accepts=(PqPlan,),
    hints=(
        "Which part is exposed today, before any quantum computer exists? That one goes first. And what must a "
        "device trust before its own identity can be replaced safely?",
        "device_chain_bytes('ML-DSA-87') measures what a device receives in a post-quantum handshake; firmware "
        "signatures that a quantum computer cannot forge are LMS, XMSS, ML-DSA and SLH-DSA.",
    ),
    solution_code=('my_pq = pq_plan(mine, order=("key exchange", "root", "firmware signing", "issuing CAs",\n'
                   '                              "device identities"),\n'
                   '                new_root="ML-DSA-87", ship_pq_root_now=True, firmware_signing="lms",\n'
                   '                device_ram_kib=64,\n'
                   '                why="recorded traffic first; roots and updates before identities")\n'
                   "my_pq"),
    explanation="Key exchange first: harvest now, decrypt later makes it urgent today, and a hybrid ML-KEM group "
                "changes no certificate. Then the root the devices trust, shipped in every device from now on so "
                "that none needs a classical update to learn it; then the firmware signature (LMS, XMSS or ML-DSA), "
                "so that updates stay trustworthy once ECDSA can be forged; then the issuing CAs and the device "
                "identities, renewed onto ML-DSA keys by the renewal plan of milestone 3. The RAM has to hold the "
                "measured post-quantum chain, about 12 KiB under an ML-DSA-87 root.",
    wrong_example=pq_plan(WORKED_EXAMPLE, order=("device identities", "issuing CAs", "root", "firmware signing",
                                                 "key exchange"), new_root="ECDSA P-384", firmware_signing="ecdsa",
                          device_ram_kib=8),
))
