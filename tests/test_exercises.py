import ast
import dataclasses
import datetime as dt
from enum import Enum

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pki_lab import exercises
from pki_lab.errors import ParameterError, PolicyError

from .conftest import ROOT, examples

# Every chapter module pki_lab/exercises/chNN.py, found on disk so new chapters are tested too.
CHAPTERS = sorted(p.stem[2:] for p in (ROOT / "pki_lab" / "exercises").glob("ch[0-9][0-9].py"))
ALL = [ex for ch in CHAPTERS for ex in exercises.chapter(ch)]


@pytest.mark.parametrize("ex", ALL, ids=lambda e: e.id)
def test_the_worked_solution_compiles_and_ends_with_the_answer(ex):
    """It runs in its notebook (tests/test_worked_solutions.py); here: it parses, and its last line is the answer."""
    tree = ast.parse(ex.solution_code)
    assert tree.body and isinstance(tree.body[-1], ast.Expr), ex.solution_code


@pytest.mark.parametrize("ex", [e for e in ALL if e.compare is None], ids=lambda e: e.id)
def test_the_expected_answer_passes_the_check(ex, monkeypatch):
    # (an exercise with its own compare, e.g. "a certificate signed by the root", is checked in its notebook)
    answer = ex.expected()
    result = ex.check(answer)
    assert result.status == "correct", result.message
    monkeypatch.setenv("PKI_LAB_HIDE_SOLUTIONS", "1")
    assert ex.check(answer).correct  # an assessed session still checks, on the hidden answer


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


def test_hints_come_in_order_then_say_there_are_no_more(monkeypatch):
    ex = exercises.Exercise("99.1", "p", lambda: 1, ("first", "second"), "1", "because")
    assert ex.hint() == "Hint 1 of 2: first"
    assert ex.hint() == "Hint 2 of 2 (the last one): second"
    assert ex.hint() == "No more hints: that was the last of 2. solution() shows a worked answer."
    assert ex.hint() == "No more hints: that was the last of 2. solution() shows a worked answer."
    assert repr(ex.hint()) == str(ex.hint())  # shown without quotes in a notebook
    one = exercises.Exercise("99.1", "p", lambda: 1, ("only",), "1", "because")
    assert one.hint() == "Hint 1 of 1 (the last one): only"
    assert one.hint() == "No more hints: that was the only one. solution() shows a worked answer."
    monkeypatch.setenv("PKI_LAB_HIDE_SOLUTIONS", "1")  # an assessed session does not point at solution()
    assert one.hint() == "No more hints: that was the only one."
    assert exercises.Exercise("99.1", "p", lambda: 1, (), "1", "").hint() == "This exercise has no hints."


def test_coaching_for_near_misses():
    ex = exercises.get("00.1")
    assert "Very close" in ex.check(ex.expected() + 1).message


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


# --- Answers that lie (issue 15, item 6): every check compares a plain built-in copy of the answer. ---------------

def _lying_class(base: type, expected):
    """A subclass of ``base`` whose every comparison and conversion says what the checker hopes to hear."""
    text = str(expected)

    def says(value):
        return lambda self, *args, **kwargs: value

    attrs = {name: says(True) for name in ("__eq__", "__contains__", "__le__", "__ge__", "__bool__")}
    attrs |= {name: says(False) for name in ("__ne__", "__lt__", "__gt__")}
    attrs |= {name: says(text) for name in ("__str__", "__repr__", "__format__", "strip", "casefold", "lower",
                                            "upper", "replace", "removeprefix", "removesuffix", "isoformat")}
    attrs |= {"split": says([text]), "__hash__": base.__hash__, "__len__": says(_len(expected)),
              "__iter__": lambda self: iter(expected if isinstance(expected, (list, tuple, set, dict)) else [])}
    if isinstance(expected, int):
        attrs |= {name: says(expected) for name in ("__int__", "__index__", "__float__", "__round__")}
        attrs |= {name: says(0) for name in ("__sub__", "__rsub__", "__abs__", "__mod__")}
    return type(f"Lying{base.__name__.capitalize()}", (base,), attrs)


def _len(value) -> int:
    try:
        return len(value)
    except TypeError:
        return 1


def _liar(value, expected):
    """``value`` rebuilt from lying subclasses, all the way down (a lab dataclass keeps its type, lying fields)."""
    if isinstance(value, bool) or value is None:
        return value
    if dataclasses.is_dataclass(value):
        fields = {f.name: _liar(getattr(value, f.name), expected) for f in dataclasses.fields(value)
                  if isinstance(getattr(value, f.name), (str, tuple)) and not isinstance(getattr(value, f.name), Enum)}
        return dataclasses.replace(value, **fields)
    if isinstance(value, dict):
        return _lying_class(dict, expected)({_liar(k, expected): _liar(v, expected) for k, v in value.items()})
    if isinstance(value, (list, tuple, set)):
        return _lying_class(type(value), expected)(_liar(item, expected) for item in value)
    for base in (int, float, str, bytes, dt.date):
        if isinstance(value, base):
            if base is dt.date:
                return _lying_class(dt.date, expected)(value.year, value.month, value.day)
            return _lying_class(base, expected)(value)
    return value


def _candidates(ex, expected) -> st.SearchStrategy:
    """Plain answers of the types ``ex`` accepts: random ones, the expected one, near misses, huge and odd ones."""
    kinds = {
        int: st.integers() | st.integers(-2, 2**20) | st.sampled_from([10**5000, -(10**5000), 2**8192, 2**8193]),
        float: st.floats(allow_nan=True, allow_infinity=True) | st.sampled_from([1e308, -0.0, 90.0]),
        str: st.text(max_size=40) | st.sampled_from(["", " ", "x" * 200_000, "\x00", "é" * 50]),
        bytes: st.binary(max_size=40),
        list: st.lists(st.text(max_size=12), max_size=6),
        tuple: st.lists(st.text(max_size=12), max_size=6).map(tuple),
        set: st.sets(st.text(max_size=12), max_size=6),
        dict: st.dictionaries(st.text(max_size=12), st.sampled_from(["ok", "revoked", "no-enrollment"]), max_size=8),
        dt.date: st.dates(),
    }
    known = [expected, ex.wrong_example] if ex.wrong_example is not None else [expected]
    near = [v for v in known if isinstance(v, (str, int)) and not isinstance(v, bool)]
    strategies = [kinds[t] for t in ex.accepts if t in kinds]
    strategies.append(st.sampled_from([v for v in known if _plain_or_lab(v, ex)] or [0]))
    if near:
        strategies.append(st.sampled_from(near).map(lambda v: v + 1 if isinstance(v, int) else v.upper()))
    return st.one_of(strategies).filter(lambda v: _plain_or_lab(v, ex))


def _plain_or_lab(value, ex) -> bool:
    return value is not None and value is not ... and any(type(value) is t or isinstance(value, t) for t in ex.accepts)


@pytest.mark.parametrize("ex", ALL, ids=lambda e: e.id)
def test_a_lying_answer_gets_the_verdict_of_its_plain_value(ex):
    """An answer rebuilt from lying subclasses (``__eq__``, ``__str__``, ``strip``...) gets the same verdict."""
    expected = ex.expected()

    @settings(max_examples=examples(20), deadline=None, suppress_health_check=list(HealthCheck))
    @given(_candidates(ex, expected))
    def check(value):
        plain, lying = ex.check(value), ex.check(_liar(value, expected))
        assert (lying.status, lying.message) == (plain.status, plain.message)

    check()


class _AlwaysEqual:
    def __eq__(self, other):
        return True

    def __ne__(self, other):
        return False

    __hash__ = object.__hash__


class _PosingAsInt(_AlwaysEqual):
    """An object whose ``__class__`` claims int, which fools isinstance() but not the checker."""

    @property
    def __class__(self):
        return int


class _Exploding:
    def __getattribute__(self, name):
        raise RuntimeError(f"nobody reads {name}")


def _nested(depth: int) -> list:
    value: list = []
    for _ in range(depth):
        value = [value]
    return value


HOSTILE = [_AlwaysEqual(), _PosingAsInt(), _Exploding(), True, False, 10**5000, float("nan"), float("inf"),
           -float("inf"), 1e308, _nested(5000), "x" * 1_000_000, b"\x00" * 1_000_000, [_AlwaysEqual()],
           {"a": _AlwaysEqual()}, (1, _AlwaysEqual()), complex(1, 1), object, print]


@pytest.mark.parametrize("ex", ALL, ids=lambda e: e.id)
def test_hostile_answers_are_never_correct_and_never_raise(ex):
    for answer in HOSTILE:
        result = ex.check(answer)
        if result.correct:  # only a plain value that is the answer itself may pass, e.g. True for 07.3
            assert type(answer) in (bool, int, float, str, bytes), (ex.id, type(answer))
            assert ex.check(type(answer)(answer)).correct
        assert result.message.endswith((".", "?")), result.message
        assert len(result.message) < 300, result.message


@pytest.mark.parametrize("ex", [e for e in ALL if int in e.accepts and bool not in e.accepts], ids=lambda e: e.id)
def test_a_bool_is_not_a_number(ex):
    for answer in (True, False):
        result = ex.check(answer)
        assert result.status == "cannot check"
        assert "Your answer is a bool (True and False are not numbers here); this exercise expects an int" \
            in result.message


def test_huge_and_odd_numbers_get_the_ordinary_coaching():
    ex = exercises.get("00.1")
    assert ex.check(10**5000).status == "incorrect"
    assert "about 5,000 digits" in ex.check(10**5000).message
    assert ex.check(float("nan")).message == "nan is not a finite number, so it cannot be the answer; try hint()."
    assert ex.check(float(ex.expected())).correct  # an int answer given as a float still counts
    assert exercises.get("11.4").check(10**2000).message.startswith("That stock is enough")


def test_a_subclass_of_a_lab_type_is_refused_and_lab_fields_are_read_plainly():
    from pki_lab.iot.gallery import lab_world

    ex = exercises.get("11.3")
    world = lab_world(upload="factory")
    world.dps.upload_ca(world.root.certificate, verified_on_upload=True)
    good = world.dps.register(world.device("sensor-0042")).verdict
    assert ex.check(good).correct
    posing = dataclasses.replace(good, subject=_AlwaysEqual())
    assert ex.check(posing).status == "cannot check"
    assert "holds" in ex.check(posing).message
    lying = dataclasses.replace(good, subject=_lying_class(str, "sensor-0042")("sensor-0099"))
    assert ex.check(lying).status == "incorrect"
    subclass = type("MyVerdict", (type(good),), {})(**{f.name: getattr(good, f.name)
                                                       for f in dataclasses.fields(good)})
    assert "Your answer is a MyVerdict, made from a Verdict" in ex.check(subclass).message


# --- Assessed mode: every path that hands out the answer is refused with solution()'s sentence. ------------------

@pytest.mark.parametrize("ex", ALL, ids=lambda e: e.id)
def test_assessed_mode_refuses_every_path_to_the_answer(ex, monkeypatch):
    monkeypatch.setenv("PKI_LAB_HIDE_SOLUTIONS", "1")
    sentence = repr(ex.solution())
    assert sentence == (f"The solution to exercise {ex.id} is hidden for this session (PKI_LAB_HIDE_SOLUTIONS is "
                        "set); hint() still works.")
    for reveal in (ex.expected, lambda: ex.solution_code, lambda: ex.explanation):
        with pytest.raises(PolicyError) as refused:
            reveal()
        assert str(refused.value) == sentence
    assert repr(ex) == str(ex) == f"Exercise {ex.id}: {ex.prompt}"  # the prompt, never the answer
    assert not hasattr(ex.solution(), "_repr_html_")
    assert ex.check(...).status == "not attempted"
    assert ex.hint().startswith("Hint 1 of")


# --- Feedback (issue 16): None, numbers as text, whole floats, grammar, labels beside the icons. ------------------

def _toy(expected, accepts, **kwargs):
    return exercises.Exercise("99.3", "p", lambda: expected, ("h",), repr(expected), "", accepts=accepts, **kwargs)


@pytest.mark.parametrize("ex", ALL, ids=lambda e: e.id)
def test_none_is_an_answer_that_asks_whether_a_function_forgot_to_return(ex):
    result = ex.check(None)
    assert result.status == "cannot check"
    assert result.message.startswith("Your answer is None: did a function forget to return a value? This exercise "
                                     "expects ")


def test_a_number_given_as_text_gets_a_nudge_to_drop_the_quotes():
    for accepts in ((int,), (int, float), (float,)):
        ex = _toy(128, accepts)
        for text in ("128", " 128 ", "127", "1.5e2"):
            result = ex.check(text)
            assert result.status == "cannot check"
            assert result.message == f"Your answer is the text {text!r}; give it as a number, without quotes."
        assert ex.check("abc").message == f"Your answer is a str; this exercise expects {ex_phrase(accepts)}."
        assert ex.check("nan").message.startswith("Your answer is a str;")
    lying = _lying_class(str, "128")("abc")  # the nudge reads the stored text, not __str__
    assert _toy(128, (int,)).check(lying).message == "Your answer is a LyingStr; this exercise expects an int."
    assert _toy("128", (str,)).check("128").correct  # where text is expected, text is the answer
    assert _toy(True, (bool,)).check("True").message == ("Your answer is the text 'True'; give True or False, "
                                                         "without quotes.")
    assert _toy(True, (bool,)).check("yes").message == "Your answer is a str; this exercise expects a bool."


def ex_phrase(accepts):
    return exercises.answers.type_phrase(accepts)


def test_a_number_where_text_is_expected_says_to_give_text():
    ex = _toy("TLSv1.3", (str,))
    assert ex.check(13).message == "Your answer is the number 13; this exercise expects a str (text, in quotes)."
    assert ex.check(1.5).message == "Your answer is the number 1.5; this exercise expects a str (text, in quotes)."
    assert ex.check(10**40).message == "Your answer is a number; this exercise expects a str (text, in quotes)."
    assert ex.check(True).message == "Your answer is a bool; this exercise expects a str."


INT_ONLY = [e for e in ALL if int in e.accepts and float not in e.accepts]


@pytest.mark.parametrize("ex", INT_ONLY, ids=lambda e: e.id)
def test_an_exercise_that_takes_an_int_takes_a_whole_float_as_that_int(ex):
    expected = ex.expected()
    if isinstance(expected, int) and not isinstance(expected, bool) and abs(expected) < 2**53:
        assert ex.check(float(expected)).correct
        assert ex.check(_lying_class(float, expected)(float(expected))).correct
    half = ex.check(float(expected) + 0.5 if isinstance(expected, int) and abs(expected) < 2**53 else 0.5)
    assert half.status == "incorrect"
    assert "is not a whole number, and this exercise's answer is one; try hint()." in half.message


def test_whole_floats_in_detail():
    ex = _toy(128, (int,))
    assert ex.check(128.0).correct and ex.check(-0.0).status == "incorrect"
    assert ex.check(128.5).message == "128.5 is not a whole number, and this exercise's answer is one; try hint()."
    assert ex.check(1e300).message == ("1e+300 is too large for a float to hold its whole number exactly; give the "
                                       "answer as an int.")
    assert ex.check(float("nan")).message == "nan is not a finite number, so it cannot be the answer; try hint()."
    assert exercises.get("02.1").check(float(exercises.get("02.1").expected())).correct  # the case


def test_articles_follow_the_sound_and_lists_read_as_english():
    article = exercises.answers.article
    assert [article(w) for w in ("int", "str", "object", "unique name", "hour", "RSAPublicKey", "SCT",
                                 "X509Name", "DNSName", "Verdict", "euro", "one-liner")] == [
        "an int", "a str", "an object", "a unique name", "an hour", "an RSAPublicKey", "an SCT", "an X509Name",
        "a DNSName", "a Verdict", "a euro", "a one-liner"]
    phrase = exercises.answers.type_phrase
    assert phrase((int,)) == "an int"
    assert phrase((str, bytes)) == "a str or a bytes object"
    assert phrase((list, tuple, set)) == "a list, a tuple or a set"
    assert _toy(1, (int,)).check(b"x").message == "Your answer is a bytes object; this exercise expects an int."
    assert exercises.plural(1, "name") == "1 name" and exercises.plural(0, "name") == "0 names"
    assert exercises.plural(2, "entry", "entries") == "2 entries"


@pytest.mark.parametrize("answer, label, colour", [
    (1, "CORRECT", "#1a7f37"), (2, "NOT YET", "#cf222e"), (..., "TO DO", "#57606a"),
    (object(), "CANNOT CHECK", "#9a6700"),
])
def test_each_outcome_shows_a_coloured_text_label_beside_its_icon(answer, label, colour):
    result = _toy(1, (int,)).check(answer)
    shown = result._repr_html_()
    assert f"background:{colour};color:#ffffff;font-weight:bold" in shown
    assert f">{label}</span> <b>Exercise 99.3: {result.status}.</b>" in shown
    assert repr(result).split(" ", 1)[1].startswith(f"Exercise 99.3: {result.status}. ")  # the harness reads this


def test_every_error_names_a_type_with_the_right_article():
    # One helper for every sentence that names a type (errors.a_type): "an int", never "a int".
    from pki_lab.errors import a_type
    from pki_lab.loading import to_der

    assert [a_type(v) for v in (3, "s", b"", object(), None)] == ["an int", "a str", "a bytes object", "an object",
                                                                   "None"]
    with pytest.raises(Exception, match="Cannot encode an int;"):
        to_der(3)
