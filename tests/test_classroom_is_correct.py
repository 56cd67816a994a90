"""``Exercise.is_correct(answer)``: the verdict of ``check(answer)``, recording nothing.

The classroom's hidden tests (pki_lab.classroom) call it when nbgrader grades a learner's notebook, so it must
agree with ``check`` on every kind of answer, and leave no trace: no progress file, not even with recording on,
and no hint used up.
"""

from __future__ import annotations

import pytest

from pki_lab import exercises

from .conftest import ROOT
from .test_exercises import HOSTILE

CHAPTERS = sorted(p.stem[2:] for p in (ROOT / "pki_lab" / "exercises").glob("ch[0-9][0-9].py"))
ALL = [ex for ch in CHAPTERS for ex in exercises.chapter(ch)]
_WRONG = {int: 12345, float: 0.5, str: "ab", bytes: b"\x00"}


class _RaisesWhenRead:
    """An answer that raises whatever is asked of it (its type, its value, a comparison)."""

    def __getattribute__(self, name):
        raise RuntimeError(f"nobody reads {name}")


def _answers(ex: exercises.Exercise) -> list:
    """Right, wrong, wrong-type, placeholder and raising answers for ``ex``."""
    wrong = ex.wrong_example if ex.wrong_example is not None else _WRONG[ex.accepts[0]]
    return [ex.expected(), wrong, object(), None, ..., _RaisesWhenRead()]


@pytest.fixture
def progress_file(tmp_path, monkeypatch):
    """Recording on, into a file of this test's own (under pytest it is off unless a file is named)."""
    path = tmp_path / "progress" / "progress.json"
    monkeypatch.setenv("PKI_LAB_PROGRESS", str(path))
    return path


@pytest.mark.parametrize("ex", ALL, ids=lambda e: e.id)
def test_is_correct_agrees_with_check_and_writes_no_progress_file(ex, progress_file):
    graded = [ex.is_correct(answer) for answer in _answers(ex)]
    assert all(type(verdict) is bool for verdict in graded)
    assert not progress_file.parent.exists(), "is_correct wrote a progress file"
    # check() on the same answers gives the same verdicts, and does record (the failure twin of the line above).
    assert [ex.check(answer).correct for answer in _answers(ex)] == graded
    assert progress_file.exists()


@pytest.mark.parametrize("ex", [e for e in ALL if e.compare is None], ids=lambda e: e.id)
def test_the_expected_answer_is_correct_and_a_wrong_one_is_not(ex):
    assert ex.is_correct(ex.expected()) is True
    assert ex.is_correct(ex.wrong_example if ex.wrong_example is not None else _WRONG[ex.accepts[0]]) is False


@pytest.mark.parametrize("ex", ALL, ids=lambda e: e.id)
def test_hostile_answers_get_the_verdict_of_check(ex, progress_file):
    for answer in HOSTILE:
        assert ex.is_correct(answer) is ex.check(answer).correct
    assert ex.is_correct(...) is False  # the placeholder: "not attempted" is not correct


def test_a_comparison_that_raises_is_not_correct_and_does_not_raise():
    def compare(answer, expected):
        raise ZeroDivisionError("compare failed")

    ex = exercises.Exercise("99.1", "p", lambda: 1, ("h",), "1", "because", compare=compare)
    assert ex.check(1).status == "cannot check"
    assert ex.is_correct(1) is False


def test_no_hint_is_used_up(progress_file):
    ex = exercises.Exercise("99.2", "p", lambda: 2, ("first", "second"), "2", "because")
    for answer in (1, 2, "2", None):
        ex.is_correct(answer)
    assert ex.hint() == "Hint 1 of 2: first"


def test_an_assessed_session_still_grades(monkeypatch, progress_file):
    """With solutions hidden (a learner's server in a graded class), expected() is refused but grading works."""
    ex = exercises.get("00.1")
    answer = ex.expected()
    monkeypatch.setenv("PKI_LAB_HIDE_SOLUTIONS", "1")
    assert ex.is_correct(answer) is True
    assert ex.is_correct(answer + 1) is False
    assert not progress_file.parent.exists()


def test_a_registered_exercise_records_through_check_only(progress_file):
    """The registry's own exercise: check() notes an attempt in the file, is_correct() adds none."""
    ex = exercises.get("00.3")
    ex.check("00")
    before = progress_file.read_bytes()
    for answer in (ex.expected(), "00", 3):
        ex.is_correct(answer)
    assert progress_file.read_bytes() == before
