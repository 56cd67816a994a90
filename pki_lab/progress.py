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

The file is JSON, written atomically (a temporary file flushed to disk, then a rename) while holding a lock, so
two kernels recording at once lose nothing (:mod:`pki_lab.progress_file` keeps the bytes)::

    {"format": "pki-lab-progress/1",
     "exercises": {"00.1": {"status": "correct", "passed": true, "attempts": 2}}}

``status`` is the latest outcome (``correct``, ``incorrect`` or ``cannot check``); ``passed`` stays true once
an answer was correct; ``attempts`` counts checked answers. "Not attempted" is never recorded, so stored
notebooks (whose exercises hold the placeholder) never change the file. It holds no answers, no names and
no times.

A learner's progress is never overwritten. What earlier, newer or damaged writers left is read where its meaning
is clear (a byte-order mark, text after the JSON, a newer format's known fields, the list form); a file that
cannot be read is moved aside under a dated name (``progress.json.damaged-2026-03-15T120000Z``) and the learner
is told once (:class:`ProgressWarning`, and a sentence in the progress table). A problem with the file (a
read-only home, a folder in its place, a lock another kernel keeps) never breaks a check: the answer is not
recorded, and a warning says so once.

Example, in any notebook::

    from pki_lab import exercises, progress
    exercises.show_progress()   # a table: chapter, passed, each exercise
    progress.reset("00")        # forget chapter 00; progress.reset() forgets everything

A cell that shows progress prints the learner's own state, so in a stored chapter it carries the tag
``nbval-ignore-output``.
"""

from __future__ import annotations

import contextlib
import dataclasses
import html
import os
import warnings
from collections.abc import Mapping, Sequence
from enum import StrEnum
from pathlib import Path
from typing import Any

from . import progress_file as store
from .errors import ParameterError

__all__ = ["Status", "State", "progress_path", "record", "load", "report", "reset", "state_of", "Progress",
           "ProgressReport", "ChapterProgress", "ResetResult", "ProgressWarning", "LOCK_TIMEOUT"]

FORMAT = store.FORMAT
ENV = "PKI_LAB_PROGRESS"
LOCK_TIMEOUT = 2.0  # seconds a check waits for another kernel's write before it skips recording (with a warning)
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
# Each state is also spelt out (in colour in the HTML table): without an emoji font the icons are empty boxes.
_LABELS = {State.PASSED: ("passes", "#1a7f37"), State.TRIED: ("not yet", "#cf222e"),
           State.NOT_TRIED: ("to do", "#57606a")}


def _legend_html() -> str:
    meaning = {State.PASSED: "an answer was correct", State.TRIED: "tried, not yet passing",
               State.NOT_TRIED: "not tried"}
    return " &nbsp; ".join(f"{_SYMBOLS[s]}&nbsp;<b style='color:{_LABELS[s][1]}'>{_LABELS[s][0]}</b>: {meaning[s]}"
                           for s in State)


def _mark_html(ex_id: str, state: State) -> str:
    word, colour = _LABELS[state]
    return (f"<span style='white-space:nowrap'>{_SYMBOLS[state]}&nbsp;{html.escape(ex_id)}&nbsp;"
            f"<b style='color:{colour}'>{word}</b></span>")


def state_of(entry: Mapping[str, Any] | None) -> State:
    """The table state of one recorded entry (``None``: the exercise was never checked)."""
    if not entry:
        return State.NOT_TRIED
    return State.PASSED if entry.get("passed") is True else State.TRIED


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


class ProgressWarning(UserWarning):
    """Told once when the progress file was moved aside, kept a copy of itself, or could not be written."""


_told: set[str] = set()


def _tell(sentence: str | None) -> None:
    """Warn the learner once per sentence per process (a check's cell shows it); never raise from here."""
    if sentence and sentence not in _told:
        _told.add(sentence)
        with contextlib.suppress(Exception):  # even under warnings-as-errors a check must not break
            warnings.warn(sentence, ProgressWarning, stacklevel=3)


class Progress(dict):
    """What the progress file holds, by exercise id (a plain dict), and ``notice``: a sentence about the file
    when there is something to say (it could not be read and was moved aside, it was written by a newer version).
    """

    notice: str | None = None

    def __init__(self, exercises: Mapping[str, Any] = (), notice: str | None = None) -> None:
        super().__init__(exercises)
        self.notice = notice


def _entries(document: store.Document) -> dict[str, dict[str, Any]]:
    return {key: value for key, value in document.exercises.items() if isinstance(value, dict)}


def _about(path: Path, document: store.Document) -> str | None:
    """A sentence about a readable file that is not in this version's form, for the progress table."""
    if document.format != FORMAT:
        return (f"Progress file: {path} (written in format {document.format!r}; this version shows the fields it "
                "knows and keeps the others).")
    if document.repairs:
        return (f"Progress file: {path} (read around {', '.join(document.repairs)}; the next check rewrites it "
                "and keeps the original bytes beside it).")
    return None


def _moved(path: Path, reason: str, aside: Path) -> str:
    return (f"The progress file {path} could not be read ({reason}); it was moved aside to {aside}, so nothing "
            "was overwritten, and the next check starts a new file.")


def _settle(path: Path, raw: bytes | None) -> tuple[store.Document, str | None]:
    """The document of ``raw`` (the file's bytes, read with the lock held), moving an unreadable file aside.

    Returns the document (a new one for a moved file) and, if the file was moved, the sentence that says so.
    """
    if raw is None:
        return store.new_document(), None
    try:
        return store.parse(raw), None
    except store.Unreadable as exc:
        return store.new_document(), _moved(path, exc.reason, store.move_aside(path))


def _save(path: Path, document: store.Document, original: bytes | None) -> str | None:
    """Write ``document`` (lock held), first copying a non-canonical original aside; the sentence if it was."""
    note = None
    if original is not None and not document.canonical:
        copy = store.keep_original(path, original)
        how = f"read around {', '.join(document.repairs)}" if document.repairs else "in another layout"
        note = (f"The progress file {path} was {how}; it is rewritten in this version's layout, and a copy of it "
                f"as it was is kept in {copy}.")
    store.write(path, document)
    return note


def load() -> Progress:
    """What the progress file holds, by exercise id (empty when there is none or recording is off). Never raises.

    A file that cannot be read is moved aside under a dated name (never overwritten, never deleted), and
    ``notice`` on the result says so, as does a :class:`ProgressWarning` the first time; a folder or a device in
    the file's place is left alone and ``notice`` says what to do.
    """
    path = progress_path()
    if path is None:
        return Progress()
    try:
        raw = store.read(path)
        if raw is None:
            return Progress()
        try:
            document = store.parse(raw)
        except store.Unreadable as exc:
            try:
                with store.locked(path, LOCK_TIMEOUT):  # another process may be writing it right now: look again
                    document, moved = _settle(path, store.read(path))
            except OSError as failure:  # a read-only folder: the file stays, and nothing will overwrite it
                return Progress({}, f"The progress file {path} cannot be read ({exc.reason}) and could not be "
                                    f"moved aside ({failure.strerror or failure}); it is left as it is. Make its "
                                    f"folder writable, or set {ENV} to another path.")
            _tell(moved)
            return Progress(_entries(document), moved)
        return Progress(_entries(document), _about(path, document))
    except store.LockTimeout:
        return Progress({}, f"The progress file {path} cannot be read and is left as it is: another process has "
                            f"held its lock for more than {LOCK_TIMEOUT:g} s; try again in a moment.")
    except OSError as exc:
        return Progress({}, f"The progress file {path} cannot be read ({exc.strerror or exc}); make it a file "
                            f"you can read, or set {ENV} to another path.")


def _updated(entry: Any, status: Status) -> dict[str, Any]:
    """The entry after one more checked answer; a newer version's fields in it are kept."""
    entry = dict(entry) if isinstance(entry, dict) else {}
    attempts = entry.get("attempts")
    known = isinstance(attempts, int) and not isinstance(attempts, bool) and attempts >= 0
    entry.update(status=str(status), passed=entry.get("passed") is True or status is Status.CORRECT,
                 attempts=(attempts if known else 0) + 1)
    return entry


def record(result: Any) -> bool:
    """Note a check's outcome (called by ``Exercise.check``). Returns True if it was written.

    Never raises: a progress-file problem must not break a learner's check. "Not attempted" is not recorded.
    The read-modify-write holds the file's lock, so two kernels recording at once lose nothing; if the lock
    stays taken for more than ``LOCK_TIMEOUT`` seconds, this answer is not recorded and a warning says so.
    """
    try:
        exercise_id = result.exercise_id
        path = progress_path()
        if path is None or result.status not in tuple(Status) or not isinstance(exercise_id, str):
            return False
        status = Status(result.status)
        with store.locked(path, LOCK_TIMEOUT):
            raw = store.read(path)
            document, moved = _settle(path, raw)
            _tell(moved)
            document.exercises[exercise_id] = _updated(document.exercises.get(exercise_id), status)
            _tell(_save(path, document, None if moved else raw))
        return True
    except store.LockTimeout:
        _tell(f"This answer was not recorded in your progress: the progress file {path} has been locked by "
              f"another process for more than {LOCK_TIMEOUT:g} s. The check's verdict is not affected.")
        return False
    except OSError as exc:  # a read-only home, a folder in the way: say it once, as every later check fails too
        _tell(f"Your answers are not being recorded in your progress: the progress file {path} cannot be written "
              f"({exc.strerror or exc}); set {ENV} to a path you can write, or to off. Checks work as usual.")
        return False
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
            marks = "  ".join(f"{_SYMBOLS[state]} {ex_id} {_LABELS[state][0]}" for ex_id, state in c.exercises)
            lines.append(f"{c.chapter:<8} {c.passed:>2} of {len(c.exercises):<3} {marks}")
        lines.append("")
        lines.append("✅ passes: an answer was correct   ❌ not yet: tried, not yet passing   · to do: not tried")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        rows = "".join(
            f"<tr><td>{html.escape(c.chapter)}</td><td>{c.passed} of {len(c.exercises)}</td>"
            "<td style='text-align:left'>"
            + " &nbsp; ".join(_mark_html(ex_id, state) for ex_id, state in c.exercises)
            + "</td></tr>"
            for c in self.chapters
        )
        return (f"<p><b>Your progress: {self.passed} of {self.total} exercises pass.</b> "
                f"{html.escape(self._where())}</p>"
                "<table><tr><th>chapter</th><th>passed</th><th style='text-align:left'>exercises</th></tr>"
                f"{rows}</table>"
                f"<p>{_legend_html()}</p>")


def report(catalogue: Mapping[str, Sequence[str]]) -> ProgressReport:
    """The progress of every exercise in ``catalogue`` (chapter -> exercise ids, in order), read from the file.

    The exercise registry supplies the catalogue (:func:`pki_lab.exercises.show_progress`): this module only
    keeps the file, so it imports nothing above it. A file that cannot be read gives a report that says so (and
    was moved aside, see :func:`load`).
    """
    recorded = load()
    chapters = tuple(
        ChapterProgress(number, tuple((ex_id, state_of(recorded.get(ex_id))) for ex_id in ids))
        for number, ids in catalogue.items()
    )
    return ProgressReport(chapters, progress_path(), recorded.notice)


@dataclasses.dataclass(frozen=True)
class ResetResult:
    """What ``reset`` forgot, as a sentence."""

    message: str

    def __repr__(self) -> str:
        return self.message


def _plural(n: int) -> str:
    return f"{n} exercise" + ("" if n == 1 else "s")


def _forget(path: Path, chapter: str | None) -> str:
    """Reset with the lock held; the sentence that says what was really done. Raises OSError."""
    raw = store.read(path)
    document, moved = _settle(path, raw)
    if moved:
        _tell(moved)
        if chapter is None:
            return f"Progress reset: every chapter starts again. {moved}"
        return f"{moved[:-1]}; nothing was forgotten."
    if raw is None:
        return "Nothing to reset: no progress is recorded yet."
    if chapter is None:
        count = len(_entries(document))
        os.remove(os.path.realpath(path))  # the file behind a link: the link stays, as a write would keep it
        return f"Progress reset: every chapter starts again ({path} removed; it held {_plural(count)})."
    gone = sorted(key for key in document.exercises if key.split(".")[0] == chapter)
    if not gone:
        return f"Nothing to reset for chapter {chapter}: none of its exercises is recorded."
    for key in gone:
        del document.exercises[key]
    _tell(_save(path, document, raw))
    return (f"Progress reset for chapter {chapter}: forgot {_plural(len(gone))} ({', '.join(gone)}); "
            "the other chapters are kept.")


def reset(chapter: str | None = None) -> ResetResult:
    """Forget the progress of one chapter (``"04"``), or of every chapter when ``chapter`` is None.

    The result says what was really done. A file that cannot be read is moved aside, never erased: resetting
    one chapter then forgets nothing of the others.

    Raises:
        ParameterError: the chapter is not like ``"04"``, the file cannot be changed, or its lock stays taken.
    """
    path = progress_path()
    if path is None:
        return ResetResult(f"Progress recording is off ({ENV} is set to off, or a test is running); "
                           "there is nothing to reset.")
    if chapter is not None and not (isinstance(chapter, str) and len(chapter) == 2 and chapter.isdigit()):
        raise ParameterError(f"A chapter is two digits as a string, like '04', not {chapter!r}.")
    try:
        with store.locked(path, LOCK_TIMEOUT):
            return ResetResult(_forget(path, chapter))
    except store.LockTimeout:
        raise ParameterError(f"The progress file {path} has been locked by another process for more than "
                             f"{LOCK_TIMEOUT:g} s, so nothing was reset; try again in a moment.") from None
    except OSError as exc:
        raise ParameterError(f"The progress file {path} cannot be changed ({exc.strerror or exc}); "
                             f"check that its folder is writable, or set {ENV} to another path.") from None
