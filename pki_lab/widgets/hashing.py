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

__all__ = ["AvalancheView", "flip_label", "avalanche_view", "avalanche_explorer"]


@dataclasses.dataclass(frozen=True)
class AvalancheView:
    """The two digests, the changed output bits marked, and a sentence."""

    ok: bool
    lines: tuple[str, ...]
    changed_bits: int = 0

    def __repr__(self) -> str:
        return "\n".join(self.lines)


def _byte_text(value: int) -> str:
    shown = f" {chr(value)!r}" if 0x20 <= value < 0x7F else ""
    return f"0x{value:02X}{shown}"


def flip_label(original: bytes, changed: bytes, bits: tuple[int, ...]) -> str:
    """What was flipped, in words: how many input bits, which numbers, and (for one bit) in which byte.

    Bit numbers count from 0, the top bit of the first byte (as :func:`pki_lab.hashing.flip_bit` does).

        >>> flip_label(b"PKI Lab", b"QKI Lab", (7,))
        "flipped 1 input bit: bit number 7, in byte 0 (0x50 'P' became 0x51 'Q')"
    """
    if not bits:
        return "flipped 0 input bits: the input is unchanged"
    if len(bits) == 1:
        index = bits[0] // 8
        return (f"flipped 1 input bit: bit number {bits[0]}, in byte {index} "
                f"({_byte_text(original[index])} became {_byte_text(changed[index])})")
    numbers = ", ".join(str(b) for b in bits[:-1]) + f" and {bits[-1]}"
    return f"flipped {len(bits)} input bits: bit numbers {numbers}"


def avalanche_view(text: str, bits: int | tuple[int, ...], algorithm: str = "sha256") -> AvalancheView:
    """Hash ``text`` and ``text`` with every bit in ``bits`` flipped; mark the output bits that changed.

    ``bits`` are bit *numbers* (0 is the top bit of the first byte), a tuple or list of them or one int;
    the first line says how many bits were flipped and which. Never raises for a learner's choice: a bit
    outside the text, or a bit listed twice (the second flip would undo the first), gives ``ok=False`` and
    a sentence.
    """
    if isinstance(bits, int):
        bits = (bits,)
    if not isinstance(bits, (list, tuple)):
        return AvalancheView(False, (f"Cannot flip. bits must be a bit number or a tuple of bit numbers, not "
                                     f"{type(bits).__name__}.",))
    bits = tuple(bits)
    repeated = next((b for i, b in enumerate(bits) if b in bits[:i]), None)
    if repeated is not None:
        return AvalancheView(False, (f"Cannot flip. Bit {repeated!r} is listed twice, and a second flip undoes "
                                     "the first; list each bit number once.",))
    try:
        original = as_bytes(text, "text")
        changed = original
        for bit in bits:
            changed = flip_bit(changed, bit)
        before, after = digest(original, algorithm), digest(changed, algorithm)
    except PkiLabError as exc:
        return AvalancheView(False, (f"Cannot flip. {exc}",))
    marks = "".join("^" if (x ^ y) & (0x80 >> i) else "." for x, y in zip(before, after, strict=True)
                    for i in range(8))
    count = marks.count("^")
    return AvalancheView(True, (
        f"{flip_label(original, changed, bits)}   input now: {changed!r}",
        f"before: {before.hex()}",
        f"after:  {after.hex()}",
        *(marks[i:i + 64] for i in range(0, len(marks), 64)),
        f"{count} of {len(marks)} output bits changed ({100 * count / len(marks):.0f}%).",
    ), count)


def avalanche_explorer(text: str = "PKI Lab") -> Any:
    """A text box and a slider that picks the *number* of the one input bit to flip (0 is the top bit of the
    first byte); shows which SHA-256 output bits change (:func:`avalanche_view`)."""
    import ipywidgets as w

    style = {"description_width": "initial"}
    text_box = w.Text(value=text, description="input text", style=style)
    bit = w.IntSlider(value=0, min=0, max=max(8 * len(text.encode()) - 1, 0), description="flip input bit number",
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
