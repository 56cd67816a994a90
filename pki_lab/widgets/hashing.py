"""Try it: flip input bits and watch SHA-256's output change (chapter 02).

:func:`avalanche_view` is the pure, unit-tested function; :func:`avalanche_explorer` is
the ipywidgets shell around it.
"""

from __future__ import annotations

import dataclasses
import html
from typing import Any

from ..errors import PkiLabError
from ..hashing import as_bytes, digest, flip_bit
from . import TryIt

__all__ = ["AvalancheView", "avalanche_view", "avalanche_explorer"]


@dataclasses.dataclass(frozen=True)
class AvalancheView:
    """The two digests, the changed output bits marked, and a sentence."""

    ok: bool
    lines: tuple[str, ...]
    changed_bits: int = 0

    def __repr__(self) -> str:
        return "\n".join(self.lines)


def avalanche_view(text: str, bits: tuple[int, ...], algorithm: str = "sha256") -> AvalancheView:
    """Hash ``text`` and ``text`` with every bit in ``bits`` flipped; mark the output bits that changed.

    Never raises for a learner's choice: a bit outside the text gives ``ok=False`` and the lab's sentence.
    """
    try:
        original = as_bytes(text, "text")
        changed = original
        for bit in bits:
            changed = flip_bit(changed, bit)
        before, after = digest(original, algorithm), digest(changed, algorithm)
    except PkiLabError as exc:
        return AvalancheView(False, (f"Cannot flip: {exc}",))
    marks = "".join("^" if (x ^ y) & (0x80 >> i) else "." for x, y in zip(before, after, strict=True)
                    for i in range(8))
    count = marks.count("^")
    flipped = ", ".join(str(b) for b in bits) or "none"
    return AvalancheView(True, (
        f"input bits flipped: {flipped}   input now: {changed!r}",
        f"before: {before.hex()}",
        f"after:  {after.hex()}",
        *(marks[i:i + 64] for i in range(0, len(marks), 64)),
        f"{count} of {len(marks)} output bits changed ({100 * count / len(marks):.0f}%).",
    ), count)


def avalanche_explorer(text: str = "PKI Lab") -> Any:
    """A text box and a bit slider: flip one input bit and see which SHA-256 output bits change."""
    import ipywidgets as w

    style = {"description_width": "initial"}
    text_box = w.Text(value=text, description="input text", style=style)
    bit = w.IntSlider(value=0, min=0, max=max(8 * len(text.encode()) - 1, 0), description="flip input bit",
                      style=style, layout=w.Layout(width="32em"))
    out = w.HTML()

    def update(_change: Any = None) -> None:
        bit.max = max(8 * len(text_box.value.encode()) - 1, 0)
        view = avalanche_view(text_box.value, (bit.value,))
        out.value = "<pre>" + html.escape("\n".join(view.lines)) + "</pre>"

    text_box.observe(update, names="value")
    bit.observe(update, names="value")
    update()
    box = w.VBox([text_box, bit, out])
    return TryIt(box, "flip one bit of the input and watch about half of SHA-256's output bits change",
                 text=text_box, bit=bit, output=out)
