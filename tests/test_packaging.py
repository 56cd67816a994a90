"""The install files agree with each other, and the README opens with the two commands."""

import json
import os
import queue
import re
import shlex
import shutil
import signal
import socket
import subprocess
import threading
import time
import tomllib
import urllib.request
from pathlib import Path

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


# --- First run (issue 16): `make lab` prints and opens chapter 00, and JupyterLab asks no news question. ----------

LAB_OVERRIDES = ROOT / "jupyter" / "lab-overrides.json"
NOTIFICATION = "@jupyterlab/apputils-extension:notification"
START_PATH = "/lab/tree/notebooks/00_start_here.ipynb"


def _make_n(*args: str) -> list[str]:
    """The commands ``make -n ARGS`` would run, one per line (nothing is run)."""
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")}  # under `make unit`
    out = subprocess.run(["make", "-n", "--no-print-directory", *args], cwd=ROOT, capture_output=True, text=True,
                         check=True, env=env).stdout
    return out.splitlines()


def _lab_command() -> list[str]:
    """The `jupyter lab` command line of `make lab`, as make would run it."""
    return shlex.split(next(line for line in _make_n("lab") if re.search(r"/bin/jupyter lab\b", line)))


def test_the_course_settings_switch_off_the_jupyter_news_prompt():
    overrides = json.loads(LAB_OVERRIDES.read_text())
    assert overrides == {NOTIFICATION: {"fetchNews": "false", "checkForUpdates": False}}
    from jupyterlab.commands import get_app_dir

    schema = json.loads((Path(get_app_dir()) / "schemas" / "@jupyterlab" / "apputils-extension"
                         / "notification.json").read_text())
    fetch_news = schema["properties"]["fetchNews"]
    assert {"const": "false", "title": "Never"} in fetch_news["oneOf"]  # the value JupyterLab names "Never"
    assert schema["properties"]["checkForUpdates"]["type"] == "boolean"


def test_make_lab_and_postbuild_install_the_settings_where_jupyterlab_reads_them():
    from jupyterlab.commands import get_app_dir

    copy = next(line for line in _make_n("-W", "jupyter/lab-overrides.json", "lab") if line.startswith("cp "))
    source, target = shlex.split(copy)[1:]
    assert source == "jupyter/lab-overrides.json"
    assert (ROOT / target).resolve().parent == (Path(get_app_dir()) / "settings" / "overrides.d").resolve()
    postbuild = (ROOT / "postBuild").read_text()
    assert "jupyter lab path" in postbuild  # Binder's application directory, however conda lays it out
    assert 'cp jupyter/lab-overrides.json "$LAB_APP_DIR/settings/overrides.d/pki-lab.json"' in postbuild


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _read_lines(stream, lines: queue.Queue) -> None:
    for line in stream:
        lines.put(line)


def test_make_lab_prints_and_opens_chapter_00s_own_url(tmp_path):
    """JupyterLab started as `make lab` starts it prints chapter 00's URL, opens it, and applies the settings."""
    settings = tmp_path / "settings" / "overrides.d"
    settings.mkdir(parents=True)
    shutil.copy(LAB_OVERRIDES, settings / "pki-lab.json")  # as the Makefile installs it, in a folder of the test's
    port = _free_port()
    command = [*_lab_command(), "--no-browser", f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
               f"--LabApp.app_settings_dir={tmp_path / 'settings'}"]
    env = {**os.environ, "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime"), "JUPYTER_PLATFORM_DIRS": "1"}
    lab = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                           start_new_session=True)
    lines: queue.Queue = queue.Queue()
    threading.Thread(target=_read_lines, args=(lab.stderr, lines), daemon=True).start()
    url, seen, deadline = None, [], time.monotonic() + 90  # a loaded 2-core machine starts it in 5 to 20 s
    try:
        while url is None and time.monotonic() < deadline and lab.poll() is None:
            try:
                seen.append(lines.get(timeout=1))
            except queue.Empty:
                continue
            url = next(iter(re.findall(rf"http://127\.0\.0\.1:{port}/\S+", seen[-1])), None)
        assert url, "JupyterLab printed no URL:\n" + "".join(seen[-20:])
        assert url.startswith(f"http://127.0.0.1:{port}{START_PATH}?token="), url
        opened = ""
        while "</html>" not in opened.lower() and time.monotonic() < deadline:  # written just after the URL is logged
            time.sleep(0.2)
            opened = "".join(page.read_text() for page in (tmp_path / "runtime").glob("jpserver-*-open.html"))
        assert f"{START_PATH}?token=" in opened  # the page the browser is sent to names the notebook too
        token = url.split("token=")[1]
        api = f"http://127.0.0.1:{port}/lab/api/settings/{NOTIFICATION}?token={token}"
        with urllib.request.urlopen(api, timeout=30) as response:
            defaults = json.load(response)["schema"]["properties"]  # the overrides become the schema's defaults
        assert defaults["fetchNews"]["default"] == "false" and defaults["checkForUpdates"]["default"] is False
    finally:
        os.killpg(lab.pid, signal.SIGTERM)
        try:
            lab.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(lab.pid, signal.SIGKILL)
            lab.wait(timeout=10)
