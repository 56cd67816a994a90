"""A learner's progress across chapters: which self-checks pass, kept in a small local file.

Every ``Exercise.check(answer)`` with a real answer (not the ``...`` placeholder) notes its outcome here,
so :func:`pki_lab.exercises.show_progress` can list, chapter by chapter, which exercises pass; ``reset()``
starts again. This module keeps the file and nothing else: it knows exercise ids, not the exercises, so the
registry above it (:mod:`pki_lab.exercises`) imports it and never the other way round.

Where the file is:

* ``$PKI_LAB_PROGRESS``, if set to a path (``~`` is expanded);
* ``~/.pki_lab/progress.json`` otherwise (on JupyterHub and Binder, ``~`` is the learner's own home);
* nowhere when ``PKI_LAB_PROGRESS`` is ``off`` (or ``0``, ``no``, ``none``, ``false``): nothing is recorded.
  The make targets that run tests set this; and while pytest runs a test (``PYTEST_CURRENT_TEST`` is set, also in
  the kernels nbval starts) recording is off unless ``PKI_LAB_PROGRESS`` names a file, so running the course's
  tests never touches a learner's progress.

The file is JSON, written atomically (a temporary file, then a rename)::

    {"format": "pki-lab-progress/1",
     "exercises": {"00.1": {"status": "correct", "passed": true, "attempts": 2}}}

``status`` is the latest outcome (``correct``, ``incorrect`` or ``cannot check``); ``passed`` stays true once
an answer was correct; ``attempts`` counts checked answers. "Not attempted" is never recorded, so stored
notebooks (whose exercises hold the placeholder) never change the file. It holds no answers, no names and
no times.

A problem with the file (a read-only home, a damaged file) never breaks a check: ``record`` gives up quietly,
and the progress table says what it could not read.

Example, in any notebook::

    from pki_lab import exercises, progress
    exercises.show_progress()   # a table: chapter, passed, each exercise
    progress.reset("00")        # forget chapter 00; progress.reset() forgets everything

A cell that shows progress prints the learner's own state, so in a stored chapter it carries the tag
``nbval-ignore-output``.
"""

from __future__ import annotations

import dataclasses
import html
import json
import os
import tempfile
from collections.abc import Mapping, Sequence
from enum import StrEnum
from pathlib import Path
from typing import Any

from .errors import ParameterError

__all__ = ["Status", "State", "progress_path", "record", "load", "report", "reset", "state_of",
           "ProgressReport", "ChapterProgress", "ResetResult"]

FORMAT = "pki-lab-progress/1"
ENV = "PKI_LAB_PROGRESS"
_OFF = ("off", "0", "no", "none", "false")


class Status(StrEnum):
    """The latest outcome the file records for an exercise ("not attempted" is never recorded)."""

    CORRECT = "correct"
    INCORRECT = "incorrect"
    CANNOT_CHECK = "cannot check"


class State(StrEnum):
    """An exercise's line in the progress table: passed once, tried without passing, or never tried."""

    PASSED = "passed"
    TRIED = "tried"
    NOT_TRIED = "not tried"


_SYMBOLS = {State.PASSED: "✅", State.TRIED: "❌", State.NOT_TRIED: "·"}


def state_of(entry: Mapping[str, Any] | None) -> State:
    """The table state of one recorded entry (``None``: the exercise was never checked)."""
    if not entry:
        return State.NOT_TRIED
    return State.PASSED if entry.get("passed") else State.TRIED


def progress_path() -> Path | None:
    """The progress file's path, or None when recording is switched off (``PKI_LAB_PROGRESS=off``)."""
    value = os.environ.get(ENV, "").strip()
    if value.lower() in _OFF:
        return None
    if value:
        return Path(value).expanduser()
    if os.environ.get("PYTEST_CURRENT_TEST"):  # a test run: never the learner's own file
        return None
    return Path.home() / ".pki_lab" / "progress.json"


def _read(path: Path) -> dict[str, dict[str, Any]]:
    """The exercises recorded in ``path`` ({} if there is no file yet); raises OSError or ValueError."""
    if not path.exists():
        return {}
    data = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict) or data.get("format") != FORMAT or not isinstance(data.get("exercises"), dict):
        raise ValueError(f"it is not a PKI Lab progress file (expected format {FORMAT!r})")
    return {key: value for key, value in data["exercises"].items() if isinstance(value, dict)}


def _write(path: Path, exercises: dict[str, dict[str, Any]]) -> None:
    """Write atomically: a half-written file must never replace a good one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps({"format": FORMAT, "exercises": dict(sorted(exercises.items()))}, indent=1) + "\n"
    fd, tmp = tempfile.mkstemp(prefix=".progress-", suffix=".json", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def load() -> dict[str, dict[str, Any]]:
    """What the progress file holds, by exercise id ({} when there is none or recording is off).

    Raises:
        ParameterError: the file exists but cannot be read, with a sentence saying how to fix it.
    """
    path = progress_path()
    if path is None:
        return {}
    try:
        return _read(path)
    except (OSError, ValueError) as exc:
        raise ParameterError(f"The progress file {path} cannot be read ({exc}); delete it or call "
                             "pki_lab.progress.reset() to start again.") from None


def record(result: Any) -> bool:
    """Note a check's outcome (called by ``Exercise.check``). Returns True if it was written.

    Never raises: a progress-file problem must not break a learner's check. "Not attempted" is not recorded.
    """
    try:
        exercise_id = result.exercise_id
        path = progress_path()
        if path is None or result.status not in tuple(Status):
            return False
        status = Status(result.status)
        try:
            exercises = _read(path)
        except ValueError:
            exercises = {}  # a damaged file: start again rather than fail every check
        entry = exercises.get(exercise_id, {})
        attempts = entry.get("attempts", 0)
        exercises[exercise_id] = {
            "status": str(status),
            "passed": bool(entry.get("passed")) or status is Status.CORRECT,
            "attempts": (attempts if isinstance(attempts, int) else 0) + 1,
        }
        _write(path, exercises)
        return True
    except Exception:  # noqa: BLE001 - see the docstring: never break a check
        return False


@dataclasses.dataclass(frozen=True)
class ChapterProgress:
    """One chapter's line: each exercise id with ``passed``, ``tried`` or ``not tried``."""

    chapter: str
    exercises: tuple[tuple[str, State], ...]

    @property
    def passed(self) -> int:
        return sum(state == State.PASSED for _, state in self.exercises)


@dataclasses.dataclass(frozen=True)
class ProgressReport:
    """Progress across every chapter that has exercises, and where it is kept."""

    chapters: tuple[ChapterProgress, ...]
    path: Path | None
    problem: str | None = None

    @property
    def passed(self) -> int:
        return sum(c.passed for c in self.chapters)

    @property
    def total(self) -> int:
        return sum(len(c.exercises) for c in self.chapters)

    def _where(self) -> str:
        if self.problem:
            return self.problem
        if self.path is None:
            return f"Progress recording is off ({ENV} is set to off, or a test is running)."
        return f"Progress file: {self.path}"

    def __repr__(self) -> str:
        lines = [f"Your progress: {self.passed} of {self.total} exercises pass.", self._where(), "",
                 "chapter  passed   exercises"]
        for c in self.chapters:
            marks = "  ".join(f"{_SYMBOLS[state]} {ex_id}" for ex_id, state in c.exercises)
            lines.append(f"{c.chapter:<8} {c.passed:>2} of {len(c.exercises):<3} {marks}")
        lines.append("")
        lines.append("✅ passes   ❌ tried, not yet passing   · not tried")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        rows = "".join(
            f"<tr><td>{html.escape(c.chapter)}</td><td>{c.passed} of {len(c.exercises)}</td><td>"
            + " ".join(f"{_SYMBOLS[state]}&nbsp;{html.escape(ex_id)}" for ex_id, state in c.exercises)
            + "</td></tr>"
            for c in self.chapters
        )
        return (f"<p><b>Your progress: {self.passed} of {self.total} exercises pass.</b> "
                f"{html.escape(self._where())}</p>"
                f"<table><tr><th>chapter</th><th>passed</th><th>exercises</th></tr>{rows}</table>"
                "<p>✅ passes &nbsp; ❌ tried, not yet passing &nbsp; · not tried</p>")


def report(catalogue: Mapping[str, Sequence[str]]) -> ProgressReport:
    """The progress of every exercise in ``catalogue`` (chapter -> exercise ids, in order), read from the file.

    The exercise registry supplies the catalogue (:func:`pki_lab.exercises.show_progress`): this module only
    keeps the file, so it imports nothing above it. A file that cannot be read gives a report that says so.
    """
    problem = None
    try:
        recorded = load()
    except ParameterError as exc:
        recorded, problem = {}, str(exc)
    chapters = tuple(
        ChapterProgress(number, tuple((ex_id, state_of(recorded.get(ex_id))) for ex_id in ids))
        for number, ids in catalogue.items()
    )
    return ProgressReport(chapters, progress_path(), problem)


@dataclasses.dataclass(frozen=True)
class ResetResult:
    """What ``reset`` forgot, as a sentence."""

    message: str

    def __repr__(self) -> str:
        return self.message


def reset(chapter: str | None = None) -> ResetResult:
    """Forget the progress of one chapter (``"04"``), or of every chapter when ``chapter`` is None.

    Raises:
        ParameterError: the chapter is not like ``"04"``, or the file cannot be written.
    """
    path = progress_path()
    if path is None:
        return ResetResult(f"Progress recording is off ({ENV} is set to off, or a test is running); "
                           "there is nothing to reset.")
    if chapter is not None and not (isinstance(chapter, str) and len(chapter) == 2 and chapter.isdigit()):
        raise ParameterError(f"A chapter is two digits as a string, like '04', not {chapter!r}.")
    try:
        if chapter is None:
            path.unlink(missing_ok=True)
            return ResetResult(f"Progress reset: every chapter starts again ({path} removed).")
        try:
            exercises = _read(path)
        except ValueError:
            exercises = {}
        kept = {key: value for key, value in exercises.items() if key.split(".")[0] != chapter}
        _write(path, kept)
    except OSError as exc:
        raise ParameterError(f"The progress file {path} cannot be changed ({exc.strerror or exc}); "
                             f"check that its folder is writable, or set {ENV} to another path.") from None
    forgotten = len(exercises) - len(kept)
    return ResetResult(f"Progress reset for chapter {chapter}: {forgotten} exercise(s) forgotten.")
