"""Where a certificate stands in its life at a given instant.

A certificate is *not yet valid* before notBefore, *valid* between notBefore
and notAfter (both inclusive, RFC 5280 4.1.2.5), and *expired* after
notAfter. A renewal policy adds a *renewal window* before expiry, during which
the certificate is still valid but should be replaced.

"Now" is whatever the relying party's clock says. :func:`judge_at_device_time`
asks chapter 04's validator at a device's own clock and at the true time, and
says when the two verdicts differ: a device that boots at 1970-01-01 rejects
every valid certificate as not yet valid, and one whose clock runs years behind
accepts certificates that have expired.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import enum
from collections.abc import Iterable
from typing import Any

from cryptography import x509

from . import clock
from .errors import ParameterError, WrongTypeError
from .validation import validate_chain

__all__ = ["State", "CertificateState", "certificate_state", "DeviceClockCheck", "judge_at_device_time"]


class State(enum.StrEnum):
    """The stages of a certificate's life, as the lab names them."""

    NOT_YET_VALID = "not yet valid"
    VALID = "valid"
    RENEW = "valid, due for renewal"
    EXPIRED = "expired"


@dataclasses.dataclass(frozen=True)
class CertificateState:
    """A certificate's state at an instant, with the numbers behind it."""

    state: State
    at: _dt.datetime
    not_before: _dt.datetime
    not_after: _dt.datetime

    @property
    def days_left(self) -> float:
        """Days from ``at`` until notAfter (negative once expired)."""
        return (self.not_after - self.at).total_seconds() / 86400

    @property
    def is_valid(self) -> bool:
        """True while the certificate is inside its validity period."""
        return self.state in (State.VALID, State.RENEW)

    def sentence(self) -> str:
        """One sentence a learner can read."""
        when = self.at.strftime("%Y-%m-%d %H:%M UTC")
        if self.state is State.NOT_YET_VALID:
            wait = (self.not_before - self.at).total_seconds() / 86400
            return f"At {when} the certificate is not yet valid: it starts in {wait:.1f} days."
        if self.state is State.EXPIRED:
            return f"At {when} the certificate is expired: it ended {-self.days_left:.1f} days ago."
        if self.state is State.RENEW:
            return f"At {when} the certificate is valid, but due for renewal: {self.days_left:.1f} days left."
        return f"At {when} the certificate is valid: {self.days_left:.1f} days left."


def certificate_state(
    cert: x509.Certificate,
    at: _dt.datetime | None = None,
    *,
    renew_before_days: float | None = None,
) -> CertificateState:
    """The state of ``cert`` at ``at`` (default: the lab clock's now).

    ``renew_before_days`` opens a renewal window that many days before notAfter.
    """
    if not isinstance(cert, x509.Certificate):
        raise WrongTypeError(f"Expected an x509.Certificate, not {type(cert).__name__}.")
    when = clock.now() if at is None else clock.require_aware(at, "at")
    if renew_before_days is not None and (
        isinstance(renew_before_days, bool) or not isinstance(renew_before_days, (int, float)) or renew_before_days < 0
    ):
        raise ParameterError(f"`renew_before_days` must be a number >= 0, not {renew_before_days!r}.")
    start, end = cert.not_valid_before_utc, cert.not_valid_after_utc
    if when < start:
        state = State.NOT_YET_VALID
    elif when > end:
        state = State.EXPIRED
    elif renew_before_days is not None and end - when <= _dt.timedelta(days=renew_before_days):
        state = State.RENEW
    else:
        state = State.VALID
    return CertificateState(state, when, start, end)


@dataclasses.dataclass(frozen=True)
class DeviceClockCheck:
    """A chain judged at a device's clock and at the true time: the two verdicts and why."""

    device_time: _dt.datetime
    true_time: _dt.datetime
    accepted: bool
    should_accept: bool
    reason: str

    @property
    def skew(self) -> _dt.timedelta:
        """How far the device's clock is from the true time (negative: behind)."""
        return self.device_time - self.true_time

    @property
    def outcome(self) -> str:
        """``"right"``, ``"wrongly rejects"`` or ``"wrongly accepts"``: the device's verdict against the true one."""
        if self.accepted == self.should_accept:
            return "right"
        return "wrongly accepts" if self.accepted else "wrongly rejects"

    def sentence(self) -> str:
        """One sentence: the device's verdict, whether it is right, and the validator's reason."""
        verdict = "accepts" if self.accepted else "rejects"
        head = f"A device whose clock reads {self.device_time:%Y-%m-%d %H:%M} UTC {verdict} the chain"
        if self.outcome == "right":
            return f"{head}, as it should: {self.reason}"
        true_verdict = "valid" if self.should_accept else "invalid"
        return (f"{head}, wrongly (at the true time, {self.true_time:%Y-%m-%d %H:%M} UTC, it is "
                f"{true_verdict}): {self.reason}")


def judge_at_device_time(
    leaf: x509.Certificate,
    device_time: _dt.datetime,
    *,
    intermediates: Iterable[x509.Certificate] = (),
    trust: Iterable[Any] = (),
    true_time: _dt.datetime | None = None,
    **validate: Any,
) -> DeviceClockCheck:
    """Validate a chain at a device's own clock and at the true time, and compare the verdicts.

    A relying party can only check validity (RFC 5280 6.1.3 (a)(2)) against its own idea of "now". Both
    verdicts come from the one validator, :func:`pki_lab.validation.validate_chain` (``at=device_time`` and
    ``at=true_time``); this function only sets them side by side.

    Args:
        leaf: the certificate the device is shown.
        device_time: what the device's clock reads (timezone-aware).
        intermediates, trust: as for ``validate_chain``.
        true_time: the real instant (default: the lab clock's now).
        validate: further ``validate_chain`` arguments (``name``, ``usage``, ``crls``, ...).

    Raises:
        ParameterError: a naive ``device_time`` or ``true_time``, or what ``validate_chain`` refuses.

    Example (pinned to the lab clock)::

        >>> import datetime as dt
        >>> from pki_lab.ca import demo_hierarchy
        >>> h = demo_hierarchy()
        >>> check = judge_at_device_time(h.leaf, dt.datetime(1970, 1, 1, tzinfo=dt.UTC),
        ...                              intermediates=[h.intermediate.certificate], trust=[h.root],
        ...                              name="www.example.com")
        >>> check.outcome
        'wrongly rejects'
    """
    device = clock.require_aware(device_time, "device_time")
    true = clock.now() if true_time is None else clock.require_aware(true_time, "true_time")
    chain = list(intermediates)
    anchors = list(trust)
    at_device = validate_chain(leaf, chain, anchors, at=device, **validate)
    at_true = validate_chain(leaf, chain, anchors, at=true, **validate)
    return DeviceClockCheck(device, true, bool(at_device.ok), bool(at_true.ok), at_device.reason)
