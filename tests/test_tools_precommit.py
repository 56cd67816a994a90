"""``.pre-commit-config.yaml`` runs offline and agrees with ``make lint``: every hook is a local one that runs a
program of ``.venv`` or a script of the repository, and each hook's program passes on every file it would be given.

(``pre-commit run --all-files`` itself needs the ``dev`` extra; where pre-commit is installed, its configuration
is validated too.)
"""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess

import pytest
import yaml

from .conftest import ROOT

CONFIG = yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text())
HOOKS = [hook for repo in CONFIG["repos"] for hook in repo["hooks"]]


def test_every_hook_is_local_and_fetches_nothing():
    assert [repo["repo"] for repo in CONFIG["repos"]] == ["local"]
    assert {hook["language"] for hook in HOOKS} == {"unsupported"}  # pre-commit 4.4's name for `system`
    assert CONFIG["minimum_pre_commit_version"] == "4.4.0"


def test_the_hooks_are_the_ones_the_course_needs():
    assert [hook["id"] for hook in HOOKS] == ["ruff", "jupytext-sync", "notebook-conventions", "notebooks-executed"]


def test_each_entry_runs_a_program_of_the_venv_or_a_script_of_the_repository():
    for hook in HOOKS:
        program, *args = shlex.split(hook["entry"])
        assert program.startswith(".venv/bin/"), hook
        scripts = [a for a in args if a.endswith(".py")]
        assert all((ROOT / s).is_file() for s in scripts), hook


def test_ruff_is_the_one_make_lint_runs():
    makefile = (ROOT / "Makefile").read_text()
    lint = makefile[makefile.index("\nlint:"):]
    assert "$(VENV)/bin/ruff check" in lint.split("\n\n")[0]
    (ruff,) = [h for h in HOOKS if h["id"] == "ruff"]
    assert ruff["entry"] == ".venv/bin/ruff check" and set(ruff["types_or"]) == {"python", "jupyter"}


def test_the_notebook_hooks_cover_every_chapter():
    # What they find there is tested with the scripts (tests/test_notebook_text.py, test_tools_check_executed.py).
    tracked = subprocess.run(["git", "ls-files", "notebooks"], cwd=ROOT, capture_output=True, text=True,
                             check=True).stdout.splitlines()
    chapters = [f for f in tracked if re.fullmatch(r"notebooks/[0-9][0-9]_[a-z0-9_]+\.ipynb", f)]
    assert len(chapters) >= 13
    for hook in HOOKS:
        if hook["id"] in ("notebook-conventions", "notebooks-executed"):
            assert all(re.search(hook["files"], f) for f in chapters), hook
            assert not re.search(hook["files"], "notebooks/README.md")


def test_the_configuration_is_valid_for_pre_commit():
    exe = shutil.which("pre-commit", path=str(ROOT / ".venv" / "bin")) or shutil.which("pre-commit")
    if exe is None:
        pytest.skip("pre-commit is in the dev extra: pip install -e '.[dev]'")
    result = subprocess.run([exe, "validate-config", ".pre-commit-config.yaml"], cwd=ROOT, capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
