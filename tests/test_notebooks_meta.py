"""Every chapter follows the notebook conventions (notebooks/README.md) and is stored executed."""

import json
import re
import tomllib
from urllib.parse import quote

import pytest

from .conftest import ROOT

NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
REPO_URL = PROJECT["urls"]["Repository"]
VERSION = PROJECT["version"]
OWNER_REPO = REPO_URL.removeprefix("https://github.com/")


def _cells(path):
    return json.loads(path.read_text())["cells"]


def _src(cell):
    return "".join(cell["source"])


def test_there_are_notebooks_and_names_are_lowercase_numbered():
    assert NOTEBOOKS, "no chapter notebooks found"
    for path in NOTEBOOKS:
        assert re.fullmatch(r"\d\d_[a-z0-9_]+\.ipynb", path.name), path.name
    assert NOTEBOOKS[0].name == "00_start_here.ipynb"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_title_cell_has_objectives_and_badges_for_this_notebook(path):
    title = _src(_cells(path)[0])
    number = path.name[:2]
    assert title.startswith(f"# {number} · ")
    binder = f"https://mybinder.org/v2/gh/{OWNER_REPO}/HEAD?labpath={quote('notebooks/' + path.name, safe='')}"
    colab = f"https://colab.research.google.com/github/{OWNER_REPO}/blob/main/notebooks/{path.name}"
    links = re.findall(r"\]\((https://[^)]+)\)", title)
    badge_targets = [link for link in links if "badge" not in link and "colab-badge" not in link]
    assert binder in badge_targets and colab in badge_targets, badge_targets
    assert "In this chapter you will" in title


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_each_badge_has_a_text_link_beside_it(path):
    # A badge is an image from the network: offline (a classroom, a proxy) it is a broken icon, so the same
    # address follows it as text. In the badge, [alt] is followed by the image's address, never by the link's.
    title = _src(_cells(path)[0])
    badges = re.findall(r"\[!\[([^\]]+)\]\([^)]+\)\]\((https://[^)]+)\)", title)
    assert len(badges) == 2, badges
    for alt, url in badges:
        assert f"[{alt}]({url})" in title, f"no text link beside the {alt!r} badge"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_colab_install_cell_is_guarded_and_collapsed(path):
    cell = _cells(path)[1]
    assert cell["cell_type"] == "code"
    source = _src(cell)
    assert 'if "google.colab" in sys.modules:' in source
    assert "hide-input" in cell["metadata"].get("tags", [])
    assert cell["metadata"].get("jupyter", {}).get("source_hidden") is True


#: What the Colab cell installs: the package from the repository's git tag ``v<version>``, no extras.
_COLAB_INSTALL = re.compile(r"pip[\"']?,\s*[\"']install -q '(?P<name>[\w-]+)(?P<extras>\[[^\]]*\])? @ "
                            r"git\+(?P<url>https://[^@' ]+)@(?P<ref>[^' ]+)'[\"']\)")


def colab_install(source):
    """The (name, extras, url, ref) the Colab cell installs, or None when it installs no pinned git ref."""
    match = _COLAB_INSTALL.search(source)
    return match.group("name", "extras", "url", "ref") if match else None


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_colab_cell_installs_this_release_from_the_repository_without_the_lab_extra(path):
    # Colab has its own Jupyter server and kernel: the cell installs the lean package (no `lab` extra, so no
    # JupyterLab or ipykernel), pinned to the tag of the version in pyproject.toml, so a learner on Colab runs the
    # release the stored outputs were made with. Publishing a release therefore means tagging it `v<version>`.
    installed = colab_install(_src(_cells(path)[1]))
    assert installed, f"{path.name}: the Colab cell does not install 'pki-lab @ git+<repository>@v<version>'"
    name, extras, url, ref = installed
    assert name == PROJECT["name"], name
    assert extras is None, f"{path.name}: the Colab cell installs extras {extras}; Colab brings its own server"
    assert url == REPO_URL, f"{path.name}: installs from {url}, not the repository {REPO_URL}"
    assert ref == f"v{VERSION}", f"{path.name}: installs {ref}, not v{VERSION} (pyproject.toml's version)"


@pytest.mark.parametrize(("source", "expected"), [
    ("x(\"pip\", \"install -q 'pki-lab @ git+https://github.com/pki-lab/pki-lab@v0.1.0'\")",
     ("pki-lab", None, "https://github.com/pki-lab/pki-lab", "v0.1.0")),
    ("x(\"pip\", \"install -q 'pki-lab[lab] @ git+https://github.com/pki-lab/pki-lab@v0.1.0'\")",
     ("pki-lab", "[lab]", "https://github.com/pki-lab/pki-lab", "v0.1.0")),
    ("x(\"pip\", \"install -q 'pki-lab @ git+https://github.com/pki-lab/pki-lab'\")", None),  # unpinned: main
    ("x(\"pip\", \"install -q pki-lab\")", None),
])
def test_colab_install_reader_finds_the_pin_and_refuses_an_unpinned_cell(source, expected):
    assert colab_install(source) == expected


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_lesson_parts_are_present(path):
    text = "\n".join(_src(c) for c in _cells(path) if c["cell_type"] == "markdown")
    for heading in ("## Try it", "## Exercises", "## Recap", "## Further reading"):
        assert heading in text, f"{path.name} lacks a '{heading}' section"
    code = "\n".join(_src(c) for c in _cells(path) if c["cell_type"] == "code")
    assert ".check(" in code and "exercises.get(" in code
    assert "pki_lab.widgets" in code
    assert text.index("## Recap") < text.index("## Further reading")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_stored_executed_with_no_unexpected_errors_or_warnings(path):
    counts = []
    for index, cell in enumerate(_cells(path)):
        if cell["cell_type"] != "code" or not _src(cell).strip():
            continue
        tags = cell.get("metadata", {}).get("tags", [])
        assert "nbval-skip" not in tags, f"cell {index} is skipped"
        assert cell["execution_count"] is not None, f"cell {index} of {path.name} was not executed"
        counts.append(cell["execution_count"])
        for output in cell["outputs"]:
            if output["output_type"] == "error":
                assert "raises-exception" in tags, f"cell {index} of {path.name} has an unexpected error"
                assert output["ename"] != "PkiLabError" or output["evalue"]
            if output["output_type"] == "stream" and output["name"] == "stderr":
                assert "Warning" not in "".join(output["text"]), f"a warning reached cell {index} of {path.name}"
    assert counts == list(range(1, len(counts) + 1)), "run the notebook from a clean kernel (make notebooks)"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_cells_tagged_to_raise_do_raise_a_lab_error_with_a_sentence(path):
    for cell in _cells(path):
        if "raises-exception" in cell.get("metadata", {}).get("tags", []):
            errors = [o for o in cell["outputs"] if o["output_type"] == "error"]
            assert errors, "a cell tagged raises-exception did not raise"
            assert errors[0]["evalue"].endswith("."), errors[0]["evalue"]
