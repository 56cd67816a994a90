"""The nbgrader course made from the chapters (pki_lab.classroom), checked without nbgrader.

What nbgrader does with the cells is imitated here where it matters (its solution and hidden-test regions are
cut out as ``nbgrader generate_assignment`` cuts them); ``tests/classroom/test_nbgrader.py`` runs the real
nbgrader end to end.
"""

from __future__ import annotations

import copy
import json
import os
import re

import nbformat
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from traitlets.config import Config

from pki_lab import classroom, exercises
from pki_lab.errors import ParameterError, PolicyError

from .conftest import ROOT, examples

NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
CHAPTER_00 = ROOT / "notebooks" / "00_start_here.ipynb"


def _read(path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def _source(cell) -> str:
    return "".join(cell["source"])


def _cut(source: str, begin: str, end: str, stub: list[str]) -> str:
    """What nbgrader's ClearSolutions / ClearHiddenTests do to a region: replace it by ``stub``, indented."""
    out, inside = [], False
    for line in source.split("\n"):
        if begin in line:
            inside = True
            out += [re.match(r"\s*", line).group(0) + s for s in stub]
        elif end in line:
            inside = False
        elif not inside:
            out.append(line)
    assert not inside, "a region without its end"
    return "\n".join(out)


def _learners_copy(cell) -> str:
    source = _cut(_source(cell), "BEGIN SOLUTION", "END SOLUTION", [classroom.CODE_STUB])
    return _cut(source, "BEGIN HIDDEN TESTS", "END HIDDEN TESTS", [])


def _graded(nb) -> list[tuple[dict, dict]]:
    """(solution cell, test cell) pairs, in order."""
    cells = nb["cells"]
    return [(cells[i], cells[i + 1]) for i, cell in enumerate(cells)
            if cell["metadata"].get("nbgrader", {}).get("solution")]


@pytest.fixture(scope="module")
def chapter_00():
    return classroom.assignment_notebook(_read(CHAPTER_00), "00")


# --- Each exercise: a solution cell and a hidden test. -------------------------------------------------------

def test_each_exercise_becomes_a_solution_cell_then_a_locked_test_worth_one_point(chapter_00):
    pairs = _graded(chapter_00)
    assert [s["metadata"]["nbgrader"]["grade_id"] for s, _ in pairs] == ["ex00_1", "ex00_2", "ex00_3"]
    for (solution, test), ex in zip(pairs, exercises.chapter("00"), strict=True):
        assert solution["metadata"]["nbgrader"] == {"grade": False, "grade_id": classroom.grade_id(ex.id),
                                                    "locked": False, "schema_version": 3, "solution": True,
                                                    "task": False}
        assert test["metadata"]["nbgrader"] == {"grade": True, "grade_id": f"{classroom.grade_id(ex.id)}_test",
                                                "locked": True, "points": 1, "schema_version": 3,
                                                "solution": False, "task": False}
        body = _source(solution).split("### BEGIN SOLUTION\n")[1].split("\n### END SOLUTION")[0]
        assert body.splitlines() == classroom.solution_lines(ex.solution_code)
        assert f'grading.get("{ex.id}").is_correct(answer)' in _source(test)


def test_the_learners_copy_keeps_the_placeholder_the_hint_comment_and_the_self_check(chapter_00):
    solution, test = _graded(chapter_00)[1]
    assert _learners_copy(solution) == (
        'ex2 = exercises.get("00.2")\n'
        "# your answer: how many whole days the signer's notAfter falls after the leaf's\n"
        "answer = ...  # YOUR ANSWER HERE\n"
        "ex2.check(answer)")
    assert _learners_copy(test) == ("# Exercise 00.2 (1 point): a hidden test grades the answer above when the "
                                    "assignment is autograded.")


@pytest.mark.parametrize("number", ["00", "04"])
def test_no_expected_answer_is_stored_in_the_notebook(number):
    """Each text answer (00.3's root thumbprint, 04.2's last valid day...) is computed when grading, never written
    into the learner's copy or a hidden test (the worked solution, which may name it, stays in the instructor's
    source; some answers, a host name or an OID, are named in the chapter's own prose, which stays too)."""
    path = next(p for p in NOTEBOOKS if p.name.startswith(number))
    nb = classroom.assignment_notebook(_read(path), number)
    # What the learner gets (solution regions and hidden tests cut out) and the hidden tests themselves.
    shown = [_learners_copy(c) if "nbgrader" in c["metadata"] else c["source"] for c in nb["cells"]]
    tests = [_source(t) for _, t in _graded(nb)]
    text = json.dumps([shown, tests]).replace(":", "").upper()
    prose = json.dumps([c["source"] for c in _read(path)["cells"]]).replace(":", "").upper()  # the chapter's own
    answers = [ex.expected() for ex in exercises.chapter(number)]
    texts = [a.replace(":", "").upper() for a in answers if isinstance(a, str) and len(a) >= 8]
    assert texts, answers
    assert [t for t in texts if t in text] == [t for t in texts if t in prose]  # nothing added beyond the chapter
    assert any(t not in text for t in texts)


@pytest.mark.parametrize("answer, passes", [("right", True), ("wrong", False), ("placeholder", False)])
def test_the_hidden_test_passes_a_right_answer_only_and_resets_answer(chapter_00, answer, passes):
    """The test cell's code, run as autograde runs it: an AssertionError (no points) unless the answer is right,
    and ``answer`` is the placeholder afterwards, so a later exercise whose cell fails is not graded on this one."""
    _, test = _graded(chapter_00)[2]  # 00.3
    ex = exercises.get("00.3")
    value = {"right": ex.expected(), "wrong": "00" * 32, "placeholder": ...}[answer]
    namespace = {"answer": value}
    if passes:
        exec(_source(test), namespace)
    else:
        with pytest.raises(AssertionError, match="Exercise 00.3 is not correct"):
            exec(_source(test), namespace)
    assert namespace["answer"] is ...


def test_the_rest_of_the_chapter_is_unchanged_but_for_cleared_outputs(chapter_00):
    original = _read(CHAPTER_00)
    graded_ids = {c["id"] for c in chapter_00["cells"] if "nbgrader" in c["metadata"]}
    kept = [c for c in chapter_00["cells"] if c["id"] not in graded_ids]
    expected = [c for c in original["cells"] if c["id"] not in graded_ids]
    assert [(c["cell_type"], c["source"], c["metadata"]) for c in kept] == \
        [(c["cell_type"], c["source"], c["metadata"]) for c in expected]
    assert all(c["outputs"] == [] and c["execution_count"] is None for c in kept if c["cell_type"] == "code")
    assert any(c.get("outputs") for c in expected), "the stored chapter has outputs (else the above proves nothing)"
    assert chapter_00["metadata"] == original["metadata"]
    assert len(chapter_00["cells"]) == len(original["cells"]) + 3  # one test cell per exercise


def test_the_input_notebook_is_not_modified():
    original = _read(CHAPTER_00)
    before = copy.deepcopy(original)
    classroom.assignment_notebook(original, "00")
    assert original == before


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_chapter_becomes_a_valid_assignment(path):
    number = path.name[:2]
    nb = classroom.assignment_notebook(_read(path), number)
    nbformat.validate(nbformat.from_dict(nb))  # the notebook schema, cell ids included
    ids = [c["id"] for c in nb["cells"]]
    assert len(ids) == len(set(ids))
    pairs = _graded(nb)
    assert [classroom.grade_id(ex.id) for ex in exercises.chapter(number)] == \
        [s["metadata"]["nbgrader"]["grade_id"] for s, _ in pairs]
    for solution, test in pairs:
        assert _source(solution).count("### BEGIN SOLUTION") == 1 == _source(solution).count("### END SOLUTION")
        assert "answer = ...  # YOUR ANSWER HERE" in _learners_copy(solution)
        assert "is_correct" not in _learners_copy(test)
        compile(_source(solution), path.name, "exec")
        compile(_source(test), path.name, "exec")


def test_an_indented_answer_line_keeps_its_indentation():
    first = 'ex = exercises.get("00.1")\nif True:\n    answer = ...  # a number\n    ex.check(answer)'
    nb = {"cells": [{"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": 3, "source": first},
                    *[{"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None,
                       "source": f'e{i} = exercises.get("00.{i}")\nanswer = ...\ne{i}.check(answer)'} for i in (2, 3)]],
          "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    solution = classroom.assignment_notebook(nb, "00")["cells"][0]
    lines = _source(solution).splitlines()
    assert lines[2:4] == ["    # a number", "    ### BEGIN SOLUTION"]
    assert _learners_copy(solution).splitlines()[2:] == ["    # a number", "    " + classroom.CODE_STUB,
                                                         "    ex.check(answer)"]
    compile(_source(solution), "cell", "exec")


# --- Refusals, each one sentence. -----------------------------------------------------------------------------

def test_a_notebook_that_disagrees_with_its_registry_is_refused():
    nb = _read(CHAPTER_00)
    nb["cells"] = [c for c in nb["cells"] if 'exercises.get("00.2")' not in _source(c)]
    with pytest.raises(ParameterError, match=r"Chapter 00's notebook cannot become an assignment: 00\.2: found in "
                                             r"0 exercise cells, not 1\. Fix the notebook or its exercise registry"):
        classroom.assignment_notebook(nb, "00")


def test_a_check_of_an_unbound_name_is_refused():
    nb = {"cells": [{"cell_type": "code", "metadata": {}, "source": "answer = 1\nex9.check(answer)"}]}
    with pytest.raises(ParameterError, match="no cell above binds ex9"):
        classroom.assignment_notebook(nb, "99")


@pytest.mark.parametrize("marker", classroom.MARKERS)
def test_a_chapter_whose_text_holds_an_nbgrader_marker_is_refused(marker):
    """nbgrader cuts its regions out of every cell: prose that mentions one would lose what follows it."""
    nb = _read(CHAPTER_00)
    nb["cells"][3]["source"] = [f"A sentence that quotes nbgrader's ### {marker} marker.\n"]
    with pytest.raises(ParameterError, match=f"cell 3 holds nbgrader's marker '{marker}', which generate_assignment "
                                             "would cut out"):
        classroom.assignment_notebook(nb, "00")


# Cells a chapter could hold between its exercises: prose, and code that neither answers nor checks an exercise.
_TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=60).filter(
    lambda t: not any(marker in t for marker in classroom.MARKERS))
_OTHER_CELL = st.one_of(
    st.builds(lambda t: {"cell_type": "markdown", "metadata": {}, "source": t}, _TEXT),
    st.builds(lambda t: {"cell_type": "code", "metadata": {"tags": ["x"]}, "outputs": [{"output_type": "stream",
              "name": "stdout", "text": "hi"}], "execution_count": 7, "source": f"print({t!r})"}, _TEXT))


@settings(max_examples=examples(60), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(extra=st.lists(st.tuples(st.integers(min_value=0), _OTHER_CELL), max_size=6))
def test_other_cells_anywhere_pass_through_unchanged_and_the_exercises_stay(extra):
    """Chapter 00 with prose and unrelated code cells inserted anywhere: each inserted cell comes out as it went in
    (outputs cleared), in order, and the exercises' solution and test cells are the same as without them."""
    base = _read(CHAPTER_00)
    base["cells"] = [{k: v for k, v in c.items() if k != "id"} for c in base["cells"]]  # ids: not under test here
    nb = copy.deepcopy(base)
    for position, cell in extra:
        nb["cells"].insert(position % (len(nb["cells"]) + 1), copy.deepcopy(cell))
    plain = classroom.assignment_notebook(base, "00")
    mixed = classroom.assignment_notebook(nb, "00")
    assert [(s["source"], t["source"]) for s, t in _graded(mixed)] == \
        [(s["source"], t["source"]) for s, t in _graded(plain)]
    ungraded = [c for c in mixed["cells"] if "nbgrader" not in c["metadata"]]
    answers = {where.index for where in classroom.find_exercise_cells(nb["cells"])[0]}
    expected = [c for index, c in enumerate(nb["cells"]) if index not in answers]
    assert [(c["cell_type"], c["source"], c["metadata"]) for c in ungraded] == \
        [(c["cell_type"], c["source"], c["metadata"]) for c in expected]
    assert all(c["outputs"] == [] and c["execution_count"] is None for c in ungraded if c["cell_type"] == "code")


@pytest.mark.parametrize("points", [0, -1, 1.5, True, "1"])
def test_points_are_a_whole_number_of_at_least_one(points):
    with pytest.raises(ParameterError, match="points must be a whole number of at least 1"):
        classroom.assignment_notebook(_read(CHAPTER_00), "00", points=points)


def test_two_points_per_exercise_where_asked():
    nb = classroom.assignment_notebook(_read(CHAPTER_00), "00", points=2)
    assert {t["metadata"]["nbgrader"]["points"] for _, t in _graded(nb)} == {2}
    assert "(2 points)" in _source(_graded(nb)[0][1])


def test_the_course_is_not_made_with_solutions_hidden(tmp_path, monkeypatch):
    monkeypatch.setenv("PKI_LAB_HIDE_SOLUTIONS", "1")
    with pytest.raises(PolicyError, match="PKI_LAB_HIDE_SOLUTIONS hides here"):
        classroom.write_course(tmp_path / "course", ROOT / "notebooks", ["00"])
    assert not (tmp_path / "course").exists()


def test_a_chapter_without_a_notebook_is_refused(tmp_path):
    with pytest.raises(ParameterError, match=r"No chapter notebook for 77 in .*; chapters there: 00, 01"):
        classroom.write_course(tmp_path / "course", ROOT / "notebooks", ["00", "77"])
    with pytest.raises(ParameterError, match="is not a folder of chapter notebooks"):
        classroom.write_course(tmp_path / "course", tmp_path / "missing")
    assert not (tmp_path / "course").exists()


# --- The course folder. ---------------------------------------------------------------------------------------

def test_the_course_folder_has_the_config_and_one_assignment_per_chapter(tmp_path):
    folder = tmp_path / "course"
    written = classroom.write_course(folder, ROOT / "notebooks", ["00", "04"])
    assert [p.relative_to(folder).as_posix() for p in written] == [
        "nbgrader_config.py", "source/ch00/00_start_here.ipynb", "source/ch04/04_chain_of_trust.ipynb"]
    first = (folder / "source/ch04/04_chain_of_trust.ipynb").read_bytes()
    assert json.loads(first) == classroom.assignment_notebook(_read(ROOT / "notebooks/04_chain_of_trust.ipynb"), "04")
    # Written again: the same bytes; an instructor's edited config and nbgrader's gradebook stay as they are.
    (folder / "nbgrader_config.py").write_text("c = get_config()  # mine\n")
    (folder / "gradebook.db").write_bytes(b"grades")
    again = classroom.write_course(folder, ROOT / "notebooks", ["04"])
    assert [p.relative_to(folder).as_posix() for p in again] == ["source/ch04/04_chain_of_trust.ipynb"]
    assert (folder / "source/ch04/04_chain_of_trust.ipynb").read_bytes() == first
    assert (folder / "nbgrader_config.py").read_text() == "c = get_config()  # mine\n"
    assert (folder / "gradebook.db").read_bytes() == b"grades"


def test_the_config_sets_the_stub_and_turns_progress_recording_off_for_grading(monkeypatch):
    monkeypatch.delenv("PKI_LAB_PROGRESS", raising=False)
    config = Config()
    exec(classroom.config_text(), {"get_config": lambda: config})
    assert config.ClearSolutions.code_stub == {"python": classroom.CODE_STUB}
    assert config.CourseDirectory.course_id == "pki-lab"
    assert config.Execute.timeout == 120
    assert os.environ["PKI_LAB_PROGRESS"] == "off"
    monkeypatch.setenv("PKI_LAB_PROGRESS", "/tmp/grader-progress.json")  # an instructor's own choice wins
    exec(classroom.config_text(), {"get_config": Config})
    assert os.environ["PKI_LAB_PROGRESS"] == "/tmp/grader-progress.json"


def test_the_command_line_writes_the_course_or_says_in_one_sentence_why_not(tmp_path, capsys, monkeypatch):
    assert classroom.main([str(tmp_path / "c"), "--notebooks", str(ROOT / "notebooks"), "--chapters", "00"]) == 0
    out = capsys.readouterr().out
    assert f"wrote {tmp_path / 'c' / 'source' / 'ch00' / '00_start_here.ipynb'}" in out
    assert "1 assignments (ch00)" not in out and "1 assignment (ch00)" in out
    monkeypatch.setenv("PKI_LAB_HIDE_SOLUTIONS", "1")
    assert classroom.main([str(tmp_path / "d"), "--notebooks", str(ROOT / "notebooks")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("classroom: The course is made from the worked solutions") and err.count("\n") == 1
