"""Try it: pick two primes and watch textbook RSA work (chapter 01).

:func:`rsa_playground` is the pure, unit-tested function; :func:`rsa_explorer` is the
ipywidgets shell around it. INSECURE textbook RSA with tiny primes, for learning only.
"""

from __future__ import annotations

import dataclasses
import html
import textwrap
from typing import Any

from ..errors import ParameterError, PkiLabError, WrongTypeError
from ..toyrsa import decrypt, encrypt, is_probable_prime, key_from_primes
from . import TryIt

__all__ = ["SMALL_PRIMES", "Playground", "message_bound", "rsa_playground", "rsa_explorer"]

#: The primes the widget offers (11 to 199).
SMALL_PRIMES = tuple(p for p in range(11, 200) if is_probable_prime(p))


@dataclasses.dataclass(frozen=True)
class Playground:
    """What the widget shows: either the key and a round trip, or why the input does not make a key."""

    ok: bool
    lines: tuple[str, ...]

    def __repr__(self) -> str:
        return "\n".join(self.lines)


def message_bound(p: int, q: int) -> int:
    """The largest message textbook RSA can carry with the primes ``p`` and ``q``: ``n - 1``.

    Textbook RSA computes modulo ``n = p * q``, so a message is a number from 0 to ``n - 1``; a larger one
    would come back reduced modulo ``n``. The widget's message slider runs from 0 to this bound, and the
    bound follows the primes.

        >>> message_bound(61, 53)
        3232

    Raises:
        WrongTypeError: ``p`` or ``q`` is not a whole number.
    """
    for name, value in (("p", p), ("q", q)):
        if isinstance(value, bool) or not isinstance(value, int):
            raise WrongTypeError(f"{name} must be a whole number (int), not {type(value).__name__}.")
    return p * q - 1


def rsa_playground(p: int, q: int, e: int | None, m: int) -> Playground:
    """Build a key from ``p``, ``q`` (and ``e``, or the default), encrypt ``m`` and decrypt it back.

    Never raises for a learner's choice: a bad choice gives ``ok=False`` and the lab's sentence, "No key: ..."
    when ``p``, ``q`` and ``e`` make no key, or the key and "Cannot encrypt: ..." when only ``m`` is wrong.
    """
    try:
        key = key_from_primes(p, q, e)
    except PkiLabError as exc:
        return Playground(False, tuple(textwrap.wrap(f"No key: {exc}", 100)))
    key_lines = (
        f"n = {key.p} x {key.q} = {key.n}   phi = {key.phi}",
        f"public key (n, e) = ({key.n}, {key.e})   private exponent d = {key.d}",
    )
    try:
        c = encrypt(key.public, m)
    except PkiLabError as exc:
        return Playground(False, (*key_lines, *textwrap.wrap(f"Cannot encrypt: {exc}", 100)))
    back = decrypt(key, c)
    return Playground(True, (
        *key_lines,
        f"encrypt: c = {m}^{key.e} mod {key.n} = {c}",
        f"decrypt: m = {c}^{key.d} mod {key.n} = {back}" + ("   (round trip works)" if back == m else ""),
    ))


def rsa_explorer(p: int = 61, q: int = 53, e: int = 17, m: int = 65) -> Any:
    """Dropdowns for p and q, a box for e, a slider for the message; shows :func:`rsa_playground`.

    The message slider runs from 0 to :func:`message_bound` of the chosen primes (n - 1), and its end
    moves when p or q changes, so every position of it is a message the key can carry.

    Raises:
        ParameterError: ``p`` or ``q`` is not one of :data:`SMALL_PRIMES`, or ``m`` is not from 0 to n - 1.
    """
    import ipywidgets as w

    for name, prime in (("p", p), ("q", q)):
        if prime not in SMALL_PRIMES:
            raise ParameterError(f"{name} = {prime!r} is not one of the widget's primes; choose a prime from "
                                 f"{SMALL_PRIMES[0]} to {SMALL_PRIMES[-1]}, e.g. 61 or 53.")
    if isinstance(m, bool) or not isinstance(m, int) or not 0 <= m <= message_bound(p, q):
        raise ParameterError(f"m = {m!r} is not a message for n = {p * q}: choose a whole number from 0 to "
                             f"{message_bound(p, q)}.")

    style = {"description_width": "initial"}
    p_box = w.Dropdown(options=SMALL_PRIMES, value=p, description="prime p", style=style)
    q_box = w.Dropdown(options=SMALL_PRIMES, value=q, description="prime q", style=style)
    e_box = w.IntText(value=e, description="public exponent e", style=style)
    m_box = w.IntSlider(value=m, min=0, max=message_bound(p, q), description="message m (0 to n-1)",
                        style=style, layout=w.Layout(width="32em"))
    out = w.HTML()

    def update(_change: Any = None) -> None:
        result = rsa_playground(p_box.value, q_box.value, e_box.value, m_box.value)
        colour = "#1a7f37" if result.ok else "#cf222e"
        # The choices echoed first: every control visibly changes the display, even when p and q make no key.
        chosen = f"p = {p_box.value}, q = {q_box.value}, e = {e_box.value}, m = {m_box.value}"
        out.value = (f"<pre style='color:#57606a;margin-bottom:0'>{html.escape(chosen)}</pre>"
                     f"<pre style='color:{colour};margin-top:0'>" + html.escape("\n".join(result.lines)) + "</pre>")

    def rebound(_change: Any = None) -> None:
        m_box.max = message_bound(p_box.value, q_box.value)  # a value past the new end moves to it
        update()

    for control in (p_box, q_box):
        control.observe(rebound, names="value")
    for control in (e_box, m_box):
        control.observe(update, names="value")
    update()
    box = w.VBox([w.HBox([p_box, q_box, e_box]), m_box, out])
    return TryIt(box, "pick primes p and q and see the key, a ciphertext and its decryption",
                 p=p_box, q=q_box, e=e_box, m=m_box, output=out)
