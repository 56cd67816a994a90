"""Run the lab validator on the conformance suites: x509-limbo and NIST PKITS.

    python -m pki_lab.conformance [FILE] [--verbose]      # x509-limbo (default: the public sample)
    python -m pki_lab.conformance --pkits DIR [--verbose]  # NIST PKITS (e.g. tests/conformance/pkits)
    python -m pki_lab.conformance --pkits DIR/runs.json    # the same, for another JSON file of runs

Both print a table (per family for limbo, per PKITS section), the runs that disagree with
the expected result and why, and the closing line ``N passed, N failed, N skipped``. The
exit code is 0 when nothing failed, 1 otherwise, 2 for an unreadable input. The suites
live in the repository, not in the package: :mod:`.limbo` and :mod:`.pkits` explain their
formats and how every case is set up.
"""

from __future__ import annotations

import argparse
import sys

from .limbo import SKIPPED_FEATURES, CaseResult, format_table, load_cases, run_case, run_cases
from .pkits import (
    SKIPPED_RUNS,
    PkitsInputs,
    PkitsRun,
    RunResult,
    format_pkits_table,
    load_inputs,
    load_runs,
    pkits_folder,
    run_all,
    run_pkits,
)

__all__ = ["SKIPPED_FEATURES", "CaseResult", "load_cases", "run_case", "run_cases", "format_table",
           "SKIPPED_RUNS", "PkitsRun", "PkitsInputs", "RunResult", "pkits_folder", "load_runs", "load_inputs",
           "run_pkits", "run_all", "format_pkits_table", "main"]

#: The public x509-limbo sample, relative to a checkout of the repository (the default file).
LIMBO_PUBLIC = "tests/conformance/x509-limbo/public.json"


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point; returns 0 if every non-skipped case agreed, else 1 (2 for bad input)."""
    parser = argparse.ArgumentParser(prog="python -m pki_lab.conformance", description=__doc__.split("\n")[0])
    parser.add_argument("file", nargs="?", default=LIMBO_PUBLIC,
                        help=f"a JSON file in the x509-limbo format (default: {LIMBO_PUBLIC})")
    parser.add_argument("--pkits", metavar="DIR", help="run NIST PKITS from DIR (certs/, crls/, pkits-public.json) "
                                                       "instead; or name the JSON file, next to certs/ and crls/")
    parser.add_argument("--verbose", action="store_true", help="also list the skipped cases")
    args = parser.parse_args(argv)
    source = args.pkits or args.file
    try:
        items = load_runs(args.pkits) if args.pkits else load_cases(args.file)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        print(f"pki_lab.conformance: cannot read {source}: {exc}", file=sys.stderr)
        return 2
    if args.pkits:
        results = run_all(items, pkits_folder(args.pkits))
        print(format_pkits_table(results, verbose=args.verbose))
        return 0 if all(r.outcome in ("agreed", "skipped") for r in results) else 1
    results = run_cases(items)
    print(format_table(results, verbose=args.verbose))
    return 0 if all(r.outcome != "disagreed" for r in results) else 1
