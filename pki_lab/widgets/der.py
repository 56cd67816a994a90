"""The DER explorer: a certificate's hex beside its field tree, with the tamper lab in the same widget.

Choose a field in the tree and its bytes light up in the hex (tag and length bytes
in one colour, content in another); type an offset and the tree follows it; flip a
byte to see what breaks (:func:`pki_lab.tamper.tamper`). The hex pane shows a window
of rows that moves to the selection (:func:`scroll_row`), and an offset outside the
certificate is refused with a sentence (:func:`offset_message`), never clamped. A line
under the controls says what "Flip this byte" will do before it is pressed
(:func:`flip_preview`), so the offset box and the "flip" menu show their choice at once.
The widget is a thin shell over these pure functions and :func:`node_options`,
:func:`node_index_at`, :func:`highlight_html` and :func:`tamper_html`, which the unit
tests check without a browser.
"""

from __future__ import annotations

import html
from typing import Any

from ..der import DerTree, Node, tag_name
from ..der.reader import TAG_CLASSES
from ..loading import tree_of
from ..tamper import TamperReport, tamper
from . import TryIt

__all__ = ["node_label", "node_options", "node_index_at", "label_width", "scroll_row", "offset_message",
           "highlight_html", "message_html", "tamper_html", "flip_preview", "preview_html",
           "der_explorer", "HEADER_COLOUR", "CONTENT_COLOUR", "FLIPPED_COLOUR", "CURSOR_COLOUR", "VISIBLE_ROWS"]

HEADER_COLOUR = "#ffd58a"   # tag and length bytes of the chosen field
CONTENT_COLOUR = "#fff3c4"  # its content bytes
FLIPPED_COLOUR = "#ff8182"  # the byte the tamper lab changed
CURSOR_COLOUR = "#0550ae"   # outline of the byte at the offset box
VISIBLE_ROWS = 20           # hex rows the pane shows at once
NBSP = "\u00a0"
_VALUE_CHARS = 28           # a label's value preview is cut to this many characters
_SHORT_TAGS = {"OBJECT IDENTIFIER": "OID"}  # the list's longest type name, shortened (the caption spells it out)


def node_label(node: Node) -> str:
    """One line of the field tree: offset, indentation by depth, the field's own name (or tag), a short value.

    Only the last part of the field path is shown (the indentation gives the rest), so a line stays short
    enough to read in the list; the full path is in the caption above the hex.
    """
    name = _short_name(node)
    value = node.value
    if len(value) > _VALUE_CHARS:
        value = value[:_VALUE_CHARS - 3] + "..."
    # Non-breaking spaces: a browser's selection list would collapse ordinary ones and lose the indentation.
    indent = NBSP * (2 + 2 * node.depth)
    tag = _SHORT_TAGS.get(node.tag, node.tag)
    return f"{str(node.offset).rjust(5, NBSP)}{indent}{name}{NBSP * 2}{tag} {value}".rstrip()


def _short_name(node: Node) -> str:
    """The last part of a field path: ``notAfter`` of ``tbsCertificate.validity.notAfter``, ``[subjectAltName]``."""
    path = node.path
    if not path:
        return node.tag
    cut = 0
    depth = 0
    for i, ch in enumerate(path):  # the last '.' outside brackets (an extension name may hold none, but be safe)
        if ch == "[":
            depth += 1
        elif ch == "]":
            depth -= 1
        elif ch == "." and depth == 0:
            cut = i + 1
    return path[cut:]


def node_options(tree: DerTree) -> list[tuple[str, int]]:
    """(label, index into ``tree.nodes()``) pairs for a selection list, in byte order."""
    return [(node_label(n), i) for i, n in enumerate(tree.nodes())]


def label_width(options: list[tuple[str, int]]) -> str:
    """A CSS width (in ``ch``, characters of the monospace font) that fits the longest label without clipping."""
    longest = max((len(label) for label, _ in options), default=20)
    return f"{longest + 3}ch"  # room for the list's scroll bar


def node_index_at(tree: DerTree, offset: int) -> int:
    """The index in ``tree.nodes()`` of the deepest field holding byte ``offset`` (what the tree list selects)."""
    node = tree.at(offset)
    return next(i for i, n in enumerate(tree.nodes()) if n is node)


def scroll_row(size: int, offset: int, *, width: int = 16, visible: int = VISIBLE_ROWS, context: int = 2) -> int:
    """The first hex row to show so that byte ``offset`` is in view, with ``context`` rows above it.

    Near the end, the window stops at the last row rather than showing empty space.
    """
    rows = -(-size // width)
    first = offset // width - context
    return max(0, min(first, rows - visible))


def offset_message(offset: object, size: int) -> str | None:
    """Why ``offset`` is not a byte of a ``size``-byte certificate, or None when it is one."""
    if isinstance(offset, bool) or not isinstance(offset, int):
        return f"The offset must be a whole number from 0 to {size - 1}, not {offset!r}."
    if offset < 0:
        return f"Offset {offset} is before the start: offsets count from 0 (the first byte) to {size - 1}."
    if offset >= size:
        return (f"Offset {offset} is past the end (the certificate has {size} bytes, offsets 0 to {size - 1}); "
                "nothing was selected or flipped.")
    return None


_TEXT_TAGS = frozenset({12, 18, 19, 22, 23, 24, 26})  # universal string and time types: their bytes are characters


def _tag_text(byte: int) -> str:
    """The type a first identifier byte names (X.690 8.1.2): ``SEQUENCE``, ``[PRIVATE 15]``, ...

    Low five bits all set mean a tag number in the following bytes (X.690 8.1.2.4), which one byte cannot say.
    """
    if byte & 0x1F == 0x1F:
        return f"a {TAG_CLASSES[byte >> 6]} tag whose number follows in the next bytes"
    return tag_name(TAG_CLASSES[byte >> 6], byte & 0x1F)


def _character(byte: int) -> str | None:
    return repr(chr(byte)) if 0x20 <= byte <= 0x7E else None


def flip_preview(tree: DerTree, offset: object, mask: int) -> str:
    """What "Flip this byte" will do with this offset and mask, in one line, before the button is pressed.

    ``will flip: byte 4 from 0x30 to 0x31 (the tag byte of tbsCertificate: SEQUENCE -> SET)``. A tag byte
    says which type the tag will name (and when its constructed bit changes); a character of a string or a
    time says which character it becomes. An offset that is not a byte of the certificate flips nothing.
    """
    size = len(tree.data)
    if offset_message(offset, size) is not None or not isinstance(offset, int):
        return f"will flip: nothing (the offset must be a byte of the certificate, 0 to {size - 1})"
    node = tree.at(offset)
    old = tree.data[offset]
    new = old ^ mask
    field = node.path or node.tag
    if offset == node.offset:
        what = f"the tag byte of {field}: {node.tag} -> {_tag_text(new)}"
        if (old ^ new) & 0x20:
            what += ", constructed -> primitive" if old & 0x20 else ", primitive -> constructed"
    elif offset < node.content_offset:
        what = (f"a tag or length byte of {field}" if node.tag_number >= 0x1F else
                f"a length byte of {field}")
    else:
        what = f"a content byte of {field}"
        before, after = _character(old), _character(new)
        text = node.is_universal and node.tag_number in _TEXT_TAGS or ".dNSName[" in field
        if text and not node.constructed and before and after:
            what += f": {before} -> {after}"
    return f"will flip: byte {offset} from 0x{old:02X} to 0x{new:02X} ({what})"


def preview_html(text: str) -> str:
    """The flip preview as a grey line in the widget."""
    return f"<div style='color:#57606a;font-family:monospace;font-size:12px'>{html.escape(text)}</div>"


def message_html(message: str | None) -> str:
    """A refused offset as a red sentence (empty when there is nothing to say)."""
    if not message:
        return ""
    return f"<div style='color:#cf222e'><b>Not a byte of this certificate:</b> {html.escape(message)}</div>"


def highlight_html(tree: DerTree, node: Node | None = None, *, flipped: int | None = None, width: int = 16,
                   first_row: int = 0, visible: int | None = None, cursor: int | None = None,
                   flipped_to: int | None = None) -> str:
    """The hex of ``tree.data``, ``width`` bytes a row, with ``node``'s bytes (and a flipped byte) marked.

    Each byte is a ``<span>``; the chosen node's header bytes get ``class='h'``, its
    content bytes ``class='c'`` and the flipped byte ``class='x'`` (showing ``flipped_to``, its new
    value, when given), with inline colours;
    the byte at ``cursor`` (the offset box) is outlined. With ``visible``, only rows
    ``first_row`` to ``first_row + visible - 1`` are drawn (see :func:`scroll_row`), and a
    line says which bytes are shown.
    """
    if node is not None and not node.offset <= node.end <= len(tree.data):
        raise ValueError("the node does not belong to this tree")  # pragma: no cover - a programming error
    styles = {"h": HEADER_COLOUR, "c": CONTENT_COLOUR, "x": FLIPPED_COLOUR}
    size = len(tree.data)
    last_row = -(-size // width)
    stop_row = last_row if visible is None else min(last_row, first_row + visible)
    rows = []
    for start in range(first_row * width, stop_row * width, width):
        cells = []
        for offset in range(start, min(start + width, size)):
            kind = ""
            if offset == flipped:
                kind = "x"
            elif node is not None and node.offset <= offset < node.content_offset:
                kind = "h"
            elif node is not None and node.content_offset <= offset < node.end:
                kind = "c"
            byte = f"{flipped_to if offset == flipped and flipped_to is not None else tree.data[offset]:02X}"
            style = f"background:{styles[kind]}" if kind else ""
            if offset == cursor:
                style += f";outline:2px solid {CURSOR_COLOUR}" if style else f"outline:2px solid {CURSOR_COLOUR}"
            if kind:
                cells.append(f"<span class='{kind}' style='{style}'>{byte}</span>")
            elif style:
                cells.append(f"<span style='{style}'>{byte}</span>")
            else:
                cells.append(byte)
        rows.append(f"{start:>5}  " + " ".join(cells))
    caption = ""
    if node is not None:
        caption = (f"<div><b>{html.escape(node.path or node.tag)}</b>: {html.escape(node.tag)}, offset "
                   f"{node.offset}, {node.header_length} header bytes, {node.length} content bytes</div>")
    window = ""
    if visible is not None:
        shown_end = min(size, stop_row * width) - 1
        window = (f"<div style='color:#57606a'>bytes {first_row * width} to {shown_end} of {size} (the view "
                  "follows the field or offset you choose)</div>")
    return caption + window + ("<pre style='font-size:12px;line-height:1.3;margin:0'>" + "\n".join(rows) + "</pre>")


def tamper_html(report: TamperReport) -> str:
    """The tamper report as an HTML list, the signature verdict in colour."""
    colour = "#1a7f37" if report.signature_valid else "#cf222e"
    items = "".join(f"<li>{html.escape(s)}</li>" for s in report.sentences())
    return f"<ul style='border-left:4px solid {colour};padding-left:1.5em'>{items}</ul>"


def der_explorer(cert: Any, *, issuer: Any = None) -> TryIt:
    """A certificate's hex beside its field tree; choose a field or type an offset to light up its bytes,
    flip a byte to tamper.

    ``issuer`` (a certificate or public key) is used to check the tampered signature;
    by default a self-signed certificate is checked with its own key.
    """
    import ipywidgets as w

    tree = tree_of(cert)
    nodes = tree.nodes()
    size = len(tree.data)
    options = node_options(tree)
    tree_list = w.Select(options=options, value=0, rows=VISIBLE_ROWS,
                         layout=w.Layout(width=label_width(options), min_width=label_width(options)))
    tree_list.add_class("pki-lab-der-tree")
    # A monospace list, so offsets and indentation line up like the hex beside it.
    style = w.HTML("<style>.pki-lab-der-tree select{font-family:monospace;font-size:12px}</style>")
    # A fixed width (a 55-character row of 12 px monospace, with room): the captions wrap inside it rather than
    # pushing the pane under the list.
    hex_view = w.HTML(layout=w.Layout(width="440px", min_width="440px", margin="0 0 0 8px"))
    # Not a BoundedIntText: that clamps an offset past the end without a word; this one says what is wrong.
    offset = w.IntText(value=nodes[0].offset, description="offset", layout=w.Layout(width="12em"))
    mask = w.Dropdown(options=[("lowest bit (0x01)", 0x01), ("highest bit (0x80)", 0x80), ("all bits (0xFF)", 0xFF)],
                      value=0x01, description="flip", layout=w.Layout(width="20em"))
    button = w.Button(description="Flip this byte", button_style="warning")
    message = w.HTML()
    preview = w.HTML()
    report_view = w.HTML()
    quiet = {"on": False}  # set while one control updates the other, so the two do not chase each other

    def render(node: Node, focus: int, flipped: int | None = None, flipped_to: int | None = None) -> None:
        hex_view.value = highlight_html(tree, node, flipped=flipped, flipped_to=flipped_to,
                                        cursor=offset.value if flipped is None else flipped,
                                        first_row=scroll_row(size, focus), visible=VISIBLE_ROWS)

    def will_flip(_change: Any = None) -> None:  # the offset or the mask changed: say what the button will do
        preview.value = preview_html(flip_preview(tree, offset.value, mask.value))

    def select(index: int) -> None:
        quiet["on"] = True
        try:
            tree_list.value = index
        finally:
            quiet["on"] = False

    def show(_change: Any = None) -> None:  # a field was chosen in the tree
        node = nodes[tree_list.value]
        if not quiet["on"]:
            quiet["on"] = True
            try:
                offset.value = node.content_offset if node.content_offset < node.end else node.offset
            finally:
                quiet["on"] = False
            message.value = ""
            report_view.value = ""
            will_flip()
            render(node, node.offset)

    def typed(_change: Any = None) -> None:  # an offset was typed
        if quiet["on"]:
            return
        problem = offset_message(offset.value, size)
        message.value = message_html(problem)
        report_view.value = ""
        will_flip()
        if problem is None:
            index = node_index_at(tree, offset.value)
            select(index)
            render(nodes[index], offset.value)

    def flip(_button: Any = None) -> None:
        problem = offset_message(offset.value, size)
        message.value = message_html(problem)
        if problem is not None:
            report_view.value = ""
            return
        report = tamper(tree.data, offset.value, mask=mask.value, issuer=issuer)
        index = node_index_at(tree, offset.value)
        select(index)
        render(nodes[index], offset.value, flipped=offset.value, flipped_to=report.new_byte)
        report_view.value = tamper_html(report)

    tree_list.observe(show, names="value")
    offset.observe(typed, names="value")
    mask.observe(will_flip, names="value")
    button.on_click(flip)
    show()
    panes = w.HBox([tree_list, hex_view], layout=w.Layout(flex_flow="row wrap", align_items="flex-start"))
    box = w.VBox([style, panes, w.HBox([offset, mask, button]), preview, message, report_view])
    return TryIt(box, "choose a field to see its bytes, or flip a byte and see what breaks",
                 tree=tree_list, hex=hex_view, offset=offset, mask=mask, button=button, report=report_view,
                 message=message, preview=preview, flip=flip)
