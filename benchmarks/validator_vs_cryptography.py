"""The lab validator against pyca/cryptography's Rust verifier, on the same conformance cases.

    python benchmarks/validator_vs_cryptography.py [rounds]

Both validators get the same pre-parsed certificates of every case of
``tests/conformance/x509-limbo/public.json`` that the lab does not skip, in the same
process. Prints each one's total time (best of ``rounds``), the ratio (target: the
lab within 5x of the Rust verifier), the slowest single case of the lab validator
(target: under 1 s) and how often each agrees with the expected result. cryptography
does not check CRLs, so it is expected to disagree on the CRL cases.
"""

from __future__ import annotations

import datetime as dt
import sys
import time
import warnings
from pathlib import Path

from cryptography import x509

from pki_lab import clock
from pki_lab.conformance import SKIPPED_FEATURES, load_cases
from pki_lab.validation import validate_chain
from pki_lab.validation.compare import verify_with_cryptography

CASES = Path(__file__).resolve().parents[1] / "tests" / "conformance" / "x509-limbo" / "public.json"


def _prepare(case: dict) -> dict | None:
    if set(case.get("features") or []) & set(SKIPPED_FEATURES):
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            leaf = x509.load_pem_x509_certificate(case["peer_certificate"].encode())
            inter = [x509.load_pem_x509_certificate(p.encode()) for p in case["untrusted_intermediates"]]
            trust = [x509.load_pem_x509_certificate(p.encode()) for p in case["trusted_certs"]]
            crls = [x509.load_pem_x509_crl(p.encode()) for p in case.get("crls") or []]
        except ValueError:
            return None
    at = (dt.datetime.fromisoformat(case["validation_time"].replace("Z", "+00:00"))
          if case["validation_time"] else clock.now())
    peer = case.get("expected_peer_name")
    names = [peer["value"]] if peer else [n["value"] for n in case.get("expected_peer_names") or []]
    return dict(id=case["id"], expected=case["expected_result"] == "SUCCESS", leaf=leaf, inter=inter, trust=trust,
                crls=crls, at=at, names=names, client=case["validation_kind"] == "CLIENT",
                depth=case.get("max_chain_depth"), ku=case.get("key_usage") or ())


def run_lab(c: dict) -> bool:
    extra = {} if c["depth"] is None else {"max_depth": c["depth"]}
    try:
        return validate_chain(c["leaf"], c["inter"], c["trust"], at=c["at"], name=c["names"] or None,
                              usage="client" if c["client"] else "server", crls=c["crls"], key_usage=c["ku"],
                              **extra).ok
    except ValueError:
        return False


def run_cryptography(c: dict) -> bool:
    if not c["client"] and not c["names"]:
        return False  # its server verifier needs a name; the cases without one expect a failure anyway
    try:
        return verify_with_cryptography(c["leaf"], c["inter"], c["trust"], c["at"],
                                        name=None if c["client"] else c["names"][0],
                                        usage="client" if c["client"] else "server", max_depth=c["depth"]).ok
    except (ValueError, TypeError):
        return False


def _timed(fn, cases: list[dict], rounds: int) -> tuple[float, list[bool], float, str]:
    best, verdicts, slowest, slowest_id = float("inf"), [], 0.0, ""
    for _ in range(rounds):
        verdicts, start = [], time.perf_counter()
        for c in cases:
            t0 = time.perf_counter()
            verdicts.append(fn(c))
            took = time.perf_counter() - t0
            if took > slowest:
                slowest, slowest_id = took, c["id"]
        best = min(best, time.perf_counter() - start)
    return best, verdicts, slowest, slowest_id


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    cases = [p for p in (_prepare(c) for c in load_cases(CASES)) if p is not None]
    lab_time, lab, lab_slowest, lab_slowest_id = _timed(run_lab, cases, rounds)
    rust_time, rust, _, _ = _timed(run_cryptography, cases, rounds)
    expected = [c["expected"] for c in cases]
    n = len(cases)
    lab_agree = sum(a == b for a, b in zip(lab, expected, strict=True))
    rust_agree = sum(a == b for a, b in zip(rust, expected, strict=True))
    print(f"cases: {n} (the lab's non-skipped cases; best of {rounds} rounds)")
    print(f"lab validator (Python):      {lab_time * 1000:8.1f} ms  ({lab_time / n * 1e6:7.0f} us/case), "
          f"agrees with {lab_agree}/{n}")
    print(f"cryptography (Rust) verifier: {rust_time * 1000:8.1f} ms  ({rust_time / n * 1e6:7.0f} us/case), "
          f"agrees with {rust_agree}/{n} (it does not check CRLs)")
    print(f"ratio lab / cryptography: {lab_time / rust_time:.1f}x (target: within 5x)")
    print(f"slowest lab case: {lab_slowest * 1000:.1f} ms ({lab_slowest_id}; target: under 1 s)")


if __name__ == "__main__":
    main()
