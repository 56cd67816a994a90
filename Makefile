# PKI Lab: two commands for learners and CI.
#   make lab    create .venv if missing, install the course and JupyterLab (.[lab]), open JupyterLab on chapter 00
#               (and print that URL)
#   make test   create .venv if missing, install the test extras, run lint (ruff, the layers contract, every
#               chapter executed in order from a clean kernel: tools/check_executed.py), unit tests, notebooks
#               (and the browser tests where Chromium and Playwright are installed; skipped otherwise)
# and a few for contributors and CI:
#   make test-ui       the browser tests, required: installs the `ui` extra (Playwright); needs the system
#                      Chromium (Debian: apt-get install chromium). Screenshots go to ui-screenshots/.
#   make test-future   every notebook under nbval with the system clock 5 years ahead (apt-get install faketime)
#   make test-offline  unit tests and notebooks in a network namespace with only loopback (unshare, iproute2)
#   make notebooks   re-execute every notebook in place from a clean kernel (stored outputs)
#   make bench       print the benchmark figures (ML-DSA beside RSA and ECDSA included)
#   make fuzz        the seeded mutation fuzzer over every door for SECONDS (default 60); exit 1 on any crash
#   make clean       remove caches (keeps .venv); make distclean also removes .venv and the other venvs
# In mk/*.mk (each file says more):
#   make book            the course as a website in _build/html/ (Jupyter Book 1, from the stored notebooks, in .venv-book)
#   make test-book       build the website with no network, then check every page, link and the search in Chromium
#   make test-floor      unit tests and every notebook on the lowest supported cryptography (.venv-floor)
#   make dist            sdist and wheel into dist/, checked by twine; make test-dist runs chapter 00 from the wheel
#   make classroom       write an nbgrader course, one assignment per chapter, into classroom/
#   make classroom-test  nbgrader end to end (generate, submissions, autograde, export) in .venv-classroom,
#                        then make hub-load
#   make hub-load        a class on a real JupyterHub on 127.0.0.1: 10 learners run chapter 04 at once; time, CPU
#                        and memory per learner (the `hub` extra; configurable-http-proxy via npm: Node.js 20+)

PYTHON ?= python3
VENV   ?= .venv
PY      = $(VENV)/bin/python
PIP     = $(PY) -m pip --disable-pip-version-check
NOTEBOOKS = $(sort $(wildcard notebooks/[0-9][0-9]_*.ipynb))
# JupyterLab refuses to run as root unless told; containers often run as root.
ROOT_FLAG = $(if $(filter 0,$(shell id -u)),--allow-root,)
# Jupyter: use the platform's standard folders (and silence the warning about it).
export JUPYTER_PLATFORM_DIRS = 1
export PYDEVD_DISABLE_FILE_VALIDATION = 1

.PHONY: lab test lint unit nbval ui test-ui test-future test-offline notebooks bench fuzz clean distclean

UNIT_TESTS = $(PY) -m pytest -n auto --dist worksteal -m "not ui" --cov=pki_lab --cov-report=term:skip-covered tests
NOTEBOOK_TESTS = $(PY) -m pytest -n auto --dist loadscope --nbval --nbval-current-env \
    --nbval-cell-timeout=120 -p no:cacheprovider notebooks
UI_TESTS = $(PY) -m pytest -m ui -p no:cacheprovider tests/ui
# A network namespace of its own: root can make one directly; others map themselves to root in a user namespace.
UNSHARE = $(if $(filter 0,$(shell id -u)),unshare -n,unshare -rn)

# Tests must not write a learner's exercise progress (~/.pki_lab/progress.json): switch recording off.
unit nbval ui test-ui test-future test-offline: export PKI_LAB_PROGRESS = off

$(PY):
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "PKI Lab needs Python 3.11 or newer; this is " + sys.version.split()[0] + ". Run: make PYTHON=python3.11 ...")'
	$(PYTHON) -m venv $(VENV)

# The package's runtime dependencies are what pki_lab imports; JupyterLab and the kernel are its `lab` extra, which
# the tests need too (tests/test_packaging.py starts JupyterLab as `make lab` does).
$(VENV)/.installed-lab: pyproject.toml | $(PY)
	$(PIP) install -e ".[lab]"
	@touch $@

$(VENV)/.installed-test: pyproject.toml | $(PY)
	$(PIP) install -e ".[lab,test]"
	@touch $@ $(VENV)/.installed-lab

$(VENV)/.installed-ui: pyproject.toml | $(PY)
	$(PIP) install -e ".[lab,test,ui]"
	@touch $@ $(VENV)/.installed-test $(VENV)/.installed-lab

# JupyterLab for the course: local only, serving this folder, opening (and printing the URL of) chapter 00.
# LabApp.default_url, not ServerApp's: `jupyter lab` sets the server's default URL from its own (/lab, the
# Launcher), and a notebook named on the command line is opened but not printed. tests/test_packaging.py runs
# JupyterLab with these flags (read with `make -n lab`) and checks the URL it prints.
LAB_START = /lab/tree/notebooks/00_start_here.ipynb
LAB_FLAGS = --ServerApp.ip=127.0.0.1 --ServerApp.root_dir=. --LabApp.default_url=$(LAB_START) $(ROOT_FLAG)
# The course's JupyterLab settings (no "get notified about official Jupyter news?" prompt), one file in the repo
# (jupyter/lab-overrides.json), installed where JupyterLab reads packaged defaults: the application directory's
# settings/overrides.d/. postBuild installs the same file on Binder; a learner's own settings still win.
LAB_SETTINGS = $(VENV)/share/jupyter/lab/settings/overrides.d/pki-lab.json

$(LAB_SETTINGS): jupyter/lab-overrides.json | $(VENV)/.installed-lab
	mkdir -p $(@D)
	cp jupyter/lab-overrides.json $@

lab: $(VENV)/.installed-lab $(LAB_SETTINGS)
	$(VENV)/bin/jupyter lab $(LAB_FLAGS)

test: lint unit nbval ui

# Ruff (style, blind excepts, complexity), the layers contract of docs/architecture.md (.importlinter), and every
# chapter's stored outputs from one clean run, top to bottom (tools/check_executed.py: execution counts 1, 2, 3...).
lint: $(VENV)/.installed-test
	$(VENV)/bin/ruff check pki_lab tests benchmarks tools notebooks
	$(VENV)/bin/lint-imports --no-cache
	$(PY) tools/check_executed.py $(NOTEBOOKS)

unit: $(VENV)/.installed-test
	$(UNIT_TESTS)

nbval: $(VENV)/.installed-test
	$(NOTEBOOK_TESTS)

# Browser tests in `make test`: they skip, saying why, where Chromium or Playwright is missing.
ui: $(VENV)/.installed-test $(LAB_SETTINGS)
	$(UI_TESTS)

# Browser tests that must run (CI): a missing browser fails instead of skipping. Never downloads a browser.
test-ui: $(VENV)/.installed-ui $(LAB_SETTINGS)
	PKI_LAB_REQUIRE_UI=1 $(UI_TESTS)

# The course must not rot: the notebooks print the same bytes with the system clock 5 years ahead
# (libfaketime; `-f '+5y'` is a relative offset, the clock keeps running).
test-future: $(VENV)/.installed-test
	@command -v faketime >/dev/null || { echo "test-future needs libfaketime: apt-get install faketime" >&2; exit 2; }
	faketime -f '+5y' $(NOTEBOOK_TESTS)

# No network at all: a fresh network namespace in which only the loopback interface is up.
test-offline: $(VENV)/.installed-test
	@command -v unshare >/dev/null && command -v ip >/dev/null || \
	    { echo "test-offline needs unshare (util-linux) and ip (iproute2)" >&2; exit 2; }
	$(UNSHARE) sh -c 'ip link set lo up && $(UNIT_TESTS) && $(NOTEBOOK_TESTS)'

notebooks: $(VENV)/.installed-test
	$(PY) tools/run_notebooks.py $(NOTEBOOKS)

bench: $(VENV)/.installed-test
	$(PY) benchmarks/run_all.py

# Bad input never escapes as a bare exception: loaders, describers, der.parse, tree_of, tamper, validate_chain and
# the OCSP responder and client, fed mutated real certificates, CRLs, CSRs and OCSP messages (docs/reliability.md).
SECONDS ?= 60
FUZZ_SEED ?= 1
fuzz: $(VENV)/.installed-test
	PKI_LAB_PROGRESS=off $(PY) tools/fuzz.py --seconds $(SECONDS) --seed $(FUZZ_SEED)

clean:
	rm -rf .pytest_cache .ruff_cache .hypothesis build dist *.egg-info _build
	find . -name __pycache__ -not -path './.venv*' -prune -exec rm -rf {} +

# Every venv the make targets create (the course's, the floor's, the website's, the classroom's); classroom/ stays
# (its gradebook.db holds a class's grades).
distclean: clean
	rm -rf $(VENV) .venv-floor .venv-book .venv-classroom .cache/npm

# Targets beyond the two commands live in mk/*.mk, one file per concern (the website, the package, the classroom):
# each file declares its own .PHONY targets and says what it needs.
include $(sort $(wildcard mk/*.mk))
