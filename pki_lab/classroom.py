"""A graded classroom: an nbgrader course made from the chapters and the exercise registry (``make classroom``).

Each chapter notebook becomes one nbgrader assignment, ``ch04`` for ``04_chain_of_trust.ipynb``. The chapter stays
as it is (prose and code; stored outputs are cleared, as nbgrader clears them anyway), except each exercise's
answer cell (``answer = ...`` then ``ex.check(answer)``):

* the ``answer = ...`` line becomes an nbgrader **solution** region holding the registry's worked solution
  (``### BEGIN SOLUTION`` ... ``### END SOLUTION``), which ``nbgrader generate_assignment`` replaces in the
  learner's copy by ``answer = ...  # YOUR ANSWER HERE`` (the stub :func:`config_text` sets); the line's comment
  (``# your answer: a date as 'YYYY-MM-DD'``) stays above it;
* a locked, autograded **test cell** follows it, worth :data:`POINTS` (1 point per exercise: the registry holds no
  weights, and every exercise is one question), whose test is hidden (``### BEGIN HIDDEN TESTS``) and calls
  ``pki_lab.exercises.get("04.2").is_correct(answer)``: the expected answer is computed by the lab when the
  notebook is graded, never stored in the notebook, and grading records nothing in anyone's progress file.

The cells are found as ``tests/test_worked_solutions.py`` finds them (:func:`find_exercise_cells`, one home for
that mapping): a variable bound by ``exercises.get("NN.k")`` in a cell above, then one ``answer = ...`` line and
one ``<variable>.check(answer)`` in the same cell.

The functions here are pure (a notebook as its JSON dictionary in, a new one out) and need no nbgrader;
:func:`write_course` and the command line (``python -m pki_lab.classroom [FOLDER]``) write the course folder::

    classroom/nbgrader_config.py            (written once: an instructor's own edits are kept)
    classroom/source/ch00/00_start_here.ipynb
    classroom/source/ch04/04_chain_of_trust.ipynb
    ...

nbgrader's own commands take it from there (run in that folder): ``nbgrader generate_assignment ch04``,
``nbgrader release_assignment ch04``, ``nbgrader collect ch04``, ``nbgrader autograde ch04``, ``nbgrader export``.
"""

from __future__ import annotations

import argparse
import ast
import copy
import dataclasses
import io
import json
import re
import sys
import tokenize
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from . import exercises
from .errors import ParameterError, PkiLabError, PolicyError

__all__ = ["ExerciseCell", "POINTS", "CODE_STUB", "MARKERS", "assignment_id", "grade_id", "find_exercise_cells",
           "coverage_problems", "solution_lines", "assignment_notebook", "config_text", "write_course", "main"]

POINTS = 1
CODE_STUB = "answer = ...  # YOUR ANSWER HERE"
SCHEMA_VERSION = 3  # nbgrader's cell metadata schema (nbgrader 0.9)

_GET = re.compile(r"""^\s*(?P<var>[A-Za-z_]\w*)\s*=\s*exercises\.get\(\s*["'](?P<id>\d\d\.\d+)["']\s*\)""", re.M)
_ANSWER = re.compile(r"^(?P<indent>[ \t]*)answer\s*=(?!=)")
_CHECK = re.compile(r"\b(?P<var>[A-Za-z_]\w*)\.check\(\s*answer\s*\)")
_NOTEBOOK = re.compile(r"^(?P<number>\d\d)_[a-z0-9_]+\.ipynb$")
# The region markers nbgrader cuts out of every cell (0.9's defaults): a chapter's own text must not hold one.
MARKERS = ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS", "BEGIN MARK SCHEME",
           "END MARK SCHEME")


@dataclasses.dataclass(frozen=True)
class ExerciseCell:
    """A code cell that answers an exercise: its index, the exercise, and its ``answer = ...`` line."""

    index: int  # the cell's index in the notebook
    exercise_id: str
    line: int = 0  # the index of the ``answer = ...`` line in the cell's source
    indent: str = ""  # that line's indentation


def assignment_id(number: str) -> str:
    """The assignment of a chapter: ``"04"`` -> ``"ch04"``."""
    return f"ch{number}"


def grade_id(exercise_id: str, *, test: bool = False) -> str:
    """nbgrader's id of an exercise's solution cell (``ex04_2``) or test cell (``ex04_2_test``).

    nbgrader's ids are letters, digits, ``_`` and ``-``, hence no dot.
    """
    return f"ex{exercise_id.replace('.', '_')}" + ("_test" if test else "")


def _source(cell: Mapping[str, Any]) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else source


def find_exercise_cells(cells: Sequence[Mapping[str, Any]]) -> tuple[list[ExerciseCell], list[str]]:
    """The exercise cells of a notebook's cells, and the problems met while finding them.

    A problem is a sentence: a cell with two answers or two checks, or a check of a variable no cell above binds
    with ``exercises.get(...)``.
    """
    names: dict[str, str] = {}  # variable name -> exercise id, as the notebook binds them, in order
    found: list[ExerciseCell] = []
    problems: list[str] = []
    for index, cell in enumerate(cells):
        if cell.get("cell_type") != "code":
            continue
        source = _source(cell)
        names |= {m["var"]: m["id"] for m in _GET.finditer(source)}
        lines = source.splitlines()
        answers = [i for i, line in enumerate(lines) if _ANSWER.match(line)]
        checks = {m["var"] for m in _CHECK.finditer(source)}
        if not answers or not checks:
            continue
        if len(answers) > 1 or len(checks) > 1:
            problems.append(f"cell {index}: {len(answers)} answer lines and checks of {sorted(checks)}; "
                            "an exercise cell has one of each")
            continue
        var = checks.pop()
        if var not in names:
            problems.append(f"cell {index}: {var}.check(answer), but no cell above binds "
                            f"{var} = exercises.get(...)")
            continue
        found.append(ExerciseCell(index, names[var], answers[0], _ANSWER.match(lines[answers[0]])["indent"]))
    return found, problems


def coverage_problems(found: Sequence[ExerciseCell], number: str) -> list[str]:
    """Sentences for each registered exercise of chapter ``number`` not answered in exactly one cell, and each
    exercise answered in the notebook that chapter ``number``'s registry lacks."""
    registry = [ex.id for ex in exercises.chapter(number)] if number in exercises.chapters() else []
    ids = [cell.exercise_id for cell in found]
    problems = [f"{exercise_id}: found in {ids.count(exercise_id)} exercise cells, not 1"
                for exercise_id in registry if ids.count(exercise_id) != 1]
    problems += [f"{i}: checked in chapter {number}'s notebook but not in its registry"
                 for i in sorted(set(ids) - set(registry))]
    return problems


def solution_lines(code: str) -> list[str]:
    """``code``'s statements, its last expression assigned to ``answer`` (as a learner would paste it).

    Raises:
        ParameterError: the code's last statement is not an expression (so it names no answer).
    """
    code = code.strip("\n")
    tree = ast.parse(code)
    last = tree.body[-1] if tree.body else None
    if not isinstance(last, ast.Expr):
        raise ParameterError(f"A worked solution must end with the answer, but its last statement is not an "
                             f"expression: {code!r}.")
    lines = code.splitlines()
    body = lines[: last.lineno - 1]
    expression = ast.get_source_segment(code, last.value, padded=False)
    return [*body, f"answer = ({expression})"]


def _comment_of(line: str) -> str | None:
    """The comment at the end of a line of code (``# your answer: ...``), if it has one."""
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(line.strip() + "\n").readline))
    except (tokenize.TokenError, SyntaxError):
        return None
    return next((t.string for t in tokens if t.type == tokenize.COMMENT), None)


def _lines(text: str) -> list[str]:
    """A cell's source as nbformat stores it: lines, each but the last with its newline."""
    return text.splitlines(keepends=True)


def _nbgrader(grade_id_: str, *, solution: bool, grade: bool, locked: bool, points: int | None = None) -> dict:
    meta = {"grade": grade, "grade_id": grade_id_, "locked": locked, "schema_version": SCHEMA_VERSION,
            "solution": solution, "task": False}
    if points is not None:
        meta["points"] = points
    return meta


def _solution_cell(cell: Mapping[str, Any], where: ExerciseCell) -> dict:
    lines = _source(cell).splitlines()
    comment = _comment_of(lines[where.line])
    code = exercises.get(where.exercise_id).solution_code  # refused in an assessed session (PolicyError)
    region = [*([comment] if comment else []), "### BEGIN SOLUTION", *solution_lines(code), "### END SOLUTION"]
    lines[where.line: where.line + 1] = [where.indent + text for text in region]
    new = copy.deepcopy(dict(cell))
    new["source"] = _lines("\n".join(lines))
    new["metadata"]["nbgrader"] = _nbgrader(grade_id(where.exercise_id), solution=True, grade=False, locked=False)
    return new


def _test_cell(where: ExerciseCell, cell_id: str | None, points: int) -> dict:
    ex = where.exercise_id
    source = "\n".join([
        f"# Exercise {ex} ({points} point{'' if points == 1 else 's'}): a hidden test grades the answer above "
        "when the assignment is autograded.",
        "### BEGIN HIDDEN TESTS",
        "from pki_lab import exercises as grading",
        "",
        "try:",
        f'    assert grading.get("{ex}").is_correct(answer), "Exercise {ex} is not correct."',
        "finally:",
        "    answer = ...  # the next exercise is graded on its own cell's answer, never on this one",
        "### END HIDDEN TESTS",
    ])
    cell = {"cell_type": "code", "execution_count": None,
            "metadata": {"nbgrader": _nbgrader(grade_id(ex, test=True), solution=False, grade=True, locked=True,
                                               points=points)},
            "outputs": [], "source": _lines(source)}
    if cell_id is not None:
        cell["id"] = f"{cell_id}-grade"
    return cell


def _cleared(cell: Mapping[str, Any]) -> dict:
    new = copy.deepcopy(dict(cell))
    new.setdefault("metadata", {})
    if new.get("cell_type") == "code":
        new["outputs"], new["execution_count"] = [], None
    return new


def _marker_problems(cells: Sequence[Mapping[str, Any]], found: Sequence[ExerciseCell]) -> list[str]:
    """Sentences for each cell, or worked solution, holding a marker nbgrader would cut (with what follows it)."""
    texts = [(f"cell {index}", _source(cell)) for index, cell in enumerate(cells)]
    texts += [(f"{where.exercise_id}'s worked solution", exercises.get(where.exercise_id).solution_code)
              for where in found]
    return [f"{where} holds nbgrader's marker {marker!r}, which generate_assignment would cut out"
            for where, text in texts for marker in MARKERS if marker in text]


def assignment_notebook(notebook: Mapping[str, Any], number: str, *, points: int = POINTS) -> dict:
    """Chapter ``number``'s notebook (its JSON dictionary) as an nbgrader source notebook; ``notebook`` is unchanged.

    Raises:
        ParameterError: an exercise cell cannot be mapped to the registry, the notebook and chapter ``number``'s
            registry disagree, or a cell holds one of nbgrader's :data:`MARKERS` (each problem in the message).
        PolicyError: solutions are hidden (``PKI_LAB_HIDE_SOLUTIONS``): the course needs the worked solutions.
    """
    if not isinstance(points, int) or isinstance(points, bool) or points < 1:
        raise ParameterError(f"points must be a whole number of at least 1, not {points!r}.")
    cells = notebook.get("cells", [])
    found, problems = find_exercise_cells(cells)
    problems += coverage_problems(found, number)
    problems += _marker_problems(cells, found)
    if problems:
        raise ParameterError(f"Chapter {number}'s notebook cannot become an assignment: " + "; ".join(problems)
                             + ". Fix the notebook or its exercise registry (each exercise one cell with `answer = "
                             "...` and `ex.check(answer)`), or leave the chapter out (make classroom "
                             'CLASSROOM_CHAPTERS="00 04").')
    by_index = {where.index: where for where in found}
    new_cells: list[dict] = []
    for index, cell in enumerate(cells):
        cell = _cleared(cell)
        if index not in by_index:
            new_cells.append(cell)
            continue
        new_cells.append(_solution_cell(cell, by_index[index]))
        new_cells.append(_test_cell(by_index[index], cell.get("id"), points))
    new = copy.deepcopy({key: value for key, value in notebook.items() if key != "cells"})
    new["cells"] = new_cells
    return new


def config_text(course_id: str = "pki-lab") -> str:
    """The course's ``nbgrader_config.py``."""
    return f'''"""nbgrader's configuration for the PKI Lab course, written by `make classroom` (pki_lab.classroom).

`make classroom` writes this file only when it is missing, so your edits stay. nbgrader reads it from the folder
you run nbgrader in (this one). Docs: https://nbgrader.readthedocs.io/en/stable/configuration/config_options.html
"""

import os

c = get_config()  # noqa: F821 - nbgrader defines get_config() for its configuration files

c.CourseDirectory.course_id = {course_id!r}
# The learner's copy of an answer cell starts from the course's placeholder, which its self-check calls "to do".
c.ClearSolutions.code_stub = {{"python": {CODE_STUB!r}}}
# A chapter's slowest cell takes a few seconds; give autograde the course's own cell timeout (make test's).
c.Execute.timeout = 120
# Autograde runs the learners' notebooks, self-checks included: they must not write this account's progress file
# (pki_lab.progress). Kernels inherit nbgrader's environment; a value you set yourself wins.
os.environ.setdefault("PKI_LAB_PROGRESS", "off")
'''


def _dumps(notebook: Mapping[str, Any]) -> str:
    """A notebook's bytes as nbformat writes them (one-space indent, sorted keys, UTF-8, a final newline)."""
    return json.dumps(notebook, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def _chapter_notebooks(notebooks: Path, chapters: Sequence[str] | None) -> list[tuple[str, Path]]:
    paths = sorted(p for p in notebooks.glob("*.ipynb") if _NOTEBOOK.match(p.name))
    numbered = [(_NOTEBOOK.match(p.name)["number"], p) for p in paths]
    if chapters is None:
        return numbered
    missing = sorted(set(chapters) - {number for number, _ in numbered})
    if missing:
        raise ParameterError(f"No chapter notebook for {', '.join(missing)} in {notebooks}; "
                             f"chapters there: {', '.join(n for n, _ in numbered) or 'none'}.")
    return [(number, path) for number, path in numbered if number in chapters]


def write_course(folder: Path | str, notebooks: Path | str, chapters: Sequence[str] | None = None, *,
                 points: int = POINTS) -> list[Path]:
    """Write the nbgrader course into ``folder``: its config (once) and ``source/chNN/`` for each chapter.

    ``chapters`` (``["00", "04"]``) picks chapters; by default every ``NN_name.ipynb`` in ``notebooks`` that has
    exercises. Nothing nbgrader made (``gradebook.db``, ``release/``, ``submitted/``...) is touched. Returns the
    paths written.

    Raises:
        ParameterError: a chapter asked for has no notebook, or a notebook cannot become an assignment.
        PolicyError: solutions are hidden (``PKI_LAB_HIDE_SOLUTIONS``).
    """
    folder, notebooks = Path(folder), Path(notebooks)
    if exercises.solutions_hidden():
        raise PolicyError("The course is made from the worked solutions, which PKI_LAB_HIDE_SOLUTIONS hides here: "
                          "make the course without it (and set it for the learners' servers instead).")
    if not notebooks.is_dir():
        raise ParameterError(f"{notebooks} is not a folder of chapter notebooks; give the course's notebooks/.")
    chosen = _chapter_notebooks(notebooks, chapters)
    # Convert everything before writing anything, so a chapter that cannot be converted leaves no half course.
    converted = []
    for number, path in chosen:
        notebook = json.loads(path.read_text(encoding="utf-8"))
        if chapters is None and not find_exercise_cells(notebook.get("cells", []))[0] \
                and number not in exercises.chapters():
            continue  # a chapter without exercises has nothing to grade
        converted.append((folder / "source" / assignment_id(number) / path.name,
                          _dumps(assignment_notebook(notebook, number, points=points))))
    written = []
    config = folder / "nbgrader_config.py"
    if not config.exists():
        converted.insert(0, (config, config_text()))
    for path, text in converted:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m pki_lab.classroom [FOLDER] [--notebooks DIR] [--chapters 00 04]``; exit 0, or 2 with a sentence."""
    parser = argparse.ArgumentParser(prog="python -m pki_lab.classroom",
                                     description="Write an nbgrader course made from the chapters and their "
                                                 "exercises (one assignment per chapter, chNN).")
    parser.add_argument("folder", nargs="?", default="classroom", help="the course folder (default: classroom)")
    parser.add_argument("--notebooks", default="notebooks", help="the chapter notebooks (default: notebooks)")
    parser.add_argument("--chapters", nargs="+", metavar="NN", help="only these chapters (default: every one)")
    args = parser.parse_args(argv)
    try:
        written = write_course(args.folder, args.notebooks, args.chapters)
    except PkiLabError as exc:
        print(f"classroom: {exc}", file=sys.stderr)
        return 2
    for path in written:
        print(f"wrote {path}")
    assignments = sorted({p.parent.name for p in written if p.suffix == ".ipynb"})
    print(f"{exercises.plural(len(assignments), 'assignment')} ({', '.join(assignments)}), 1 point per exercise. "
          f"Next, in "
          f"{args.folder}/: nbgrader generate_assignment ch00 (then release_assignment, collect, autograde, export).")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
