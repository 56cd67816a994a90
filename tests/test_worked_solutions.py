"""Every worked solution runs in its own notebook and passes its check there.

For each chapter notebook (found on disk, so a new chapter is tested too), each exercise cell's ``answer = ...``
line is replaced by that exercise's ``solution_code`` (its statements, then ``answer = (<its last expression>)``),
the whole notebook runs from a clean kernel, and every exercise cell must show ``Exercise NN.M: correct``. A
solution may use only names the notebook defines above the exercise, or import what it needs itself: this is
what a learner who pastes ``solution()`` into the cell gets.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from pki_lab import exercises
from pki_lab.classroom import ExerciseCell, coverage_problems, find_exercise_cells, solution_lines

from .conftest import ROOT

NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
CELL_TIMEOUT = 120

def substitute(nb: nbformat.NotebookNode) -> tuple[list[ExerciseCell], list[str]]:
    """Replace each exercise cell's ``answer = ...`` line by the solution, in place.

    Returns the exercise cells found and the problems met while finding them (an unknown variable, a cell with
    two answers...): the mapping is :func:`pki_lab.classroom.find_exercise_cells`, which the classroom uses too.
    """
    found, problems = find_exercise_cells(nb.cells)
    for where in found:
        cell = nb.cells[where.index]
        lines = cell.source.splitlines()
        code = exercises.get(where.exercise_id).solution_code
        lines[where.line: where.line + 1] = [where.indent + text for text in solution_lines(code)]
        cell.source = "\n".join(lines)
    return found, problems


def _text_of(cell: nbformat.NotebookNode) -> str:
    """What a cell showed: its results' text/plain, its streams and its error, one after the other."""
    parts = []
    for output in cell.get("outputs", []):
        kind = output.get("output_type")
        if kind in ("execute_result", "display_data"):
            parts.append(output.get("data", {}).get("text/plain", ""))
        elif kind == "stream":
            parts.append(output.get("text", ""))
        elif kind == "error":
            parts.append(f"{output.get('ename')}: {output.get('evalue')}")
    return "\n".join(parts)


def _error_of(cell: nbformat.NotebookNode) -> str | None:
    for output in cell.get("outputs", []):
        if output.get("output_type") == "error":
            return f"{output.get('ename')}: {output.get('evalue')}"
    return None


def _raises_on_purpose(cell: nbformat.NotebookNode) -> bool:
    return "raises-exception" in cell.get("metadata", {}).get("tags", [])


def run_with_solutions(nb: nbformat.NotebookNode, number: str, folder: Path) -> list[str]:
    """Substitute the solutions into ``nb``, run it in a clean kernel in ``folder``; what went wrong, if anything."""
    found, problems = substitute(nb)
    problems += coverage_problems(found, number)

    client = NotebookClient(nb, timeout=CELL_TIMEOUT, kernel_name="python3", allow_errors=True,
                            record_timing=False, store_widget_state=False,
                            resources={"metadata": {"path": str(folder)}})
    client.execute()

    exercise_cells = {cell.index: cell.exercise_id for cell in found}
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        if index in exercise_cells:
            exercise_id = exercise_cells[index]
            shown = _text_of(cell)
            if f"Exercise {exercise_id}: correct" not in shown:
                problems.append(f"{exercise_id} (cell {index}): {' '.join(shown.split())[:300] or 'no output'}")
        elif (error := _error_of(cell)) and not _raises_on_purpose(cell):
            problems.append(f"cell {index} (not an exercise) raised {error[:300]}")
    return problems


@pytest.fixture
def clean_kernel_env(monkeypatch):
    monkeypatch.setenv("PKI_LAB_PROGRESS", "off")  # the kernel inherits the environment
    monkeypatch.delenv("PKI_LAB_HIDE_SOLUTIONS", raising=False)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_worked_solution_passes_in_its_notebook(path: Path, clean_kernel_env, tmp_path):
    # Run in a folder of its own: a solution may save a file (chapter 12's design report), and one left in
    # notebooks/ would make the stored notebook's own save take another name under nbval.
    problems = run_with_solutions(nbformat.read(path, as_version=4), path.name[:2], tmp_path)
    assert not problems, f"{path.name}:\n" + "\n".join(problems)


def test_the_harness_reports_a_solution_that_needs_a_name_the_notebook_lacks(tmp_path, clean_kernel_env):
    """A chapter 00 without the cells that define leaf and hierarchy: 00.1's solution (which reads leaf) fails."""
    nb = _notebook("from pki_lab import exercises",
                   *(f'ex{i} = exercises.get("00.{i}")\nanswer = ...\nex{i}.check(answer)' for i in (1, 2, 3)),
                   "1 / 0")
    problems = run_with_solutions(nb, "00", tmp_path)
    assert any(p.startswith("00.1 (cell 1): NameError: name 'leaf' is not defined") for p in problems), problems
    assert "cell 4 (not an exercise) raised ZeroDivisionError: division by zero" in problems
    nb.cells[4].metadata["tags"] = ["raises-exception"]
    assert not any("cell 4" in p for p in run_with_solutions(nb, "00", tmp_path))


# --- The harness itself: substitution and reading the outputs, without a kernel. -------------------------------

def _notebook(*sources: str) -> nbformat.NotebookNode:
    return nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in sources])


def test_solution_lines_assign_the_last_expression_even_over_several_lines():
    assert solution_lines("x = 2\nx + 1") == ["x = 2", "answer = (x + 1)"]
    assert solution_lines("f(\n  1,\n  2)") == ["answer = (f(\n  1,\n  2))"]
    with pytest.raises(ValueError, match="not an expression"):
        solution_lines("x = 1")


def test_substitute_maps_names_bound_in_earlier_cells_and_replaces_only_the_answer_line():
    nb = _notebook('ex1 = exercises.get("00.1")\nex1',
                   "answer = ...  # your answer\nex1.check(answer)",
                   'ex2 = exercises.get("00.2")\nanswer = ...\nex2.check(answer)',
                   "answer == 3  # not an exercise cell")
    found, problems = substitute(nb)
    assert problems == []
    assert [(c.index, c.exercise_id) for c in found] == [(1, "00.1"), (2, "00.2")]
    code = exercises.get("00.1").solution_code
    assert nb.cells[1].source == f"answer = ({code})\nex1.check(answer)"
    second = solution_lines(exercises.get("00.2").solution_code)
    assert nb.cells[2].source == "\n".join(['ex2 = exercises.get("00.2")', *second, "ex2.check(answer)"])
    assert nb.cells[3].source == "answer == 3  # not an exercise cell"


def test_substitute_reports_a_check_of_an_unbound_name():
    found, problems = substitute(_notebook("answer = 1\nex9.check(answer)"))
    assert found == [] and "no cell above binds ex9" in problems[0]


def test_outputs_are_read_as_text_and_errors():
    cell = nbformat.v4.new_code_cell("x")
    cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="hi\n"),
                    nbformat.v4.new_output("error", ename="NameError", evalue="name 'leaf' is not defined",
                                           traceback=[])]
    assert "hi" in _text_of(cell) and "NameError: name 'leaf'" in _text_of(cell)
    assert _error_of(cell) == "NameError: name 'leaf' is not defined"
