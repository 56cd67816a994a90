"""How the course's figures are shown, in one place: the sizes every drawing function and the figure test share.

A notebook figure is shown by matplotlib-inline: a PNG at the figure's dpi (``INLINE_DPI``, matplotlib's
``figure.dpi``) cropped with ``bbox_inches="tight"``. JupyterLab shows it at that pixel size, but scales a
figure wider than the output area down to fit (images are confined to the output area's width), and the text
with it. So a figure stays at most ``OUTPUT_WIDTH_PX`` wide and its text at least ``MIN_TEXT_PT``: at 100 dpi
that is ``MIN_TEXT_PX`` pixels, about three quarters of matplotlib's default 10 pt (13.9 px), and what
``tests/test_figures.py`` checks for every figure the course draws.

A widget's picture (an ``ipywidgets.Image``) is rendered off pyplot, at ``WIDGET_PIXEL_RATIO`` times the
inline dpi, and shown at the inline size (the image's ``width``), so it is as crisp on a high-density screen as
an inline figure and the same size on any screen (:func:`show_in_image`). matplotlib writes no timestamp into a
PNG; the widget pictures also leave out the ``Software`` entry, so their bytes depend only on what is drawn.

matplotlib is imported inside the functions, so ``import pki_lab`` stays fast.
"""

from __future__ import annotations

import io
from typing import Any

__all__ = ["INLINE_DPI", "OUTPUT_WIDTH_PX", "MIN_TEXT_PX", "MIN_TEXT_PT", "WIDGET_PIXEL_RATIO", "MAX_WIDTH_IN",
           "new_figure", "widget_png", "show_in_image", "integer_ticks", "legend_below", "Message",
           "sequence_diagram"]

#: The dpi matplotlib-inline renders notebook figures at (matplotlib's default ``figure.dpi``).
INLINE_DPI = 100
#: The output area's width a figure must fit without being scaled down (JupyterLab beside an open file browser).
OUTPUT_WIDTH_PX = 800
#: The smallest text a learner should have to read, in screen pixels, and in points at ``INLINE_DPI``.
MIN_TEXT_PX = 10
MIN_TEXT_PT = 7.5
#: The widest figure (inches) whose tight PNG still fits ``OUTPUT_WIDTH_PX`` with the 0.1 in padding each side.
MAX_WIDTH_IN = 7.8
#: Device pixels per CSS pixel a widget picture is rendered for (2: crisp on high-density screens).
WIDGET_PIXEL_RATIO = 2


def new_figure(figsize: tuple[float, float], **subplots: Any):
    """A figure off pyplot (for a widget's picture: nothing leaks into the cell's outputs), and its Axes."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=figsize, dpi=INLINE_DPI)
    return fig, fig.subplots(**subplots)


def widget_png(fig: Any) -> tuple[bytes, int]:
    """The PNG bytes of ``fig`` for a widget, and the width (CSS pixels) to show it at.

    Rendered at ``WIDGET_PIXEL_RATIO`` x ``INLINE_DPI``, tight like an inline figure; shown at half the pixel
    width it is the size an inline figure would be, drawn with twice the pixels.
    """
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=INLINE_DPI * WIDGET_PIXEL_RATIO, bbox_inches="tight",
                metadata={"Software": None})
    data = buffer.getvalue()
    width = int.from_bytes(data[16:20], "big")  # the PNG's IHDR chunk: width, then height
    return data, round(width / WIDGET_PIXEL_RATIO)


def show_in_image(image: Any, fig: Any) -> None:
    """Show ``fig`` in an ``ipywidgets.Image`` (see :func:`widget_png`), at most the output area's width."""
    data, width = widget_png(fig)
    image.layout.width = f"{min(width, OUTPUT_WIDTH_PX)}px"
    image.layout.height = "auto"
    image.value = data


def integer_ticks(axis: Any) -> None:
    """Whole-number ticks on ``axis`` (an ``ax.xaxis``/``ax.yaxis`` that counts things: roots, devices)."""
    from matplotlib.ticker import MaxNLocator

    axis.set_major_locator(MaxNLocator(integer=True, steps=[1, 2, 5, 10]))


def legend_below(ax: Any, *, ncol: int = 3, below_pt: float = 36, **kwargs: Any) -> Any:
    """A legend under ``ax``, ``below_pt`` points under its bottom edge (clear of tick labels and the x label),
    so it never covers the data."""
    from matplotlib.transforms import offset_copy

    anchor = offset_copy(ax.transAxes, fig=ax.figure, y=-below_pt, units="points")
    return ax.legend(loc="upper center", bbox_to_anchor=(0.5, 0), bbox_transform=anchor, ncol=ncol, frameon=False,
                     **kwargs)


#: One message of a sequence diagram: sender, receiver (the same for a step inside one participant), its label,
#: and whether it was accepted (False draws it red, with a blocked arrow head).
Message = tuple[str, str, str, bool]

_CHAR_WIDTH = 0.6  # a character's width, as a share of the font size (DejaVu Sans, generous)
_LINE_IN = 0.17  # one 8 pt text line, with its leading, in inches


def _fill(text: str, width_in: float, size: float) -> str:
    import textwrap

    chars = max(8, int(width_in * 72 / (_CHAR_WIDTH * size)))
    return "\n".join(textwrap.fill(line, chars, break_long_words=True, break_on_hyphens=False) or line
                     for line in text.splitlines())


def _participant_label(name: str, width_in: float) -> str:
    if len(name) * _CHAR_WIDTH * 9 / 72 > width_in * 0.9 and "." in name:
        head, tail = name.split(".", 1)  # a long host name: its first label, then the domain
        return f"{head}\n.{tail}"
    return _fill(name, width_in * 0.9, 9)


def sequence_diagram(participants: list[str], messages: list[Message], *, title: str = "What happened",
                     ax: Any = None, ok_colour: str = "#1f2328", fail_colour: str = "#cf222e"):
    """Draw a sequence diagram: a lifeline per participant, a numbered arrow per message, top to bottom.

    The figure is at most ``MAX_WIDTH_IN`` wide, so JupyterLab shows it without scaling it down; every label
    is 8 pt or more and is wrapped to the room it has (between the two lifelines it joins, or one column beside
    the lifeline for a step inside a participant), and each row is as tall as its label. Returns the Axes.
    """
    import matplotlib.pyplot as plt

    n = max(len(participants), 1)
    column = MAX_WIDTH_IN / n  # inches per participant
    x = {name: i for i, name in enumerate(participants)}
    rows = []
    for number, (source, target, label, _ok) in enumerate(messages, start=1):
        span = abs(x[target] - x[source]) or 1
        rows.append(_fill(f"{number}. {label}", span * column * (0.92 if source != target else 0.7), 8))
    heights = [0.2 + _LINE_IN * text.count("\n") + 0.14 for text in rows]  # inches: arrow, label lines, gap
    header = 0.55
    total = header + sum(heights) + 0.15
    if ax is None:
        _, ax = plt.subplots(figsize=(MAX_WIDTH_IN, total + 0.35))
    # y runs downwards in inches from the top of the header, so a row's height is its text's height.
    ax.set_xlim(-0.5, n - 0.5)
    ax.set_ylim(total, 0)
    ax.axis("off")
    for name, i in x.items():
        ax.plot([i, i], [header * 0.8, total], color="#8c959f", lw=1, ls="--", zorder=1)
        ax.text(i, header * 0.4, _participant_label(name, column), ha="center", va="center", fontsize=9,
                fontweight="bold", bbox={"boxstyle": "round", "facecolor": "#ddf4ff", "edgecolor": "#0969da"})
    y = header
    for (source, target, _label, ok), text, height in zip(messages, rows, heights, strict=True):
        colour = ok_colour if ok else fail_colour
        arrow_y = y + height - 0.14
        a, b = x[source], x[target]
        label_box = {"facecolor": "white", "edgecolor": "none", "pad": 0.5}  # lifelines pass behind the text
        if a == b:  # a step inside one participant: a small loop, the label beside it
            left = a == n - 1
            ax.annotate("", xy=(a, arrow_y), xytext=(a, arrow_y - 0.2), zorder=2,
                        arrowprops={"arrowstyle": "->", "color": colour, "shrinkA": 0, "shrinkB": 0,
                                    "connectionstyle": f"arc3,rad={'' if left else '-'}0.9"})
            ax.text(a + (-0.17 if left else 0.17), arrow_y, text, fontsize=8, color=colour, va="bottom",
                    ha="right" if left else "left", bbox=label_box, zorder=3)
        else:
            ax.annotate("", xy=(b, arrow_y), xytext=(a, arrow_y), zorder=2,
                        arrowprops={"arrowstyle": "-|>" if ok else "-[", "color": colour, "lw": 1.2})
            ax.text((a + b) / 2, arrow_y - 0.04, text, fontsize=8, ha="center", va="bottom", color=colour,
                    bbox=label_box, zorder=3)
        y += height
    ax.set_title(title, fontsize=11)
    return ax
