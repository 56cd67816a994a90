# PKI Lab: two commands for learners and CI.
#   make lab    create .venv if missing, install, open JupyterLab on the first notebook
#   make test   create .venv if missing, install the test extras, run lint, unit tests, notebooks
# and a few for contributors:
#   make notebooks   re-execute every notebook in place from a clean kernel (stored outputs)
#   make bench       print the benchmark figures
#   make clean       remove caches (keeps .venv); make distclean also removes .venv

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

.PHONY: lab test lint unit nbval notebooks bench clean distclean

$(PY):
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "PKI Lab needs Python 3.11 or newer; this is " + sys.version.split()[0] + ". Run: make PYTHON=python3.11 ...")'
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed-lab: pyproject.toml | $(PY)
	$(PIP) install -e .
	@touch $@

$(VENV)/.installed-test: pyproject.toml | $(PY)
	$(PIP) install -e ".[test]"
	@touch $@ $(VENV)/.installed-lab

lab: $(VENV)/.installed-lab
	$(VENV)/bin/jupyter lab --ServerApp.ip=127.0.0.1 $(ROOT_FLAG) notebooks/00_start_here.ipynb

test: lint unit nbval

lint: $(VENV)/.installed-test
	$(VENV)/bin/ruff check pki_lab tests benchmarks tools notebooks

unit: $(VENV)/.installed-test
	$(PY) -m pytest -n auto --dist loadscope tests

nbval: $(VENV)/.installed-test
	$(PY) -m pytest -n auto --dist loadscope --nbval --nbval-current-env \
	    --nbval-cell-timeout=120 -p no:cacheprovider notebooks

notebooks: $(VENV)/.installed-test
	$(PY) tools/run_notebooks.py $(NOTEBOOKS)

bench: $(VENV)/.installed-test
	$(PY) benchmarks/run_all.py

clean:
	rm -rf .pytest_cache .ruff_cache .hypothesis build *.egg-info
	find . -name __pycache__ -not -path './$(VENV)/*' -prune -exec rm -rf {} +

distclean: clean
	rm -rf $(VENV)
