"""Run the lab validator on NIST PKITS, the reference suite for RFC 5280 path validation.

    python -m pki_lab.conformance --pkits tests/conformance/pkits [--verbose]

A PKITS folder holds ``certs/*.crt`` and ``crls/*.crl`` (DER) and ``pkits-public.json``
(runs in the format of pyhanko-certvalidator's fixture; see the folder's README). Every
run is validated exactly as a user would call the validator for pure RFC 5280 section 6:

    validate_chain(leaf, others, trust=[anchor], at=2022-05-01T00:00:00Z, usage=None,
                   profile="rfc5280", crls=[anchor CRL, *crls], revocation="require",
                   **policy inputs)

with the trust anchor ``TrustAnchorRootCertificate.crt`` and its CRL
``TrustAnchorRootCRL.crl``. The runner compares each verdict with the expected one
(an ``error`` entry means INVALID), tallies the runs per PKITS section (4.1 to 4.16)
and lists every disagreeing run with the validator's reason. An exception inside the
validator is a failure of that run with its message; it never stops the others.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import functools
import json
import warnings
from collections.abc import Iterable
from pathlib import Path

from cryptography import x509

from ..errors import PkiLabError
from ..validation.api import validate_chain
from ..validation.context import ANY_POLICY

__all__ = ["ANCHOR", "ANCHOR_CRL", "PKITS_TIME", "SKIPPED_RUNS", "NOT_FOR_CRYPTOGRAPHY", "PkitsRun", "PkitsInputs",
           "RunResult", "pkits_folder", "load_runs", "load_inputs", "run_pkits", "run_all", "format_pkits_table"]

#: The trust anchor of every run, and its CRL (added to every run's CRLs).
ANCHOR = "TrustAnchorRootCertificate.crt"
ANCHOR_CRL = "TrustAnchorRootCRL.crl"
#: The time of validation: inside every certificate's validity except where a test is about validity.
PKITS_TIME = _dt.datetime(2022, 5, 1, tzinfo=_dt.UTC)

#: Runs that cannot be taken, and why. A listed run is skipped only while the reason holds (its files do not
#: load); once cryptography can parse them, the run is taken like any other.
SKIPPED_RUNS: dict[str, str] = {
    "4.1.5": "DSA parameter inheritance (RFC 5280 6.1.4 (d)-(f)): the certificates' DSA keys leave out their "
             "parameters, to be inherited from the issuer's key, and cryptography cannot parse such a "
             "SubjectPublicKeyInfo, so the certificates cannot be loaded",
}

#: The sections pyca/cryptography's verifier cannot judge: it checks no CRLs (4.4 basic CRLs, 4.14 distribution
#: points, 4.15 delta CRLs) and processes no certificate policies (4.8 to 4.12). See :attr:`PkitsRun.for_cryptography`.
NOT_FOR_CRYPTOGRAPHY = ("4.4", "4.8", "4.9", "4.10", "4.11", "4.12", "4.14", "4.15")

#: The JSON's names for the initial inputs of RFC 5280 6.1.1 (c), (e)-(g), and validate_chain's.
_PARAMS = {"user_initial_policy_set": "initial_policies", "initial_explicit_policy": "explicit_policy",
           "initial_policy_mapping_inhibit": "policy_mapping_inhibit",
           "initial_any_policy_inhibit": "any_policy_inhibit"}


@dataclasses.dataclass(frozen=True)
class PkitsRun:
    """One run of a PKITS test: its files, expected verdict and initial policy inputs."""

    test: str  # "4.8.3"
    name: str
    id: str  # "pkits-4.8.3-<name>", unique within a file
    leaf: str
    others: tuple[str, ...]
    crls: tuple[str, ...]
    expect_valid: bool
    policy: tuple[tuple[str, object], ...] = ()  # validate_chain keyword arguments
    problem: str | None = None  # why the run cannot be set up (an unknown parameter), if it cannot

    @property
    def section(self) -> str:
        """The PKITS section, e.g. ``"4.8"`` (``"other"`` for a test numbered otherwise)."""
        return self.test.rpartition(".")[0] or "other"

    @property
    def expected(self) -> str:
        return "VALID" if self.expect_valid else "INVALID"

    @property
    def for_cryptography(self) -> bool:
        """Can pyca/cryptography's verifier judge this run? Not with policy inputs, nor in a section about CRLs or
        policies (:data:`NOT_FOR_CRYPTOGRAPHY`): it checks neither."""
        return not self.policy and self.section not in NOT_FOR_CRYPTOGRAPHY

    def kwargs(self) -> dict[str, object]:
        """The policy inputs as keyword arguments of :func:`validate_chain`."""
        return dict(self.policy)


@dataclasses.dataclass(frozen=True)
class PkitsInputs:
    """A run's parsed inputs, ready for the validator (or another one)."""

    leaf: x509.Certificate
    others: tuple[x509.Certificate, ...]
    anchor: x509.Certificate
    crls: tuple[x509.CertificateRevocationList, ...]  # the anchor's CRL first


@dataclasses.dataclass(frozen=True)
class RunResult:
    """The outcome of one run: ``agreed``, ``false accept``, ``false reject``, ``error`` or ``skipped``."""

    id: str
    section: str
    outcome: str
    expected: str
    detail: str


def _test_number(raw_id: object) -> str:
    """``"40803"`` is test 4.8.3 (4SSNN); an id in another form is kept as it is."""
    text = str(raw_id)
    if len(text) == 5 and text.isdigit():
        return f"{int(text[0])}.{int(text[1:3])}.{int(text[3:5])}"
    return text


def _policy(params: dict) -> tuple[tuple[str, object], ...]:
    out = []
    for key, value in params.items():
        if key not in _PARAMS:
            raise ValueError(f"unknown PKITS parameter {key!r}")
        if key == "user_initial_policy_set":
            value = tuple(ANY_POLICY if oid == "any_policy" else oid for oid in value)
        out.append((_PARAMS[key], value))
    return tuple(out)


def pkits_folder(source: str | Path) -> Path:
    """The folder holding ``certs/`` and ``crls/``: ``source`` itself, or the folder of a JSON file."""
    source = Path(source)
    return source.parent if source.is_file() else source


def load_runs(source: str | Path) -> list[PkitsRun]:
    """The runs of a PKITS JSON file, in file order (a repeated test gets ``-2``, ``-3`` on its id).

    ``source`` is the JSON file, or a folder holding ``pkits-public.json``. A run with a parameter the runner
    does not know is kept, with the problem, and fails when it is run (the others still run).
    """
    source = Path(source)
    with open(source / "pkits-public.json" if source.is_dir() else source, encoding="utf-8") as handle:
        entries = json.load(handle)
    runs, seen = [], {}
    for e in entries:
        test = _test_number(e["id"])
        base = f"pkits-{test}-{e['name']}"
        seen[base] = seen.get(base, 0) + 1
        run_id = base if seen[base] == 1 else f"{base}-{seen[base]}"
        try:
            policy, problem = _policy(e.get("params") or {}), None
        except ValueError as exc:
            policy, problem = (), f"the run cannot be set up: {exc}"
        runs.append(PkitsRun(test, e["name"], run_id, e["cert"], tuple(e.get("other_certs") or ()),
                             tuple(e.get("crls") or ()), "error" not in e, policy, problem))
    return runs


@functools.cache
def _certificate(path: Path) -> x509.Certificate:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # 4.4.15's negative serial number: cryptography warns, the validator judges
        return x509.load_der_x509_certificate(path.read_bytes())


@functools.cache
def _crl(path: Path) -> x509.CertificateRevocationList:
    return x509.load_der_x509_crl(path.read_bytes())


def load_inputs(run: PkitsRun, folder: str | Path) -> PkitsInputs:
    """Parse a run's files (each file once per process).

    Raises:
        ValueError: cryptography cannot parse one of them.
    """
    certs, crls = Path(folder).resolve() / "certs", Path(folder).resolve() / "crls"
    return PkitsInputs(_certificate(certs / run.leaf), tuple(_certificate(certs / n) for n in run.others),
                       _certificate(certs / ANCHOR),
                       tuple(_crl(crls / n) for n in (ANCHOR_CRL, *run.crls)))


def _verdict(run: PkitsRun, inputs: PkitsInputs) -> tuple[bool, str]:
    report = validate_chain(inputs.leaf, inputs.others, trust=[inputs.anchor], at=PKITS_TIME, usage=None,
                            profile="rfc5280", crls=inputs.crls, revocation="require", **run.kwargs())
    return report.ok, report.reason


def run_pkits(run: PkitsRun, folder: str | Path) -> RunResult:
    """Validate one run and compare with its expected verdict."""
    def result(outcome: str, detail: str) -> RunResult:
        return RunResult(run.id, run.section, outcome, run.expected, detail)

    if run.problem:
        return result("error", run.problem)
    try:
        inputs = load_inputs(run, folder)
    except OSError as exc:
        return result("error", f"a file of the run cannot be read: {exc}")
    except ValueError as exc:
        if run.test in SKIPPED_RUNS:
            return result("skipped", SKIPPED_RUNS[run.test])
        ok, detail = False, f"input rejected: cryptography cannot parse a file: {exc}"
    else:
        try:
            ok, detail = _verdict(run, inputs)
        except PkiLabError as exc:  # the validator refused an input with a sentence: its rejection
            ok, detail = False, f"input rejected: {exc}"
        except Exception as exc:  # noqa: BLE001 (a crash in the validator fails this run, never the whole table)
            return result("error", f"the validator raised {type(exc).__name__}: {exc}")
    if ok is run.expect_valid:
        return result("agreed", detail)
    return result("false accept" if ok else "false reject", detail)


def run_all(runs: Iterable[PkitsRun], folder: str | Path) -> list[RunResult]:
    """Run every run."""
    return [run_pkits(run, folder) for run in runs]


_COLUMNS = ("agreed", "false accept", "false reject", "error", "skipped")


def format_pkits_table(results: list[RunResult], *, verbose: bool = False) -> str:
    """Per section: runs, agreed, false accepts, false rejects, errors, skipped; then the disagreeing runs with the
    validator's reason, and ``N passed, N failed, N skipped``."""
    sections: dict[str, dict[str, int]] = {}
    for r in results:
        sections.setdefault(r.section, dict.fromkeys(_COLUMNS, 0))[r.outcome] += 1
    head = ("section", "runs", "agree", "false-accept", "false-reject", "error", "skipped")
    lines = ["  ".join(f"{h:>{len(h)}}" for h in head)]
    for section in sorted(sections, key=lambda s: tuple(int(p) if p.isdigit() else 999 for p in s.split("."))):
        row = sections[section]
        cells = (section, sum(row.values()), *(row[c] for c in _COLUMNS))
        lines.append("  ".join(f"{str(v):<{len(h)}}" if i == 0 else f"{v:>{len(h)}}"
                               for i, (h, v) in enumerate(zip(head, cells, strict=True))))
    for r in results:
        if r.outcome not in ("agreed", "skipped") or (verbose and r.outcome == "skipped"):
            lines.append(f"{r.outcome}: {r.id} (expected {r.expected}): {r.detail}")
    failed = sum(r.outcome in ("false accept", "false reject", "error") for r in results)
    passed = sum(r.outcome == "agreed" for r in results)
    skipped = sum(r.outcome == "skipped" for r in results)
    lines.append(f"{passed} passed, {failed} failed, {skipped} skipped")
    return "\n".join(lines)
