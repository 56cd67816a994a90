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
           "new_figure", "widget_png", "show_in_image", "integer_ticks", "legend_below"]

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
