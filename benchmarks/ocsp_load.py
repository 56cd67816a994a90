"""The OCSP responder under load on loopback: requests per second and p50/p99 latency from 8 threads.

    python benchmarks/ocsp_load.py [requests per thread] [threads]

Each thread POSTs requests (RFC 6960 A.1) through :func:`pki_lab.revocation.http_request`, one HTTP
connection each as RFC 5019 clients do, and times each one. The same run is repeated with two
half-open clients holding connections (headers sent, body never), which must not move the figures
much: that is what the responder's per-connection threads and timeouts are for. The target is a p99
under 50 ms; the figures are printed, not asserted.
"""

from __future__ import annotations

import socket
import statistics
import sys
import threading
import time


def _load(url: str, requests: list[bytes], per_thread: int, threads: int) -> tuple[float, list[float], int]:
    from pki_lab.revocation import http_request

    latencies: list[float] = []
    failures = [0]
    lock = threading.Lock()

    def worker(index: int) -> None:
        mine = []
        for i in range(per_thread):
            start = time.perf_counter()
            try:
                http_request(url, requests[(index + i) % len(requests)], "POST", 5.0)
            except OSError:
                with lock:
                    failures[0] += 1
                continue
            mine.append(time.perf_counter() - start)
        with lock:
            latencies.extend(mine)

    pool = [threading.Thread(target=worker, args=(n,)) for n in range(threads)]
    start = time.perf_counter()
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    return time.perf_counter() - start, latencies, failures[0]


def _report(label: str, elapsed: float, latencies: list[float], failures: int) -> None:
    ordered = sorted(latencies)
    p50 = statistics.median(ordered)
    p99 = ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))]
    print(f"{label:<44} {len(ordered) / elapsed:7.0f} req/s, p50 {1000 * p50:6.1f} ms, p99 {1000 * p99:6.1f} ms, "
          f"max {1000 * ordered[-1]:6.1f} ms, {failures} failed")


def main() -> None:
    per_thread = int(sys.argv[1]) if len(sys.argv) > 1 else 100
    threads = int(sys.argv[2]) if len(sys.argv) > 2 else 8
    from pki_lab.ca import demo_hierarchy
    from pki_lab.revocation import OcspResponder, RevocationRegistry, build_request

    h = demo_hierarchy()
    registry = RevocationRegistry(h.intermediate)
    certs = [h.leaf] + [h.intermediate.issue(f"load-{n}.example.com") for n in range(7)]
    registry.revoke(certs[1], "keyCompromise")
    requests = [build_request(c, h.intermediate) for c in certs]
    for delegated, signer in ((True, "delegated RSA responder"), (False, "CA's own P-256 key")):
        with OcspResponder(registry, delegated=delegated) as responder:
            _load(responder.url, requests, 5, threads)  # warm up
            _report(f"{threads} threads x {per_thread}, {signer}", *_load(responder.url, requests, per_thread,
                                                                           threads))
            held = [socket.create_connection(("127.0.0.1", responder.port)) for _ in range(2)]
            for s in held:
                s.sendall(b"POST / HTTP/1.0\r\nContent-Type: application/ocsp-request\r\nContent-Length: 90\r\n\r\n")
            _report("  the same with 2 half-open clients", *_load(responder.url, requests, per_thread, threads))
            start = time.perf_counter()
        print(f"  stop() with 2 half-open clients connected: {1000 * (time.perf_counter() - start):.1f} ms")
        for s in held:
            s.close()


if __name__ == "__main__":
    main()
