"""The install files agree with each other, and the README opens with the two commands."""

import re
import tomllib

from .conftest import ROOT

PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())


def _split(requirement: str) -> tuple[str, str]:
    m = re.match(r"\s*([A-Za-z0-9_.-]+)\s*(.*)", requirement)
    return m.group(1).lower().replace("_", "-"), m.group(2).replace(" ", "")


def _conda_dependencies() -> dict[str, str]:
    deps, inside = {}, False
    for line in (ROOT / "environment.yml").read_text().splitlines():
        if line.startswith("dependencies:"):
            inside = True
            continue
        if inside and line.strip().startswith("- "):
            name, spec = _split(line.strip()[2:])
            deps[name] = spec
        elif inside and line.strip() and not line.startswith(" "):
            inside = False
    return deps


def test_environment_yml_names_the_same_runtime_packages_and_ranges_as_pyproject():
    pip = dict(_split(r) for r in PYPROJECT["project"]["dependencies"])
    conda = _conda_dependencies()
    assert conda.pop("python") == "=3.11"
    conda.pop("pip")
    assert conda == pip


def test_environment_yml_uses_conda_forge_only():
    text = (ROOT / "environment.yml").read_text()
    assert "- conda-forge" in text and "- nodefaults" in text
    assert "- defaults" not in text


def test_postbuild_installs_the_package_without_dependencies():
    lines = (ROOT / "postBuild").read_text().splitlines()
    assert "set -e" in lines
    assert "pip install --no-deps ." in lines


def test_readme_opens_with_the_two_commands():
    readme = (ROOT / "README.md").read_text()
    head = readme.split("\n## ", 2)[:2]
    assert "make lab" in head[1] and "make test" in head[1]
    assert readme.index("make lab") < readme.index("conda") and readme.index("make test") < readme.index("Binder")


def test_makefile_has_the_targets_the_readme_promises():
    makefile = (ROOT / "Makefile").read_text()
    for target in ("lab:", "test:", "notebooks:", "bench:"):
        assert re.search(rf"^{target}", makefile, re.M), target
    assert "--nbval " in makefile and "--nbval-lax" not in makefile


def test_each_notebook_runs_on_one_worker():
    """nbval runs a notebook's cells in order in one kernel, so xdist must keep a notebook's cells together."""
    makefile = (ROOT / "Makefile").read_text()
    notebook_tests = re.search(r"^NOTEBOOK_TESTS = (.*)$", makefile, re.M).group(1)
    assert "--dist loadscope" in notebook_tests


def test_ci_runs_make_test():
    assert "make test" in (ROOT / ".ci" / "run").read_text()
