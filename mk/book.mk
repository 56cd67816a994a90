# The website (issue 17): the whole course as a static site, built from the STORED notebooks (nothing is run).
#   make book       build it into _build/html/ (open _build/html/index.html); no network needed once installed
#   make book-serve serve the built site on http://127.0.0.1:$(BOOK_PORT)/ (opened from a file, the search page
#                   lists its results but cannot show their excerpts: browsers refuse it the pages' text)
#   make test-book  build it with no network at all (a network namespace with only loopback, as test-offline),
#                   then the browser test (tests/book/): every page, internal link, anchor and image in Chromium,
#                   search, launch buttons; screenshots in ui-screenshots/book/. Needs unshare, ip and Chromium.
# Jupyter Book 1.x gets a venv of its own, .venv-book, with only pyproject.toml's `book` extra in it: Jupyter Book
# 1 needs Sphinx 7 and myst-parser 3, so markdown-it-py 3, where the course's .venv has markdown-it-py 4, and the
# course's .venv must not be downgraded. (Jupyter Book 2 fetches its theme from the network when it builds.)
.PHONY: book book-offline test-book book-serve book-clean

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

book-offline: $(BOOK_VENV)/.installed
	@command -v unshare >/dev/null && command -v ip >/dev/null || \
	    { echo "book-offline needs unshare (util-linux) and ip (iproute2)" >&2; exit 2; }
	$(UNSHARE) sh -c 'ip link set lo up && $(BOOK_BUILD)'

test-book: book-offline $(VENV)/.installed-ui
	PKI_LAB_PROGRESS=off PKI_LAB_REQUIRE_UI=1 $(PY) -m pytest -m ui -p no:cacheprovider tests/book

BOOK_PORT ?= 8000
book-serve:
	@test -f _build/html/index.html || { echo "no site yet: run make book" >&2; exit 2; }
	@echo "PKI Lab's website: http://127.0.0.1:$(BOOK_PORT)/ (Ctrl+C stops it)"
	$(PYTHON) -m http.server --bind 127.0.0.1 --directory _build/html $(BOOK_PORT)

# The built site and the book's venv (`make clean` and `make distclean` leave them).
book-clean:
	rm -rf _build $(BOOK_VENV)
