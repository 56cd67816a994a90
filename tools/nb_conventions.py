"""The notebook conventions jupytext leaves to the repository: stable cell ids and collapsed ``hide-input`` cells.

Notebooks are written as text with jupytext's percent format (notebooks/README.md, settings in jupytext.toml):

    jupytext --to py:percent -o /tmp/04.py notebooks/04_chain_of_trust.ipynb        # notebook -> text
    jupytext --update --to ipynb -o notebooks/04_chain_of_trust.ipynb /tmp/04.py    # text -> notebook (keeps outputs)
    jupytext --to ipynb -o notebooks/13_new_chapter.ipynb /tmp/13.py                # text -> a new notebook
    python tools/nb_conventions.py notebooks/04_chain_of_trust.ipynb                # then this, on either

jupytext gives a new cell a random id and cannot set ``jupyter.source_hidden`` from the text (the text keeps only
the tags), so this script applies what every chapter follows:

* cell ids are ``cell-000``, ``cell-001``, ... in order (stable diffs, and what nbval reports);
* a cell tagged ``hide-input`` is stored collapsed (``"jupyter": {"source_hidden": true}``: JupyterLab and Colab show
  a one-line placeholder, and the Jupyter Book site hides it);
* jupytext's own notebook metadata is dropped, and a notebook without a kernel gets the course's (``python3``).

It rewrites only notebooks that differ (same bytes as ``nbformat.write``). ``--check`` changes nothing and exits 1
naming each notebook that does not follow them (the pre-commit hook). Exit 2: a file that is not a notebook.
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat

KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}


def apply(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """The notebook with the conventions applied (the same object, changed in place)."""
    nb.metadata.pop("jupytext", None)
    nb.metadata.setdefault("kernelspec", dict(KERNELSPEC))
    nb.metadata.setdefault("language_info", {"name": "python"})
    nb.nbformat, nb.nbformat_minor = 4, max(nb.get("nbformat_minor", 5), 5)  # cell ids need nbformat 4.5
    for index, cell in enumerate(nb.cells):
        cell.id = f"cell-{index:03d}"
        if "hide-input" in cell.metadata.get("tags", []):
            cell.metadata.setdefault("jupyter", {})["source_hidden"] = True
    return nb


def _text(nb: nbformat.NotebookNode) -> str:
    """The bytes ``nbformat.write`` puts in a file."""
    text = nbformat.writes(nb)
    return text if text.endswith("\n") else text + "\n"


def main(argv: list[str]) -> int:
    check = "--check" in argv
    paths = [a for a in argv if a != "--check"]
    if not paths:
        print(__doc__, file=sys.stderr)
        return 2
    status = 0
    for name in paths:
        path = Path(name)
        try:
            before = path.read_text(encoding="utf-8")
            nb = nbformat.reads(before, as_version=4)
        except (OSError, ValueError) as exc:  # nbformat's NotJSONError is a ValueError
            print(f"{name}: not a notebook this script can read ({exc}).", file=sys.stderr)
            return 2
        after = _text(apply(nb))
        if after == before:
            continue
        if check:
            print(f"{name}: cell ids or hide-input cells do not follow the conventions; run "
                  f"python tools/nb_conventions.py {name}", file=sys.stderr)
            status = 1
        else:
            nbformat.validate(nb)
            path.write_text(after, encoding="utf-8")
            print(f"{name}: conventions applied")
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
