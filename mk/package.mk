# The package: the lowest supported cryptography, and the wheel and sdist.
#   make test-floor   a .venv-floor with the lowest cryptography pyproject.toml allows (the one value after
#                     "cryptography>=" in its dependencies), then the unit tests and every notebook under nbval there
#   make dist         build the sdist and the wheel into dist/ and check them with twine (the `release` extra);
#                     publishing is then `$(VENV)/bin/twine upload dist/*`
#   make test-dist    make dist, then install the WHEEL (and its dependencies, from PyPI) into a fresh venv in a
#                     temporary folder and run chapter 00 under nbval from outside the repository, so pki_lab comes
#                     from the wheel and not from this tree
.PHONY: test-floor dist test-dist

FLOOR_VENV ?= .venv-floor
# Recursive (=), so only the targets that use it read pyproject.toml.
CRYPTOGRAPHY_FLOOR = $(shell $(PYTHON) -c 'import re, tomllib; deps = tomllib.load(open("pyproject.toml", "rb"))["project"]["dependencies"]; print(next(m.group(1) for d in deps if (m := re.match(r"cryptography>=([0-9.]+),", d))))')

# The floor venv gets the same stamps as .venv, so `make VENV=$(FLOOR_VENV) unit nbval` runs the very commands
# `make test` runs, without installing again.
$(FLOOR_VENV)/.installed-floor: pyproject.toml
	@test -n "$(CRYPTOGRAPHY_FLOOR)" || { echo 'pyproject.toml names no "cryptography>=FLOOR," dependency' >&2; exit 2; }
	test -x $(FLOOR_VENV)/bin/python || $(PYTHON) -m venv $(FLOOR_VENV)
	$(FLOOR_VENV)/bin/python -m pip --disable-pip-version-check install -e ".[lab,test]" "cryptography==$(CRYPTOGRAPHY_FLOOR)"
	@touch $@ $(FLOOR_VENV)/.installed-test $(FLOOR_VENV)/.installed-lab

test-floor: $(FLOOR_VENV)/.installed-floor
	$(FLOOR_VENV)/bin/python -c 'import sys, cryptography; v = cryptography.__version__; print("cryptography", v); sys.exit(0 if v.split(".")[:2] == "$(CRYPTOGRAPHY_FLOOR)".split(".")[:2] else "the floor venv has cryptography " + v + ", not $(CRYPTOGRAPHY_FLOOR)")'
	$(MAKE) --no-print-directory VENV=$(FLOOR_VENV) unit nbval

$(VENV)/.installed-release: pyproject.toml | $(PY)
	$(PIP) install -e ".[release]"
	@touch $@

# python -m build makes the sdist, then the wheel from that sdist (so the wheel proves the sdist is complete).
dist: $(VENV)/.installed-release
	rm -rf dist
	$(PY) -m build --outdir dist .
	$(VENV)/bin/twine check --strict dist/*

test-dist: export PKI_LAB_PROGRESS = off
test-dist: dist
	set -e; tmp="$$(mktemp -d)"; trap 'rm -rf "$$tmp"' EXIT; \
	wheel="$$(ls dist/pki_lab-*.whl)"; \
	$(PYTHON) -m venv "$$tmp/venv"; \
	"$$tmp/venv/bin/python" -m pip --disable-pip-version-check install "$(CURDIR)/$$wheel[test]"; \
	cp notebooks/00_start_here.ipynb "$$tmp/"; \
	cd "$$tmp"; \
	venv/bin/python -c 'import pathlib, sys, pki_lab; f = pathlib.Path(pki_lab.__file__).resolve(); print("pki_lab from", f); sys.exit(0 if "site-packages" in f.parts and pathlib.Path("$(CURDIR)").resolve() not in f.parents else "pki_lab does not come from the installed wheel")'; \
	venv/bin/python -m pytest -p no:cacheprovider --nbval --nbval-current-env --nbval-cell-timeout=120 00_start_here.ipynb
