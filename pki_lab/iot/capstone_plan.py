"""The capstone over time: a renewal plan run for ten years, the hub's root migration, and two edge cases.

* :class:`RenewalPlan` is the learner's plan: when devices renew (chapter 06's
  :class:`~pki_lab.renewal.RenewalPolicy`, a fraction of the lifetime), how often each factory's issuing CA
  is rolled, and, if the root is shorter than the device life, when the root is rolled.
  :func:`simulate_life` builds the line at the lab clock's now and travels the lab clock
  (:func:`pki_lab.clock.travel_to`) a week at a time through the 10-year device life: devices are made
  every year, renew through the issuing roles with a new key, re-register with DPS, and each week every
  device's chain (device, issuing CA, root) must be inside its validity period.
* :func:`migration_check` is chapter 09's trust-bundle lesson with the hub: the hub moves its TLS
  certificate to a new root (as Azure IoT Hub moved from Baltimore CyberTrust Root to DigiCert Global
  Root G2); a device connects before and after the move only if its bundle holds both roots.
* :func:`offline_margin` and :func:`back_after_offline`: a device offline through its renewal window
  returns with an expired certificate unless the window is longer than its time away;
  :func:`clock_cases`: a device whose clock reset to 1970 refuses the hub until it knows the time;
  :class:`ClockPolicy` is the learner's answer to it (a build-date floor, the time saved to flash, a time
  source synced before TLS), and :func:`clock_reset_run` runs one of the line's devices through a reset with it.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import functools
from collections.abc import Sequence

from cryptography import x509

from .. import clock
from ..ca import CertificateAuthority
from ..errors import ParameterError, WrongTypeError
from ..names import certificate_label
from ..renewal import RenewalPolicy
from .capstone import DEVICE_LIFE_DAYS, CapstoneProfile, Finding
from .capstone_line import ProductLine
from .device import DeviceClock, IoTDevice
from .trust import LAB_CLOUD_ROOT_MADE, Verdict, lab_cloud_root

__all__ = ["RenewalPlan", "Gap", "LifeReport", "simulate_life", "offline_margin", "back_after_offline",
           "next_cloud_root", "current_cloud_root", "migration_check", "clock_cases", "STEP_DAYS", "TIME_SOURCES",
           "FIRMWARE_BUILT", "LAST_SAVED", "FORGED_TIME", "ClockPolicy", "ClockRun", "clock_reset_run"]

#: The simulation's step: the lab clock moves a week at a time.
STEP_DAYS = 7
#: The shortest interval between two CAs a plan may ask for.
MIN_ROLL_DAYS = 30


@dataclasses.dataclass(frozen=True)
class RenewalPlan:
    """The learner's renewal plan for a profile.

    Args:
        profile: the design it plans for.
        renew_at: when a device renews, as a fraction of its certificate's lifetime (2/3: renew with a third
            left, as Let's Encrypt suggests for its certificates).
        roll_issuing_every: days between two issuing CAs of a factory (a new CA, new key, same root).
        roll_root_every: days between two roots (None: the root is never rolled in the ten years).
        why: why these numbers.
    """

    profile: CapstoneProfile
    renew_at: float
    roll_issuing_every: int
    roll_root_every: int | None = None
    why: str = ""

    def __post_init__(self) -> None:
        if not isinstance(self.profile, CapstoneProfile):
            raise WrongTypeError(f"`profile` must be a CapstoneProfile, not {type(self.profile).__name__}.")
        fraction = self.renew_at
        if isinstance(fraction, bool) or not isinstance(fraction, (int, float)) or not 0 < fraction < 1:
            raise ParameterError(f"`renew_at` must be a fraction of the lifetime between 0 and 1, such as 2/3, "
                                 f"not {fraction!r}.")
        for name in ("roll_issuing_every", "roll_root_every"):
            value = getattr(self, name)
            if value is None and name == "roll_root_every":
                continue
            if isinstance(value, bool) or not isinstance(value, int) or value < MIN_ROLL_DAYS:
                raise ParameterError(f"`{name}` must be a whole number of days, at least {MIN_ROLL_DAYS} (a CA rolled "
                                     f"more often than monthly is not a plan), not {value!r}.")
        if not isinstance(self.why, str):
            raise ParameterError(f"`why` must be a sentence, not {type(self.why).__name__}.")

    @property
    def policy(self) -> RenewalPolicy:
        """Chapter 07's renewal policy for the devices."""
        return RenewalPolicy(fraction=self.renew_at)

    def __str__(self) -> str:
        root = ("never" if self.roll_root_every is None else f"every {self.roll_root_every} days")
        return (f"devices renew at {self.renew_at:.0%} of their {self.profile.device_days}-day certificates; issuing "
                f"CAs roll every {self.roll_issuing_every} days; the root rolls {root}")


@dataclasses.dataclass(frozen=True)
class Gap:
    """A device left without a valid chain: from which day of the simulation, and why."""

    device: str
    day: int
    reason: str

    def __str__(self) -> str:
        return f"day {self.day}: {self.device} {self.reason}"


@dataclasses.dataclass(frozen=True)
class LifeReport:
    """What ten years of a plan did: gaps, certificates that outlived their issuer, refusals, and the counts."""

    plan: RenewalPlan
    gaps: tuple[Gap, ...]
    outlived: tuple[str, ...]
    refused: tuple[str, ...]
    devices: int
    renewals: int
    issuing_rolls: int
    root_rolls: int

    @property
    def ok(self) -> bool:
        return not (self.gaps or self.outlived or self.refused)

    def findings(self) -> list[Finding]:
        """The plan's rules, each a :class:`~pki_lab.iot.capstone.Finding`."""
        src = "RFC 5280 6.1.3 (a)(2), simulated with the lab clock"
        first_gap = f" First: {self.gaps[0]}." if self.gaps else ""
        return [
            Finding("no-gap", not self.gaps,
                    (f"{len({g.device for g in self.gaps})} of {self.devices} devices were left without a valid chain "
                     f"in the {DEVICE_LIFE_DAYS} days.{first_gap}" if self.gaps else
                     f"every one of {self.devices} devices held a valid chain every week for {DEVICE_LIFE_DAYS} days."),
                    src),
            Finding("within-issuer", not self.outlived,
                    (f"{len(self.outlived)} certificates outlive their issuer; first: {self.outlived[0]}. Roll an "
                     "issuing CA while its remaining life is longer than a device certificate (and a root while it "
                     "outlives an issuing CA)." if self.outlived else
                     "no certificate outlives the CA that signed it."),
                    "RFC 5280 6.1.3 (a)(2); NIST SP 800-57 Part 1 Rev. 5, 5.3"),
            Finding("cloud-admits", not self.refused,
                    (f"DPS refused {len(self.refused)} renewed devices; first: {self.refused[0]}" if self.refused else
                     f"DPS admitted every device under each issuing CA it renewed from ({self.renewals} renewals; "
                     "the enrollment groups trust each root before it issues)."), "Azure DPS enrollment groups"),
        ]

    def __str__(self) -> str:
        head = (f"{DEVICE_LIFE_DAYS} days from {clock.LAB_EPOCH.date().isoformat()}: {self.devices} devices, "
                f"{self.renewals} renewals, {self.issuing_rolls} issuing CA rolls, {self.root_rolls} root rolls")
        return "\n".join([head] + [str(f) for f in self.findings()])

    __repr__ = __str__


def _chain_problem(line: ProductLine, device: IoTDevice, when: _dt.datetime) -> str | None:
    """Why the device's chain is not valid at ``when`` (None if every certificate of it is inside its period)."""
    cert = device.certificate
    issuer = next((c for c in device.chain if c.subject == cert.issuer), None)
    root = next((r.certificate for r in line.roots if issuer is not None and r.certificate.subject == issuer.issuer),
                None)
    for what, c in (("device certificate", cert), ("issuing CA", issuer), ("root", root)):
        if c is None:
            return f"has no {what} in its chain"
        if not c.not_valid_before_utc <= when <= c.not_valid_after_utc:
            state = "expired" if when > c.not_valid_after_utc else "is not yet valid"
            return f"holds a chain whose {what} {certificate_label(c)!r} {state}"
    return None


def _outlives(device: IoTDevice) -> str | None:
    cert = device.certificate
    issuer = next((c for c in device.chain if c.subject == cert.issuer), None)
    if issuer is not None and cert.not_valid_after_utc > issuer.not_valid_after_utc:
        return (f"{device.registration_id} on {cert.not_valid_before_utc.date().isoformat()} (to "
                f"{cert.not_valid_after_utc.date().isoformat()}, its CA to "
                f"{issuer.not_valid_after_utc.date().isoformat()})")
    return None


class _Life:
    """One run of :func:`simulate_life`: the line, the counters, and one method per kind of weekly step."""

    def __init__(self, plan: RenewalPlan) -> None:
        self.plan, self.policy = plan, plan.policy
        self.factories = list(plan.profile.factories)
        with clock.travel_to(clock.LAB_EPOCH):
            self.line = ProductLine(plan.profile)
        self.gaps: dict[str, Gap] = {}
        self.outlived: list[str] = []
        self.refused: list[str] = []
        self.renewals = self.issuing_rolls = self.root_rolls = 0
        self.last_root, self.last_issuing = 0, dict.fromkeys(self.factories, 0)
        self.registered: set[tuple[str, x509.Name]] = set()

    def roll(self, day: int, when: _dt.datetime) -> None:
        every = self.plan.roll_root_every
        if every is not None and day - self.last_root >= every:
            self.line.roll_root()
            self.root_rolls += 1
            self.issuing_rolls += len(self.factories)
            self.last_root, self.last_issuing = day, dict.fromkeys(self.factories, day)
        for factory in self.factories:
            if day - self.last_issuing[factory] >= self.plan.roll_issuing_every:
                ca = self.line.roll_issuing(factory).certificate
                self.issuing_rolls += 1
                self.last_issuing[factory] = day
                if ca.not_valid_after_utc > self.line.root.certificate.not_valid_after_utc:
                    self.outlived.append(f"{certificate_label(ca)} on {when.date().isoformat()} outlives its root")

    def make(self, factory: str) -> None:
        device = self.line.enroll(factory, provision=False)
        if (text := _outlives(device)) is not None:
            self.outlived.append(text)

    def renew_and_check(self, day: int, when: _dt.datetime) -> None:
        for device in self.line.devices:
            if when >= self.policy.renew_at(device.certificate):
                self.line.renew(device)
                self.renewals += 1
                if (text := _outlives(device)) is not None:
                    self.outlived.append(text)
                # DPS is asked once per device and issuing CA: a renewal under the same CA chains the same way.
                key = (device.registration_id, device.certificate.issuer)
                if key not in self.registered:
                    self.registered.add(key)
                    verdict = self.line.dps.register(device).verdict
                    if not verdict.ok:
                        self.refused.append(f"day {day}: {verdict}")
            problem = _chain_problem(self.line, device, when)
            if problem is not None and device.registration_id not in self.gaps:
                self.gaps[device.registration_id] = Gap(device.registration_id, day, problem)

    def report(self) -> LifeReport:
        return LifeReport(self.plan, tuple(sorted(self.gaps.values(), key=lambda g: (g.day, g.device))),
                          tuple(self.outlived), tuple(self.refused), len(self.line.devices), self.renewals,
                          self.issuing_rolls, self.root_rolls)


@functools.lru_cache(maxsize=16)
def simulate_life(plan: RenewalPlan) -> LifeReport:
    """Run ``plan`` for the 10-year device life from the lab epoch, a week at a time (deterministic).

    One device per factory is made on day 0, and one more every year (factories in turn). Each week:
    the root rolls if due, then each factory's issuing CA, then new devices are made, then every device
    whose certificate is due renews (new key, through its factory's issuing service) and registers
    again with DPS (once per issuing CA it moves to); finally every device's chain is checked against its
    validity periods.
    """
    if not isinstance(plan, RenewalPlan):
        raise WrongTypeError(f"Expected a RenewalPlan, not {type(plan).__name__}.")
    life = _Life(plan)
    factories = life.factories
    makes = {0: factories} | {365 * k: [factories[k % len(factories)]] for k in range(1, 10)}
    for day in sorted(set(range(0, DEVICE_LIFE_DAYS + 1, STEP_DAYS)) | set(makes) | {DEVICE_LIFE_DAYS}):
        when = clock.LAB_EPOCH + _dt.timedelta(days=day)
        with clock.travel_to(when):
            life.roll(day, when)
            for factory in makes.get(day, ()):
                life.make(factory)
            life.renew_and_check(day, when)
    return life.report()


def offline_margin(plan: RenewalPlan) -> int:
    """The most whole days a device can be offline, from the moment its renewal falls due, and return valid.

    A device that goes offline just before its renewal instant misses the renewal; its certificate lasts
    ``device_days * (1 - renew_at)`` days more (the renewal window).
    """
    if not isinstance(plan, RenewalPlan):
        raise WrongTypeError(f"Expected a RenewalPlan, not {type(plan).__name__}.")
    start = clock.LAB_EPOCH
    end = start + _dt.timedelta(days=plan.profile.device_days)
    return int((end - plan.policy.renew_between(start, end)).total_seconds() // 86400)


def back_after_offline(plan: RenewalPlan, days: int = 365) -> tuple[Verdict, Verdict]:
    """A device of the plan's line goes offline the day before its renewal falls due and returns ``days`` later.

    Returns the hub's verdict on its return, and the verdict after it renews (which needs a valid
    certificate to authenticate the renewal: an expired device must be re-provisioned by hand).
    """
    with clock.travel_to(clock.LAB_EPOCH):
        line = ProductLine(plan.profile)
        device = line.enroll(plan.profile.factories[0])
    leave = plan.policy.renew_at(device.certificate) - _dt.timedelta(days=1)
    with clock.travel_to(leave + _dt.timedelta(days=days)):
        first = line.connect(device)
        if not first.ok:
            return first, first
        line.renew(device)
        line.provision(device)
        return first, line.connect(device)


@functools.cache
def next_cloud_root() -> CertificateAuthority:
    """The lab cloud's next TLS root, "Lab Cloud Root G2" (made a year after G1, for 25 years), a stand-in for
    DigiCert Global Root G2 when IoT Hub moved off Baltimore CyberTrust Root."""
    with clock.travel_to(LAB_CLOUD_ROOT_MADE + _dt.timedelta(days=365)):
        return CertificateAuthority.create_root("Lab Cloud Root G2", days=25 * 365)


def migration_check(bundle: Sequence[x509.Certificate], profile: CapstoneProfile) -> tuple[Verdict, Verdict]:
    """Connect a device carrying ``bundle`` to the hub before and after the hub moves to :func:`next_cloud_root`."""
    if isinstance(bundle, (str, bytes)) or not all(isinstance(c, x509.Certificate) for c in bundle):
        raise WrongTypeError("`bundle` must be a list of root certificates (x509.Certificate).")
    with clock.travel_to(clock.LAB_EPOCH):
        line = ProductLine(profile)
        device = line.enroll(profile.factories[0])
        device.trust_bundle = list(bundle)
        before = line.connect(device)
        line.hub.migrate_server_root(next_cloud_root())
        after = line.connect(device)
    return before, after


def clock_cases(line: ProductLine, device: IoTDevice, build_date: _dt.datetime,
                last_saved: _dt.datetime) -> list[tuple[str, Verdict]]:
    """What the hub says to ``device`` after its clock resets, with each fix in turn (the device's clock is restored).

    The cases: a reset to 1970; a build-date floor; the clock restored from the time last saved to
    flash (never earlier than the floor); a time sync (SNTP) before TLS.
    """
    kept = device.clock
    out = []
    try:
        device.clock = DeviceClock()
        device.clock.reset()
        out.append(("clock reset to 1970", line.connect(device)))
        device.clock = DeviceClock(floor=build_date)
        device.clock.reset()
        out.append((f"build-date floor {build_date.date().isoformat()}", line.connect(device)))
        device.clock.set(last_saved)
        out.append((f"time saved to flash {last_saved.date().isoformat()}", line.connect(device)))
        device.clock.sync()
        out.append(("time synced (SNTP) before TLS", line.connect(device)))
    finally:
        device.clock = kept
    return out


def current_cloud_root() -> CertificateAuthority:
    """The lab cloud's TLS root today, "Lab Cloud Root G1" (:func:`pki_lab.iot.trust.lab_cloud_root`)."""
    return lab_cloud_root()


#: The capstone devices' firmware build date: the floor a :class:`ClockPolicy` may set (step 6's ``build``).
FIRMWARE_BUILT = _dt.datetime(2026, 1, 10, tzinfo=_dt.UTC)
#: When the device last saved its time to flash, before the power cut (step 6's ``saved``).
LAST_SAVED = _dt.datetime(2026, 3, 14, tzinfo=_dt.UTC)
#: The time a forged answer from an unauthenticated time source claims: long before the firmware was built, so
#: that certificates which expired years ago would look valid again.
FORGED_TIME = _dt.datetime(2020, 1, 1, tzinfo=_dt.UTC)

#: Where a device may take its time at boot: (short name, what it is, whether its answers are authenticated).
TIME_SOURCES = {
    "sntp": ("SNTP", "SNTP or NTP without authentication (RFC 4330, RFC 5905)", False),
    "nts": ("NTS", "NTP with Network Time Security (RFC 8915)", True),
    "nitz": ("NITZ", "cellular network time (NITZ), unauthenticated", False),
    "gnss": ("GNSS", "a GNSS fix (GPS, Galileo), unauthenticated on most receivers", False),
}


@dataclasses.dataclass(frozen=True)
class ClockPolicy:
    """How the learner's devices get their time at boot, and why (milestone 7).

    Args:
        profile: the design it is for.
        floor: True if the firmware carries its build date (:data:`FIRMWARE_BUILT`) as a floor the clock never
            reads earlier than.
        saved_time: True if the device saves its time to flash and restores it at boot.
        sync: the time source the device syncs from at boot, a key of :data:`TIME_SOURCES`, or None.
        sync_before_tls: True if that sync happens before the device's first TLS connection.
        why: why this policy.
    """

    profile: CapstoneProfile
    floor: bool = False
    saved_time: bool = False
    sync: str | None = None
    sync_before_tls: bool = True
    why: str = ""

    def __post_init__(self) -> None:
        if not isinstance(self.profile, CapstoneProfile):
            raise WrongTypeError(f"`profile` must be a CapstoneProfile, not {type(self.profile).__name__}.")
        for name in ("floor", "saved_time", "sync_before_tls"):
            if not isinstance(getattr(self, name), bool):
                raise ParameterError(f"`{name}` must be True or False, not {getattr(self, name)!r}.")
        if self.sync is not None and self.sync not in TIME_SOURCES:
            raise ParameterError(f"`sync` must be one of {', '.join(map(repr, TIME_SOURCES))}, or None for no time "
                                 f"source, not {self.sync!r}.")
        if not isinstance(self.why, str):
            raise ParameterError(f"`why` must be a sentence, not {type(self.why).__name__}.")

    def __str__(self) -> str:
        parts = [f"build-date floor {FIRMWARE_BUILT.date().isoformat()}" if self.floor else "no floor",
                 "time saved to flash" if self.saved_time else "no saved time",
                 ("no time source" if self.sync is None else
                  f"{TIME_SOURCES[self.sync][1]}, {'before' if self.sync_before_tls else 'after'} the first TLS "
                  "connection")]
        return "at boot: " + "; ".join(parts)


@dataclasses.dataclass(frozen=True)
class ClockRun:
    """One reset device under a :class:`ClockPolicy`: what its clock read at each step, and the hub's verdict.

    ``readings`` are (step, reading) pairs in order; ``verdict`` is the hub's answer to the device's first TLS
    connection after the reset; ``forged`` is what the clock read after a forged answer (None if the policy's time
    source authenticates its answers, or it has none).
    """

    policy: ClockPolicy
    readings: tuple[tuple[str, _dt.datetime], ...]
    verdict: Verdict
    forged: _dt.datetime | None

    @property
    def at_tls(self) -> _dt.datetime:
        """The clock's reading when the device made its first TLS connection."""
        return next(r for step, r in reversed(self.readings) if step != "the sync after the first TLS connection")

    @property
    def lowest(self) -> tuple[str, _dt.datetime]:
        """The earliest time the clock read, and at which step (a forged answer included)."""
        steps = list(self.readings) + ([("a forged time answer", self.forged)] if self.forged is not None else [])
        return min(steps, key=lambda s: s[1])


@functools.lru_cache(maxsize=32)
def clock_reset_run(policy: ClockPolicy) -> ClockRun:
    """Power-cut one device of the policy's line (no RTC), boot it with ``policy``, and connect it to the hub.

    The line is built at the lab clock's now, as in milestone 4. At boot the clock restarts at 1970 (or at the
    floor); the policy then restores the saved time and syncs from its time source, before or after the first
    TLS connection. Then, on a network with an attacker, an unauthenticated source's answer is forged to say
    :data:`FORGED_TIME` (an NTS answer that is not authenticated is refused, so the clock keeps its reading).
    """
    if not isinstance(policy, ClockPolicy):
        raise WrongTypeError(f"Expected a ClockPolicy, not {type(policy).__name__}.")
    with clock.travel_to(clock.LAB_EPOCH):
        line = ProductLine(policy.profile)
        device = line.enroll(policy.profile.factories[0])
        device.clock = DeviceClock(floor=FIRMWARE_BUILT if policy.floor else None)
        readings = [("the power cut (no RTC)", device.clock.reset())]
        if policy.saved_time:
            readings.append(("restoring the time saved to flash", device.clock.set(LAST_SAVED)))
        if policy.sync is not None and policy.sync_before_tls:
            readings.append((f"the {TIME_SOURCES[policy.sync][0]} sync", device.clock.sync()))
        verdict = line.connect(device)
        if policy.sync is not None and not policy.sync_before_tls:
            readings.append(("the sync after the first TLS connection", device.clock.sync()))
        forged = None
        if policy.sync is not None and not TIME_SOURCES[policy.sync][2]:
            forged = device.clock.set(FORGED_TIME)
    return ClockRun(policy, tuple(readings), verdict, forged)
