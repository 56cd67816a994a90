import pytest

from pki_lab import exercises
from pki_lab.errors import ParameterError

from .conftest import ROOT

# Every chapter module pki_lab/exercises/chNN.py, found on disk so new chapters are tested too.
CHAPTERS = sorted(p.stem[2:] for p in (ROOT / "pki_lab" / "exercises").glob("ch[0-9][0-9].py"))
ALL = [ex for ch in CHAPTERS for ex in exercises.chapter(ch)]


def _run_solution(ex):
    """Run the notebook's setup and the worked solution; return the solution's last expression."""
    ns: dict = {}
    exec(ex.setup_code, ns)
    *body, last = ex.solution_code.strip().splitlines()
    exec("\n".join(body), ns)
    return eval(last, ns)


@pytest.mark.parametrize("ex", ALL, ids=lambda e: e.id)
def test_the_worked_solution_passes_the_check(ex):
    result = ex.check(_run_solution(ex))
    assert result.status == "correct", result.message


@pytest.mark.parametrize("ex", ALL, ids=lambda e: e.id)
def test_placeholder_is_not_attempted(ex):
    assert ex.check(...).status == "not attempted"
    assert "Replace ..." in repr(ex.check())


@pytest.mark.parametrize("ex", ALL, ids=lambda e: e.id)
def test_a_wrong_answer_is_incorrect_and_coached_without_the_answer(ex):
    defaults = {int: 12345, float: 0.5, str: "ab", bytes: b"\x00"}
    wrong = ex.wrong_example if ex.wrong_example is not None else defaults[ex.accepts[0]]
    result = ex.check(wrong)
    assert result.status == "incorrect"
    assert str(ex.expected()) not in result.message


@pytest.mark.parametrize("ex", ALL, ids=lambda e: e.id)
def test_an_answer_of_the_wrong_type_cannot_be_checked(ex):
    result = ex.check(object())
    assert result.status == "cannot check"
    assert "expects a" in result.message


def test_hints_come_in_order_then_repeat():
    ex = exercises.Exercise("99.1", "p", lambda: 1, ("first", "second"), "1", "because")
    assert ex.hint() == "Hint 1 of 2: first"
    assert ex.hint() == "Hint 2 of 2: second"
    assert ex.hint() == "Hint 2 of 2: second"


def test_coaching_for_near_misses():
    ex = exercises.get("00.1")
    assert "Very close" in ex.check(ex.expected() + 1).message
    assert "root CA" in exercises.get("00.2").check("PKI Lab Root CA").message


def test_solutions_can_be_hidden_for_assessed_sessions(monkeypatch):
    ex = exercises.get("00.1")
    assert "not_valid_after_utc" in repr(ex.solution())
    monkeypatch.setenv("PKI_LAB_HIDE_SOLUTIONS", "1")
    shown = repr(ex.solution())
    assert "hidden" in shown and "not_valid_after_utc" not in shown


def test_unknown_ids_and_chapters():
    with pytest.raises(ParameterError, match="looks like '00.1'"):
        exercises.get("1")
    with pytest.raises(ParameterError, match="no exercise '00.99'"):
        exercises.get("00.99")
    with pytest.raises(ParameterError, match="has no exercises"):
        exercises.chapter("77")


def test_a_crashing_comparison_cannot_check():
    ex = exercises.Exercise("99.2", "p", lambda: 1, (), "1", "", compare=lambda a, e: 1 / 0)
    assert ex.check(3).status == "cannot check"
