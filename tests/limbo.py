"""The x509-limbo conformance cases, read once per test process (the file is large); and the NIST PKITS runs."""

from __future__ import annotations

import functools
from pathlib import Path

from pki_lab.conformance import PkitsRun, load_cases, load_runs

CASES = Path(__file__).parent / "conformance" / "x509-limbo"
PUBLIC = CASES / "public.json"
PKITS = Path(__file__).parent / "conformance" / "pkits"


@functools.cache
def public_cases() -> tuple[dict, ...]:
    """Every case of ``public.json``, parsed once (treat the dicts as read-only; copy one to change it)."""
    return tuple(load_cases(PUBLIC))


def public_case(case_id: str) -> dict:
    """The case of ``public.json`` with this id."""
    return next(c for c in public_cases() if c["id"] == case_id)


@functools.cache
def pkits_runs() -> tuple[PkitsRun, ...]:
    """Every run of ``pkits/pkits-public.json``, in file order."""
    return tuple(load_runs(PKITS))
