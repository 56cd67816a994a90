"""Shared fixtures: the lab's standard hierarchy, and a helper to run code in a fresh interpreter."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True, scope="session")
def _no_progress_file():
    """Tests never write a learner's exercise progress file (see pki_lab.progress)."""
    import os

    os.environ.setdefault("PKI_LAB_PROGRESS", "off")
    yield


@pytest.fixture(scope="session")
def hierarchy():
    from pki_lab import demo_hierarchy

    return demo_hierarchy()


def run_python(code: str) -> str:
    """Run ``code`` in a new Python process and return its standard output."""
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    return result.stdout
