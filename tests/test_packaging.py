"""The install files agree with each other, and the README opens with the two commands."""

import ast
import json
import os
import queue
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tarfile
import threading
import time
import tomllib
import urllib.request
import zipfile
from email.parser import Parser
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

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


# conda-forge's matplotlib without the Qt GUI backend (a notebook draws inline); the same package otherwise.
CONDA_NAMES = {"matplotlib": "matplotlib-base"}


def test_environment_yml_names_the_runtime_and_lab_packages_and_ranges_of_pyproject():
    """Binder's environment is a plain install plus the `lab` extra, plus the build backend postBuild uses."""
    runtime = dict(_split(r) for r in PYPROJECT["project"]["dependencies"])
    lab = dict(_split(r) for r in PYPROJECT["project"]["optional-dependencies"]["lab"])
    backend = dict(_split(r) for r in PYPROJECT["build-system"]["requires"])
    expected = {CONDA_NAMES.get(name, name): spec for name, spec in {**runtime, **lab, **backend}.items()}
    conda = _conda_dependencies()
    assert conda.pop("python") == "=3.11"
    assert conda.pop("pip") == ""
    assert conda == expected
    assert "matplotlib" not in conda  # the Qt-carrying package would come in beside matplotlib-base


def test_environment_yml_uses_conda_forge_only():
    text = (ROOT / "environment.yml").read_text()
    assert "- conda-forge" in text and "- nodefaults" in text
    assert "- defaults" not in text


def test_postbuild_installs_the_package_without_dependencies_or_network():
    lines = (ROOT / "postBuild").read_text().splitlines()
    assert "set -e" in lines
    assert 'pip install --no-deps --no-build-isolation --no-cache-dir "$src"' in lines


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
    """The commands ``make -n ARGS`` would run, one per line (nothing is run), for the venv these tests run in
    (``.venv``, or ``.venv-floor`` under `make test-floor`, whose JupyterLab is the one the tests ask)."""
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")}  # under `make unit`
    venv = [f"VENV={os.path.relpath(sys.prefix, ROOT)}"] if sys.prefix != sys.base_prefix else []
    out = subprocess.run(["make", "-n", "--no-print-directory", *venv, *args], cwd=ROOT, capture_output=True,
                         text=True, check=True, env=env).stdout
    return out.splitlines()


def _lab_command() -> list[str]:
    """The `jupyter lab` command line of `make lab`, as make would run it."""
    return shlex.split(next(line for line in _make_n("lab") if re.search(r"/bin/jupyter lab\b", line)))


def test_the_course_settings_switch_off_the_jupyter_news_prompt():
    overrides = json.loads(LAB_OVERRIDES.read_text())
    assert overrides[NOTIFICATION] == {"fetchNews": "false", "checkForUpdates": False}
    from jupyterlab.commands import get_app_dir

    for plugin, settings in overrides.items():  # JupyterLab ignores a misspelt plugin or setting without a word
        package, name = plugin.split(":")
        schema = json.loads((Path(get_app_dir()) / "schemas" / package / f"{name}.json").read_text())
        assert settings.keys() <= schema["properties"].keys(), plugin
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


# --- A lean package (issue 17): runtime dependencies are what pki_lab imports; Jupyter is the `lab` extra. -------

# Not one of these comes with a plain `pip install pki-lab` (Colab has its own kernel, JupyterLite cannot run a server).
JUPYTER_SERVER_PACKAGES = {"jupyter-server", "jupyterlab", "jupyterlab-server", "notebook", "ipykernel", "nbconvert"}
# An import of pki_lab that a declared dependency brings with it: pki_lab/_ipython.py uses IPython only when it
# already runs inside IPython (it checks sys.modules first), and ipywidgets requires IPython anyway.
IMPORTED_THROUGH = {"ipython": "ipywidgets"}


def _requirements(group: str | None = None) -> list[Requirement]:
    project = PYPROJECT["project"]
    return [Requirement(r) for r in (project["dependencies"] if group is None else
                                     project["optional-dependencies"][group])]


def _third_party_imports() -> set[str]:
    """Top-level names of every module pki_lab imports, at module level or inside a function, outside the stdlib."""
    names = set()
    for path in (ROOT / "pki_lab").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.Import):
                names |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module.split(".")[0])
    return {name for name in names if name not in sys.stdlib_module_names and name != "pki_lab"}


def test_runtime_dependencies_are_what_pki_lab_imports():
    providers = metadata.packages_distributions()
    imported = set()
    for name in _third_party_imports():
        assert name in providers, f"pki_lab imports {name}, which no installed distribution provides"
        imported |= {canonicalize_name(dist) for dist in providers[name]}
    declared = {canonicalize_name(r.name) for r in _requirements()}
    assert declared == imported - IMPORTED_THROUGH.keys()  # nothing missing, nothing declared that is not used
    for dist, provider in IMPORTED_THROUGH.items():
        assert dist in {canonicalize_name(Requirement(r).name) for r in metadata.requires(provider)}


def _closure(requirements: list[Requirement]) -> dict[str, str]:
    """Every distribution a plain install of ``requirements`` brings (extras only where a requirement names them),
    read from the installed packages' own metadata: name -> installed version."""
    seen: dict[str, str] = {}
    todo = [(r, frozenset(r.extras)) for r in requirements]
    while todo:
        requirement, _ = todo.pop()
        name = canonicalize_name(requirement.name)
        if name in seen:
            continue
        dist = metadata.distribution(requirement.name)
        assert requirement.specifier.contains(dist.version, prereleases=True), (requirement, dist.version)
        seen[name] = dist.version
        for line in dist.requires or []:
            sub = Requirement(line)
            if sub.marker is None or any(sub.marker.evaluate({"extra": extra}) for extra in {"", *requirement.extras}):
                todo.append((sub, frozenset(sub.extras)))
    return seen


def test_a_plain_install_brings_no_jupyter_server_or_kernel():
    plain = _closure(_requirements())
    assert not JUPYTER_SERVER_PACKAGES & plain.keys(), sorted(JUPYTER_SERVER_PACKAGES & plain.keys())
    assert {"cryptography", "ipywidgets", "ipython", "matplotlib", "networkx", "certifi", "idna"} <= plain.keys()
    # The failure twin: the `lab` extra is where JupyterLab, its server and the kernel come from.
    with_lab = _closure(_requirements() + _requirements("lab"))
    assert {"jupyterlab", "jupyter-server", "ipykernel"} <= with_lab.keys()


def test_the_test_extra_runs_kernels_and_the_ui_extra_drives_jupyterlab():
    names = {group: {canonicalize_name(r.name) for r in _requirements(group)} for group in ("test", "ui", "lab")}
    assert {"ipykernel", "nbval", "nbclient"} <= names["test"]
    assert {"jupyterlab", "playwright"} <= names["ui"]
    assert {"jupyterlab", "ipykernel"} <= names["lab"]


def test_make_lab_installs_the_lab_extra_and_make_test_adds_the_test_extra():
    lab = _make_n("-W", "pyproject.toml", "lab")
    assert any(re.search(r'pip .*install -e "\.\[lab\]"$', line) for line in lab), lab
    unit = _make_n("-W", "pyproject.toml", "unit")
    assert any(re.search(r'pip .*install -e "\.\[lab,test\]"$', line) for line in unit), unit


# --- The lowest supported cryptography: one value in pyproject.toml, read by `make test-floor`. -----------------

def _cryptography_floor() -> str:
    (spec,) = [r for r in _requirements() if r.name == "cryptography"]
    (floor,) = [s.version for s in spec.specifier if s.operator == ">="]
    return floor


def test_the_floor_job_pins_the_one_floor_pyproject_names():
    floor = _cryptography_floor()
    lines = _make_n("-W", "pyproject.toml", "test-floor")
    installs = [line for line in lines if "cryptography==" in line]
    assert len(installs) == 1 and f'"cryptography=={floor}"' in installs[0], installs
    assert 'install -e ".[lab,test]"' in installs[0] and installs[0].startswith(".venv-floor/bin/python -m pip")
    assert any(line.endswith("VENV=.venv-floor unit nbval") for line in lines), lines  # the same commands as make test


def test_ci_runs_the_floor_job_and_the_wheel_test():
    ci = (ROOT / ".ci" / "run").read_text()
    assert re.search(r"^make test-floor$", ci, re.M) and re.search(r"^make test-dist$", ci, re.M)


# --- postBuild and the wheel and sdist, built here with no network (the build backend of the test extra). -----

def _backend_is_installed() -> None:
    (backend,) = [Requirement(r) for r in PYPROJECT["build-system"]["requires"]]
    version = metadata.version(backend.name)
    assert backend.specifier.contains(version), (
        f"{backend.name} {version} is installed, pyproject's [build-system] needs {backend.specifier}: "
        'reinstall the test extra (pip install -e ".[lab,test]")')


def _copy_of_repository(dest: Path) -> None:
    """The repository's files as a clone would have them (tracked, and new ones not ignored), copied to ``dest``."""
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                            capture_output=True, check=True).stdout.decode().split("\0")
    for name in filter(None, listed):
        source = ROOT / name
        if source.is_file():  # a file deleted but not yet committed is listed and missing
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, dest / name)


def _files(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*")}


def _package_files(folder: Path, *, caches: bool = False) -> set[str]:
    """pki_lab's files under ``folder``: the modules and the shipped data (and Python's caches if ``caches``)."""
    return {name for name in _files(folder / "pki_lab") if (caches or "__pycache__" not in name)
            and (folder / "pki_lab" / name).is_file()}


def _run_postbuild(tmp_path: Path, install_line: str | None = None) -> dict[str, Path | set[str]]:
    """Run postBuild in a copy of the repository that is also HOME, as on Binder (optionally with its pip line
    replaced by ``install_line``); return the folders it worked in and the files the copy had before."""
    _backend_is_installed()
    folders = {d: tmp_path / d for d in ("home", "site", "lab-app", "tmp", "bin")}
    for name in ("home", "tmp", "bin"):
        folders[name].mkdir()
    home = folders["home"]
    _copy_of_repository(home)
    if install_line is not None:
        script = (home / "postBuild").read_text()
        (home / "postBuild").write_text(re.sub(r"^pip install .*$", install_line, script, count=1, flags=re.M))
    before = _files(home)
    # Binder's pip installs into the conda environment; this one into a folder of the test's, with no index.
    pip = folders["bin"] / "pip"
    pip.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m pip --disable-pip-version-check "$@" --no-index '
                   f'--target "{folders["site"]}"\n')
    pip.chmod(0o755)
    # The system's own folders only, as on Binder (here pip would run a rustup proxy, which writes ~/.rustup).
    env = {**os.environ, "HOME": str(home), "TMPDIR": str(folders["tmp"]), "JUPYTERLAB_DIR": str(folders["lab-app"]),
           "PATH": os.pathsep.join([str(folders["bin"]), str(Path(sys.executable).parent), "/usr/bin", "/bin"])}
    done = subprocess.run(["bash", "postBuild"], cwd=home, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return {**folders, "before": before}


def test_postbuild_installs_the_package_and_settings_and_writes_nothing_in_the_learners_home(tmp_path):
    """On Binder the learner's home is the repository: postBuild must leave no build/, egg-info or pip cache."""
    run = _run_postbuild(tmp_path)
    home, target, before = run["home"], run["site"], run["before"]
    assert _files(home) == before, sorted(_files(home) ^ before)  # no build/, no pki_lab.egg-info, no ~/.cache
    assert not list(run["tmp"].iterdir())  # and its temporary copy of the sources is gone
    assert _package_files(target) == _package_files(home)  # every module and data file was installed
    settings = run["lab-app"] / "settings" / "overrides.d" / "pki-lab.json"
    assert settings.read_text() == LAB_OVERRIDES.read_text()
    code = ("import pathlib, pki_lab\nfrom pki_lab import data, describe\n"
            "print(pathlib.Path(pki_lab.__file__).parent.parent)\n"
            "print(describe(data.chain('stackoverflow.com').leaf).value('Version'))\n")
    shown = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(target)},
                           capture_output=True, text=True, check=True).stdout.split()
    assert shown == [str(target), "v3"]


def test_installing_from_the_repository_itself_would_leave_build_files_in_the_learners_home(tmp_path):
    """The failure twin: the install line postBuild had before (pip building in the folder itself) leaves build/
    and pki_lab.egg-info/ behind, so the check above sees them."""
    run = _run_postbuild(tmp_path, install_line="pip install --no-deps --no-build-isolation --no-cache-dir .")
    assert {"build", "pki_lab.egg-info"} <= _files(run["home"]) - run["before"]


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The sdist built from a copy of the repository, and the wheel built from that sdist (as `python -m build`
    does), with the installed build backend and no network."""
    _backend_is_installed()
    tmp = tmp_path_factory.mktemp("dist")
    source, out, unpacked = tmp / "source", tmp / "dist", tmp / "unpacked"
    for folder in (source, out, unpacked):
        folder.mkdir()
    _copy_of_repository(source)
    # What an earlier run of the code leaves in a working tree (make test-dist builds after make test) stays out.
    cache = source / "pki_lab" / "data" / "__pycache__"
    cache.mkdir()
    (cache / "__init__.cpython-311.pyc").write_bytes(b"left by a run")

    def backend(hook: str, cwd: Path) -> Path:
        code = f"import sys, setuptools.build_meta as b; b.{hook}(sys.argv[1])"
        subprocess.run([sys.executable, "-c", code, str(out)], cwd=cwd, capture_output=True, check=True, timeout=300)
        (made,) = [p for p in out.iterdir() if p.name.endswith(".tar.gz" if hook == "build_sdist" else ".whl")]
        return made

    sdist = backend("build_sdist", source)
    with tarfile.open(sdist) as archive:
        archive.extractall(unpacked, filter="data")
    (top,) = unpacked.iterdir()
    in_sdist = {name for name in _files(top) if (top / name).is_file()}  # before the wheel's build adds build/
    return {"source": source, "sdist": in_sdist, "unpacked": top, "wheel": backend("build_wheel", top)}


def test_the_sdist_holds_what_a_build_needs_and_no_course_material(built):
    top, names = built["unpacked"], built["sdist"]
    assert top.name == f"pki_lab-{PYPROJECT['project']['version']}"
    assert {"pyproject.toml", "README.md", "PKG-INFO", "LICENSE"} <= names  # Apache-2.0 section 4(a): ship its text
    in_package = {n.removeprefix("pki_lab/") for n in names if n.startswith("pki_lab/")}
    assert in_package == _package_files(built["source"])  # every module and pki_lab/data file, and no cache
    assert "data/__pycache__/__init__.cpython-311.pyc" in _package_files(built["source"], caches=True)
    assert {n.split("/")[0] for n in names if "/" in n} == {"pki_lab", "pki_lab.egg-info"}  # no tests, notebooks
    assert (top / "README.md").read_text() == (ROOT / "README.md").read_text()


def test_the_wheel_holds_the_package_and_its_data_and_says_what_pyproject_says(built):
    wheel = zipfile.ZipFile(built["wheel"])
    names = set(wheel.namelist())
    dist_info = f"pki_lab-{PYPROJECT['project']['version']}.dist-info"
    assert {name.split("/")[0] for name in names} == {"pki_lab", dist_info}  # no tests/, notebooks/, tools/
    in_package = {n.removeprefix("pki_lab/") for n in names if n.startswith("pki_lab/")}
    assert in_package == _package_files(built["source"])  # every module and data file, not the cache beside them
    assert any(n.startswith("pki_lab/data/") and not n.endswith(".py") for n in names)
    meta = Parser().parsestr(wheel.read(f"{dist_info}/METADATA").decode())
    assert meta["Name"] == "pki-lab" and meta["License-Expression"] == "Apache-2.0"
    assert meta.get_all("License-File") == ["LICENSE"]
    assert wheel.read(f"{dist_info}/licenses/LICENSE").decode() == (ROOT / "LICENSE").read_text()
    assert "Apache License" in (ROOT / "LICENSE").read_text() and "Version 2.0" in (ROOT / "LICENSE").read_text()
    required = [Requirement(r) for r in meta.get_all("Requires-Dist")]
    plain = {(canonicalize_name(r.name), r.specifier) for r in required if r.marker is None}
    assert plain == {(canonicalize_name(r.name), r.specifier) for r in _requirements()}
    assert set(meta.get_all("Provides-Extra")) >= {"lab", "test", "ui", "release"}
    assert "pki-lab = pki_lab.cli:main" in wheel.read(f"{dist_info}/entry_points.txt").decode()


def test_the_wheel_test_installs_the_wheel_and_runs_chapter_00_outside_the_repository():
    """`make test-dist` must test what a learner would install: the built wheel, imported from a folder that is
    not this repository (or pki_lab would come from the source tree)."""
    recipe = "\n".join(_make_n("-W", "pyproject.toml", "test-dist"))
    assert re.search(r"-m build --outdir dist \.$", recipe, re.M) and "twine check --strict dist/*" in recipe
    assert re.search(r'pip .*install "\S+/\$wheel\[test\]"', recipe), recipe
    assert 'cp notebooks/00_start_here.ipynb "$tmp/"' in recipe and 'cd "$tmp"' in recipe
    assert '"site-packages" in f.parts' in recipe  # pki_lab.__file__ is checked to be the installed wheel's
    assert recipe.rstrip().endswith("--nbval --nbval-current-env --nbval-cell-timeout=120 00_start_here.ipynb")
