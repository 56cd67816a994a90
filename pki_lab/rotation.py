"""A fleet of devices while a service rotates its certificates, and then its root.

The story is Azure IoT Hub's move of its TLS root from the *Baltimore CyberTrust Root*
(expiring 2025-05-12) to the *DigiCert Global Root G2*: Microsoft began migrating hubs on
2023-02-15 and finished IoT Hub by 2023-10-15 (DPS followed in 2024), after telling
customers for two years to add DigiCert Global Root G2 to their devices and not to pin
intermediate or leaf certificates. The lab tells it with **lab-made stand-ins**
("PKI Lab Legacy Root", "PKI Lab G2 Root") whose validity windows copy the real roots;
:func:`root_facts` reads the real roots shipped in :mod:`pki_lab.data` for the facts.

The service ``hub.iot.pki-lab.test`` goes through five chains (:data:`EVENTS`): a start,
a renewal with the same key, a re-key to a pre-announced backup key, the root
migration, and an intermediate rollover. Each change is *announced* (the vendor
publishes a new pin set or trust store to devices that can be updated) before it is
*switched on*. A device receives an update only over a working connection, so a device
that was offline through an announcement, or whose pins no longer match, cannot be
repaired remotely.

:func:`simulate_fleet` runs devices of each policy (with and without updatable pins),
some offline for months (a seeded ``random.Random``), month by month; its result can
draw the share of each group that can still connect.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import functools
import random
from collections.abc import Sequence
from typing import Any

from cryptography import x509

from . import clock, data
from .ca import CertificateAuthority
from .describe import thumbprint
from .errors import ParameterError
from .keys import key_summary, named_key
from .names import common_name
from .pinning import (
    IssuingCaPin,
    LeafCertificatePin,
    PinVerdict,
    SpkiPin,
    ThumbprintAllowList,
    TrustStorePolicy,
    spki_sha256,
)
from .plots import MAX_WIDTH_IN, legend_below

__all__ = [
    "HOST",
    "EVENTS",
    "POLICIES",
    "RootFacts",
    "root_facts",
    "Scenario",
    "scenario",
    "policy_for",
    "FleetResult",
    "simulate_fleet",
    "rotation_impact",
    "ImpactRow",
]

HOST = "hub.iot.pki-lab.test"
UTC = _dt.UTC


def _d(year: int, month: int, day: int) -> _dt.datetime:
    return _dt.datetime(year, month, day, tzinfo=UTC)


#: (name, announced, switched on, what changes). The root migration's switch is the real date hubs began moving.
EVENTS: tuple[tuple[str, _dt.datetime, _dt.datetime, str], ...] = (
    ("start", _d(2022, 1, 1), _d(2022, 1, 1), "leaf (key 1) <- Legacy Issuing CA <- Legacy Root"),
    ("renewal", _d(2022, 6, 1), _d(2022, 7, 1), "new leaf certificate, same key 1"),
    ("re-key", _d(2022, 11, 1), _d(2022, 12, 1), "new leaf with key 2 (the announced backup key)"),
    ("root migration", _d(2022, 12, 20), _d(2023, 2, 15), "leaf (key 3) <- G2 Issuing CA 1 <- G2 Root"),
    ("intermediate rollover", _d(2024, 1, 1), _d(2024, 2, 1), "same key 3, new G2 Issuing CA 2"),
)

#: The policies devices hold, in plotting order.
POLICIES = ("trust store, both roots", "trust store", "SPKI pin + backup", "issuing CA pin",
            "leaf certificate pin", "thumbprint allow-list")

_STANDINS = {"legacy": ("PKI Lab Legacy Root", "baltimore_cybertrust_root"),
             "g2": ("PKI Lab G2 Root", "digicert_global_root_g2")}


@dataclasses.dataclass(frozen=True)
class RootFacts:
    """Facts about a real root, read from the certificate shipped in :mod:`pki_lab.data`."""

    name: str
    key: str
    not_before: str
    not_after: str
    stand_in: str

    def __str__(self) -> str:
        return (f"{self.name}: {self.key}, valid {self.not_before} to {self.not_after} "
                f"(lab stand-in: {self.stand_in})")


def root_facts() -> tuple[RootFacts, ...]:
    """The two real roots of the story: names, key types and validity, from their certificates."""
    out = []
    for stand_in, data_name in _STANDINS.values():
        cert = data.certificate(data_name)
        out.append(RootFacts(common_name(cert.subject), key_summary(cert.public_key()),
                             cert.not_valid_before_utc.date().isoformat(),
                             cert.not_valid_after_utc.date().isoformat(), stand_in))
    return tuple(out)


@dataclasses.dataclass(frozen=True)
class Scenario:
    """The service's chains (one per event), the stand-in roots and the leaf keys in order."""

    chains: tuple[tuple[x509.Certificate, ...], ...]
    legacy_root: x509.Certificate
    g2_root: x509.Certificate
    leaf_keys: tuple[Any, ...]

    def chain_at(self, when: _dt.datetime) -> int:
        """Index of the chain the service presents at ``when``."""
        return max(i for i, (_, _, switch, _) in enumerate(EVENTS) if switch <= when)

    def announced_at(self, when: _dt.datetime) -> int:
        """How many chains the vendor has announced by ``when`` (the newest published configuration)."""
        return sum(1 for _, announce, _, _ in EVENTS if announce <= when)


def _root_like(real_name: str, name: str, key: str) -> CertificateAuthority:
    real = data.certificate(real_name)
    days = (real.not_valid_after_utc - real.not_valid_before_utc).total_seconds() / 86400
    with clock.travel_to(real.not_valid_before_utc):
        return CertificateAuthority.create_root(name, key=key, days=days)


@functools.cache
def scenario() -> Scenario:
    """Build the stand-in roots, CAs and the five chains (deterministic: named keys, fixed dates)."""
    legacy = _root_like("baltimore_cybertrust_root", "PKI Lab Legacy Root", "rotation-legacy-root")
    g2 = _root_like("digicert_global_root_g2", "PKI Lab G2 Root", "rotation-g2-root")
    with clock.travel_to(_d(2021, 6, 1)):
        legacy_ca = legacy.create_intermediate("PKI Lab Legacy Issuing CA", key="rotation-legacy-ca")
    with clock.travel_to(_d(2022, 6, 1)):
        g2_ca1 = g2.create_intermediate("PKI Lab G2 Issuing CA 1", key="rotation-g2-ca1")
    with clock.travel_to(_d(2023, 12, 1)):
        g2_ca2 = g2.create_intermediate("PKI Lab G2 Issuing CA 2", key="rotation-g2-ca2")
    keys = tuple(named_key(f"rotation-hub-key-{n}") for n in (1, 2, 3, 4))
    plan = [(legacy_ca, 0), (legacy_ca, 0), (legacy_ca, 1), (g2_ca1, 2), (g2_ca2, 2)]
    chains = []
    for (_, announce, _, _), (ca, key_index) in zip(EVENTS, plan, strict=True):
        with clock.travel_to(announce):
            leaf = ca.issue(HOST, key=keys[key_index], days=800)
        chains.append((leaf, ca.certificate))
    return Scenario(tuple(chains), legacy.certificate, g2.certificate, keys)


@functools.cache
def policy_for(kind: str, known: int) -> Any:
    """The pinning policy a device of ``kind`` holds when it knows the first ``known`` chains.

    A device leaves the factory knowing chain 0 (``known=1``); an updatable device
    learns each announced chain the next time it connects.
    """
    if kind not in POLICIES:
        raise ParameterError(f"Unknown policy {kind!r}; choose one of: {', '.join(POLICIES)}.")
    if not isinstance(known, int) or not 1 <= known <= len(EVENTS):
        raise ParameterError(f"`known` must be a whole number from 1 to {len(EVENTS)}, not {known!r}.")
    s = scenario()
    chains = s.chains[:known]
    roots = tuple(dict.fromkeys(s.g2_root if c[1].issuer == s.g2_root.subject else s.legacy_root
                                for c in chains))
    if kind == "trust store, both roots":
        return TrustStorePolicy((s.legacy_root, s.g2_root))
    if kind == "trust store":
        return TrustStorePolicy(roots)
    if kind == "SPKI pin + backup":
        pins = tuple(dict.fromkeys(spki_sha256(c[0]) for c in chains))
        used = {spki_sha256(k) for k in s.leaf_keys}.intersection(pins)
        backup = next(spki_sha256(k) for k in s.leaf_keys if spki_sha256(k) not in used)
        return SpkiPin(roots, pins, backup_pins=(backup,))
    if kind == "issuing CA pin":
        return IssuingCaPin(roots, tuple(dict.fromkeys(c[1] for c in chains)))
    if kind == "leaf certificate pin":
        return LeafCertificatePin(roots, tuple(c[0] for c in chains))
    return ThumbprintAllowList(tuple(thumbprint(c[0]) for c in chains))


@functools.cache
def _verdict(kind: str, known: int, chain_index: int, when: _dt.datetime) -> PinVerdict:
    return policy_for(kind, known).check(list(scenario().chains[chain_index]), HOST, at=when)


def _months(start: _dt.datetime, end: _dt.datetime) -> list[_dt.datetime]:
    out, year, month = [], start.year, start.month
    while _d(year, month, 1) <= end:
        out.append(_d(year, month, 1))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


@dataclasses.dataclass(frozen=True)
class FleetResult:
    """Month by month, how many devices of each group can connect (their pins accept the service's chain)."""

    dates: tuple[_dt.datetime, ...]
    groups: tuple[str, ...]
    working: dict = dataclasses.field(compare=False)
    sizes: dict = dataclasses.field(compare=False)

    def share(self, group: str, when: _dt.datetime) -> float:
        """The fraction of ``group`` that can connect in the month containing ``when``."""
        index = max(i for i, d in enumerate(self.dates) if d <= when)
        return self.working[group][index] / self.sizes[group]

    def table(self, dates: Sequence[_dt.datetime] | None = None) -> str:
        """A text table: the percentage of each group that can connect, at a few dates."""
        dates = dates or [_d(2022, 6, 1), _d(2022, 8, 1), _d(2023, 1, 1), _d(2023, 3, 1), _d(2024, 3, 1)]
        width = max(len(g) for g in self.groups)
        head = f"{'group':<{width}}  " + "  ".join(d.strftime("%Y-%m") for d in dates)
        rows = [head, "-" * len(head)]
        for group in self.groups:
            cells = "  ".join(f"{100 * self.share(group, d):6.0f}%" for d in dates)
            rows.append(f"{group:<{width}}  {cells}")
        return "\n".join(rows)

    def __str__(self) -> str:
        return self.table()

    __repr__ = __str__

    def plot(self):
        """Draw, for fixed and for updatable pin sets, the share of each policy's devices that can connect.

        Values are drawn as they are (0 to 100 %); where lines coincide, the wider line below shows through the
        narrower one above it. The dotted lines are the events, named above the top panel; one legend, under
        the figure, serves both panels.
        """
        import matplotlib.pyplot as plt

        fig, axes = plt.subplots(2, 1, figsize=(MAX_WIDTH_IN, 6.6), sharex=True)
        marks = [(name, switch) for name, _, switch, _ in EVENTS[1:]]
        marks.append(("legacy root expires", scenario().legacy_root.not_valid_after_utc))
        for ax, variant in zip(axes, ("fixed", "updatable"), strict=True):
            for n, kind in enumerate(POLICIES):
                group = f"{kind} ({variant})"
                values = [100 * w / self.sizes[group] for w in self.working[group]]
                ax.step(self.dates, values, where="post", label=kind, lw=5.0 - 0.75 * n, alpha=0.9,
                        solid_capstyle="butt")
            for _, when in marks:
                ax.axvline(when, color="grey", lw=0.8, ls=":")
            ax.set_ylim(-5, 105)
            ax.set_yticks(range(0, 101, 25))
            ax.set_ylabel(f"{variant} pin set:\ncan connect (%)")
        events = axes[0].secondary_xaxis("top")
        events.set_xticks([when for _, when in marks], [name for name, _ in marks], rotation=90, fontsize=8)
        events.tick_params(length=0)
        legend_below(axes[1], ncol=2, below_pt=30, fontsize=9)
        fig.tight_layout()
        return fig


def simulate_fleet(
    *, per_group: int = 20, seed: int = 2023, offline_share: float = 0.3,
    start: _dt.datetime | None = None, end: _dt.datetime | None = None,
) -> FleetResult:
    """Run the fleet month by month from ``start`` (2022-01) to ``end`` (2025-06).

    Every policy in :data:`POLICIES` gets ``per_group`` devices with a fixed pin set and
    ``per_group`` with an updatable one. A share ``offline_share`` of devices goes
    offline once, for 4 to 14 months starting at a random month (``random.Random(seed)``);
    every group replays the same ``per_group`` device histories.
    """
    if isinstance(per_group, bool) or not isinstance(per_group, int) or per_group < 1:
        raise ParameterError(f"`per_group` must be a whole number of devices >= 1, not {per_group!r}.")
    if not isinstance(offline_share, (int, float)) or not 0 <= offline_share <= 1:
        raise ParameterError(f"`offline_share` must be between 0 and 1, not {offline_share!r}.")
    dates = _months(start or _d(2022, 1, 1), end or _d(2025, 6, 1))
    rng = random.Random(seed)
    # The same device histories under every policy, so the groups differ only by their policy.
    histories = []
    for _ in range(per_group):
        offline: set[int] = set()
        if rng.random() < offline_share:
            first = rng.randrange(len(dates))
            offline = set(range(first, first + rng.randint(4, 14)))
        histories.append(offline)
    s = scenario()
    groups, working, sizes = [], {}, {}
    for kind in POLICIES:
        for updatable in (False, True):
            group = f"{kind} ({'updatable' if updatable else 'fixed'})"
            groups.append(group)
            counts = [0] * len(dates)
            for offline in histories:
                known = 1
                for m, when in enumerate(dates):
                    chain = s.chain_at(when)
                    ok = _verdict(kind, known, chain, when).accepted
                    counts[m] += ok
                    if ok and updatable and m not in offline:
                        known = max(known, s.announced_at(when))
            working[group], sizes[group] = tuple(counts), per_group
    return FleetResult(tuple(dates), tuple(groups), working, sizes)


@dataclasses.dataclass(frozen=True)
class ImpactRow:
    """One kind of device across one event: before and after the switch."""

    device: str
    before: PinVerdict
    after: PinVerdict

    @property
    def breaks(self) -> bool:
        return self.before.accepted and not self.after.accepted

    def __str__(self) -> str:
        outcome = "BREAKS" if self.breaks else ("keeps working" if self.after.accepted else "already broken")
        return f"{self.device:<48} {outcome}: {self.after.reason}"


def rotation_impact(policy: str, event: str) -> tuple[ImpactRow, ...]:
    """Which devices holding ``policy`` break when the service switches to ``event``'s chain?

    Three kinds of device: a fixed pin set from the factory; an updatable one that was
    online when the change was announced; an updatable one that was offline from the
    announcement until after the switch.
    """
    names = [e[0] for e in EVENTS[1:]]
    if event not in names:
        raise ParameterError(f"Unknown event {event!r}; choose one of: {', '.join(names)}.")
    if policy not in POLICIES:
        raise ParameterError(f"Unknown policy {policy!r}; choose one of: {', '.join(POLICIES)}.")
    index = next(i for i, e in enumerate(EVENTS) if e[0] == event)
    _, _, switch, _ = EVENTS[index]
    before_time, after_time = switch - _dt.timedelta(days=1), switch + _dt.timedelta(days=1)
    devices = (
        ("fixed pin set (from the factory)", 1, 1),
        ("updatable, online at the announcement", index, index + 1),
        ("updatable, offline from announcement to switch", index, index),
    )
    rows = []
    for label, known_before, known_after in devices:
        before = _verdict(policy, known_before, index - 1, before_time)
        after = _verdict(policy, known_after, index, after_time)
        rows.append(ImpactRow(label, before, after))
    return tuple(rows)
