"""How the renewal tools scale with the fleet: issuing, scanning and simulating 100, 1000 and 5000 devices.

    python benchmarks/renewal_fleet.py

For each size, issues the fleet with :func:`pki_lab.renewal.make_fleet` (one EC P-256 key
and one signed certificate per device), scans it with :func:`pki_lab.renewal.scan`, and
replays 120 days of a renewal agent with :func:`pki_lab.renewal.simulate_outage`. Also
times loading certifi's store and anchoring one chain in it (``pki_lab.truststore``).
"""

from __future__ import annotations

import time

from pki_lab import data
from pki_lab.renewal import RenewalPolicy, make_fleet, scan, simulate_outage
from pki_lab.truststore import TrustStore


def _seconds(fn):
    t = time.perf_counter()
    value = fn()
    return time.perf_counter() - t, value


def main() -> None:
    policy = RenewalPolicy(fraction=2 / 3)
    print(f"{'devices':>8} {'issue s':>8} {'scan ms':>8} {'simulate 120 d s':>17}")
    for n in (100, 1000, 5000):  # make_fleet's ceiling is 5000 devices
        issue, fleet = _seconds(lambda n=n: make_fleet(n, seed=1))
        scanned, _ = _seconds(lambda fleet=fleet: scan(fleet, policy))
        simulated, _ = _seconds(lambda fleet=fleet: simulate_outage(fleet, policy, days=120, failure_day=30))
        print(f"{n:>8} {issue:>8.2f} {scanned * 1e3:>8.1f} {simulated:>17.2f}")
    load, store = _seconds(TrustStore.snapshot)
    chain = data.chain("stackoverflow.com")
    for engine in ("pki_lab", "cryptography"):
        anchor, _ = _seconds(lambda engine=engine: store.anchor_for(chain.certificates, at=chain.validation_time,
                                                                   dns_name=chain.dns_name, engine=engine))
        print(f"anchor one chain in the {len(store)}-root snapshot with {engine}: {anchor * 1e3:.1f} ms")
    print(f"load the certifi snapshot ({len(store)} roots): {load * 1e3:.0f} ms")


if __name__ == "__main__":
    main()
