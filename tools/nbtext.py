"""Write notebooks as plain text and back (the "percent" format), for reviewing and authoring.

    python tools/nbtext.py export notebooks/00_start_here.ipynb > /tmp/00.py
    python tools/nbtext.py build /tmp/00.py notebooks/00_start_here.ipynb

The text form: each cell starts with a line ``# %%`` (code) or ``# %% [markdown]``;
tags follow as ``# %% tags=["raises-exception"]``. Markdown lines start with ``# ``.
A cell tagged ``hide-input`` is stored with its source collapsed (``jupyter.source_hidden``).
``build`` writes a notebook without outputs and with stable cell ids; run
``make notebooks`` afterwards to execute it and store its outputs.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import nbformat

_HEADER = re.compile(r"^# %%(?P<md> \[markdown\])?(?: tags=(?P<tags>\[.*\]))?\s*$")


def build(text: str) -> nbformat.NotebookNode:
    cells: list[tuple[str, list[str], list[str]]] = []
    for line in text.splitlines():
        m = _HEADER.match(line)
        if m:
            cells.append(("markdown" if m.group("md") else "code", json.loads(m.group("tags") or "[]"), []))
        elif cells:
            cells[-1][2].append(line)
    nb = nbformat.v4.new_notebook()
    nb.metadata = {
        "kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"},
        "language_info": {"name": "python"},
    }
    for index, (kind, tags, lines) in enumerate(cells):
        while lines and not lines[-1].strip():
            lines.pop()
        while lines and not lines[0].strip():
            lines.pop(0)
        if kind == "markdown":
            source = "\n".join(line[2:] if line.startswith("# ") else line.lstrip("#") for line in lines)
            cell = nbformat.v4.new_markdown_cell(source)
        else:
            cell = nbformat.v4.new_code_cell("\n".join(lines))
        cell.id = f"cell-{index:03d}"
        if tags:
            cell.metadata["tags"] = tags
        if "hide-input" in tags:  # collapsed in JupyterLab and Colab (and hidden on a Jupyter Book site)
            cell.metadata["jupyter"] = {"source_hidden": True}
        nb.cells.append(cell)
    nbformat.validate(nb)
    return nb


def export(nb: nbformat.NotebookNode) -> str:
    out = []
    for cell in nb.cells:
        tags = cell.get("metadata", {}).get("tags", [])
        suffix = f" tags={json.dumps(tags)}" if tags else ""
        if cell.cell_type == "markdown":
            out.append(f"# %% [markdown]{suffix}")
            out += [("# " + line) if line else "#" for line in cell.source.splitlines()]
        else:
            out.append(f"# %%{suffix}")
            out += cell.source.splitlines()
        out.append("")
    return "\n".join(out)


def main(argv: list[str]) -> int:
    if len(argv) == 2 and argv[0] == "export":
        sys.stdout.write(export(nbformat.read(argv[1], as_version=4)))
        return 0
    if len(argv) == 3 and argv[0] == "build":
        nbformat.write(build(Path(argv[1]).read_text()), argv[2])
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
