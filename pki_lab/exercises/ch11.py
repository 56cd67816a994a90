"""Exercises of chapter 11, IoT device identity."""

from __future__ import annotations

import datetime as _dt
import functools

from cryptography import x509
from cryptography.exceptions import InvalidSignature

from .. import clock
from ..describe import thumbprint
from ..iot.device import DeviceClock
from ..iot.gallery import lab_world
from ..iot.manufacturing import SCENARIOS, simulate
from ..iot.trust import Verdict
from ..names import common_name
from . import Exercise, normalize_hex, plural, register


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
    wrong_example=_pop_wrong(),
))

@functools.cache
def _thumb_world():
    world = lab_world()
    old = world.device("sensor-0042")
    world.hub.register_device("sensor-0042", auth="thumbprint", thumbprints=[thumbprint(old.certificate)])
    return old, world.device("sensor-0042", days=730)


def _renewed_thumbprint() -> str:
    return thumbprint(_thumb_world()[1].certificate)


def _thumb_coach(answer, expected) -> str:
    old, renewed = _thumb_world()
    given = normalize_hex(answer)
    if given == thumbprint(old.certificate):
        return "That is the old certificate's thumbprint, which the hub already has; hash the renewed one."
    if len(given) == 40:
        return ("That has 40 hex digits: a SHA-1 thumbprint. SHA-1 is collision-broken, so register a SHA-256 "
                "thumbprint (64 hex digits) of the renewed certificate.")
    if len(given) != 64:
        return f"A SHA-256 thumbprint has 64 hex digits; yours has {plural(len(given), 'digit')}."
    return "Hash the DER bytes of renewed.certificate (the whole certificate) with SHA-256."


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
                "thumbprint as secondary, let the device switch, then retire the old one. A thumbprint only names "
                "one certificate; use SHA-256, since SHA-1 is collision-broken (two certificates can be made to "
                "share a SHA-1 thumbprint).",
    coach=_thumb_coach,
))

def _root_expected() -> str:
    return "an accepted verdict"


def _root_compare(answer, expected) -> bool:
    return getattr(answer, "ok", False) and getattr(answer, "subject", None) == "sensor-0042"


def _root_wrong():
    world = lab_world(upload="factory")
    return world.dps.register(world.device("sensor-0042")).verdict


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
    wrong_example=_root_wrong(),
))

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
))

#: The firmware build date of exercise 11.5's sensor (the notebook sets the same floor).
BUILD_FLOOR = _dt.datetime(2026, 1, 10, tzinfo=_dt.UTC)


@functools.cache
def _days_until_accepted() -> int:
    """Exercise 11.5, asked of the validator: the first whole day after the reset at which the device accepts."""
    world = lab_world()
    sensor = world.device("sensor-0042", clock=DeviceClock(floor=BUILD_FLOOR))
    chain, start = world.hub.server_chain, clock.now()
    sensor.clock.reset(at=start)
    return next(d for d in range(3651)
                if sensor.check_server(chain, world.hub.host, at=start + _dt.timedelta(days=d)).ok)


def _clock_coach(answer, expected) -> str:
    if answer < 0:
        return "Count days from the reset onwards: 0 (it accepts at once) or more."
    if answer == expected - 1:
        return ("After that many days the device's clock still reads before a certificate's notBefore; think about "
                "how you rounded.")
    if answer == 0:
        return "Right after the reset the clock reads its floor: is that after every notBefore in the chain?"
    return ("The clock starts at sensor.clock.floor and runs at the normal rate. Find the latest notBefore among the "
            "certificates the device checks (chain and the root in sensor.trust_bundle) and count the days to it.")


register(Exercise(
    id="11.5",
    prompt="sensor lost power and rebooted with its clock at the firmware's build-date floor (sensor.clock.floor); "
           "nothing syncs it. If the hub kept presenting `chain`, after how many whole days of running would the "
           "device first accept it? Answer with a whole number.",
    expected=_days_until_accepted,
    accepts=(int,),
    hints=(
        "The device accepts a chain only when its clock reads between every certificate's notBefore and notAfter, "
        "the trust anchor's included (chain plus sensor.trust_bundle).",
        "max(c.not_valid_before_utc for c in [*chain, *sensor.trust_bundle]) is the instant the clock must reach; "
        "the clock starts at sensor.clock.now(). Divide the gap by timedelta(days=1) and round up.",
    ),
    solution_code=(
        "import math\n"
        "from datetime import timedelta\n"
        "latest = max(c.not_valid_before_utc for c in [*chain, *sensor.trust_bundle])\n"
        "math.ceil((latest - sensor.clock.now()) / timedelta(days=1))"
    ),
    explanation="The floor gets the device past 1970 and past the roots, which are older than the firmware, but not "
                "past the hub's 90-day certificate, issued after the build. The device waits for its clock to reach "
                "that certificate's notBefore. A real hub renews its certificate, and each new one starts later: a "
                "clock that lags by more than a certificate's age never catches up by waiting. A floor is a lower "
                "bound, not a clock; the device needs a time source (SNTP or NTS, cellular network time, GNSS, "
                "Roughtime).",
    coach=_clock_coach,
))
