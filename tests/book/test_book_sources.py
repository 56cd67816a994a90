"""The website's sources (book/), checked without building it: part of `make test`, fast, no Jupyter Book needed.

The built site itself is checked in a browser by tests/book/test_book_site.py (`make test-book`).
"""

from __future__ import annotations

import ast
import fnmatch
import json
import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BOOK = ROOT / "book"
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
REPOSITORY = PYPROJECT["project"]["urls"]["Repository"]
OWNER_REPO = REPOSITORY.removeprefix("https://github.com/")


def _toc_entries(key: str) -> list[str]:
    """The values of ``key:`` (``file``, ``glob``, ``root``) in book/_toc.yml, in order."""
    return re.findall(rf"^\s*-?\s*{key}:\s*(\S+)\s*$", (BOOK / "_toc.yml").read_text(), flags=re.MULTILINE)


def _in_toc(docname: str) -> bool:
    return docname in _toc_entries("file") + _toc_entries("root") or any(
        fnmatch.fnmatchcase(docname, pattern) for pattern in _toc_entries("glob"))


def test_every_chapter_notebook_is_in_the_table_of_contents():
    assert len(NOTEBOOKS) >= 13
    missing = [nb.name for nb in NOTEBOOKS if not _in_toc(f"notebooks/{nb.stem}")]
    assert not missing, f"chapters not in book/_toc.yml: {missing}"


def test_a_new_chapter_would_be_picked_up_and_a_stray_file_would_not():
    """The glob is what keeps the site complete: check it matches what a chapter is named, and only that."""
    assert _in_toc("notebooks/14_what_comes_next")
    assert not _in_toc("notebooks/capstone-design-report")
    assert not _in_toc("notebooks/README")


def test_every_page_the_table_of_contents_names_exists():
    for docname in _toc_entries("file") + _toc_entries("root"):
        candidates = [ROOT / f"{docname}{suffix}" for suffix in (".md", ".ipynb")]
        assert any(path.is_file() for path in candidates), f"book/_toc.yml names {docname}, which does not exist"
    for extra in ("notebooks/glossary", "docs/instructor-guide"):
        assert extra in _toc_entries("file")


def test_the_launch_buttons_use_the_repository_of_pyproject():
    config = (BOOK / "_config.yml").read_text()
    repository = re.search(r"^repository:\n\s+url:\s*(\S+)", config, flags=re.MULTILINE)
    assert repository and repository.group(1) == REPOSITORY
    assert re.search(r"^\s+binderhub_url:\s*https://mybinder\.org\s*$", config, flags=re.MULTILINE)
    assert re.search(r"^\s+colab_url:\s*https://colab\.research\.google\.com\s*$", config, flags=re.MULTILINE)
    assert re.search(r'^\s+execute_notebooks:\s*"off"\s*$', config, flags=re.MULTILINE), "the site must not run code"


def test_the_landing_page_links_to_chapter_00_on_binder_and_colab():
    intro = (BOOK / "intro.md").read_text()
    assert (f"(https://mybinder.org/v2/gh/{OWNER_REPO}/HEAD?labpath=notebooks%2F00_start_here.ipynb)"
            in intro)
    assert f"(https://colab.research.google.com/github/{OWNER_REPO}/blob/main/notebooks/00_start_here.ipynb)" in intro


def _extension_constant(name: str):
    """A constant of book/_ext/pki_book.py, read without importing it (it needs docutils, which .venv lacks)."""
    tree = ast.parse((BOOK / "_ext" / "pki_book.py").read_text())
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == name for t in node.targets):
            return ast.literal_eval(node.value)
    raise AssertionError(f"{name} not found in book/_ext/pki_book.py")


def test_every_colab_install_cell_is_one_the_site_leaves_out():
    """book/_ext/pki_book.py drops a code cell tagged hide-input holding the Colab guard: every chapter's is one."""
    guard = _extension_constant("COLAB_GUARD")
    for notebook in NOTEBOOKS:
        first_code = next(c for c in json.loads(notebook.read_text())["cells"] if c["cell_type"] == "code")
        assert "hide-input" in first_code["metadata"].get("tags", []), notebook.name
        assert guard in "".join(first_code["source"]), f"{notebook.name}: the Colab cell lacks {guard!r}"


def test_every_badge_image_is_one_the_site_leaves_out():
    badges = set(_extension_constant("BADGE_IMAGES"))
    for notebook in NOTEBOOKS:
        title = "".join(json.loads(notebook.read_text())["cells"][0]["source"])
        images = set(re.findall(r"!\[[^\]]*\]\(([^)]+)\)", title))
        assert images and images <= badges, f"{notebook.name}: title-cell images {images - badges} would be fetched"


def test_the_book_extra_is_jupyter_book_1():
    book = PYPROJECT["project"]["optional-dependencies"]["book"]
    assert any(re.fullmatch(r"jupyter-book>=1\.\d[^,]*,<2", req) for req in book), book
