"""``tools/check_executed.py``: every committed chapter passes, and a tampered copy of a real chapter fails with a
sentence naming the cell, for each way a notebook can be stored without a clean run from the top."""

from __future__ import annotations

import copy
import importlib.util
import subprocess
import sys

import nbformat
import pytest

from .conftest import ROOT

_spec = importlib.util.spec_from_file_location("check_executed", ROOT / "tools" / "check_executed.py")
check = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(check)

CHAPTER = ROOT / "notebooks" / "04_chain_of_trust.ipynb"


@pytest.fixture(scope="module")
def chapter():
    return nbformat.read(CHAPTER, as_version=4)


def _code(nb):
    return [c for c in nb.cells if c.cell_type == "code"]


def _printing(nb):
    """The first code cell that prints (a print call or a bare last expression) and has outputs."""
    return next(c for c in _code(nb) if c.outputs and check._prints(c.source))


def test_every_committed_chapter_passes(capsys):
    assert check.main([]) == 0, capsys.readouterr().err


def test_the_untouched_copy_passes(chapter):
    assert check.problems(chapter) == []


def _tamper(chapter, how):
    nb = copy.deepcopy(chapter)
    cells = _code(nb)
    if how == "gap":
        for cell in cells[5:]:
            cell.execution_count += 1
            for out in cell.outputs:
                if out.output_type == "execute_result":
                    out.execution_count += 1
    elif how == "out-of-order":
        cells[3].execution_count, cells[4].execution_count = cells[4].execution_count, cells[3].execution_count
    elif how == "ran-twice":
        cells[2].execution_count = len(cells) + 1  # run again at the end of the session
    elif how == "never-ran":
        cells[6].execution_count = None
        cells[6].outputs = []
    elif how == "output-cleared":
        _printing(nb).outputs = []
    elif how == "stale-result":
        cell = next(c for c in cells if any(o.output_type == "execute_result" for o in c.outputs))
        next(o for o in cell.outputs if o.output_type == "execute_result").execution_count += 10
    elif how == "unexpected-error":
        cell = next(c for c in cells if "raises-exception" not in c.metadata.get("tags", []) and c.outputs)
        cell.outputs = [nbformat.v4.new_output("error", ename="NameError", evalue="name 'x' is not defined",
                                               traceback=[])]
    return nb


@pytest.mark.parametrize("how, words", [
    ("gap", "code cell 6 (cell-"),
    ("out-of-order", "has execution count"),
    ("ran-twice", "where a run from the top gives 3"),
    ("never-ran", "code cell 7 (cell-"),
    ("output-cleared", "prints but has no stored output"),
    ("stale-result", "shows a result of execution"),
    ("unexpected-error", "stored an error (NameError) and is not tagged raises-exception"),
])
def test_a_tampered_copy_fails_naming_the_cell(chapter, tmp_path, how, words):
    nb = _tamper(chapter, how)
    found = check.problems(nb)
    assert found and any(words in p for p in found), found
    path = tmp_path / CHAPTER.name
    nbformat.write(nb, path)
    result = subprocess.run([sys.executable, str(ROOT / "tools" / "check_executed.py"), str(path)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 1 and result.stdout == ""
    lines = result.stderr.splitlines()
    assert lines and all(line.startswith(f"{path}: ") for line in lines)
    assert all(f"python tools/run_notebooks.py {path} (or make notebooks)." in line for line in lines)


def test_a_raises_exception_cell_may_store_its_error():
    nb = nbformat.read(ROOT / "notebooks" / "03_anatomy_of_an_x509_certificate.ipynb", as_version=4)
    tagged = [c for c in _code(nb) if "raises-exception" in c.metadata.get("tags", [])]
    assert tagged and any(o.output_type == "error" for c in tagged for o in c.outputs)  # chapter 03 fails on purpose
    assert check.problems(nb) == []
    for cell in tagged:  # the failure twin: without the tag, the same stored error is refused
        cell.metadata["tags"].remove("raises-exception")
    assert any("stored an error" in p for p in check.problems(nb))


@pytest.mark.parametrize("source, prints", [
    ("print('x')", True),
    ("x = 1\nx", True),
    ("describe(cert)", True),
    ("plt.plot([1]);", False),
    ("x = 1", False),
    ("def f():\n    print('x')", False),  # defined, not called
    ("%pip install x", False),  # IPython syntax: not judged
    ("", False),
])
def test_what_counts_as_a_cell_that_prints(source, prints):
    assert check._prints(source) is prints


def test_a_file_that_is_not_a_notebook_exits_2(tmp_path, capsys):
    path = tmp_path / "x.ipynb"
    path.write_text("{")
    assert check.main([str(path)]) == 2
    assert "not a notebook this check can read" in capsys.readouterr().err
