"""Progress is never lost (issue 15, item 1): damaged files, concurrent writers, a stuck lock, odd files in the way.

The six damaged files the issue measured (a stray byte, a byte-order mark, a newer format tag, the list form,
truncated JSON, junk) each have a named test; property tests then try arbitrary bytes and mutations of a real
file: ``load()`` never raises, ``record()`` never loses a readable file's other entries, and a file's original
bytes always survive somewhere (in the file, or byte for byte in a copy beside it).
"""

import json
import os
import subprocess
import sys
import tempfile
import warnings
from pathlib import Path
from types import SimpleNamespace
from unittest import mock

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pki_lab import exercises, progress, progress_file
from pki_lab.errors import ParameterError

from .conftest import ROOT, examples

GOOD = {"format": "pki-lab-progress/1", "exercises": {
    "00.1": {"status": "correct", "passed": True, "attempts": 1},
    "04.2": {"status": "incorrect", "passed": False, "attempts": 3}}}
GOOD_BYTES = (json.dumps(GOOD, indent=1) + "\n").encode()


@pytest.fixture
def progress_path(tmp_path, monkeypatch):
    path = tmp_path / "progress" / "progress.json"
    monkeypatch.setenv("PKI_LAB_PROGRESS", str(path))
    path.parent.mkdir()
    return path


def _attempt(exercise_id="01.1", status="incorrect"):
    return SimpleNamespace(exercise_id=exercise_id, status=status)


def _beside(path, kind):
    return sorted(path.parent.glob(f"{path.name}.{kind}-*"))


READABLE = {
    "a-stray-byte": GOOD_BYTES + b"\xff",
    "a-byte-order-mark": b"\xef\xbb\xbf" + GOOD_BYTES,
    "the-list-form": json.dumps([{"id": key, **value} for key, value in GOOD["exercises"].items()]).encode(),
    "trailing-junk": GOOD_BYTES + b"}\x00 garbage {",
}


@pytest.mark.parametrize("raw", READABLE.values(), ids=READABLE.keys())
def test_a_readable_damaged_file_keeps_its_entries_and_its_original_bytes(progress_path, raw):
    progress_path.write_bytes(raw)
    loaded = progress.load()
    assert loaded == GOOD["exercises"]
    assert "read around" in loaded.notice and "the next check rewrites it" in loaded.notice
    assert progress_path.read_bytes() == raw  # reading changes nothing
    with pytest.warns(progress.ProgressWarning, match="a copy of it as it was is kept in .*original-"):
        assert progress.record(_attempt("01.1"))
    assert progress.load() == {**GOOD["exercises"], "01.1": {"status": "incorrect", "passed": False, "attempts": 1}}
    assert [p.read_bytes() for p in _beside(progress_path, "original")] == [raw]
    assert progress.load().notice is None  # rewritten in this version's form: nothing more to say


def test_a_newer_format_tag_is_read_and_its_unknown_fields_are_kept(progress_path):
    newer = {"format": "pki-lab-progress/2", "class": "PKI 101", "exercises": {
        "00.1": {"status": "correct", "passed": True, "attempts": 1, "seconds": 42}}}
    progress_path.write_text(json.dumps(newer))
    loaded = progress.load()
    assert loaded == newer["exercises"]
    assert "written in format 'pki-lab-progress/2'" in loaded.notice
    with pytest.warns(progress.ProgressWarning):
        progress.record(_attempt("00.1", "incorrect"))
    written = json.loads(progress_path.read_text())
    assert written["format"] == "pki-lab-progress/2" and written["class"] == "PKI 101"
    assert written["exercises"]["00.1"] == {"status": "incorrect", "passed": True, "attempts": 2, "seconds": 42}


UNREADABLE = {
    "truncated-json": GOOD_BYTES[:40],
    "junk": b"\x00\x13\x9c garbage",
    "a-stray-byte-inside-the-object": GOOD_BYTES[:20] + b"\xff" + GOOD_BYTES[20:],
}


@pytest.mark.parametrize("raw", UNREADABLE.values(), ids=UNREADABLE.keys())
def test_an_unreadable_file_is_moved_aside_and_the_learner_is_told_once(progress_path, raw):
    progress_path.write_bytes(raw)
    with warnings.catch_warnings(record=True) as told:
        warnings.simplefilter("always")
        report = exercises.show_progress()
        exercises.get("00.3").check("00")
        exercises.get("00.3").check("01")
        again = exercises.show_progress()
    (aside,) = _beside(progress_path, "damaged")
    assert aside.read_bytes() == raw
    assert aside.name.startswith("progress.json.damaged-20") and aside.name.endswith("Z")
    sentence = f"The progress file {progress_path} could not be read"
    assert sentence in repr(report) and f"moved aside to {aside}" in repr(report)
    assert sentence not in repr(again)
    assert [str(w.message) for w in told if w.category is progress.ProgressWarning] == [report.problem]
    assert json.loads(progress_path.read_text())["exercises"] == {
        "00.3": {"status": "incorrect", "passed": False, "attempts": 2}}


def test_two_damaged_files_in_the_same_second_get_two_names(progress_path):
    for raw in (b"first", b"second"):
        progress_path.write_bytes(raw)
        with pytest.warns(progress.ProgressWarning):
            progress.load()
    assert sorted(p.read_bytes() for p in _beside(progress_path, "damaged")) == [b"first", b"second"]


def test_reset_of_one_chapter_on_a_damaged_file_forgets_nothing(progress_path):
    damaged = GOOD_BYTES[:-9]
    progress_path.write_bytes(damaged)
    with pytest.warns(progress.ProgressWarning):
        message = repr(progress.reset("04"))
    (aside,) = _beside(progress_path, "damaged")
    assert message == (f"The progress file {progress_path} could not be read (it is not JSON: Expecting ',' "
                       f"delimiter, line 13 column 1); it was moved aside to {aside}, so nothing was overwritten, "
                       "and the next check starts a new file; nothing was forgotten.")
    assert aside.read_bytes() == damaged and not progress_path.exists()


def test_reset_of_every_chapter_moves_a_damaged_file_aside_rather_than_deleting_it(progress_path):
    progress_path.write_bytes(b"{junk")
    with pytest.warns(progress.ProgressWarning):
        message = repr(progress.reset())
    assert message.startswith("Progress reset: every chapter starts again. The progress file")
    assert [p.read_bytes() for p in _beside(progress_path, "damaged")] == [b"{junk"]


def test_reset_of_one_chapter_says_how_many_it_forgot(progress_path):
    progress_path.write_bytes(GOOD_BYTES)
    for exercise_id in ("04.1", "04.5", "07.1"):
        progress.record(_attempt(exercise_id))
    assert repr(progress.reset("04")) == ("Progress reset for chapter 04: forgot 3 exercises (04.1, 04.2, 04.5); "
                                          "the other chapters are kept.")
    assert sorted(progress.load()) == ["00.1", "07.1"]


_WRITER = """
import sys
from types import SimpleNamespace
from pki_lab import progress
ok = sum(progress.record(SimpleNamespace(exercise_id=eid, status="incorrect"))
         for n in range(int(sys.argv[1])) for eid in ("00.1", sys.argv[2]))
print(ok)
"""


def test_two_processes_recording_at_once_lose_nothing(progress_path):
    per_process = max(100, examples(500))  # 500 each in CI (the 2 x 500); each record is fsynced twice
    env = {**os.environ, "PKI_LAB_PROGRESS": str(progress_path)}
    writers = [subprocess.Popen([sys.executable, "-c", _WRITER, str(per_process // 2), own], cwd=ROOT, env=env,
                                stdout=subprocess.PIPE, text=True) for own in ("01.1", "02.1")]
    outputs = [w.communicate(timeout=120)[0] for w in writers]
    assert [int(out) for out in outputs] == [per_process, per_process]  # every record was written
    recorded = progress.load()
    assert recorded["00.1"]["attempts"] == per_process  # both processes' increments of one entry
    assert recorded["01.1"]["attempts"] == recorded["02.1"]["attempts"] == per_process // 2
    assert not list(progress_path.parent.glob(".progress-*"))  # no temporary file left behind


def test_a_lock_that_stays_taken_skips_recording_with_a_sentence(progress_path, monkeypatch):
    monkeypatch.setattr(progress, "LOCK_TIMEOUT", 0.05)
    progress_path.write_bytes(GOOD_BYTES)
    with progress_file.locked(progress_path, timeout=1):  # another kernel, stuck while writing
        with pytest.warns(progress.ProgressWarning, match="not recorded .* locked by another process for more "
                                                          "than 0.05 s. The check's verdict is not affected"):
            result = exercises.get("00.1").check(12345)
        assert result.status == "incorrect"
        with pytest.raises(ParameterError, match="locked by another process .* nothing was reset"):
            progress.reset("00")
    assert progress_path.read_bytes() == GOOD_BYTES
    assert progress.record(_attempt("00.1"))  # the lock is free again


def test_a_damaged_file_is_left_alone_while_another_process_holds_the_lock(progress_path, monkeypatch):
    monkeypatch.setattr(progress, "LOCK_TIMEOUT", 0.05)
    progress_path.write_bytes(b"{half written")
    with progress_file.locked(progress_path, timeout=1):
        loaded = progress.load()
    assert loaded == {} and "left as it is" in loaded.notice
    assert progress_path.read_bytes() == b"{half written" and not _beside(progress_path, "damaged")


def test_a_damaged_file_that_cannot_be_moved_is_left_as_it_is(progress_path, monkeypatch):
    progress_path.write_bytes(b"{half")
    monkeypatch.setattr(os, "rename", mock.Mock(side_effect=PermissionError(13, "Permission denied")))
    loaded = progress.load()
    assert loaded == {} and loaded.notice == (
        f"The progress file {progress_path} cannot be read (it is not JSON: Expecting property name enclosed in "
        "double quotes, line 1 column 2) and could not be moved aside (Permission denied); it is left as it is. "
        "Make its folder writable, or set PKI_LAB_PROGRESS to another path.")
    with pytest.warns(progress.ProgressWarning, match="not being recorded .* cannot be written .*Permission denied"):
        assert progress.record(_attempt()) is False
    assert progress_path.read_bytes() == b"{half"


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs are POSIX")
def test_a_fifo_in_place_of_the_file_is_never_opened(progress_path):
    os.mkfifo(progress_path)  # opening it to read would block until a writer came
    assert "cannot be read (it is not a regular file)" in progress.load().notice
    with pytest.warns(progress.ProgressWarning, match=r"cannot be written \(it is not a regular file\)"):
        assert progress.record(_attempt()) is False
    assert exercises.get("00.1").check(1).status == "incorrect"


def test_a_link_to_a_shared_drive_stays_a_link(progress_path, tmp_path):
    shared = tmp_path / "shared" / "mine.json"
    shared.parent.mkdir()
    shared.write_bytes(GOOD_BYTES)
    progress_path.symlink_to(shared)
    assert progress.record(_attempt("01.1"))
    assert progress_path.is_symlink() and "01.1" in json.loads(shared.read_text())["exercises"]


def test_a_failed_write_leaves_the_old_file_whole(progress_path, monkeypatch):
    progress_path.write_bytes(GOOD_BYTES)
    synced = []
    real_fsync = os.fsync
    monkeypatch.setattr(os, "fsync", lambda fd: synced.append(fd) or real_fsync(fd))
    monkeypatch.setattr(os, "replace", mock.Mock(side_effect=OSError(28, "No space left on device")))
    with pytest.warns(progress.ProgressWarning, match=r"cannot be written \(No space left on device\)"):
        assert progress.record(_attempt("01.1")) is False
    assert synced  # the new bytes were flushed to disk before the rename was tried
    assert progress_path.read_bytes() == GOOD_BYTES
    assert not list(progress_path.parent.glob(".progress-*"))


# Property tests: arbitrary bytes, and real files mutated byte by byte.

_IDS = st.one_of(st.from_regex(r"\A[0-9]{2}\.[0-9]{1,2}\Z"), st.text(max_size=8))
_JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=8),
                     lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner,
                                                                                 max_size=3), max_leaves=8)
_ENTRIES = st.fixed_dictionaries(
    {"status": st.sampled_from(list(progress.Status)), "passed": st.booleans(),
     "attempts": st.integers(0, 10**6)}, optional={"seconds": _JSON, "note": _JSON})
_DOCUMENTS = st.dictionaries(_IDS, _ENTRIES, max_size=6)


@st.composite
def _readable_files(draw):
    """A file a real writer could have left: this version's, a compact or newer one, with a BOM, junk, a list."""
    entries = draw(_DOCUMENTS)
    form = draw(st.sampled_from(["canonical", "compact", "newer", "bom", "junk", "list"]))
    top = {"format": "pki-lab-progress/2" if form == "newer" else "pki-lab-progress/1", "exercises": entries}
    if form == "newer":
        top["extra"] = draw(_JSON)
    if form == "list":
        return entries, json.dumps([{"id": key, **value} for key, value in entries.items()]).encode()
    text = json.dumps(top, indent=None if form == "compact" else 1) + "\n"
    raw = text.encode()
    if form == "bom":
        raw = b"\xef\xbb\xbf" + raw
    if form == "junk":
        raw += draw(st.binary(min_size=1, max_size=20).filter(lambda b: b.strip()))
    return entries, raw


@st.composite
def _mutated_files(draw):
    """A real file with a few bytes cut, inserted or changed: most are damaged, some still readable."""
    raw = bytearray(draw(_readable_files())[1])
    for _ in range(draw(st.integers(1, 3))):
        at = draw(st.integers(0, len(raw)))
        action = draw(st.sampled_from(["cut", "insert", "change", "truncate"]))
        if action == "truncate":
            del raw[at:]
        elif action == "insert":
            raw[at:at] = bytes([draw(st.integers(0, 255))])
        elif raw and at < len(raw):
            if action == "cut":
                del raw[at]
            else:
                raw[at] = draw(st.integers(0, 255))
    return bytes(raw)


_ANY_BYTES = st.one_of(st.binary(max_size=200), _mutated_files(), _readable_files().map(lambda pair: pair[1]))


class _Folder:
    """A fresh progress folder for one Hypothesis example (function-scoped fixtures are shared across examples)."""

    def __enter__(self) -> Path:
        self._tmp = tempfile.TemporaryDirectory()
        path = Path(self._tmp.name) / "progress.json"
        self._env = mock.patch.dict(os.environ, {"PKI_LAB_PROGRESS": str(path)})
        self._env.start()
        self._warnings = warnings.catch_warnings()
        self._warnings.__enter__()
        warnings.simplefilter("ignore", progress.ProgressWarning)
        return path

    def __exit__(self, *exc) -> None:
        self._warnings.__exit__(*exc)
        self._env.stop()
        self._tmp.cleanup()


def _survives(path: Path, raw: bytes) -> bool:
    """Whether ``raw`` is byte for byte in the progress folder (the file itself or a copy beside it)."""
    return any(p.read_bytes() == raw for p in path.parent.iterdir() if p.is_file() and not p.name.endswith(".lock"))


@settings(max_examples=examples(300), deadline=None)
@given(_ANY_BYTES)
def test_load_never_raises_and_never_loses_bytes(raw):
    with _Folder() as path:
        path.write_bytes(raw)
        loaded = progress.load()
        assert isinstance(loaded, progress.Progress)
        assert all(isinstance(v, dict) for v in loaded.values())
        assert _survives(path, raw)
        assert path.exists() == (not _beside(path, "damaged"))  # moved aside, or left as it was


@settings(max_examples=examples(300), deadline=None)
@given(_ANY_BYTES, _IDS, st.sampled_from(list(progress.Status)))
def test_record_keeps_every_other_entry_and_the_original_bytes(raw, exercise_id, status):
    with _Folder() as path:
        path.write_bytes(raw)
        before = dict(progress.load())
        assert progress.record(_attempt(exercise_id, status))
        after = progress.load()
        assert {k: v for k, v in after.items() if k != exercise_id} == {
            k: v for k, v in before.items() if k != exercise_id}
        assert after[exercise_id]["status"] == status
        assert after[exercise_id]["attempts"] == before.get(exercise_id, {}).get("attempts", 0) + 1
        canonical = progress_file.parse(raw).canonical if not _beside(path, "damaged") else False
        assert canonical or _survives(path, raw)


@settings(max_examples=examples(200), deadline=None)
@given(_readable_files())
def test_every_form_a_writer_left_is_read_whole(pair):
    entries, raw = pair
    with _Folder() as path:
        path.write_bytes(raw)
        assert progress.load() == entries
