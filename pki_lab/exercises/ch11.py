"""Exercises of chapter 11, IoT device identity."""

from __future__ import annotations

import functools

from cryptography import x509
from cryptography.exceptions import InvalidSignature

from ..describe import thumbprint
from ..iot.gallery import lab_world
from ..iot.manufacturing import SCENARIOS, simulate
from ..iot.trust import Verdict
from ..names import common_name
from . import Exercise, normalize_hex, register

SETUP_POP = """
from pki_lab.iot.gallery import lab_world
world = lab_world(verified=False)
code = world.dps.verification_code("Contoso Root CA")
"""


@functools.cache
def _pop_world():
    world = lab_world(verified=False)
    return world, world.dps.verification_code("Contoso Root CA")


def _pop_expected() -> str:
    return _pop_world()[1]


def _pop_compare(answer: x509.Certificate, code: str) -> bool:
    world = _pop_world()[0]
    if common_name(answer.subject) != code:
        return False
    try:
        answer.verify_directly_issued_by(world.root.certificate)
    except (InvalidSignature, ValueError, TypeError):  # not signed by the root's key
        return False
    return True


def _pop_coach(answer: x509.Certificate, code: str) -> str:
    if common_name(answer.subject) != code:
        return "The subject CN must be exactly the verification code the service issued (the variable `code`)."
    return "The CN is right, but the certificate must be signed by the key of the CA you are verifying: the root."


def _pop_wrong() -> x509.Certificate:
    world, code = _pop_world()
    return world.factory.issue(f"CN={code}", profile="client")


register(Exercise(
    id="11.1",
    prompt="Prove possession of the Contoso Root CA's key: make the verification certificate DPS asks for "
           "(subject CN = `code`, signed by the root CA). Answer with the certificate.",
    expected=_pop_expected,
    compare=_pop_compare,
    accepts=(x509.Certificate,),
    hints=(
        "Only the holder of the root's private key can sign with it: in the lab, that is `world.root`.",
        "world.root.issue(f\"CN={code}\", profile=\"client\") makes a certificate with that CN, signed by the root.",
    ),
    solution_code='world.root.issue(f"CN={code}", profile="client")',
    explanation="The service checks two things: the CN equals the fresh code (so the certificate was made just now, "
                "for this service) and the signature verifies with the uploaded CA certificate's public key (so you "
                "hold its private key). Then world.dps.verify_ca('Contoso Root CA', answer) marks the CA verified.",
    coach=_pop_coach,
    setup_code=SETUP_POP,
    wrong_example=_pop_wrong(),
))

SETUP_THUMB = """
from pki_lab.describe import thumbprint
from pki_lab.iot.gallery import lab_world
world = lab_world()
old = world.device("sensor-0042")
world.hub.register_device("sensor-0042", auth="thumbprint", thumbprints=[thumbprint(old.certificate)])
renewed = world.device("sensor-0042", days=730)
"""


def _renewed_thumbprint() -> str:
    ns: dict = {}
    exec(SETUP_THUMB, ns)
    return thumbprint(ns["renewed"].certificate)


def _thumb_coach(answer, expected) -> str:
    ns: dict = {}
    exec(SETUP_THUMB, ns)
    if normalize_hex(answer) == thumbprint(ns["old"].certificate):
        return "That is the old certificate's thumbprint, which the hub already has; hash the renewed one."
    if len(normalize_hex(answer)) != 64:
        return "A SHA-256 thumbprint has 64 hex digits."
    return "Hash the DER bytes of renewed.certificate with SHA-256."


register(Exercise(
    id="11.2",
    prompt="The device sensor-0042 got a renewed certificate (`renewed`). Which SHA-256 thumbprint must the "
           "operator add to the hub (as the secondary thumbprint) so that it can connect? Answer in hex.",
    expected=_renewed_thumbprint,
    accepts=(str, bytes),
    normalize=normalize_hex,
    hints=(
        "Thumbprint authentication compares a hash of the whole certificate, so every new certificate has a new one.",
        "pki_lab.describe.thumbprint(renewed.certificate) computes it.",
    ),
    solution_code="thumbprint(renewed.certificate)",
    explanation="The hub keeps a primary and a secondary thumbprint so that a renewal can be staged: add the new "
                "thumbprint as secondary, let the device switch, then retire the old one.",
    coach=_thumb_coach,
    setup_code=SETUP_THUMB,
))

SETUP_ROOT = """
from pki_lab.iot.gallery import lab_world
world = lab_world(upload="factory")
device = world.device("sensor-0042")
"""


def _root_expected() -> str:
    return "an accepted verdict"


def _root_compare(answer, expected) -> bool:
    return getattr(answer, "ok", False) and getattr(answer, "subject", None) == "sensor-0042"


def _root_wrong():
    ns: dict = {}
    exec(SETUP_ROOT, ns)
    return ns["world"].dps.register(ns["device"]).verdict


register(Exercise(
    id="11.3",
    prompt="In this world the enrollment group names the factory (intermediate) CA, and registration fails with "
           "missing-root. Fix the service's configuration, register sensor-0042 again and answer with the "
           "registration's verdict (`.verdict`).",
    expected=_root_expected,
    compare=_root_compare,
    accepts=(Verdict,),
    hints=(
        "Read the reason: which certificate does DPS say it is missing?",
        "world.dps.upload_ca(world.root.certificate, verified_on_upload=True), then "
        "world.dps.register(device).verdict.",
    ),
    solution_code=(
        "world.dps.upload_ca(world.root.certificate, verified_on_upload=True)\n"
        "world.dps.register(device).verdict"
    ),
    explanation="A group may name an intermediate, but the service validates the chain up to a root, so the root "
                "must be registered too (the full chain, as the DPS documentation says).",
    coach=lambda a, e: "The verdict is still a rejection: read its reason and change the service's CAs, not the "
                       "device.",
    setup_code=SETUP_ROOT,
    wrong_example=_root_wrong(),
))

SETUP_LINE = """
from pki_lab.iot.manufacturing import SCENARIOS, simulate
batches = SCENARIOS["pre-issued batches"]
"""


@functools.cache
def _smallest_stock() -> int:
    base = SCENARIOS["pre-issued batches"]
    low, high = 0, base.initial_stock  # high stops nothing; find the smallest stock that still stops nothing
    while low < high:
        mid = (low + high) // 2
        if simulate(base, initial_stock=mid, stock_target=mid).stopped_minutes == 0:
            high = mid
        else:
            low = mid + 1
    return low


def _stock_coach(answer, expected) -> str:
    if answer < 0:
        return "A stock is a number of certificates, 0 or more."
    if answer > expected:  # the stopped time only falls as the stock grows: no need to simulate a huge stock
        return "That stock is enough, but a smaller one is too: look for the smallest."
    run = simulate(SCENARIOS["pre-issued batches"], initial_stock=answer, stock_target=answer)
    return f"With that stock the line still stops (for {run.stopped_minutes:.1f} minutes); you need more."


register(Exercise(
    id="11.4",
    prompt="With pre-issued batches (`batches`: a one-hour CA outage at 02:00), what is the smallest stock of "
           "certificates (initial_stock = stock_target) for which the line never stops? Answer with a whole number.",
    expected=_smallest_stock,
    accepts=(int,),
    hints=(
        "simulate(batches, initial_stock=n, stock_target=n).stopped_minutes is 0 when the line never stops.",
        "Try a loop over n, or a binary search between 0 and 400: the stopped time only falls as n grows.",
    ),
    solution_code=(
        "def stops(n):\n"
        "    return simulate(batches, initial_stock=n, stock_target=n).stopped_minutes > 0\n"
        "next(n for n in range(401) if not stops(n))"
    ),
    explanation="During the outage the line takes one certificate every takt; the stock plus the buffer in front "
                "of the station must cover the outage, plus the queue the CA has to work off when it is back.",
    coach=_stock_coach,
    setup_code=SETUP_LINE,
))
