"""Run the lab validator on a conformance suite in the x509-limbo format.

    python -m pki_lab.conformance [tests/conformance/x509-limbo/public.json] [--verbose]

Each test case gives trust anchors, untrusted intermediates, a leaf, a time, an
expected peer name and the expected result (``SUCCESS`` or ``FAILURE``); see
``tests/conformance/x509-limbo/README.md``. The runner validates every case with
:func:`pki_lab.validation.validate_chain` and prints, per family (the id's prefix
before ``::``), how many cases agreed with the expected result, disagreed, or were
skipped, then one closing line ``N passed, N failed, N skipped``.

A case is skipped only when it depends on a feature listed in :data:`SKIPPED_FEATURES`
(with the reason, repeated in the README next to the cases).
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import json
import warnings
from collections.abc import Iterable
from pathlib import Path

from cryptography import x509

from .. import clock
from ..errors import PkiLabError
from ..validation.api import validate_chain
from ..validation.context import Usage

__all__ = ["SKIPPED_FEATURES", "CaseResult", "load_cases", "run_case", "run_cases", "format_table"]

#: Features the lab validator does not implement, and why. A case needing one is skipped.
SKIPPED_FEATURES: dict[str, str] = {
    "pedantic-public-suffix-wildcard": "needs the Public Suffix List (a wildcard such as *.co.uk covers a whole "
                                       "registry suffix); the lab ships no copy of that list",
    "rfc5280-incompatible-with-webpki": "contradicts a Web PKI case the lab follows (RFC 5280 makes "
                                        "nameConstraints critical; the CA/B Forum BR 7.1.2.10.8 allow non-critical)",
    "pedantic-rfc5280": "contradicts cve::cve-2024-0567, whose trust anchor is issued by another CA and has no "
                        "authorityKeyIdentifier; the lab takes a trust anchor as given (RFC 5280 6.1.1 (d))",
    "pedantic-webpki-eku": "contradicts an RFC 5280 case the lab follows (rfc5280::eku::ee-without-eku: a leaf "
                           "without extendedKeyUsage is valid), as pyca/cryptography also does",
}


@dataclasses.dataclass(frozen=True)
class CaseResult:
    """The outcome of one conformance case."""

    id: str
    family: str
    outcome: str  # "agreed" | "disagreed" | "skipped"
    expected: str
    detail: str


def load_cases(path: str | Path) -> list[dict]:
    """The test cases of a limbo-format JSON file."""
    with open(path, encoding="utf-8") as handle:
        data = json.load(handle)
    return list(data["testcases"])


def _pem_certs(texts: Iterable[str]) -> list[x509.Certificate]:
    return [x509.load_pem_x509_certificate(t.encode()) for t in texts]


def _names(case: dict) -> list[str]:
    if case.get("expected_peer_name"):
        return [case["expected_peer_name"]["value"]]
    return [n["value"] for n in case.get("expected_peer_names") or []]


def _time(case: dict) -> _dt.datetime:
    # No time given means "now"; the lab's now is its clock (the suite's certificates are long-lived).
    if case.get("validation_time") is None:
        return clock.now()
    return _dt.datetime.fromisoformat(case["validation_time"].replace("Z", "+00:00"))


def run_case(case: dict) -> CaseResult:
    """Validate one case and compare with its expected result."""
    case_id, expected = case["id"], case["expected_result"]
    family = case_id.split("::")[0]
    skipped = [f for f in case.get("features") or [] if f in SKIPPED_FEATURES]
    if skipped:
        return CaseResult(case_id, family, "skipped", expected, f"feature {skipped[0]}: {SKIPPED_FEATURES[skipped[0]]}")
    usage: Usage = "client" if case["validation_kind"] == "CLIENT" else "server"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # a few cases load certificates cryptography warns about on purpose
            leaf = x509.load_pem_x509_certificate(case["peer_certificate"].encode())
            intermediates = _pem_certs(case["untrusted_intermediates"])
            trust = _pem_certs(case["trusted_certs"])
            crls = [x509.load_pem_x509_crl(c.encode()) for c in case.get("crls") or []]
            max_depth = case.get("max_chain_depth")
            report = validate_chain(leaf, intermediates, trust, at=_time(case), name=_names(case) or None,
                                    usage=usage, crls=crls, key_usage=case.get("key_usage") or (),
                                    **({} if max_depth is None else {"max_depth": max_depth}))
        got, detail = ("SUCCESS" if report.ok else "FAILURE"), report.reason
    except (ValueError, PkiLabError) as exc:  # unparseable input: rejecting it is the right answer
        got, detail = "FAILURE", f"input rejected: {exc}"
    outcome = "agreed" if got == expected else "disagreed"
    return CaseResult(case_id, family, outcome, expected, detail)


def run_cases(cases: Iterable[dict]) -> list[CaseResult]:
    """Run every case."""
    return [run_case(case) for case in cases]


def format_table(results: list[CaseResult], *, verbose: bool = False) -> str:
    """A table per family (agreed, disagreed, skipped), then ``N passed, N failed, N skipped``."""
    families: dict[str, dict[str, int]] = {}
    for r in results:
        row = families.setdefault(r.family, {"agreed": 0, "disagreed": 0, "skipped": 0})
        row[r.outcome] += 1
    width = max([len("family")] + [len(f) for f in families])
    lines = [f"{'family':<{width}}  {'agreed':>6}  {'disagreed':>9}  {'skipped':>7}"]
    for family in sorted(families):
        row = families[family]
        lines.append(f"{family:<{width}}  {row['agreed']:>6}  {row['disagreed']:>9}  {row['skipped']:>7}")
    for r in results:
        if r.outcome == "disagreed" or (verbose and r.outcome == "skipped"):
            lines.append(f"{r.outcome}: {r.id} (expected {r.expected}): {r.detail}")
    counts = {k: sum(1 for r in results if r.outcome == k) for k in ("agreed", "disagreed", "skipped")}
    lines.append(f"{counts['agreed']} passed, {counts['disagreed']} failed, {counts['skipped']} skipped")
    return "\n".join(lines)
