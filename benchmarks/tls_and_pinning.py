"""How long chapter 09 and 10's building blocks take: a pin check, the fleet simulation, a loopback handshake.

    python benchmarks/tls_and_pinning.py [runs]

Prints the median and the slowest of several runs of each. A handshake includes
starting and stopping the lab server (a thread and a socket), as the notebook does.
Then handshakes per second against one running server, from one client and from 4
threads, with two idle clients connected (they must not slow anyone down), and how long
``close()`` takes with those idle clients still connected.
"""

from __future__ import annotations

import socket
import statistics
import sys
import threading
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
    handshake_rate(pki, 40 * runs)


def handshake_rate(pki, count: int) -> None:
    """Handshakes per second against one running server with 2 idle clients, then close() with them connected."""
    from pki_lab.tls import tls_connect, tls_server

    server_cm = tls_server(pki.server_chain, pki.server_key)
    server = server_cm.__enter__()
    idle = [socket.create_connection(server.address) for _ in range(2)]
    connect = lambda: tls_connect(server.address, trust=[pki.root], host=pki.host)
    start, failed = time.perf_counter(), sum(not connect().ok for _ in range(count))
    elapsed = time.perf_counter() - start
    print(f"{'handshakes, 1 client, 2 idle clients connected':<48} {count / elapsed:8.0f} /s, {failed} failed")
    results: list[bool] = []
    pool = [threading.Thread(target=lambda: results.extend(connect().ok for _ in range(count // 4)))
            for _ in range(4)]
    start = time.perf_counter()
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    elapsed = time.perf_counter() - start
    print(f"{'handshakes, 4 threads, 2 idle clients connected':<48} {len(results) / elapsed:8.0f} /s, "
          f"{results.count(False)} failed")
    start = time.perf_counter()
    server_cm.__exit__(None, None, None)
    print(f"{'close() with 2 idle clients connected':<48} {1000 * (time.perf_counter() - start):8.1f} ms")
    for s in idle:
        s.close()


if __name__ == "__main__":
    main()
