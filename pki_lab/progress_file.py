"""The progress file on disk: read what can be read, lock around each change, write atomically, never destroy.

:mod:`pki_lab.progress` decides *what* is recorded; this module keeps the bytes safe, because a learner's progress
is the one thing in the lab that cannot be recomputed:

* **Reading** (:func:`parse`) accepts what earlier, later or damaged writers left, as long as the meaning is
  clear: a UTF-8 byte-order mark, text after the JSON object, a newer format's tag (its known fields are read, the
  others are kept when the file is rewritten), and the list form (``[{"id": "00.1", "status": ...}, ...]``, or
  such a list under ``"exercises"``). What cannot be read raises :class:`Unreadable` with the reason.
* **Nothing is overwritten.** A file that cannot be read is moved aside under a dated name
  (``progress.json.damaged-2026-03-15T120000Z``) before a new one starts; a file that can be read but is not in
  this version's exact form keeps a copy of its original bytes (``progress.json.original-...``) before its first
  rewrite. So whatever bytes were in the file survive somewhere.
* **A lock** (:func:`locked`) around every read-modify-write, so two kernels, or a Hub's servers sharing a home
  folder, never lose each other's records: ``fcntl.flock`` on POSIX, ``msvcrt.locking`` on Windows, on a
  ``.lock`` file beside the progress file (the progress file itself is replaced by each write, so it cannot
  carry the lock). A lock held longer than the timeout raises :class:`LockTimeout` instead of hanging a check.
* **Writes are atomic** (:func:`write`): a temporary file in the same folder, flushed to disk, then renamed over
  the old one, so a crash leaves either the old file or the new one, never half of one.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime
import json
import os
import stat
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from .errors import MalformedInputError, PkiLabError, a_type

try:  # POSIX
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]
    import msvcrt

__all__ = ["FORMAT", "FORMAT_PREFIX", "MAX_BYTES", "Document", "Unreadable", "LockTimeout", "parse", "dump",
           "read", "write", "locked", "lock_path", "move_aside", "keep_original", "new_document"]

FORMAT = "pki-lab-progress/1"
FORMAT_PREFIX = "pki-lab-progress/"
MAX_BYTES = 8 * 1024 * 1024  # a course's progress is a few kB; anything this large is not a progress file
_BOM = b"\xef\xbb\xbf"
_ID_KEYS = ("id", "exercise", "exercise_id")


class Unreadable(MalformedInputError):
    """The file's bytes cannot be read as progress; ``reason`` says why, as a clause ("it is not JSON ...")."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class LockTimeout(PkiLabError):
    """Another process held the progress file's lock for longer than the timeout."""


@dataclasses.dataclass
class Document:
    """A parsed progress file: the whole top-level object (unknown fields kept) and its exercises by id.

    ``exercises`` holds the entries as found (a newer version's fields are kept; an entry that is not an object
    is kept as it is and ignored by the table). ``canonical`` is true when the bytes are exactly what
    :func:`dump` writes, so a rewrite loses nothing; ``repairs`` names what reading had to work around.
    """

    top: dict[str, Any]
    exercises: dict[str, Any]
    canonical: bool = True
    repairs: tuple[str, ...] = ()

    @property
    def format(self) -> str:
        return str(self.top.get("format", FORMAT))


def new_document() -> Document:
    """An empty progress file of this version's format."""
    return Document({"format": FORMAT, "exercises": {}}, {})


def _pairs(duplicates: list[str]):
    """An object hook that notes repeated keys (JSON keeps the last; the first would be lost by a rewrite)."""
    def hook(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for key, value in pairs:
            if key in result:
                duplicates.append(key)
            result[key] = value
        return result
    return hook


def _decode(raw: bytes) -> tuple[Any, list[str]]:
    """The first JSON value in ``raw`` and the repairs reading it needed; raises Unreadable."""
    repairs = []
    if len(raw) > MAX_BYTES:
        raise Unreadable(f"it is {len(raw):,} bytes long, far more than a progress file (at most {MAX_BYTES:,})")
    if raw.startswith(_BOM):
        raw, repairs = raw[len(_BOM):], ["a byte-order mark"]
    try:
        text, stray = raw.decode("utf-8"), None
    except UnicodeDecodeError as exc:  # a stray byte after the object leaves the object readable
        text = raw[:exc.start].decode("utf-8")
        stray = f"it is not UTF-8 text (byte {exc.start} is {raw[exc.start]:#04x})"
    duplicates: list[str] = []
    data, end = _first_value(text, stray, duplicates)
    if stray or text[end:].strip():
        repairs.append(f"text after the JSON object (from byte {len(text[:end].encode())})")
    if duplicates:
        repairs.append(f"a repeated key ({duplicates[0]!r}; the last value is used)")
    return data, repairs


def _first_value(text: str, stray: str | None, duplicates: list[str]) -> tuple[Any, int]:
    """The first JSON value in ``text`` and where it ends; raises Unreadable. When the bytes were cut before
    one that is not UTF-8 (``stray``), that is the reason given if no whole value ends before it."""
    start = len(text) - len(text.lstrip())
    if start == len(text):
        raise Unreadable(stray or "it is empty")
    try:
        return json.JSONDecoder(object_pairs_hook=_pairs(duplicates)).raw_decode(text, start)
    except json.JSONDecodeError as exc:
        raise Unreadable(stray or f"it is not JSON: {exc.msg}, line {exc.lineno} column {exc.colno}") from None
    except (ValueError, RecursionError) as exc:  # an integer too long to convert, nesting too deep
        raise Unreadable(f"it is not JSON the lab can read ({type(exc).__name__})") from None


def _from_list(entries: list[Any]) -> dict[str, Any]:
    """The exercises of the list form: entries that name their exercise; the others are left out."""
    exercises = {}
    for entry in entries:
        if not isinstance(entry, dict):
            continue
        ids = [entry[key] for key in _ID_KEYS if isinstance(entry.get(key), str)]
        if ids:
            exercises[ids[0]] = {key: value for key, value in entry.items() if key not in _ID_KEYS}
    return exercises


def parse(raw: bytes) -> Document:
    """Read a progress file's bytes as generously as their meaning allows; raises Unreadable with the reason."""
    data, repairs = _decode(raw)
    if isinstance(data, list):
        top, exercises = {"format": FORMAT}, _from_list(data)
        repairs.append("the list form of an earlier version")
    elif isinstance(data, dict):
        tag = data.get("format")
        if not (isinstance(tag, str) and tag.startswith(FORMAT_PREFIX)):
            raise Unreadable(f"it is not a PKI Lab progress file (expected format {FORMAT!r}, found {tag!r})")
        top, found = data, data.get("exercises", {})
        if isinstance(found, list):
            exercises = _from_list(found)
            repairs.append("the list form of an earlier version")
        elif isinstance(found, dict):
            exercises = found
        else:
            raise Unreadable(f"its 'exercises' field is {a_type(found)}, not an object")
    else:
        raise Unreadable(f"it holds a JSON {type(data).__name__}, not a PKI Lab progress object")
    document = Document(top, dict(exercises), repairs=tuple(repairs))
    try:
        document.canonical = not repairs and dump(document) == raw
    except (ValueError, RecursionError):  # nested too deeply for the writer: it could never be rewritten
        raise Unreadable("it is nested too deeply to be rewritten") from None
    return document


def dump(document: Document) -> bytes:
    """The bytes :func:`write` stores: the top-level object with its exercises sorted by id."""
    top = dict(document.top)
    top["exercises"] = dict(sorted(document.exercises.items()))
    return (json.dumps(top, indent=1) + "\n").encode("ascii")


def _real(path: Path) -> Path:
    """The file behind a symbolic link: replacing the link itself would cut it off from a shared drive."""
    return Path(os.path.realpath(path))


def read(path: Path) -> bytes | None:
    """The file's bytes (None if there is no file). Raises OSError for a folder, a device or a FIFO in the way:
    those are never opened (a FIFO would block) and never moved."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        return None
    if not stat.S_ISREG(info.st_mode):
        kind = "a folder" if stat.S_ISDIR(info.st_mode) else "not a regular file"
        raise OSError(f"it is {kind}")
    with open(path, "rb") as handle:
        return handle.read(MAX_BYTES + 1)


def _fsync_folder(folder: Path) -> None:
    """Make a rename durable (POSIX); a folder cannot be opened this way on Windows, where rename is durable."""
    with contextlib.suppress(OSError, AttributeError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _replace(source: str, target: Path) -> None:
    """``os.replace``; on Windows, retried briefly while a reader has the old file open (it cannot be replaced
    then, where POSIX would simply unlink it)."""
    for _ in range(20 if os.name == "nt" else 0):  # pragma: no cover - Windows
        try:
            return os.replace(source, target)
        except PermissionError:
            time.sleep(0.01)
    os.replace(source, target)


def write(path: Path, document: Document) -> None:
    """Write atomically: a temporary file in the same folder, flushed to disk, renamed over the old one."""
    target = _real(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    data = dump(document)
    fd, tmp = tempfile.mkstemp(prefix=".progress-", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        _replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    _fsync_folder(target.parent)


def _dated(path: Path, kind: str) -> Path:
    """A new name beside ``path`` that no file has yet: ``progress.json.damaged-2026-03-15T120000Z[-2]``."""
    stamp = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H%M%SZ")
    target = _real(path)
    for n in range(1, 10_000):
        candidate = target.with_name(f"{target.name}.{kind}-{stamp}" + (f"-{n}" if n > 1 else ""))
        if not os.path.lexists(candidate):
            return candidate
    raise OSError(f"too many {kind} copies of {path} (remove old ones)")


def move_aside(path: Path) -> Path:
    """Rename an unreadable file to a dated name beside it (call with the lock held); returns the new path."""
    aside = _dated(path, "damaged")
    os.rename(_real(path), aside)
    _fsync_folder(aside.parent)
    return aside


def keep_original(path: Path, raw: bytes) -> Path:
    """Copy a readable file's original bytes before its first rewrite (call with the lock held)."""
    copy = _dated(path, "original")
    with open(copy, "xb") as handle:
        handle.write(raw)
        handle.flush()
        os.fsync(handle.fileno())
    return copy


def _try_lock(fd: int) -> bool:
    """Take the lock if it is free; False if another process holds it."""
    if fcntl is not None:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:  # EWOULDBLOCK: held elsewhere
            return False
        return True
    os.lseek(fd, 0, os.SEEK_SET)  # pragma: no cover - Windows: lock the lock file's first byte
    try:  # pragma: no cover
        msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
    except OSError:  # pragma: no cover - EACCES or EDEADLOCK while another process holds it
        return False
    return True  # pragma: no cover


def _unlock(fd: int) -> None:
    if fcntl is not None:
        fcntl.flock(fd, fcntl.LOCK_UN)
    else:  # pragma: no cover - Windows
        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)


def lock_path(path: Path) -> Path:
    """The lock file beside the progress file. It is never removed: a removed lock file lets two processes lock
    two different files."""
    target = _real(path)
    return target.with_name(target.name + ".lock")


def _wait_in_kernel(fd: int, timeout: float) -> bool:
    """Wait up to ``timeout`` for a blocking ``flock`` in a helper thread; True once the lock is held on ``fd``.

    Why not poll: a process that records in a loop takes the lock again within microseconds of releasing it, so
    a poller can starve; a blocked ``flock`` is woken by the kernel at the release. This function owns ``fd``
    unless it returns True: on a timeout the helper closes it (releasing the lock) as soon as it gets the lock.
    """
    gate, done, state = threading.Lock(), threading.Event(), {"abandoned": False, "error": None}

    def wait() -> None:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
        except OSError as exc:
            state["error"] = exc
        with gate:
            if state["abandoned"]:
                os.close(fd)
            done.set()

    threading.Thread(target=wait, name="pki-lab-progress-lock", daemon=True).start()
    try:
        done.wait(timeout)
    finally:  # a timeout, or an interrupt while waiting: the helper closes fd once it has the lock
        with gate:
            if not done.is_set():
                state["abandoned"] = True
    if state["abandoned"]:
        return False
    if state["error"] is not None:
        os.close(fd)
        raise state["error"]
    return True


def _hold(target: Path, timeout: float) -> int:
    """A descriptor of ``target`` that holds its lock; raises LockTimeout (or OSError) and then holds nothing."""
    fd = os.open(target, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        if _try_lock(fd):
            return fd
        if fcntl is not None:
            owned, fd = fd, -1  # _wait_in_kernel owns it unless it returns True
            if _wait_in_kernel(owned, timeout):
                return owned
        else:  # pragma: no cover - Windows: poll
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                time.sleep(0.005)
                if _try_lock(fd):
                    return fd
    except BaseException:
        if fd >= 0:
            os.close(fd)
        raise
    if fd >= 0:  # pragma: no cover - Windows
        os.close(fd)
    raise LockTimeout(f"{target} was held by another process for more than {timeout:g} s")


@contextlib.contextmanager
def locked(path: Path, timeout: float) -> Iterator[None]:
    """Hold the progress file's lock (exclusive, across processes); raises LockTimeout after ``timeout`` seconds.

    The operating system releases the lock when its holder exits, so a crashed kernel leaves no stale lock; the
    timeout covers a holder that hangs (or a network drive that does not answer).
    """
    target = lock_path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd = _hold(target, timeout)
    try:
        yield
    finally:
        try:
            _unlock(fd)
        finally:
            os.close(fd)
