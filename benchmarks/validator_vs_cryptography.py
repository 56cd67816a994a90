"""The lab validator against pyca/cryptography's Rust verifier, per case, on x509-limbo public and NIST PKITS.

    python benchmarks/validator_vs_cryptography.py [rounds]

Every case is prepared once (certificates parsed), then timed ``rounds`` times in this
process; a case's time is its best round. The lab validator is timed twice: ``.ok`` only
(the explanation stays lazy: choosing the path needs only each candidate's verdict) and
explained (the report's steps worked out, as a learner printing the report gets them).
cryptography's verifier is timed on the cases it can judge: the limbo cases (it checks
no CRLs, so it disagrees on those) and the PKITS runs without policy inputs outside the
CRL and policy sections (``PkitsRun.for_cryptography``). Prints per suite the median and
99th percentile per case, the ratios lab / cryptography on the same cases (target: the
lazy lab within 5x), how often each agrees with the expected verdict, and the slowest
case (target: none over 1 s).
"""

from __future__ import annotations

import datetime as dt
import statistics
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path

from cryptography import x509

from pki_lab import clock
from pki_lab.conformance import SKIPPED_FEATURES, load_cases
from pki_lab.conformance.pkits import PKITS_TIME, load_inputs, load_runs
from pki_lab.validation import validate_chain
from pki_lab.validation.compare import verify_with_cryptography

CONFORMANCE = Path(__file__).resolve().parents[1] / "tests" / "conformance"


def _limbo_case(case: dict) -> dict | None:
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
    client = case["validation_kind"] == "CLIENT"
    depth = case.get("max_chain_depth")
    lab = dict(at=at, name=names or None, usage="client" if client else "server", crls=crls,
               key_usage=case.get("key_usage") or (), **({} if depth is None else {"max_depth": depth}))
    rust = None
    if client or names:  # its server verifier needs a name; the cases without one expect a failure anyway
        rust = dict(at=at, name=None if client else names[0], usage="client" if client else "server",
                    max_depth=depth)
    return dict(id=case["id"], expected=case["expected_result"] == "SUCCESS", leaf=leaf, inter=inter, trust=trust,
                lab=lab, rust=rust)


def _pkits_case(run, folder: Path) -> dict | None:
    try:
        i = load_inputs(run, folder)
    except ValueError:
        return None  # 4.1.5, skipped by the runner (SKIPPED_RUNS)
    lab = dict(at=PKITS_TIME, usage=None, profile="rfc5280", crls=i.crls, revocation="require", **run.kwargs())
    rust = dict(at=PKITS_TIME, usage=None) if run.for_cryptography else None
    # What cryptography is given (no CRLs, no policy inputs), for a like-for-like ratio: the lab's own runs check
    # every certificate's revocation against two or more CRLs, which cryptography's verifier does not do.
    same = dict(at=PKITS_TIME, usage=None, profile="rfc5280", revocation="off") if rust else None
    return dict(id=run.id, expected=run.expect_valid, leaf=i.leaf, inter=list(i.others), trust=[i.anchor],
                lab=lab, rust=rust, same=same)


def lab_ok(c: dict) -> bool:
    try:
        return validate_chain(c["leaf"], c["inter"], c["trust"], **c["lab"]).ok
    except ValueError:
        return False


def lab_explained(c: dict) -> bool:
    try:
        report = validate_chain(c["leaf"], c["inter"], c["trust"], **c["lab"])
    except ValueError:
        return False
    _ = report.steps, report.reason  # the explanation, worked out
    return report.ok


def lab_same_inputs(c: dict) -> bool:
    """The lab, .ok only, on the inputs cryptography gets."""
    try:
        return validate_chain(c["leaf"], c["inter"], c["trust"], **c["same"]).ok
    except ValueError:
        return False


def rust_ok(c: dict) -> bool:
    try:
        return verify_with_cryptography(c["leaf"], c["inter"], c["trust"], **c["rust"]).ok
    except (ValueError, TypeError):
        return False


def _timed(fn: Callable[[dict], bool], cases: list[dict], rounds: int) -> tuple[list[float], list[bool]]:
    """Each case's best time over ``rounds`` (seconds), and its verdict."""
    times, verdicts = [], []
    for c in cases:
        best = float("inf")
        for _ in range(rounds):
            t0 = time.perf_counter()
            verdict = fn(c)
            best = min(best, time.perf_counter() - t0)
        times.append(best)
        verdicts.append(verdict)
    return times, verdicts


def _p99(times: list[float]) -> float:
    ordered = sorted(times)
    return ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]


def _line(label: str, times: list[float], verdicts: list[bool], cases: list[dict]) -> str:
    agree = sum(v == c["expected"] for v, c in zip(verdicts, cases, strict=True))
    return (f"  {label:<24} median {statistics.median(times) * 1e3:7.2f} ms   p99 {_p99(times) * 1e3:7.2f} ms   "
            f"total {sum(times) * 1e3:8.1f} ms   agrees with {agree}/{len(cases)}")


def bench_suite(title: str, cases: list[dict], rounds: int) -> tuple[float, str]:
    """Print one suite's figures; returns its slowest lab case (seconds, id)."""
    print(f"{title}: {len(cases)} cases (best of {rounds} rounds per case)")
    lazy_t, lazy_v = _timed(lab_ok, cases, rounds)
    full_t, full_v = _timed(lab_explained, cases, rounds)
    print(_line("lab, .ok only", lazy_t, lazy_v, cases))
    print(_line("lab, explained", full_t, full_v, cases))
    judged = [k for k, c in enumerate(cases) if c["rust"] is not None]
    sub = [cases[k] for k in judged]
    rust_t, rust_v = _timed(rust_ok, sub, rounds)
    print(_line("cryptography (Rust)", rust_t, rust_v, sub) + f"   ({len(sub)} it can judge)")
    rust_total = sum(rust_t)
    for label, times in (("lazy", lazy_t), ("explained", full_t)):
        same = sum(times[k] for k in judged)
        print(f"  ratio lab ({label}) / cryptography on those {len(sub)}: {same / rust_total:5.1f}x total, "
              f"{statistics.median([times[k] for k in judged]) / statistics.median(rust_t):5.1f}x median"
              + ("   (target: within 5x)" if label == "lazy" else ""))
    like = [c for c in sub if c.get("same")]
    if like:
        same_t, _ = _timed(lab_same_inputs, like, rounds)
        print(f"  ratio lab (lazy, cryptography's inputs: no CRLs) / cryptography on those {len(like)}: "
              f"{sum(same_t) / rust_total:5.1f}x total, {statistics.median(same_t) / statistics.median(rust_t):5.1f}x "
              "median   (target: within 5x)")
    slowest = max(range(len(cases)), key=lambda k: full_t[k])
    return full_t[slowest], cases[slowest]["id"]


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    limbo = [p for p in (_limbo_case(c) for c in load_cases(CONFORMANCE / "x509-limbo" / "public.json")) if p]
    pkits_dir = CONFORMANCE / "pkits"
    pkits = [p for p in (_pkits_case(r, pkits_dir) for r in load_runs(pkits_dir)) if p]
    worst = [bench_suite("x509-limbo public", limbo, rounds), bench_suite("NIST PKITS", pkits, rounds)]
    took, case_id = max(worst)
    print(f"slowest lab case (explained): {took * 1e3:.1f} ms ({case_id}; target: none over 1 s)")


if __name__ == "__main__":
    main()
