"""How long chapter 09 and 10's building blocks take: a pin check, the fleet simulation, a loopback handshake.

    python benchmarks/tls_and_pinning.py [runs]

Prints the median and the slowest of several runs of each. A handshake includes
starting and stopping the lab server (a thread and a socket), as the notebook does.
"""

from __future__ import annotations

import statistics
import sys
import time


def _time(fn, runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        out.append(time.perf_counter() - start)
    return out


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 7
    from pki_lab.ca import demo_hierarchy
    from pki_lab.pinning import SpkiPin, spki_sha256
    from pki_lab.rotation import scenario, simulate_fleet
    from pki_lab.tls import lab_tls_pki, run_case

    h = demo_hierarchy("hub.example.net")
    policy = SpkiPin(h.trust_anchors, [spki_sha256(h.leaf)])
    start = time.perf_counter()
    scenario()
    print(f"{'fleet scenario (first build)':<48} {1000 * (time.perf_counter() - start):8.1f} ms")
    pki = lab_tls_pki()
    cases = (
        ("SPKI pin check (path validation + pin)", lambda: policy.check(h.chain, "hub.example.net")),
        ("fleet simulation (verdicts cached after run 1)", lambda: simulate_fleet(per_group=20, seed=2023)),
        ("loopback handshake, server authentication", lambda: run_case("ok", pki)),
        ("loopback handshake, mutual TLS", lambda: run_case("mutual TLS", pki)),
    )
    for label, fn in cases:
        times = _time(fn, runs)
        print(f"{label:<48} median {1000 * statistics.median(times):8.1f} ms, slowest {1000 * max(times):8.1f} ms")


if __name__ == "__main__":
    main()
