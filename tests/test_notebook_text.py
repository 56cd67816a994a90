"""Notebooks as text with jupytext: byte for byte what ``tools/nbtext.py`` wrote, for every chapter, both ways.

jupytext's percent format, with the repository's ``jupytext.toml`` (no YAML header, only the tags of each cell),
replaces the course's own ``tools/nbtext.py``. So that nothing a reviewer or author relied on changes, this test
keeps nbtext's two functions as the reference (copied below from tools/nbtext.py as of commit e2dfcc9, the
commit before it was removed) and checks, for every notebook:

* notebook -> text: jupytext's text is byte-identical to ``nbtext export``;
* text -> a new notebook: jupytext, then ``tools/nb_conventions.py``, gives byte-identical ``.ipynb`` to
  ``nbtext build`` (cell ids ``cell-NNN``, ``jupyter.source_hidden`` for ``hide-input``, the same metadata);
* text -> the existing notebook (``jupytext --update``, then the conventions): the committed file comes back
  unchanged, outputs and execution counts included.

Offline: jupytext and nbformat only. One test runs the ``jupytext`` command itself, to prove that the command
line finds ``jupytext.toml`` as the library calls here are told to.
"""

from __future__ import annotations

import importlib.util
import json
import re
import shutil
import subprocess
import sys

import nbformat
import pytest

from .conftest import ROOT

jupytext = pytest.importorskip("jupytext", reason="jupytext is in the test extra: pip install -e '.[test]'")
from jupytext.combine import combine_inputs_with_outputs  # noqa: E402 - after the skip that says why
from jupytext.config import load_jupytext_config  # noqa: E402

NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
_spec = importlib.util.spec_from_file_location("nb_conventions", ROOT / "tools" / "nb_conventions.py")
conventions = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(conventions)


# -- the reference: tools/nbtext.py (commit e2dfcc9), unchanged but for names -------------------------------------

_HEADER = re.compile(r"^# %%(?P<md> \[markdown\])?(?: tags=(?P<tags>\[.*\]))?\s*$")


def nbtext_build(text: str) -> nbformat.NotebookNode:
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
        if "hide-input" in tags:
            cell.metadata["jupyter"] = {"source_hidden": True}
        nb.cells.append(cell)
    nbformat.validate(nb)
    return nb


def nbtext_export(nb: nbformat.NotebookNode) -> str:
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


# -- jupytext, as the command line runs it --------------------------------------------------------------------------

def file_bytes(nb: nbformat.NotebookNode) -> str:
    """What ``nbformat.write`` (and so ``nbtext build``, ``jupytext``, ``run_notebooks.py``) puts in a file."""
    text = nbformat.writes(nb)
    return text if text.endswith("\n") else text + "\n"


def to_text(path) -> str:
    return jupytext.writes(nbformat.read(path, as_version=4), fmt="py:percent", config=load_jupytext_config(path))


def from_text(text: str, path) -> nbformat.NotebookNode:
    return jupytext.reads(text, fmt="py:percent", config=load_jupytext_config(path))


def test_every_chapter_is_checked():
    assert len(NOTEBOOKS) >= 13 and NOTEBOOKS[0].name == "00_start_here.ipynb"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem[:2])
def test_notebook_to_text_is_byte_identical_to_nbtext_export(path):
    assert to_text(path) == nbtext_export(nbformat.read(path, as_version=4))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem[:2])
def test_text_to_a_new_notebook_is_byte_identical_to_nbtext_build(path):
    text = to_text(path)
    built = conventions.apply(from_text(text, path))
    assert file_bytes(built) == file_bytes(nbtext_build(text))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem[:2])
def test_text_back_into_the_notebook_keeps_it_byte_for_byte(path):
    committed = path.read_text(encoding="utf-8")
    updated = combine_inputs_with_outputs(from_text(to_text(path), path), nbformat.reads(committed, as_version=4),
                                          fmt="py:percent")
    assert file_bytes(conventions.apply(updated)) == committed


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem[:2])
def test_every_committed_notebook_follows_the_conventions(path):
    # So the two routes above start from what nbtext would have written: ids in order, hide-input collapsed.
    assert conventions.main(["--check", str(path)]) == 0


def test_a_text_edit_reaches_the_notebook_with_ids_renumbered_and_outputs_kept(tmp_path):
    source = ROOT / "notebooks" / "00_start_here.ipynb"
    nb_path = tmp_path / source.name
    shutil.copy(source, nb_path)
    shutil.copy(ROOT / "jupytext.toml", tmp_path / "jupytext.toml")
    text = to_text(nb_path)
    first_code = text.index("\n# %%\n")  # the first untagged code cell's marker
    edited = text[:first_code] + "\n# %% [markdown]\n# A new paragraph.\n" + text[first_code:]
    committed = nbformat.read(nb_path, as_version=4)
    updated = conventions.apply(combine_inputs_with_outputs(from_text(edited, nb_path), committed, fmt="py:percent"))
    assert len(updated.cells) == len(committed.cells) + 1
    assert [c.id for c in updated.cells] == [f"cell-{i:03d}" for i in range(len(updated.cells))]
    new = next(i for i, c in enumerate(updated.cells) if c.source == "A new paragraph.")
    assert [c.get("outputs") for c in updated.cells[new + 1:]] == [c.get("outputs") for c in committed.cells[new:]]
    assert updated.cells[1].metadata["jupyter"] == {"source_hidden": True}  # the Colab cell, tagged hide-input


def test_the_jupytext_command_reads_the_repositorys_settings(tmp_path):
    # The command line, not the library: `jupytext --to py:percent -o FILE` finds jupytext.toml above the notebook.
    exe = shutil.which("jupytext", path=str(ROOT / ".venv" / "bin")) or shutil.which("jupytext")
    if exe is None:
        pytest.skip("the jupytext command is not on PATH (installed with the test extra)")
    source = ROOT / "notebooks" / "00_start_here.ipynb"
    out = tmp_path / "00.py"
    subprocess.run([exe, "--quiet", "--to", "py:percent", "-o", str(out), str(source)], check=True, timeout=300)
    assert out.read_text(encoding="utf-8") == nbtext_export(nbformat.read(source, as_version=4))
    rebuilt = tmp_path / "00.ipynb"
    shutil.copy(source, rebuilt)
    subprocess.run([exe, "--quiet", "--update", "--to", "ipynb", "-o", str(rebuilt), str(out)], check=True,
                   timeout=300)
    assert subprocess.run([sys.executable, str(ROOT / "tools" / "nb_conventions.py"), str(rebuilt)],
                          timeout=120).returncode == 0
    assert rebuilt.read_text(encoding="utf-8") == source.read_text(encoding="utf-8")


# -- tools/nb_conventions.py on its own -----------------------------------------------------------------------------

def _write(tmp_path, nb, name="x.ipynb"):
    path = tmp_path / name
    path.write_text(file_bytes(nb), encoding="utf-8")
    return path


def test_conventions_renumber_ids_and_collapse_hide_input(tmp_path, capsys):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# Title"), nbformat.v4.new_code_cell("print(1)"),
                nbformat.v4.new_code_cell("import sys")]
    nb.cells[2].metadata["tags"] = ["hide-input"]
    nb.metadata["jupytext"] = {"notebook_metadata_filter": "-all"}
    path = _write(tmp_path, nb)
    assert conventions.main(["--check", str(path)]) == 1
    assert "do not follow the conventions" in capsys.readouterr().err
    assert conventions.main([str(path)]) == 0
    fixed = nbformat.read(path, as_version=4)
    assert [c.id for c in fixed.cells] == ["cell-000", "cell-001", "cell-002"]
    assert fixed.cells[2].metadata["jupyter"] == {"source_hidden": True} and "jupyter" not in fixed.cells[1].metadata
    assert "jupytext" not in fixed.metadata and fixed.metadata["kernelspec"]["name"] == "python3"
    before = path.read_bytes()
    assert conventions.main(["--check", str(path)]) == 0 and conventions.main([str(path)]) == 0
    assert path.read_bytes() == before  # idempotent: a notebook that follows them is not rewritten


def test_conventions_refuse_what_is_not_a_notebook(tmp_path, capsys):
    path = tmp_path / "x.ipynb"
    path.write_text("not json")
    assert conventions.main([str(path)]) == 2
    assert "not a notebook this script can read" in capsys.readouterr().err
    assert conventions.main([str(tmp_path / "missing.ipynb")]) == 2
    assert conventions.main([]) == 2
