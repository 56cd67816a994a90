"""The lab's errors: one family, messages a learner can act on.

Every error the lab raises on purpose is a :class:`PkiLabError`. Subclasses say
*what kind* of problem it was; the message says *what was wrong and what to do*,
in a whole sentence.

The subclasses also inherit from the matching built-in exception
(``ValueError``, ``TypeError``) so that code written against the built-ins keeps
working.
"""

from __future__ import annotations

__all__ = [
    "PkiLabError",
    "MalformedInputError",
    "WrongTypeError",
    "ParameterError",
    "PolicyError",
]


class PkiLabError(Exception):
    """Base class of every error raised by ``pki_lab`` on purpose."""


class MalformedInputError(PkiLabError, ValueError):
    """Bytes or text that cannot be parsed: truncated DER, garbage PEM, an empty file."""


class WrongTypeError(PkiLabError, TypeError):
    """The input parsed, but it is the wrong kind of object (a key where a certificate was expected)."""


class ParameterError(PkiLabError, ValueError):
    """An impossible or unsupported parameter: a naive datetime, an unknown profile, a negative size."""


class PolicyError(PkiLabError):
    """A request the lab refuses on principle (a CA asked to do something a real CA must not do)."""
