# A classroom on a real JupyterHub (issue 17): the load test of tools/hub_load.py.
#   make hub-load   HUB_LEARNERS learners (default 10) log in at once to a JupyterHub on 127.0.0.1, each starts a
#                   server, runs chapter 04 (the exercises answered by their worked solutions) through the kernel's
#                   websocket and stops; prints the time to log in and spawn, to run the chapter, CPU and memory
#                   per learner, Hub and proxy; fails if a learner's progress file is missing, holds another's
#                   entries or lacks a passed exercise, if a cell raised, or if any process is left. Then the
#                   real-Hub test of tests/test_hub_load.py: a shared home (what --fault shared-home injects) is
#                   caught as mixed progress, so the check is shown to fail where it must
# Installs: the `hub` extra into .venv (JupyterHub 6.x; it only adds packages there: checked with
# `pip install --dry-run`) and configurable-http-proxy 5.x with npm into .cache/npm (never globally; needs Node.js
# 20 or newer). Those two steps use PyPI and npm; the run itself needs no network: where a network namespace can
# be made (unshare and ip, as `make test-offline`), it runs in one with only loopback up.
.PHONY: hub-load

HUB_LEARNERS ?= 10
HUB_NPM       = .cache/npm
HUB_PROXY     = $(HUB_NPM)/node_modules/.bin/configurable-http-proxy
HUB_RUN       = $(PY) tools/hub_load.py --learners $(HUB_LEARNERS) --proxy $(HUB_PROXY) && \
    PKI_LAB_HUB_TESTS=1 $(PY) -m pytest -p no:cacheprovider -p no:xdist -q tests/test_hub_load.py -k real_hub

$(VENV)/.installed-hub: pyproject.toml | $(PY)
	$(PIP) install -e ".[hub]"
	@touch $@

$(HUB_PROXY):
	@command -v npm >/dev/null && command -v node >/dev/null || { echo "hub-load needs Node.js 20 or newer and npm to install configurable-http-proxy 5 (apt-get install nodejs npm where the distribution has 20 or newer; Debian 12's is 18.20: take Node.js from nodejs.org)" >&2; exit 2; }
	@node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 20 ? 0 : 1)' || { echo "configurable-http-proxy 5 needs Node.js 20 or newer; this node is $$(node --version): install Node.js 20 or newer (nodejs.org)" >&2; exit 2; }
	npm install --prefix $(HUB_NPM) --no-save --no-audit --no-fund --loglevel=error configurable-http-proxy@5

hub-load: $(VENV)/.installed-test $(VENV)/.installed-hub $(HUB_PROXY)
	@if command -v unshare >/dev/null && command -v ip >/dev/null && $(UNSHARE) true 2>/dev/null; then \
	    echo "hub-load: in a network namespace with only loopback up (no network)"; \
	    $(UNSHARE) sh -c 'ip link set lo up && $(HUB_RUN)'; \
	else \
	    echo "hub-load: no network namespace here (unshare or ip missing, or not allowed): the network stays up"; \
	    $(HUB_RUN); \
	fi
