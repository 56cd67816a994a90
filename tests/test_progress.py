"""Exercise progress: which self-checks pass, kept in a small local file (pki_lab.progress), shown by the
exercise registry (pki_lab.exercises.show_progress)."""

import json
import os

import pytest

from pki_lab import exercises, progress
from pki_lab.cli import main
from pki_lab.errors import ParameterError

from .conftest import ROOT

CHAPTERS = sorted(p.stem[2:] for p in (ROOT / "pki_lab" / "exercises").glob("ch[0-9][0-9].py"))


@pytest.fixture
def progress_file(tmp_path, monkeypatch):
    path = tmp_path / "progress" / "progress.json"
    monkeypatch.setenv("PKI_LAB_PROGRESS", str(path))
    return path


def _correct(exercise_id):
    return exercises.get(exercise_id).expected()


def _recorded(path):
    return json.loads(path.read_text())["exercises"]


def _damaged(path):
    """The files a damaged ``path`` was moved aside to."""
    return sorted(path.parent.glob(path.name + ".damaged-*"))


@pytest.mark.parametrize("answer, status, passed", [
    pytest.param(lambda: _correct("00.1"), "correct", True, id="a-correct-answer-is-recorded-as-passed"),
    pytest.param(lambda: 12345, "incorrect", False, id="a-wrong-answer-is-recorded-as-tried"),
    pytest.param(lambda: object(), "cannot check", False, id="an-uncheckable-answer-is-recorded-as-tried"),
])
def test_each_real_attempt_is_recorded(progress_file, answer, status, passed):
    assert exercises.get("00.1").check(answer()).status == status
    assert _recorded(progress_file) == {"00.1": {"status": status, "passed": passed, "attempts": 1}}
    assert json.loads(progress_file.read_text())["format"] == "pki-lab-progress/1"


@pytest.mark.parametrize("placeholder", [...], ids=["ellipsis"])  # None is an answer ("did a function forget...")
def test_not_attempted_is_never_recorded_so_stored_notebooks_change_nothing(progress_file, placeholder):
    for ex in exercises.chapter("00"):
        assert ex.check(placeholder).status == "not attempted"
    assert not progress_file.exists()


def test_a_pass_stays_a_pass_and_attempts_are_counted(progress_file):
    ex = exercises.get("00.1")
    ex.check(1)
    ex.check(_correct("00.1"))
    ex.check(2)
    assert _recorded(progress_file)["00.1"] == {"status": "incorrect", "passed": True, "attempts": 3}


def test_an_exercise_outside_the_course_is_not_recorded(progress_file):
    ad_hoc = exercises.Exercise("99.1", "p", lambda: 1, ("h",), "1", "because")
    assert ad_hoc.check(1).status == "correct"
    assert not progress_file.exists()


@pytest.mark.parametrize("value", ["off", "0", "OFF", "none", "false"])
def test_recording_can_be_switched_off(monkeypatch, tmp_path, value):
    monkeypatch.setenv("PKI_LAB_PROGRESS", value)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert exercises.get("00.1").check(_correct("00.1")).correct
    assert progress.progress_path() is None
    assert not any(tmp_path.iterdir())
    assert "Progress recording is off" in repr(exercises.show_progress())
    assert "nothing to reset" in repr(progress.reset())


def test_the_default_file_is_in_the_learners_home(monkeypatch, tmp_path):
    monkeypatch.delenv("PKI_LAB_PROGRESS", raising=False)
    monkeypatch.delenv("PYTEST_CURRENT_TEST", raising=False)  # as in a learner's kernel
    monkeypatch.setenv("HOME", str(tmp_path))
    assert progress.progress_path() == tmp_path / ".pki_lab" / "progress.json"
    exercises.get("00.2").check(-12345)
    assert _recorded(tmp_path / ".pki_lab" / "progress.json")["00.2"]["status"] == "incorrect"


def test_a_test_run_never_writes_the_learners_file_unless_told_where(monkeypatch, tmp_path):
    monkeypatch.delenv("PKI_LAB_PROGRESS", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert progress.progress_path() is None  # pytest sets PYTEST_CURRENT_TEST while a test runs
    assert exercises.get("00.1").check(_correct("00.1")).correct
    assert not any(tmp_path.iterdir())
    monkeypatch.setenv("PKI_LAB_PROGRESS", str(tmp_path / "p.json"))
    assert progress.progress_path() == tmp_path / "p.json"


def _directory_in_the_way(path):
    path.mkdir(parents=True)


def _damaged_json(path):
    path.parent.mkdir(parents=True)
    path.write_text("{not json")


def _a_file_where_the_folder_should_be(path):
    path.parent.parent.mkdir(parents=True, exist_ok=True)
    path.parent.write_text("a file, not a folder")


@pytest.mark.filterwarnings("ignore::pki_lab.progress.ProgressWarning")  # the damaged file is moved aside
@pytest.mark.parametrize("damage", [_directory_in_the_way, _damaged_json, _a_file_where_the_folder_should_be],
                         ids=["a-directory-in-the-way", "damaged-json", "a-file-where-the-folder-should-be"])
def test_a_progress_file_problem_never_breaks_a_check(progress_file, damage):
    damage(progress_file)
    result = exercises.get("00.1").check(_correct("00.1"))
    assert result.status == "correct" and result.message == "Well done."
    assert exercises.get("00.1").check(1).status == "incorrect"


def test_a_damaged_file_is_moved_aside_and_the_next_check_starts_a_new_one(progress_file):
    _damaged_json(progress_file)
    with pytest.warns(progress.ProgressWarning, match="could not be read .* moved aside to .*damaged-"):
        exercises.get("00.3").check("00")
    assert _recorded(progress_file) == {"00.3": {"status": "incorrect", "passed": False, "attempts": 1}}
    assert [p.read_text() for p in _damaged(progress_file)] == ["{not json"]


def test_show_says_when_the_file_cannot_be_read(progress_file):
    _directory_in_the_way(progress_file)
    report = exercises.show_progress()
    assert report.passed == 0
    assert f"The progress file {progress_file} cannot be read (it is a folder)" in repr(report)
    assert "set PKI_LAB_PROGRESS to another path" in repr(report)
    assert progress_file.is_dir()  # a folder is never moved: it is not a damaged file


def test_a_foreign_json_file_is_not_taken_for_progress_and_is_kept(progress_file):
    progress_file.parent.mkdir(parents=True)
    foreign = json.dumps({"exercises": {"00.1": {"passed": True}}})
    progress_file.write_text(foreign)
    with pytest.warns(progress.ProgressWarning):
        loaded = progress.load()
    assert loaded == {} and "not a PKI Lab progress file" in loaded.notice
    assert [p.read_text() for p in _damaged(progress_file)] == [foreign]


def test_show_lists_every_chapter_with_exercises(progress_file):
    exercises.get("00.1").check(_correct("00.1"))
    exercises.get("00.2").check("nobody")
    report = exercises.show_progress()
    assert [c.chapter for c in report.chapters] == CHAPTERS
    assert report.total == sum(len(exercises.chapter(ch)) for ch in CHAPTERS)
    ch00 = report.chapters[0]
    assert ch00.exercises == (("00.1", "passed"), ("00.2", "tried"), ("00.3", "not tried"))
    assert ch00.passed == 1 and report.passed == 1
    text = repr(report)
    assert f"Your progress: 1 of {report.total} exercises pass." in text
    assert "✅ 00.1 passes  ❌ 00.2 not yet  · 00.3 to do" in text
    assert str(progress_file) in text
    assert "<table>" in report._repr_html_() and "✅&nbsp;00.1" in report._repr_html_()


def test_show_one_chapter_and_refuse_an_unknown_one(progress_file):
    assert [c.chapter for c in exercises.show_progress("00").chapters] == ["00"]
    with pytest.raises(ParameterError, match=r"Chapter '77' has no exercises; chapters with exercises: 00"):
        exercises.show_progress("77")


def test_reset_one_chapter_keeps_the_others(progress_file):
    progress_file.parent.mkdir(parents=True)
    progress_file.write_text(json.dumps({"format": "pki-lab-progress/1", "exercises": {
        "00.1": {"status": "correct", "passed": True, "attempts": 1},
        "04.2": {"status": "incorrect", "passed": False, "attempts": 3}}}, indent=1) + "\n")
    assert repr(progress.reset("00")) == ("Progress reset for chapter 00: forgot 1 exercise (00.1); "
                                          "the other chapters are kept.")
    assert list(_recorded(progress_file)) == ["04.2"]
    assert repr(progress.reset("00")) == "Nothing to reset for chapter 00: none of its exercises is recorded."
    assert repr(progress.reset()) == (f"Progress reset: every chapter starts again ({progress_file} removed; "
                                      "it held 1 exercise).")
    assert not progress_file.exists()
    assert os.listdir(progress_file.parent) == ["progress.json.lock"]  # no temporary file left behind
    assert repr(progress.reset()) == "Nothing to reset: no progress is recorded yet."


@pytest.mark.parametrize("chapter", ["4", 4, "ch04", "004"])
def test_reset_refuses_a_chapter_that_is_not_two_digits(progress_file, chapter):
    with pytest.raises(ParameterError, match="two digits as a string, like '04'"):
        progress.reset(chapter)


def test_reset_says_when_the_file_cannot_be_changed(progress_file):
    _a_file_where_the_folder_should_be(progress_file)
    with pytest.raises(ParameterError, match="cannot be changed .* set PKI_LAB_PROGRESS to another path"):
        progress.reset("00")


def test_the_command_line_shows_and_resets(progress_file, capsys):
    exercises.get("00.1").check(_correct("00.1"))
    assert main(["progress"]) == 0
    assert "✅ 00.1" in capsys.readouterr().out
    assert main(["progress", "--reset", "00"]) == 0
    assert "chapter 00: forgot 1 exercise (00.1)" in capsys.readouterr().out
    assert main(["progress", "--reset"]) == 0
    assert "every chapter starts again" in capsys.readouterr().out


def test_the_command_line_tells_of_a_damaged_file_once_in_plain_sentences(progress_file, capsys):
    progress_file.parent.mkdir(parents=True)
    progress_file.write_text("{not json")
    assert main(["progress"]) == 0
    out, err = capsys.readouterr()
    assert f"The progress file {progress_file} could not be read" in out and "moved aside to" in out
    assert err == ""  # the table already says it: no second copy as a warning
    progress_file.write_text(json.dumps({"format": "pki-lab-progress/1", "exercises": {
        "00.1": {"status": "correct", "passed": True, "attempts": 1}}}))  # compact: not this version's layout
    assert main(["progress", "--reset", "04"]) == 0
    out, err = capsys.readouterr()
    assert out == "Nothing to reset for chapter 04: none of its exercises is recorded.\n" and err == ""
    assert main(["progress", "--reset", "00"]) == 0
    out, err = capsys.readouterr()
    assert "forgot 1 exercise (00.1)" in out
    assert err.startswith(f"The progress file {progress_file} was in another layout;") and "Warning" not in err
