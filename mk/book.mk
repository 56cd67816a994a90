# The website (issue 17): the whole course as a static site, built from the STORED notebooks (nothing is run).
#   make book       build it into _build/html/ (open _build/html/index.html); no network needed once installed
#   make test-book  build it, then the browser test (tests/book/): every page and internal link in Chromium,
#                   search, launch buttons; screenshots in ui-screenshots/book/
# Jupyter Book 1.x gets a venv of its own, .venv-book, with only pyproject.toml's `book` extra in it: Jupyter Book
# 1 needs Sphinx 7 and myst-parser 3, so markdown-it-py 3, where the course's .venv has markdown-it-py 4, and the
# course's .venv must not be downgraded. (Jupyter Book 2 fetches its theme from the network when it builds.)
.PHONY: book test-book

BOOK_VENV ?= .venv-book
BOOK_PY    = $(BOOK_VENV)/bin/python
# -W --keep-going: any Sphinx warning (a broken cross-reference, a missing page) fails the build, all listed.
# -n: nitpicky. --all: every page is rebuilt, so no warning hides in a page an incremental build skipped.
BOOK_BUILD = $(BOOK_VENV)/bin/jupyter-book build . --config book/_config.yml --toc book/_toc.yml \
    --builder html --all -W -n --keep-going

$(BOOK_VENV)/.installed: pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "make book needs Python 3.11 or newer")'
	$(PYTHON) -m venv $(BOOK_VENV)
	$(PYTHON) -c 'import tomllib; print("\n".join(tomllib.load(open("pyproject.toml", "rb"))["project"]["optional-dependencies"]["book"]))' > $(BOOK_VENV)/requirements.txt
	$(BOOK_PY) -m pip --disable-pip-version-check install -q -r $(BOOK_VENV)/requirements.txt
	@touch $@

book: $(BOOK_VENV)/.installed
	$(BOOK_BUILD)
	@echo "The site: _build/html/index.html"

test-book: book $(VENV)/.installed-ui
	PKI_LAB_PROGRESS=off PKI_LAB_REQUIRE_UI=1 $(PY) -m pytest -m ui -p no:cacheprovider tests/book
