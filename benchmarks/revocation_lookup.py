"""How long it takes to find a serial number in a CRL of 10^3 .. 10^6 entries: linear scan vs index.

    python benchmarks/revocation_lookup.py [largest_power_of_ten]

For each size, signs a CRL of that many random serials with the lab's issuing CA
(``pki_lab.revocation.synthetic_crl``, written by the lab's one CRL builder, ``build_crl``), builds a
:class:`pki_lab.revocation.CrlIndex`, then times lookups of serials that are
present and absent: the index (a dictionary, constant time) against
``cryptography``'s ``get_revoked_certificate_by_serial_number`` (a scan).
"""

from __future__ import annotations

import random
import statistics
import sys
import time

from pki_lab.ca import demo_hierarchy
from pki_lab.loading import to_der
from pki_lab.revocation import CrlIndex, synthetic_crl


def _median_us(fn, items) -> float:
    times = []
    for item in items:
        t = time.perf_counter()
        fn(item)
        times.append(time.perf_counter() - t)
    return statistics.median(times) * 1e6


def main() -> None:
    top = int(sys.argv[1]) if len(sys.argv) > 1 else 6
    ca = demo_hierarchy().intermediate
    print(f"{'entries':>9} {'CRL MB':>7} {'sign s':>7} {'index s':>8} {'index hit us':>13} {'index miss us':>14} "
          f"{'scan hit us':>12} {'scan miss us':>13}")
    for power in range(3, top + 1):
        n = 10**power
        t = time.perf_counter()
        crl, serials = synthetic_crl(ca, n)
        sign = time.perf_counter() - t
        size = len(to_der(crl)) / 1e6
        t = time.perf_counter()
        index = CrlIndex(crl)
        build = time.perf_counter() - t
        rng = random.Random(2)
        hits = rng.sample(serials, 1000)
        misses = [rng.getrandbits(127) | 1 for _ in range(1000)]
        assert all(index.lookup(s) is not None for s in hits) and all(index.lookup(s) is None for s in misses)
        hit_us, miss_us = _median_us(index.lookup, hits), _median_us(index.lookup, misses)
        scans = max(3, 3000 // n)
        scan_hit = _median_us(crl.get_revoked_certificate_by_serial_number, hits[:scans])
        scan_miss = _median_us(crl.get_revoked_certificate_by_serial_number, misses[:scans])
        print(f"{n:>9,} {size:>7.2f} {sign:>7.2f} {build:>8.2f} {hit_us:>13.2f} {miss_us:>14.2f} "
              f"{scan_hit:>12.1f} {scan_miss:>13.1f}")
    print("(index: median of 1000 lookups; scan: median of a few; every index answer was checked)")


if __name__ == "__main__":
    main()
