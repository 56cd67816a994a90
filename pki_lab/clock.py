"""The lab clock: the course's fixed "now".

Certificates are all about time (notBefore, notAfter, thisUpdate, ...). If the
course read the real clock, every notebook would print different dates each
run, and the certificates it made would expire while the course sits on a
shelf. So the lab has its own clock, stopped at one documented instant,
:data:`LAB_EPOCH`, **2026-03-15 12:00:00 UTC**. It was chosen so that the real
certificate chains shipped in :mod:`pki_lab.data` from 2026 (facebook.com,
microsoft.com, stackoverflow.com) are all inside their validity windows.

Every helper that needs a time calls :func:`now`. Lifecycle demos travel in
time inside a ``with`` block, and the clock comes back when the block ends::

    >>> from pki_lab import clock
    >>> clock.now().isoformat()
    '2026-03-15T12:00:00+00:00'
    >>> with clock.travel(days=400):
    ...     clock.now().date().isoformat()
    '2027-04-19'
    >>> clock.now().isoformat()
    '2026-03-15T12:00:00+00:00'

The clock is process-wide (a helper thread sees the same time as the notebook).
Chapters about real TLS are the one exception: the ``ssl`` module checks
certificates against the real clock, so those chapters issue around the real
present and print verdicts, not dates.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import threading
from collections.abc import Iterator

from .errors import ParameterError

__all__ = ["LAB_EPOCH", "UNIX_EPOCH", "now", "travel", "travel_to", "require_aware", "boot_clock"]

UTC = _dt.UTC

#: The course's "now": the instant the lab clock shows when no one travels.
LAB_EPOCH = _dt.datetime(2026, 3, 15, 12, 0, 0, tzinfo=UTC)

#: Where a clock without a battery-backed real-time clock (RTC) starts counting at power-on: 1970-01-01 UTC.
UNIX_EPOCH = _dt.datetime(1970, 1, 1, tzinfo=UTC)

_lock = threading.Lock()
_stack: list[_dt.datetime] = []


def require_aware(value: object, name: str = "at") -> _dt.datetime:
    """Return ``value`` in UTC, or raise a readable error if it is not an aware datetime.

    A naive datetime (one without a time zone) is refused rather than guessed at:
    the same wall-clock time means different instants in different places, and
    certificates always speak UTC.
    """
    if not isinstance(value, _dt.datetime):
        raise ParameterError(
            f"`{name}` must be a timezone-aware datetime, not {type(value).__name__}; "
            "for example datetime(2026, 3, 15, tzinfo=timezone.utc)."
        )
    if value.tzinfo is None or value.tzinfo.utcoffset(value) is None:
        raise ParameterError(
            f"`{name}` must be a timezone-aware datetime, not a naive one; "
            "add tzinfo=timezone.utc (certificates always use UTC)."
        )
    try:
        return value.astimezone(UTC)
    except OverflowError:  # 0001-01-01 east of UTC, or 9999-12-31 west of it: no such instant in UTC
        raise ParameterError(f"`{name}` {value.isoformat()} falls outside the years 1 to 9999 once converted to "
                             "UTC; choose a time inside them.") from None


def now() -> _dt.datetime:
    """The lab's current instant (aware, UTC, whole seconds)."""
    with _lock:
        return _stack[-1] if _stack else LAB_EPOCH


@contextlib.contextmanager
def travel_to(when: _dt.datetime) -> Iterator[_dt.datetime]:
    """Set the lab clock to ``when`` inside a ``with`` block.

    Raises :class:`~pki_lab.errors.ParameterError` if ``when`` is naive.
    """
    instant = require_aware(when, "when").replace(microsecond=0)
    with _lock:
        _stack.append(instant)
        depth = len(_stack)
    try:
        yield instant
    finally:
        with _lock:
            del _stack[depth - 1 :]


def travel(*, days: float = 0, hours: float = 0, minutes: float = 0, seconds: float = 0):
    """Move the lab clock by an offset (forwards or backwards) inside a ``with`` block."""
    delta = _dt.timedelta(days=days, hours=hours, minutes=minutes, seconds=seconds)
    return travel_to(now() + delta)


def boot_clock(rtc: _dt.datetime | None = None, *, floor: _dt.datetime | None = None) -> _dt.datetime:
    """What a device's clock reads when it boots, before any network time: its RTC, never earlier than ``floor``.

    Without an RTC (or with its battery dead) the clock starts at :data:`UNIX_EPOCH`. A *floor* raises
    a reading that is earlier than ``floor`` to ``floor``: a firmware's build date, or the last time saved
    to flash (systemd-timesyncd advances the clock at boot to the time it last saved to disk). Both
    arguments must be aware datetimes.

        >>> boot_clock().isoformat()
        '1970-01-01T00:00:00+00:00'
        >>> import datetime as dt
        >>> boot_clock(floor=dt.datetime(2026, 1, 10, tzinfo=dt.UTC)).date().isoformat()
        '2026-01-10'
    """
    reading = UNIX_EPOCH if rtc is None else require_aware(rtc, "rtc")
    if floor is None:
        return reading
    return max(reading, require_aware(floor, "floor"))
