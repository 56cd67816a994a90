"""Try it: pick two primes and watch textbook RSA work (chapter 01).

:func:`rsa_playground` is the pure, unit-tested function; :func:`rsa_explorer` is the
ipywidgets shell around it. INSECURE textbook RSA with tiny primes, for learning only.
"""

from __future__ import annotations

import dataclasses
import html
from typing import Any

from ..errors import PkiLabError
from ..toyrsa import decrypt, encrypt, is_probable_prime, key_from_primes
from . import TryIt

__all__ = ["SMALL_PRIMES", "Playground", "rsa_playground", "rsa_explorer"]

#: The primes the widget offers (11 to 199).
SMALL_PRIMES = tuple(p for p in range(11, 200) if is_probable_prime(p))


@dataclasses.dataclass(frozen=True)
class Playground:
    """What the widget shows: either the key and a round trip, or why the input does not make a key."""

    ok: bool
    lines: tuple[str, ...]

    def __repr__(self) -> str:
        return "\n".join(self.lines)


def rsa_playground(p: int, q: int, e: int | None, m: int) -> Playground:
    """Build a key from ``p``, ``q`` (and ``e``, or the default), encrypt ``m`` and decrypt it back.

    Never raises for a learner's choice: a bad choice gives ``ok=False`` and the lab's sentence.
    """
    try:
        key = key_from_primes(p, q, e)
        c = encrypt(key.public, m)
        back = decrypt(key, c)
    except PkiLabError as exc:
        return Playground(False, (f"No key: {exc}",))
    return Playground(True, (
        f"n = {key.p} x {key.q} = {key.n}   phi = {key.phi}",
        f"public key (n, e) = ({key.n}, {key.e})   private exponent d = {key.d}",
        f"encrypt: c = {m}^{key.e} mod {key.n} = {c}",
        f"decrypt: m = {c}^{key.d} mod {key.n} = {back}" + ("   (round trip works)" if back == m else ""),
    ))


def rsa_explorer(p: int = 61, q: int = 53, e: int = 17, m: int = 65) -> Any:
    """Dropdowns for p and q, a box for e, a slider for the message; shows :func:`rsa_playground`."""
    import ipywidgets as w

    style = {"description_width": "initial"}
    p_box = w.Dropdown(options=SMALL_PRIMES, value=p, description="prime p", style=style)
    q_box = w.Dropdown(options=SMALL_PRIMES, value=q, description="prime q", style=style)
    e_box = w.IntText(value=e, description="public exponent e", style=style)
    m_box = w.IntSlider(value=m, min=0, max=SMALL_PRIMES[-1] ** 2, description="message m", style=style,
                        layout=w.Layout(width="32em"))
    out = w.HTML()

    def update(_change: Any = None) -> None:
        result = rsa_playground(p_box.value, q_box.value, e_box.value, m_box.value)
        colour = "#1a7f37" if result.ok else "#cf222e"
        out.value = f"<pre style='color:{colour}'>" + html.escape("\n".join(result.lines)) + "</pre>"

    for control in (p_box, q_box, e_box, m_box):
        control.observe(update, names="value")
    update()
    box = w.VBox([w.HBox([p_box, q_box, e_box]), m_box, out])
    return TryIt(box, "pick primes p and q and see the key, a ciphertext and its decryption",
                 p=p_box, q=q_box, e=e_box, m=m_box, output=out)
