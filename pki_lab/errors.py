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
    "article",
    "a_type",
]

# Words that start with a vowel letter but a consonant sound ("a unique", "a one"), and the reverse ("an hour").
_CONSONANT_SOUNDS = ("uni", "use", "usu", "uti", "eu", "one", "once")
_VOWEL_SOUNDS = ("hour", "honest", "honour", "heir")
# Initials read letter by letter whose name starts with a vowel sound: "an RSA key", "an SCT", "an X509Name".
_VOWEL_INITIALS = frozenset("AEFHILMNORSX")
# How a type is named in a sentence, where its bare name reads badly ("a bytes").
_NOUNS = {"bytes": "a bytes object", "bytearray": "a bytearray", "NoneType": "None", "ellipsis": "... (Ellipsis)",
          "builtin_function_or_method": "a built-in function"}


def article(word: str) -> str:
    """``word`` with "a" or "an", chosen by its sound: "an int", "a str", "an RSAPublicKey", "a unique name".

    The messages of every error say "an int", never "a int"; :func:`a_type` names a value's type this way.
    """
    if not word:
        return word
    if len(word) > 1 and word[:2].isupper():  # initials, read letter by letter
        return f"an {word}" if word[0] in _VOWEL_INITIALS else f"a {word}"
    low = word.casefold()
    if low.startswith(_VOWEL_SOUNDS):
        return f"an {word}"
    if low[0] in "aeiou" and not low.startswith(_CONSONANT_SOUNDS):
        return f"an {word}"
    return f"a {word}"


def type_noun(name: str) -> str:
    """A type's name for a sentence, with its article: "an int", "a bytes object", "a built-in function"."""
    return _NOUNS.get(name) or article(name)


def a_type(value: object) -> str:
    """The type of ``value`` for a sentence: ``a_type(3)`` -> ``"an int"``, ``a_type(b"")`` -> ``"a bytes object"``."""
    return type_noun(type(value).__name__)


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
