"""Self-checked exercises: ``check(answer)``, ``hint()``, ``solution()``.

An exercise is data: a prompt, a function that *computes* the expected answer
with the lab (never a hard-coded byte string), a comparison, hints in order and
a worked solution. ``check`` has four outcomes (after Kaggle's learntools):

* **correct**;
* **incorrect**, with a message that coaches without giving the answer away;
* **not attempted**, while the answer is still the placeholder ``...``;
* **cannot check**, when the answer has a type the exercise cannot compare: ``None`` asks whether a function
  forgot to return a value, a number given as text is told to drop the quotes (and a number where text is
  expected to give text). Where the answer is an int, a whole float (``128.0``) counts as that int.

Each result shows a coloured text label beside its icon (CORRECT, NOT YET, TO DO, CANNOT CHECK), so it reads the
same in a browser without an emoji font; ``hint()`` says which hint is the last, then that there are no more.

A check cannot be fooled: it compares a plain built-in copy of the answer
(:mod:`pki_lab.exercises.answers`), so an object whose ``__eq__`` always says yes, a ``str`` or
``int`` subclass that lies, or ``True`` for 1 never passes, and a huge number, NaN or an enormous
string gets the ordinary coaching, never an exception.

Instructors can hide worked solutions for an assessed session by setting the
environment variable ``PKI_LAB_HIDE_SOLUTIONS=1`` before starting Jupyter: ``solution()``,
``expected()``, ``solution_code`` and ``explanation`` then all say the solution is hidden (a
convenience, not an exam lock: the chapter modules' source is still readable).

Each real attempt (not the placeholder) is noted in the learner's progress file, so
:func:`show_progress` lists which self-checks pass across chapters (the file is kept by
:mod:`pki_lab.progress`, below this registry; ``PKI_LAB_PROGRESS`` sets the file, or ``off``).

Exercises live in one module per chapter (``pki_lab.exercises.ch00``, ...) and
are fetched by id::

    >>> from pki_lab import exercises
    >>> ex = exercises.get("00.1")
    >>> ex.check(...).status == "not attempted"
    True
"""

from __future__ import annotations

import dataclasses
import html
import importlib
import os
import pkgutil
from collections.abc import Callable, Sequence
from enum import StrEnum
from typing import Any

from .. import progress
from ..errors import ParameterError, PolicyError
from .answers import Refused, TooLarge, plain_answer, plain_value, type_nudge, type_phrase

__all__ = ["Exercise", "CheckResult", "Outcome", "Solution", "get", "chapter", "chapters", "register",
           "normalize_hex", "plural", "show_progress", "solutions_hidden", "hidden_sentence"]


class Outcome(StrEnum):
    """The four outcomes of a check (after learntools); each equals its sentence-case string."""

    CORRECT = "correct"
    INCORRECT = "incorrect"
    NOT_ATTEMPTED = "not attempted"
    CANNOT_CHECK = "cannot check"


_ICONS = {Outcome.CORRECT: "✅", Outcome.INCORRECT: "❌", Outcome.NOT_ATTEMPTED: "✏️", Outcome.CANNOT_CHECK: "⚠️"}
_COLOURS = {Outcome.CORRECT: "#1a7f37", Outcome.INCORRECT: "#cf222e", Outcome.NOT_ATTEMPTED: "#57606a",
            Outcome.CANNOT_CHECK: "#9a6700"}
# A text label beside each icon, in the HTML form: a browser without an emoji font shows the icon as an empty box.
_LABELS = {Outcome.CORRECT: "CORRECT", Outcome.INCORRECT: "NOT YET", Outcome.NOT_ATTEMPTED: "TO DO",
           Outcome.CANNOT_CHECK: "CANNOT CHECK"}


def label_html(text: str, colour: str) -> str:
    """A bold white-on-colour label (the colours pass WCAG AA contrast against white text)."""
    return (f"<span style='background:{colour};color:#ffffff;font-weight:bold;padding:0 0.4em;"
            f"border-radius:3px;font-size:0.85em;white-space:nowrap'>{html.escape(text)}</span>")


def plural(n: int, word: str, words: str | None = None) -> str:
    """``plural(1, "name")`` -> ``"1 name"``, ``plural(2, "name")`` -> ``"2 names"``; ``words`` for another plural."""
    return f"{n} {word if n == 1 else (words or word + 's')}"

_REGISTRY: dict[str, Exercise] = {}


def normalize_hex(value: Any) -> str:
    """Hex text without separators or case: ``"ab:CD 01"`` -> ``"ABCD01"``; bytes become hex."""
    if isinstance(value, (bytes, bytearray)):
        return bytes(value).hex().upper()
    return "".join(ch for ch in str(value) if ch not in ": \n\t-").upper()


@dataclasses.dataclass(frozen=True)
class CheckResult:
    """The outcome of a check: a status (one of the four :class:`Outcome` values) and a message."""

    exercise_id: str
    status: Outcome
    message: str

    @property
    def correct(self) -> bool:
        return self.status == Outcome.CORRECT

    def __repr__(self) -> str:
        return f"{_ICONS[self.status]} Exercise {self.exercise_id}: {self.status}. {self.message}"

    def _repr_html_(self) -> str:
        colour = _COLOURS[self.status]
        return (
            f"<div style='border-left:4px solid {colour};padding:4px 8px'>"
            f"<span aria-hidden='true'>{_ICONS[self.status]}</span> {label_html(_LABELS[self.status], colour)} "
            f"<b>Exercise {html.escape(self.exercise_id)}: {self.status}.</b> {html.escape(self.message)}</div>"
        )


@dataclasses.dataclass(frozen=True)
class Solution:
    """A worked solution: the code and a sentence on why it works."""

    exercise_id: str
    code: str
    explanation: str

    def __repr__(self) -> str:
        return f"Solution to exercise {self.exercise_id}:\n\n{self.code}\n\n{self.explanation}"

    def _repr_html_(self) -> str:
        return (
            f"<b>Solution to exercise {html.escape(self.exercise_id)}</b>"
            f"<pre>{html.escape(self.code)}</pre><p>{html.escape(self.explanation)}</p>"
        )


@dataclasses.dataclass(frozen=True)
class Hidden:
    """What ``solution()`` shows when solutions are hidden for an assessed session."""

    exercise_id: str

    def __repr__(self) -> str:
        return hidden_sentence(self.exercise_id)


class Exercise:
    """One self-checked exercise.

    Args:
        id: ``"<chapter>.<n>"``, e.g. ``"00.1"``.
        prompt: what to do, in a sentence or two.
        expected: a function of no arguments that computes the expected answer with the lab.
        hints: hints in order, from a nudge to nearly the answer.
        solution_code: code that produces the answer, its last line an expression; it may use only names the
            notebook defines above the exercise (``tests/test_worked_solutions.py`` runs it there).
        explanation: why the solution works.
        compare: ``(answer, expected) -> bool``; default: equality after ``normalize``.
        normalize: applied to both sides before the default comparison.
        accepts: the types an answer may have; others get "cannot check".
        coach: ``(answer, expected) -> str | None``: a message for a wrong answer.
        wrong_example: a plausible wrong answer; unit tests check that it is marked
            incorrect (needed when ``accepts`` is not int, float, str or bytes).

    ``compare``, ``normalize`` and ``coach`` receive a plain copy of the answer
    (:func:`pki_lab.exercises.answers.plain_answer`), never the learner's object itself, so an
    answer whose ``__eq__`` always says yes cannot pass. In an assessed session
    (``PKI_LAB_HIDE_SOLUTIONS=1``) every public path to the answer, ``expected()``, ``solution_code``,
    ``explanation`` and ``solution()``, is refused with the same sentence.
    """

    def __init__(self, id: str, prompt: str, expected: Callable[[], Any], hints: Sequence[str],
                 solution_code: str, explanation: str, compare: Callable[[Any, Any], bool] | None = None,
                 normalize: Callable[[Any], Any] | None = None, accepts: tuple[type, ...] | None = None,
                 coach: Callable[[Any, Any], str | None] | None = None, wrong_example: Any = None) -> None:
        self.id = id
        self.prompt = prompt
        self.hints = hints
        self.compare = compare
        self.normalize = normalize
        self.accepts = accepts
        self.coach = coach
        self.wrong_example = wrong_example
        # The answer-revealing parts are kept under private names, behind the assessed-mode gate below.
        self._compute_expected = expected
        self._solution_code = solution_code
        self._explanation = explanation
        self._hints_given = 0

    def __repr__(self) -> str:
        return f"Exercise {self.id}: {self.prompt}"

    def _refuse_if_hidden(self) -> None:
        if solutions_hidden():
            raise PolicyError(hidden_sentence(self.id))

    def expected(self) -> Any:
        """The expected answer, computed with the lab (refused in an assessed session).

        Raises:
            PolicyError: ``PKI_LAB_HIDE_SOLUTIONS`` is set; the sentence is the one ``solution()`` shows.
        """
        self._refuse_if_hidden()
        return self._compute_expected()

    @property
    def solution_code(self) -> str:
        """The code of the worked solution (refused in an assessed session, like :meth:`expected`)."""
        self._refuse_if_hidden()
        return self._solution_code

    @property
    def explanation(self) -> str:
        """Why the solution works; it often names the answer, so it is refused in an assessed session."""
        self._refuse_if_hidden()
        return self._explanation

    def check(self, answer: Any = ...) -> CheckResult:
        """Check ``answer`` against the computed expected answer, and note the outcome in the learner's
        progress file (:mod:`pki_lab.progress`; never "not attempted", and a file problem never breaks a check).
        """
        result = self._check(answer)
        _record_progress(self, result)
        return result

    def is_correct(self, answer: Any) -> bool:
        """Whether ``check(answer)`` would say correct, recording nothing: no progress file, no hint state.

        For a grader (the classroom's hidden tests, :mod:`pki_lab.classroom`): the answer is judged by the same
        code as :meth:`check`, against the expected answer computed now, even in an assessed session
        (``PKI_LAB_HIDE_SOLUTIONS``), and every other outcome (incorrect, not attempted, cannot check) is False.
        """
        return self._check(answer).correct

    def _check(self, answer: Any) -> CheckResult:
        if answer is ...:
            return CheckResult(self.id, Outcome.NOT_ATTEMPTED,
                               "Replace ... with your answer and run the cell again.")
        if answer is None and not (self.accepts and type(None) in self.accepts):
            return CheckResult(self.id, Outcome.CANNOT_CHECK,
                               "Your answer is None: did a function forget to return a value? This exercise "
                               f"expects {type_phrase(self.accepts)}.")
        try:
            plain = plain_answer(answer, self.accepts)
        except Refused as refused:
            nudge = None
            try:
                nudge = type_nudge(answer, self.accepts)
            except Exception:  # noqa: BLE001 - a hostile object read for a nudge gets the plain refusal
                pass
            return CheckResult(self.id, Outcome.CANNOT_CHECK,
                               nudge or f"{refused}; this exercise expects {type_phrase(self.accepts)}.")
        except TooLarge as too_large:
            return CheckResult(self.id, Outcome.INCORRECT, str(too_large))
        except Exception:  # noqa: BLE001 - whatever a hostile object raises while being read, the check answers
            return CheckResult(self.id, Outcome.CANNOT_CHECK,
                               f"Your answer could not be read as a plain value; this exercise expects "
                               f"{type_phrase(self.accepts)}.")
        return self._judge(plain, _plain_expected(self._compute_expected()))

    def _judge(self, answer: Any, expected: Any) -> CheckResult:
        try:
            if self.compare is not None:
                ok = self.compare(answer, expected)
            else:
                norm = self.normalize or (lambda v: v)
                ok = norm(answer) == norm(expected)
        except Exception as exc:  # noqa: BLE001 - a learner's odd answer must not crash the check
            return CheckResult(self.id, Outcome.CANNOT_CHECK, f"Could not compare your answer: {exc}.")
        if ok:
            return CheckResult(self.id, Outcome.CORRECT, "Well done.")
        try:
            message = self.coach(answer, expected) if self.coach else None
        except Exception:  # noqa: BLE001 - a coaching message that fails to build falls back to the plain one
            message = None
        return CheckResult(self.id, Outcome.INCORRECT, message or "Not yet; try hint().")

    def hint(self) -> str:
        """The next hint: each call gives one more; the last says so, and a call after it says there are no more."""
        then = "." if solutions_hidden() else ". solution() shows a worked answer."
        if not self.hints:
            return _HintText("This exercise has no hints" + then)
        total = len(self.hints)
        if self._hints_given >= total:
            gone = "that was the only one" if total == 1 else f"that was the last of {total}"
            return _HintText(f"No more hints: {gone}{then}")
        index = self._hints_given
        self._hints_given += 1
        last = " (the last one)" if index == total - 1 else ""
        return _HintText(f"Hint {index + 1} of {total}{last}: {self.hints[index]}")

    def solution(self) -> Solution | Hidden:
        """The worked solution, unless solutions are hidden for an assessed session."""
        if solutions_hidden():
            return Hidden(self.id)
        return Solution(self.id, self._solution_code.strip(), self._explanation)


def solutions_hidden() -> bool:
    """Whether this is an assessed session: ``PKI_LAB_HIDE_SOLUTIONS`` is set to anything but empty, 0, false, no."""
    return os.environ.get("PKI_LAB_HIDE_SOLUTIONS", "").strip().casefold() not in ("", "0", "false", "no")


def hidden_sentence(exercise_id: str) -> str:
    """What every answer-revealing path says in an assessed session."""
    return (f"The solution to exercise {exercise_id} is hidden for this session "
            "(PKI_LAB_HIDE_SOLUTIONS is set); hint() still works.")


def _plain_expected(expected: Any) -> Any:
    """The expected answer as a plain value too, so that neither side of ``==`` is a subclass with its own opinion."""
    try:
        return plain_value(expected)
    except (Refused, TooLarge):
        return expected


def _record_progress(exercise: Exercise, result: CheckResult) -> None:
    """Record a registered exercise's real attempt in the progress file; never raise."""
    if result.status == Outcome.NOT_ATTEMPTED or _REGISTRY.get(exercise.id) is not exercise:
        return
    progress.record(result)  # never raises: a progress-file problem must not break a check


class _HintText(str):
    """A hint that prints without quotes in a notebook."""

    def __repr__(self) -> str:
        return str(self)


def register(exercise: Exercise) -> Exercise:
    """Add an exercise to the registry (chapter modules call this)."""
    if exercise.id in _REGISTRY:
        raise ParameterError(f"Exercise {exercise.id} is registered twice.")
    _REGISTRY[exercise.id] = exercise
    return exercise


def chapter(number: str) -> list[Exercise]:
    """Every exercise of a chapter (``"00"``), in order."""
    return _exercises_of(number)


def _exercises_of(number: str) -> list[Exercise]:
    # A second name for ``chapter``, for show_progress, whose argument of that name hides the function.
    try:
        importlib.import_module(f"{__name__}.ch{number}")
    except ModuleNotFoundError:
        raise ParameterError(f"Chapter {number!r} has no exercises.") from None
    return [ex for key, ex in sorted(_REGISTRY.items()) if key.split(".")[0] == number]


def get(exercise_id: str) -> Exercise:
    """The exercise with this id, e.g. ``"00.1"``."""
    if not isinstance(exercise_id, str) or "." not in exercise_id:
        raise ParameterError(f"An exercise id looks like '00.1', not {exercise_id!r}.")
    chapter(exercise_id.split(".")[0])
    try:
        return _REGISTRY[exercise_id]
    except KeyError:
        raise ParameterError(f"There is no exercise {exercise_id!r}.") from None


def chapters() -> list[str]:
    """Every chapter with an exercise module (``pki_lab/exercises/chNN.py``), in order: ``["00", "01", ...]``."""
    names = (m.name for m in pkgutil.iter_modules(__path__))
    return sorted(name[2:] for name in names if name.startswith("ch") and name[2:].isdigit())


def show_progress(chapter: str | None = None) -> progress.ProgressReport:
    """Which self-checks pass, chapter by chapter (or for one chapter, e.g. ``"04"``), from the progress file.

    The registry knows the exercises and :mod:`pki_lab.progress` knows the file; this view joins the two.

    Raises:
        ParameterError: ``chapter`` has no exercises (the message lists the chapters that have some).
    """
    numbers = chapters()
    if chapter is not None:
        if chapter not in numbers:
            raise ParameterError(f"Chapter {chapter!r} has no exercises; chapters with exercises: "
                                 f"{', '.join(numbers)}.")
        numbers = [chapter]
    return progress.report({number: [ex.id for ex in _exercises_of(number)] for number in numbers})
