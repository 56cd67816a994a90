"""Chapters 00-02 print lines that fit JupyterLab's output area, so no line breaks in the middle of a word.

JupyterLab wraps a long output line wherever the output area ends, often mid-word ("cha nged"). At the
course's 1280-pixel browser width the area holds about 140 monospace characters; lines are kept to 120,
which leaves room for narrower windows. A widget's one-line text form ("Try it: ...") is not shown in
JupyterLab (the live widget is), so it is left out.
"""

from __future__ import annotations

import json

import pytest

from .conftest import ROOT

NOTEBOOKS = ["00_start_here", "01_public_key_cryptography_and_rsa", "02_hashes_and_signatures"]
MAX_COLUMNS = 120


def _long_lines(name: str) -> list[str]:
    cells = json.loads((ROOT / "notebooks" / f"{name}.ipynb").read_text("utf-8"))["cells"]
    long = []
    for index, cell in enumerate(cells):
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if "text/html" in data:
                continue  # shown as HTML, which wraps at spaces
            text = output.get("text") or data.get("text/plain") or ""
            for line in ("".join(text) if isinstance(text, list) else text).splitlines():
                if len(line) > MAX_COLUMNS and not line.startswith("Try it: "):
                    long.append(f"cell {index}: {len(line)} columns: {line[:60]}...")
    return long


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_no_output_line_is_wider_than_the_output_area(name):
    assert not _long_lines(name), "\n".join(_long_lines(name))
