"""Renewal: when to replace a certificate, which ones of a fleet are due, and what a failed renewal costs.

A :class:`RenewalPolicy` opens a *renewal window* before notAfter, either at a
fraction of the lifetime (Let's Encrypt suggests renewing when two thirds of
the lifetime has passed; certbot renews with a third left) or a fixed number of days
before expiry. :func:`scan` sorts a fleet into *expired*, *due* and *fine* at
an instant of the lab clock, with the same boundaries as :mod:`pki_lab.lifecycle`:
notBefore and notAfter are both inside the validity period (RFC 5280 4.1.2.5),
and a certificate is due from the renewal instant itself.

:func:`reenroll` renews a device the right way, with a **new key pair** (the
old key may have leaked while it was in use). :func:`make_fleet` issues hundreds
of device certificates with seeded random issue dates, and :func:`simulate_outage`
shows what happens on each day when the renewal agent stops working.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import random
from collections.abc import Iterable, Mapping
from typing import Any

from cryptography import x509

from . import clock
from .ca import CertificateAuthority
from .errors import ParameterError, WrongTypeError
from .lifecycle import State
from .plots import MAX_WIDTH_IN, integer_ticks, legend_below

__all__ = [
    "RenewalPolicy",
    "ScanRow",
    "FleetScan",
    "scan",
    "state_under_policy",
    "reenroll",
    "make_fleet",
    "OutageReport",
    "simulate_outage",
    "plot_fleet",
    "plot_outage",
]

_DAY = _dt.timedelta(days=1)


def _positive(value: object, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
        raise ParameterError(f"`{name}` must be a positive number, not {value!r}.")
    return float(value)


@dataclasses.dataclass(frozen=True)
class RenewalPolicy:
    """When a certificate becomes due: at ``fraction`` of its lifetime, or ``days_before`` notAfter.

    Give exactly one. ``RenewalPolicy(fraction=2/3)`` renews a 90-day certificate on
    day 60; ``RenewalPolicy(days_before=30)`` renews it on day 60 too.
    """

    fraction: float | None = None
    days_before: float | None = None

    def __post_init__(self) -> None:
        if (self.fraction is None) == (self.days_before is None):
            raise ParameterError("Give exactly one of `fraction` (e.g. 2/3 of the lifetime) or `days_before` "
                                 "(e.g. 30 days before notAfter).")
        if self.fraction is not None and not (isinstance(self.fraction, (int, float))
                                              and not isinstance(self.fraction, bool) and 0 < self.fraction < 1):
            raise ParameterError(f"`fraction` must be a number between 0 and 1 (exclusive), not {self.fraction!r}.")
        if self.days_before is not None:
            _positive(self.days_before, "days_before")

    def renew_at(self, cert: x509.Certificate) -> _dt.datetime:
        """The instant the certificate becomes due (never before notBefore)."""
        return self.renew_between(*_window(cert))

    def renew_between(self, start: _dt.datetime, end: _dt.datetime) -> _dt.datetime:
        """The renewal instant of a validity period from ``start`` to ``end`` (whole seconds)."""
        if self.fraction is not None:
            instant = start + (end - start) * self.fraction
        else:
            instant = max(start, end - _dt.timedelta(days=self.days_before))
        return instant.replace(microsecond=0)

    def __str__(self) -> str:
        if self.fraction is not None:
            return f"renew when {self.fraction:.0%} of the lifetime has passed"
        return f"renew {self.days_before:g} days before expiry"


def _window(cert: object) -> tuple[_dt.datetime, _dt.datetime]:
    if not isinstance(cert, x509.Certificate):
        raise WrongTypeError(f"Expected an x509.Certificate, not {type(cert).__name__}.")
    return cert.not_valid_before_utc, cert.not_valid_after_utc


def state_under_policy(cert: x509.Certificate, policy: RenewalPolicy, at: _dt.datetime | None = None) -> State:
    """The certificate's :class:`~pki_lab.lifecycle.State` at ``at``: not yet valid, valid, due (RENEW), expired."""
    when = clock.now() if at is None else clock.require_aware(at)
    start, end = _window(cert)
    if when < start:
        return State.NOT_YET_VALID
    if when > end:  # RFC 5280 4.1.2.5: notAfter itself is still valid
        return State.EXPIRED
    if when >= policy.renew_at(cert):
        return State.RENEW
    return State.VALID


@dataclasses.dataclass(frozen=True)
class ScanRow:
    """One certificate of a fleet scan."""

    name: str
    state: State
    not_after: _dt.datetime
    renew_at: _dt.datetime
    days_left: float

    @property
    def status(self) -> str:
        return {State.EXPIRED: "expired", State.RENEW: "due", State.VALID: "fine",
                State.NOT_YET_VALID: "not yet valid"}[self.state]


@dataclasses.dataclass(frozen=True)
class FleetScan:
    """The result of :func:`scan`: every row, and the names by status."""

    at: _dt.datetime
    policy: RenewalPolicy
    rows: tuple[ScanRow, ...]

    def names(self, status: str) -> list[str]:
        """The names with this status ('expired', 'due', 'fine', 'not yet valid'), sorted."""
        if status not in ("expired", "due", "fine", "not yet valid"):
            raise ParameterError(f"`status` must be 'expired', 'due', 'fine' or 'not yet valid', not {status!r}.")
        return sorted(r.name for r in self.rows if r.status == status)

    @property
    def expired(self) -> list[str]:
        return self.names("expired")

    @property
    def due(self) -> list[str]:
        return self.names("due")

    @property
    def fine(self) -> list[str]:
        return self.names("fine")

    def counts(self) -> dict[str, int]:
        out = {"expired": 0, "due": 0, "fine": 0, "not yet valid": 0}
        for r in self.rows:
            out[r.status] += 1
        return out

    def __str__(self) -> str:
        counts = ", ".join(f"{k}: {v}" for k, v in self.counts().items() if v or k != "not yet valid")
        return f"Fleet of {len(self.rows)} at {self.at.strftime('%Y-%m-%d %H:%M UTC')} ({self.policy}): {counts}"

    __repr__ = __str__

    def table(self, limit: int | None = 10) -> str:
        """The rows most urgent first (soonest notAfter), as text."""
        rows = sorted(self.rows, key=lambda r: (r.not_after, r.name))[:limit]
        lines = [f"{'name':<28} {'status':<8} {'renew at':<16} {'notAfter':<16} days left"]
        lines += [f"{r.name:<28} {r.status:<8} {r.renew_at:%Y-%m-%d %H:%M} {r.not_after:%Y-%m-%d %H:%M} "
                  f"{r.days_left:9.1f}" for r in rows]
        return "\n".join(lines)


def _items(fleet: Mapping[str, x509.Certificate] | Iterable[tuple[str, x509.Certificate]]) -> list[tuple[str, Any]]:
    items = list(fleet.items()) if isinstance(fleet, Mapping) else list(fleet)
    for item in items:
        if not (isinstance(item, tuple) and len(item) == 2 and isinstance(item[1], x509.Certificate)):
            raise WrongTypeError("A fleet is a mapping of name -> certificate (or (name, certificate) pairs), "
                                 f"not one holding {item!r:.60}.")
    return items


def scan(fleet: Mapping[str, x509.Certificate] | Iterable[tuple[str, x509.Certificate]],
         policy: RenewalPolicy, at: _dt.datetime | None = None) -> FleetScan:
    """Sort a fleet into expired / due / fine at ``at`` (default: the lab clock's now)."""
    if not isinstance(policy, RenewalPolicy):
        raise WrongTypeError(f"`policy` must be a RenewalPolicy, not {type(policy).__name__}.")
    when = clock.now() if at is None else clock.require_aware(at)
    rows = []
    for name, cert in _items(fleet):
        state = state_under_policy(cert, policy, when)
        left = (cert.not_valid_after_utc - when).total_seconds() / 86400
        rows.append(ScanRow(name, state, cert.not_valid_after_utc, policy.renew_at(cert), left))
    return FleetScan(when, policy, tuple(rows))


def reenroll(device: Any, admin: Any, service: Any) -> x509.Certificate:
    """Renew ``device`` with a **new** key pair: new key, new CSR, policy check, issue, install.

    Raises :class:`~pki_lab.errors.PolicyError` if the CA rejects the new request.
    """
    admin.log.record(admin.name, device.name, "starts renewal: new key pair, new CSR")
    admin.request_key(device)
    csr = admin.request_csr(device)
    decision = admin.submit(csr, service)
    certificate = admin.retrieve(service, decision)
    admin.install(device, certificate)
    return certificate


def make_fleet(size: int = 300, *, seed: int = 2026, lifetime_days: int = 90,
               ca: CertificateAuthority | None = None, prefix: str = "dev") -> dict[str, x509.Certificate]:
    """``size`` device certificates issued at seeded random instants in the ``lifetime_days`` before now.

    Issue instants come from ``random.Random(seed)`` (whole minutes), so every run gives
    the same fleet; at the lab clock's now every certificate is valid, some due.
    """
    if isinstance(size, bool) or not isinstance(size, int) or not 1 <= size <= 5000:
        raise ParameterError(f"`size` must be a whole number from 1 to 5000, not {size!r}.")
    _positive(lifetime_days, "lifetime_days")
    rng = random.Random(seed)
    now = clock.now()
    if ca is None:
        with clock.travel(days=-3 * lifetime_days):
            ca = CertificateAuthority.create_root("Fleet Device CA", days=3650)
    fleet = {}
    span = int(lifetime_days * 24 * 60)
    for index in range(size):
        issued = now - _dt.timedelta(minutes=rng.randrange(0, span))
        name = f"{prefix}-{index:04d}"
        with clock.travel_to(issued):
            fleet[name] = ca.issue(name, profile="device", days=lifetime_days, key=f"fleet/{seed}/{name}")
    return fleet


@dataclasses.dataclass(frozen=True)
class OutageReport:
    """Day by day, how many devices hold a valid certificate, when renewal stops on ``failure_day``."""

    start: _dt.datetime
    failure_day: int | None
    days: tuple[int, ...]
    valid: tuple[int, ...]
    expired: tuple[int, ...]

    @property
    def first_outage_day(self) -> int | None:
        """The first day on which at least one device has an expired certificate (None if never)."""
        return next((d for d, n in zip(self.days, self.expired, strict=True) if n), None)

    @property
    def all_down_day(self) -> int | None:
        """The first day on which no device has a valid certificate (None if never)."""
        return next((d for d, n in zip(self.days, self.valid, strict=True) if n == 0), None)

    def __str__(self) -> str:
        when = "never fails" if self.failure_day is None else f"stops on day {self.failure_day}"
        first = self.first_outage_day
        down = self.all_down_day
        return (f"{len(self.days) - 1}-day simulation from {self.start.date().isoformat()}; renewal "
                f"{when}. First expired device: " + ("none" if first is None else f"day {first}") +
                "; whole fleet down: " + ("never" if down is None else f"day {down}") + ".")

    __repr__ = __str__


def simulate_outage(fleet: Mapping[str, x509.Certificate], policy: RenewalPolicy, *, days: int = 120,
                    failure_day: int | None = 0, lifetime_days: float | None = None,
                    start: _dt.datetime | None = None) -> OutageReport:
    """Replay ``days`` days of a renewal agent that runs once a day and stops working on ``failure_day``.

    A working agent replaces every due certificate with one of ``lifetime_days`` (default: the
    certificate's own lifetime) that day. Only validity windows are simulated (no keys are made),
    so hundreds of devices over months take milliseconds. ``failure_day=None``: it never fails.
    """
    if isinstance(days, bool) or not isinstance(days, int) or days <= 0:
        raise ParameterError(f"`days` must be a positive whole number, not {days!r}.")
    when0 = clock.now() if start is None else clock.require_aware(start, "start")
    windows = []
    for _, cert in _items(fleet):
        life = _dt.timedelta(days=lifetime_days) if lifetime_days else cert.not_valid_after_utc - \
            cert.not_valid_before_utc
        windows.append([cert.not_valid_before_utc, cert.not_valid_after_utc, life])
    valid, expired = [], []
    for day in range(days + 1):
        when = when0 + day * _DAY
        agent_works = failure_day is None or day < failure_day
        ok = 0
        for window in windows:
            start_, end, life = window
            if agent_works and when >= policy.renew_between(start_, end):
                window[0], window[1] = when, when + life
                start_, end = when, when + life
            ok += start_ <= when <= end
        valid.append(ok)
        expired.append(len(windows) - ok)
    return OutageReport(when0, failure_day, tuple(range(days + 1)), tuple(valid), tuple(expired))


def plot_fleet(fleet: Mapping[str, x509.Certificate], policy: RenewalPolicy, *, at: _dt.datetime | None = None,
               ax: Any = None) -> Any:
    """A histogram of the fleet's expiry dates, and the renewal windows (renew-at to notAfter) of a sample."""
    import matplotlib.dates as mdates
    import matplotlib.pyplot as plt

    when = clock.now() if at is None else clock.require_aware(at)
    items = sorted(_items(fleet), key=lambda kv: kv[1].not_valid_after_utc)
    if ax is None:
        _, ax = plt.subplots(2, 1, figsize=(MAX_WIDTH_IN, 5.5), sharex=True, height_ratios=(1, 1.4))
    top, bottom = ax
    ends = [mdates.date2num(c.not_valid_after_utc) for _, c in items]
    top.hist(ends, bins=30, color="#0969da")
    integer_ticks(top.yaxis)
    top.set_ylabel("certificates")
    top.set_title(f"{len(items)} devices: expiry dates (top) and renewal windows of every 10th (bottom)")
    sample = items[::10]
    for row, (_, cert) in enumerate(sample):
        start, end = mdates.date2num(cert.not_valid_before_utc), mdates.date2num(cert.not_valid_after_utc)
        renew = mdates.date2num(policy.renew_at(cert))
        bottom.barh(row, renew - start, left=start, height=0.6, color="#8c959f")
        bottom.barh(row, end - renew, left=renew, height=0.6, color="#bf8700")
    bottom.set_yticks([])
    bottom.set_ylabel("devices (sample)")
    for axis in (top, bottom):
        axis.axvline(mdates.date2num(when), color="#cf222e", linestyle="--", linewidth=1)
    locator = mdates.AutoDateLocator(maxticks=8)
    bottom.xaxis.set_major_locator(locator)
    bottom.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    bottom.set_xlabel("grey: valid, amber: renewal window, dashed: lab clock")
    return ax


def plot_outage(*reports: OutageReport, labels: Iterable[str] = (), ax: Any = None) -> Any:
    """Devices with a valid certificate, day by day, for one or more simulations."""
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(MAX_WIDTH_IN, 3.2))
    labels = list(labels) or [str(r.failure_day) for r in reports]
    for report, label in zip(reports, labels, strict=False):
        ax.plot(report.days, report.valid, label=label)
        if report.failure_day is not None:
            ax.axvline(report.failure_day, color="#cf222e", linestyle=":", linewidth=1)
    ax.set_xlabel("days from the lab clock's now")
    ax.set_ylabel("devices with a valid certificate")
    ax.set_ylim(bottom=0)
    integer_ticks(ax.xaxis)
    integer_ticks(ax.yaxis)
    legend_below(ax)  # under the axes: the curves fill the plot, a legend inside would cover one
    ax.set_title("What a failed renewal agent costs")
    return ax
