"""Where a certificate stands in its life at a given instant.

A certificate is *not yet valid* before notBefore, *valid* between notBefore
and notAfter (both inclusive, RFC 5280 4.1.2.5), and *expired* after
notAfter. A renewal policy adds a *renewal window* before expiry, during which
the certificate is still valid but should be replaced.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import enum

from cryptography import x509

from . import clock
from .errors import ParameterError, WrongTypeError

__all__ = ["State", "CertificateState", "certificate_state"]


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
