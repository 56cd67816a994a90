"""Shared fixtures and settings: Hypothesis profiles, the lab's standard hierarchy, a fresh interpreter.

Hypothesis runs a few examples by default (profile ``dev``, for a quick loop while editing) and today's full
sizes in CI (``HYPOTHESIS_PROFILE=ci``, which ``.ci/run`` sets). A test that needs more or fewer examples than
the profile's default asks for ``examples(n)``: ``n`` is its size in CI, scaled down in ``dev``.

The demo hierarchy (:func:`pki_lab.demo_hierarchy`) is built once per session: take the ``hierarchy`` fixture
instead of building it again at module level.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import settings

from pki_lab import demo_hierarchy

ROOT = Path(__file__).resolve().parents[1]

# ``ci``: Hypothesis's own default of 100 examples, what every property test ran before the profiles.
_CI_EXAMPLES = 100
settings.register_profile("ci", max_examples=_CI_EXAMPLES)
settings.register_profile("dev", max_examples=10)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))


def examples(ci_count: int) -> int:
    """``ci_count`` examples under the ``ci`` profile, and as many in proportion under the loaded one (at least 1)."""
    return max(1, ci_count * settings.default.max_examples // _CI_EXAMPLES)


@pytest.fixture(autouse=True, scope="session")
def _no_progress_file():
    """Tests never write a learner's exercise progress file (see pki_lab.progress)."""
    os.environ.setdefault("PKI_LAB_PROGRESS", "off")
    yield


@pytest.fixture(scope="session")
def hierarchy():
    """Root, issuing CA and leaf for www.example.com, at the lab clock's now."""
    return demo_hierarchy()


def run_python(code: str) -> str:
    """Run ``code`` in a new Python process and return its standard output."""
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    return result.stdout
