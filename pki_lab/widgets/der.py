"""The DER explorer: a certificate's hex beside its field tree, with the tamper lab in the same widget.

Choose a field in the tree and its bytes light up in the hex (tag and length bytes
in one colour, content in another); choose an offset and flip a byte to see what
breaks (:func:`pki_lab.tamper.tamper`). The widget is a thin shell over the pure
functions :func:`node_options`, :func:`highlight_html` and :func:`tamper_html`,
which the unit tests check without a browser.
"""

from __future__ import annotations

import html
from typing import Any

from ..der import DerTree, Node
from ..loading import tree_of
from ..tamper import TamperReport, tamper
from . import TryIt

__all__ = ["node_label", "node_options", "highlight_html", "tamper_html", "der_explorer",
           "HEADER_COLOUR", "CONTENT_COLOUR", "FLIPPED_COLOUR"]

HEADER_COLOUR = "#ffd58a"   # tag and length bytes of the chosen field
CONTENT_COLOUR = "#fff3c4"  # its content bytes
FLIPPED_COLOUR = "#ff8182"  # the byte the tamper lab changed
NBSP = "\u00a0"


def node_label(node: Node) -> str:
    """One line of the field tree: offset, indentation by depth, field path (or tag) and a short value."""
    name = node.path or node.tag
    value = node.value
    if len(value) > 40:
        value = value[:37] + "..."
    # Non-breaking spaces: a browser's selection list would collapse ordinary ones and lose the indentation.
    indent = NBSP * (2 + 2 * node.depth)
    return f"{str(node.offset).rjust(5, NBSP)}{indent}{name}{NBSP * 2}{node.tag} {value}".rstrip()


def node_options(tree: DerTree) -> list[tuple[str, int]]:
    """(label, index into ``tree.nodes()``) pairs for a selection list, in byte order."""
    return [(node_label(n), i) for i, n in enumerate(tree.nodes())]


def highlight_html(tree: DerTree, node: Node | None = None, *, flipped: int | None = None,
                   width: int = 16) -> str:
    """The hex of ``tree.data``, ``width`` bytes a row, with ``node``'s bytes (and a flipped byte) marked.

    Each byte is a ``<span>``; the chosen node's header bytes get ``class='h'``, its
    content bytes ``class='c'`` and the flipped byte ``class='x'``, with inline colours.
    """
    if node is not None and not node.offset <= node.end <= len(tree.data):
        raise ValueError("the node does not belong to this tree")  # pragma: no cover - a programming error
    styles = {"h": HEADER_COLOUR, "c": CONTENT_COLOUR, "x": FLIPPED_COLOUR}
    rows = []
    for start in range(0, len(tree.data), width):
        cells = []
        for offset in range(start, min(start + width, len(tree.data))):
            kind = ""
            if offset == flipped:
                kind = "x"
            elif node is not None and node.offset <= offset < node.content_offset:
                kind = "h"
            elif node is not None and node.content_offset <= offset < node.end:
                kind = "c"
            byte = f"{tree.data[offset]:02X}"
            cells.append(f"<span class='{kind}' style='background:{styles[kind]}'>{byte}</span>" if kind else byte)
        rows.append(f"{start:>5}  " + " ".join(cells))
    caption = ""
    if node is not None:
        caption = (f"<div><b>{html.escape(node.path or node.tag)}</b>: {html.escape(node.tag)}, offset "
                   f"{node.offset}, {node.header_length} header bytes, {node.length} content bytes</div>")
    return caption + ("<pre style='font-size:12px;line-height:1.3;max-height:24em;overflow:auto'>"
                      + "\n".join(rows) + "</pre>")


def tamper_html(report: TamperReport) -> str:
    """The tamper report as an HTML list, the signature verdict in colour."""
    colour = "#1a7f37" if report.signature_valid else "#cf222e"
    items = "".join(f"<li>{html.escape(s)}</li>" for s in report.sentences())
    return f"<ul style='border-left:4px solid {colour};padding-left:1.5em'>{items}</ul>"


def der_explorer(cert: Any, *, issuer: Any = None) -> TryIt:
    """A certificate's hex beside its field tree; choose a field to light up its bytes, flip a byte to tamper.

    ``issuer`` (a certificate or public key) is used to check the tampered signature;
    by default a self-signed certificate is checked with its own key.
    """
    import ipywidgets as w

    tree = tree_of(cert)
    nodes = tree.nodes()
    tree_list = w.Select(options=node_options(tree), value=0, rows=18,
                         layout=w.Layout(width="46em"))
    tree_list.add_class("pki-lab-der-tree")
    # A monospace list, so offsets and indentation line up like the hex beside it.
    style = w.HTML("<style>.pki-lab-der-tree select{font-family:monospace;font-size:12px}</style>")
    hex_view = w.HTML()
    offset = w.BoundedIntText(value=nodes[0].offset, min=0, max=len(tree.data) - 1, description="offset",
                              layout=w.Layout(width="12em"))
    mask = w.Dropdown(options=[("lowest bit (0x01)", 0x01), ("highest bit (0x80)", 0x80), ("all bits (0xFF)", 0xFF)],
                      value=0x01, description="flip", layout=w.Layout(width="20em"))
    button = w.Button(description="Flip this byte", button_style="warning")
    report_view = w.HTML()

    def show(_change: Any = None) -> None:
        node = nodes[tree_list.value]
        offset.value = node.content_offset if node.content_offset < node.end else node.offset
        hex_view.value = highlight_html(tree, node)
        report_view.value = ""

    def flip(_button: Any = None) -> None:
        report = tamper(tree.data, offset.value, mask=mask.value, issuer=issuer)
        hex_view.value = highlight_html(tree, tree.at(offset.value), flipped=offset.value)
        report_view.value = tamper_html(report)

    tree_list.observe(show, names="value")
    button.on_click(flip)
    show()
    box = w.VBox([style, w.HBox([tree_list, hex_view]), w.HBox([offset, mask, button]), report_view])
    return TryIt(box, "choose a field to see its bytes, or flip a byte and see what breaks",
                 tree=tree_list, hex=hex_view, offset=offset, mask=mask, button=button, report=report_view,
                 flip=flip)
