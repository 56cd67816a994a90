"""Plain copies of a learner's answer, so that a check compares values, never an object's own opinion.

An answer is compared after it has been copied into a plain built-in value: an ``int`` subclass becomes the
``int`` it holds, a ``str`` subclass the ``str``, a list, tuple, set or dict is rebuilt from its real items,
each item made plain in turn. The copy reads the object's stored value with the *base* type's own methods
(``int.__int__``, ``str.__str__``, ``list.copy``...), so an ``__eq__``, ``__str__``, ``strip`` or ``__iter__``
that lies is never asked. Types are read with ``type()``, not ``isinstance``, which a ``__class__`` property can
fool. A ``bool`` is not a number: ``True`` is refused where an int is expected.

Lab objects (a certificate, a :class:`~pki_lab.iot.trust.Verdict`, a design) must be of exactly the accepted
type, and the values they hold must be built-in, lab or ``cryptography`` values, checked the same way; a
subclass made in the notebook is refused. This makes a check impossible to fool by accident or by a lying
object; it is not a sandbox (a learner who reads the chapter module's source can still find the answer).

Sizes are bounded so that a check never hangs or raises: a number longer than :data:`MAX_BITS`, a text or
byte string longer than :data:`MAX_LENGTH`, NaN or infinity is simply not the answer (:class:`TooLarge`), and a
container nested deeper than :data:`MAX_DEPTH` or holding more than :data:`MAX_ITEMS` items is refused.
"""

from __future__ import annotations

import copy
import dataclasses
import datetime as _dt
import enum
import math
from typing import Any

from ..errors import article, type_noun

__all__ = ["MAX_BITS", "MAX_DEPTH", "MAX_ITEMS", "MAX_LENGTH", "NotWhole", "Refused", "TooLarge", "article",
           "plain_answer", "plain_value", "type_nudge", "type_phrase"]

#: No number in the lab is longer than an 8192-bit RSA modulus.
MAX_BITS = 8192
#: No text or byte answer is longer than this (a PEM certificate chain is a few kilobytes).
MAX_LENGTH = 100_000
#: How deeply lists, tuples, sets and dicts may nest inside an answer.
MAX_DEPTH = 32
#: How many items (all levels together) an answer may hold.
MAX_ITEMS = 100_000

# Modules whose types may appear inside a lab object: their classes are the lab's and the library's own.
_TRUSTED_ROOTS = frozenset({"pki_lab", "cryptography"})


class Refused(Exception):
    """The answer (or something inside it) has a type the exercise cannot compare; ``str()`` says which."""


class TooLarge(Exception):
    """The answer is a value of the right type that cannot be the answer (too long, NaN, infinite)."""


class NotWhole(TooLarge):
    """A float that is not a whole number, where the answer is an int."""


def type_phrase(types: tuple[type, ...] | None) -> str:
    """``(int, float)`` -> ``"an int or a float"``; ``(list, tuple, set)`` -> ``"a list, a tuple or a set"``."""
    if not types:
        return "a plain value (a number, a string, bytes, a list, a tuple, a set or a dict)"
    names = [type_noun(_name_of(t)) for t in types]
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} or {names[-1]}"


def _name_of(kind: type) -> str:
    name = type.__getattribute__(kind, "__name__")
    return name if isinstance(name, str) and len(name) <= 60 else "object"


class _Copier:
    """One copy of one answer: counts items so that the whole answer stays within :data:`MAX_ITEMS`."""

    def __init__(self) -> None:
        self.items = 0

    def copy(self, value: Any, depth: int, inside_lab_object: bool) -> Any:
        kind = type(value)
        if value is None or kind is bool or (inside_lab_object and issubclass(kind, enum.Enum) and _trusted(kind)):
            return value  # bool cannot be subclassed; a lab enum's members are the lab's own
        scalar = _SCALARS.get(_base_of(kind, _SCALARS))
        if scalar is not None:
            return scalar(value)
        container = _CONTAINERS.get(_base_of(kind, _CONTAINERS))
        if container is not None:
            if depth >= MAX_DEPTH:
                raise Refused(f"Your answer nests containers more than {MAX_DEPTH} deep")
            return container(self, value, depth + 1, inside_lab_object)
        if inside_lab_object and _trusted(kind):
            return self._lab_object(value, depth)
        raise Refused(f"Your answer {'holds' if depth else 'is'} {type_noun(_name_of(kind))}")

    def count(self, n: int) -> None:
        self.items += n
        if self.items > MAX_ITEMS:
            raise Refused(f"Your answer holds more than {MAX_ITEMS:,} items")

    def _lab_object(self, value: Any, depth: int) -> Any:
        """A lab or cryptography object: enum members and plain classes as they are, dataclass fields vetted."""
        if not dataclasses.is_dataclass(type(value)) or depth >= MAX_DEPTH:
            return value
        clone = copy.copy(value)  # the lab's own class: its other attributes come along as they are
        fields = dataclasses.fields(value)
        self.count(len(fields))
        for field in fields:
            stored = object.__getattribute__(value, field.name)
            object.__setattr__(clone, field.name, self.copy(stored, depth + 1, True))
        return clone


def _base_of(kind: type, table: dict[type, Any]) -> type | None:
    """The first built-in type of ``table`` in ``kind``'s MRO (a subclass is copied as its base)."""
    for base in kind.__mro__:
        if base in table:
            return base
    return None


def _trusted(kind: type) -> bool:
    module = type.__getattribute__(kind, "__module__")
    return isinstance(module, str) and module.split(".")[0] in _TRUSTED_ROOTS


def _int(value: int) -> int:
    plain = int.__int__(value)
    if plain.bit_length() > MAX_BITS:
        raise TooLarge(f"That number has about {round(plain.bit_length() * math.log10(2)):,} digits, far more "
                       "than any answer in the lab; try hint().")
    return plain


def _float(value: float) -> float:
    plain = float.__float__(value)
    if not math.isfinite(plain):
        raise TooLarge(f"{plain} is not a finite number, so it cannot be the answer; try hint().")
    return plain


def _text(value: str) -> str:
    plain = str.__str__(value)
    if len(plain) > MAX_LENGTH:
        raise TooLarge(f"That answer is {len(plain):,} characters long, far longer than any answer here; "
                       "try hint().")
    return plain


def _bytes(value: bytes) -> bytes:
    plain = bytes.__bytes__(value)
    if len(plain) > MAX_LENGTH:
        raise TooLarge(f"That answer is {len(plain):,} bytes long, far longer than any answer here; try hint().")
    return plain


def _bytearray(value: bytearray) -> bytearray:
    return bytearray(_bytes(bytes(memoryview(value))))


def _date(value: _dt.date) -> _dt.date:
    if isinstance(value, _dt.datetime):  # read with the base methods, which take the stored fields
        return _dt.datetime.fromisoformat(_dt.datetime.isoformat(value))
    return _dt.date.fromordinal(_dt.date.toordinal(value))


_SCALARS: dict[type, Any] = {int: _int, float: _float, str: _text, bytes: _bytes, bytearray: _bytearray,
                             _dt.datetime: _date, _dt.date: _date}


def _list(copier: _Copier, value: list, depth: int, lab: bool) -> list:
    items = list.copy(value)
    copier.count(len(items))
    return [copier.copy(item, depth, lab) for item in items]


def _tuple(copier: _Copier, value: tuple, depth: int, lab: bool) -> tuple:
    items = tuple.__getitem__(value, slice(None))
    copier.count(len(items))
    return tuple(copier.copy(item, depth, lab) for item in items)


def _set(copier: _Copier, value: set | frozenset, depth: int, lab: bool) -> set | frozenset:
    mutable = issubclass(type(value), set)
    items = set.copy(value) if mutable else frozenset.copy(value)
    copier.count(len(items))
    plain = [copier.copy(item, depth, lab) for item in items]
    return set(plain) if mutable else frozenset(plain)


def _dict(copier: _Copier, value: dict, depth: int, lab: bool) -> dict:
    items = list(dict.items(value))
    copier.count(len(items))
    plain = {}
    for key, item in items:
        plain_key = copier.copy(key, depth, lab)
        try:
            hash(plain_key)
        except TypeError:
            raise Refused("Your answer uses a list as a dict key") from None
        plain[plain_key] = copier.copy(item, depth, lab)
    return plain


_CONTAINERS: dict[type, Any] = {list: _list, tuple: _tuple, set: _set, frozenset: _set, dict: _dict}


def plain_value(value: Any) -> Any:
    """A plain built-in copy of ``value`` (see the module's docstring).

    Raises:
        Refused: ``value`` is not made of built-in values.
        TooLarge: a number, text or byte string in it is out of bounds.
    """
    return _Copier().copy(value, 0, False)


def plain_answer(answer: Any, accepts: tuple[type, ...] | None) -> Any:
    """The answer as a plain value of one of the ``accepts`` types, ready to compare.

    A built-in answer (or a subclass of one) is copied into its plain base type; a lab object must be of exactly
    an accepted type, and what it holds is vetted the same way.

    Raises:
        Refused: the type is not accepted (a ``bool`` where a number is expected, an object of another type, a
            subclass of a lab type), or something inside the answer is not a plain value; ``str()`` is the start
            of a sentence, which the caller ends with what the exercise expects.
        TooLarge: a value of the right type that cannot be the answer (its ``str()`` is a whole sentence); a
            :class:`NotWhole` float where the answer is an int.

    Where the answer is an int (``int`` accepted, ``float`` not), a float that is a whole number (``128.0``) is
    taken as that int, as an exercise accepting floats would take it.
    """
    kind = type(answer)
    if accepts is not None and _wants_whole_number(accepts) and float in kind.__mro__:
        return _whole(answer)
    if accepts is not None:
        if kind is bool and bool not in accepts:
            numeric = any(t in (int, float) for t in accepts)
            raise Refused("Your answer is a bool" + (" (True and False are not numbers here)" if numeric else ""))
        if not any(issubclass(kind, t) for t in accepts):
            raise Refused(f"Your answer is {type_noun(_name_of(kind))}")
        if not _SCALARS.keys() & set(kind.__mro__) and not _CONTAINERS.keys() & set(kind.__mro__):
            if kind not in accepts:
                raise Refused(f"Your answer is {type_noun(_name_of(kind))}, made from "
                              f"{type_noun(_name_of(next(t for t in accepts if issubclass(kind, t))))}")
            return _Copier().copy(answer, 0, True)
    return _Copier().copy(answer, 0, False)


def _wants_whole_number(accepts: tuple[type, ...]) -> bool:
    return int in accepts and float not in accepts


_EXACT_FLOAT = 2**53  # above this a float cannot tell neighbouring whole numbers apart


def _whole(answer: float) -> int:
    """An integral float as the int it holds (read with ``float.__float__``, so a subclass cannot lie)."""
    value = _float(answer)
    if not value.is_integer():
        raise NotWhole(f"{value!r} is not a whole number, and this exercise's answer is one; try hint().")
    if abs(value) > _EXACT_FLOAT:
        raise NotWhole(f"{value!r} is too large for a float to hold its whole number exactly; give the answer as "
                       "an int.")
    return int(value)


_NUMBER_SHOWN_BELOW = 10**15  # a number this small is shown back in a sentence; a larger one is only named


def type_nudge(answer: Any, accepts: tuple[type, ...] | None) -> str | None:
    """A sentence for an answer of the wrong kind that is close to a right one, or None.

    Text that holds a number where a number is expected ("Your answer is the text '128'; give it as a number,
    without quotes."), the text 'True' or 'False' where a bool is expected, and a number where text is expected.
    The answer is read with the base types' own methods (it may be a hostile object), and only short values are
    shown back.
    """
    if not accepts:
        return None
    kind = type(answer)
    wants_number = any(t in (int, float) for t in accepts)
    if str in kind.__mro__ and str not in accepts:
        text = str.__str__(answer)
        if len(text) > 40:
            return None
        if wants_number and _is_number(text):
            return f"Your answer is the text {text!r}; give it as a number, without quotes."
        if bool in accepts and text.strip().casefold() in ("true", "false"):
            return f"Your answer is the text {text!r}; give True or False, without quotes."
        return None
    if kind is not bool and (int in kind.__mro__ or float in kind.__mro__) and str in accepts and not wants_number:
        value = int.__int__(answer) if int in kind.__mro__ else float.__float__(answer)
        shown = f"the number {value!r}" if math.isfinite(value) and abs(value) < _NUMBER_SHOWN_BELOW else "a number"
        return f"Your answer is {shown}; this exercise expects {type_phrase(accepts)} (text, in quotes)."
    return None


def _is_number(text: str) -> bool:
    try:
        return math.isfinite(float(text))
    except ValueError:
        return False
