# A graded classroom (issue 17): an nbgrader course made from the chapters and the exercise registry.
#   make classroom        write the course into classroom/ (nbgrader_config.py, written once, then kept;
#                         source/chNN/NN_name.ipynb for every chapter): each answer cell an nbgrader solution cell,
#                         each exercise a hidden autograded test, 1 point each. nbgrader itself is not needed here.
#                         CLASSROOM_CHAPTERS="00 04" makes only those chapters.
#   make classroom-test   the end-to-end test with real nbgrader (tests/classroom/test_nbgrader.py: generate, two
#                         learners' submissions, autograde, export, the scores; release, fetch, submit and collect
#                         through an exchange folder), then the JupyterHub load test (make hub-load, mk/hub.mk)
#   make classroom-test-all  every chapter as its assignment, answered with its worked solutions, autogrades to
#                         full marks (about 3 minutes of CPU, 8 on a loaded 2-core machine; not in CI)
#   make classroom-clean  remove .venv-classroom (classroom/ stays: its gradebook.db holds the class's grades)
# nbgrader gets a venv of its own, .venv-classroom (pyproject.toml's `classroom` extra, with the course and its test
# tools): installed into .venv it would change no version, but its JupyterLab extensions (the Formgrader, the
# Assignments and Courses panels) would show in the JupyterLab of `make lab` and of the browser tests.
.PHONY: classroom classroom-test classroom-test-all classroom-clean

CLASSROOM_DIR      ?= classroom
CLASSROOM_CHAPTERS ?=
CLASSROOM_VENV     ?= .venv-classroom
CLASSROOM_PY        = $(CLASSROOM_VENV)/bin/python

classroom: $(VENV)/.installed-lab
	PKI_LAB_PROGRESS=off $(PY) -m pki_lab.classroom $(CLASSROOM_DIR) \
	    $(if $(strip $(CLASSROOM_CHAPTERS)),--chapters $(CLASSROOM_CHAPTERS),)

$(CLASSROOM_VENV)/.installed: pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "make classroom-test needs Python 3.11 or newer")'
	$(PYTHON) -m venv $(CLASSROOM_VENV)
	$(CLASSROOM_PY) -m pip --disable-pip-version-check install -q -e ".[test,classroom]"
	@touch $@

# PKI_LAB_REQUIRE_CLASSROOM=1: a missing nbgrader fails the test instead of skipping it. Where a network namespace
# can be made (unshare and ip, as for make test-offline), the test runs in one with only loopback up: no network.
CLASSROOM_TEST = PKI_LAB_PROGRESS=off PKI_LAB_REQUIRE_CLASSROOM=1 $(CLASSROOM_PY) -m pytest -p no:cacheprovider \
    -p no:xdist tests/classroom/test_nbgrader.py

classroom-test: $(CLASSROOM_VENV)/.installed
	@if command -v unshare >/dev/null && command -v ip >/dev/null && $(UNSHARE) true 2>/dev/null; then \
	    echo "classroom-test: in a network namespace with only loopback up (no network)"; \
	    $(UNSHARE) sh -c 'ip link set lo up && $(CLASSROOM_TEST)'; \
	else \
	    echo "classroom-test: no network namespace here (unshare or ip missing, or not allowed): the network stays up"; \
	    $(CLASSROOM_TEST); \
	fi
	$(MAKE) hub-load

classroom-test-all: $(CLASSROOM_VENV)/.installed
	PKI_LAB_PROGRESS=off PKI_LAB_REQUIRE_CLASSROOM=1 PKI_LAB_CLASSROOM_ALL=1 $(CLASSROOM_PY) -m pytest \
	    -p no:cacheprovider -p no:xdist tests/classroom/test_nbgrader.py -k every_chapters

classroom-clean:
	rm -rf $(CLASSROOM_VENV)
