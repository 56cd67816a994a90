"""Milestones of chapter 12, the capstone: each step of the learner's own build, checked."""

from __future__ import annotations

import functools

from ..iot.capstone import ProductPKI, check_design, design_pki
from ..iot.trust import Verdict
from . import Exercise, register

SETUP = """
from pki_lab.iot.capstone import check_design, connect_services, design_pki, fleet_status
from pki_lab.iot.dps import ProvisioningService
from pki_lab.iot.hub import IoTHub
"""

SETUP_BUILT = SETUP + """
mine = design_pki("Fabrikam Sense", ("Porto", "Brno", "Pune"))
my_dps = ProvisioningService("My DPS")
my_hub = IoTHub("fabrikam-hub", log=my_dps.log)
connect_services(mine, my_dps, my_hub)
my_fleet = [mine.make_device(f) for f in ("Porto", "Brno", "Pune") for _ in range(2)]
"""


def _design_compare(answer: ProductPKI, expected) -> bool:
    return not check_design(answer) and len(answer.issuing) >= 2


def _design_coach(answer: ProductPKI, expected) -> str:
    problems = check_design(answer)
    if problems:
        return problems[0]
    return "The design is sound, but a product line here needs at least two factories."


@functools.cache
def _bad_design() -> ProductPKI:
    return design_pki("Fabrikam Sense", ("Porto",), device_days=4000)


register(Exercise(
    id="12.1",
    prompt="Milestone 1, design: build the PKI of your own product line (a name of your choice, at least two "
           "factories, a device lifetime shorter than the issuing CAs') with design_pki. Answer with it.",
    expected=lambda: "a design with no problems and two or more factories",
    compare=_design_compare,
    accepts=(ProductPKI,),
    hints=(
        "design_pki(product, factories, device_days=...) builds root and issuing CAs; check_design(pki) lists "
        "problems.",
        'design_pki("Fabrikam Sense", ("Porto", "Brno", "Pune")) is a sound start.',
    ),
    solution_code='design_pki("Fabrikam Sense", ("Porto", "Brno", "Pune"))',
    explanation="An offline root signs one issuing CA per factory (pathLenConstraint 0); each factory has its own "
                "key, so one can be cut off alone, and no certificate outlives its issuer.",
    coach=_design_coach,
    setup_code=SETUP,
    wrong_example=_bad_design(),
))


def _factories(status: dict) -> set[str]:
    return {key.rsplit("-", 2)[-2] for key in status if key.count("-") >= 2}


def _fleet_compare(answer: dict, expected) -> bool:
    return len(answer) >= 6 and all(v == "ok" for v in answer.values()) and len(_factories(answer)) >= 2


def _fleet_coach(answer: dict, expected) -> str:
    bad = {k: v for k, v in answer.items() if v != "ok"}
    if bad:
        device, code = next(iter(bad.items()))
        return f"{len(bad)} device(s) were rejected, e.g. {device} ({code}); read that verdict's reason."
    return "Provision at least six devices, from at least two factories."


register(Exercise(
    id="12.2",
    prompt="Milestone 2, fleet: connect your PKI to a provisioning service and a hub, make at least six devices in "
           "at least two factories, and answer with fleet_status(your_dps, your_fleet).",
    expected=lambda: "six or more devices from two or more factories, all accepted",
    compare=_fleet_compare,
    accepts=(dict,),
    hints=(
        "connect_services(pki, dps, hub) uploads the root, proves possession and creates the enrollment group.",
        "fleet = [mine.make_device(f) for f in factories for _ in range(2)]; then fleet_status(my_dps, fleet).",
    ),
    solution_code="fleet_status(my_dps, my_fleet)",
    explanation="One enrollment group on the root admits every device of every factory: nothing is uploaded per "
                "device, and the hub learns each device at registration.",
    coach=_fleet_coach,
    setup_code=SETUP_BUILT,
    wrong_example={"fabrikam-sense-por-0001": "no-enrollment"},
))


def _rotation_compare(answer: Verdict, expected) -> bool:
    return answer.ok and any(" G2" in name for name in answer.path)


@functools.cache
def _before_rotation() -> Verdict:
    ns: dict = {}
    exec(SETUP_BUILT, ns)
    return ns["my_dps"].register(ns["my_fleet"][0]).verdict


register(Exercise(
    id="12.3",
    prompt="Milestone 3, rotation: replace one factory's issuing CA (pki.rotate), make a new device there, register "
           "it, and answer with its verdict. (Check too that an older device still registers.)",
    expected=lambda: "an accepted verdict whose path goes through the new issuing CA",
    compare=_rotation_compare,
    accepts=(Verdict,),
    hints=(
        "mine.rotate('Porto') returns the new issuing CA, named '... G2'.",
        "new = mine.make_device('Porto'); my_dps.register(new).verdict",
    ),
    solution_code="mine.rotate('Porto')\nnew = mine.make_device('Porto')\nmy_dps.register(new).verdict",
    explanation="The enrollment group trusts the root, so a new issuing CA needs no change in the cloud: devices from "
                "the old and the new CA both chain to the same root.",
    coach=lambda a, e: ("Accepted, but its chain does not go through a rotated ('G2') CA: make the device after "
                        "rotating.") if a.ok else "That verdict is a rejection; read its reason.",
    setup_code=SETUP_BUILT,
    wrong_example=_before_rotation(),
))


def _revoked_compare(answer: dict, expected) -> bool:
    rejected = [v for v in answer.values() if v != "ok"]
    return len(answer) >= 2 and len(rejected) == 1 and rejected[0] in ("revoked", "enrollment-disabled")


def _revoked_coach(answer: dict, expected) -> str:
    rejected = [v for v in answer.values() if v != "ok"]
    if not rejected:
        return "Every device is still accepted: revoke the stolen one and publish the CRL to the service."
    if len(rejected) > 1:
        return "More than one device is shut out; revoke only the stolen device, not its issuing CA."
    return f"The device is rejected for {rejected[0]!r}, not for revocation; use mine.revoke(...) and publish the CRL."


register(Exercise(
    id="12.4",
    prompt="Milestone 4, revocation: one of your devices was stolen. Revoke its certificate, publish the CRL to your "
           "provisioning service, and answer with fleet_status for the whole fleet.",
    expected=lambda: "exactly one device rejected, as revoked (or disabled)",
    compare=_revoked_compare,
    accepts=(dict,),
    hints=(
        "crl = mine.revoke(stolen) returns the issuing CA's new CRL; my_dps.publish_crl(crl) gives it to the service.",
        "In Azure you would also disable the device's enrollment (an individual enrollment, disabled) and its hub "
        "identity.",
    ),
    solution_code=("stolen = my_fleet[1]\nmy_dps.publish_crl(mine.revoke(stolen))\n"
                   "fleet_status(my_dps, my_fleet)"),
    explanation="Revoking the device's certificate, not its issuing CA, shuts out the stolen device alone: the rest "
                "of the fleet, same factory included, keeps working.",
    coach=_revoked_coach,
    setup_code=SETUP_BUILT,
    wrong_example={"a-por-0001": "ok", "a-por-0002": "ok"},
))
