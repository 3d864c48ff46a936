# nncost — every target creates .venv (Python 3.11) and installs the pinned set when missing.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: demo lab test bench walkthroughs clean hub

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

## demo: print the cost report of the course's Q3 CNN, worked out layer by layer
demo: $(STAMP)
	$(PY) -m nncost demo q3 --explain

## test: the whole test suite
test: $(STAMP) chromium npm
	$(PY) -m ruff check nncost authoring autograder tests benchmarks
	$(PY) -m ruff format --check nncost authoring autograder tests benchmarks
	$(PY) -m mypy
	$(PY) -m pytest

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache

## bench: speed benchmarks, each printing ratios against a named alternative
bench: $(STAMP)
	$(PY) benchmarks/bench_import.py
	$(PY) benchmarks/bench_profile.py

## chromium: Debian's Chromium for the browser test (never a downloaded browser build)
.PHONY: chromium e2e
SUDO := $(shell test "$$(id -u)" = 0 || echo sudo)
chromium:
	@command -v chromium >/dev/null || { $(SUDO) apt-get update -qq && \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; }

## e2e: the browser test alone — JupyterLab + headless Chromium.
## Another notebook: make e2e NOTEBOOK=path/to/notebook.ipynb (it must show widgets.explore(...)).
e2e: $(STAMP) chromium
	NNCOST_E2E_NOTEBOOK=$(NOTEBOOK) $(PY) -m pytest tests/e2e -n 0 -v -s -rs


## lab: JupyterLab on assignments/ from the repo root, so nbgrader_config.py is found
## (students: the notebooks; instructors: Nbgrader > Formgrader in the menu bar)
ALLOW_ROOT := $(shell test "$$(id -u)" = 0 && echo --allow-root)
lab: $(STAMP)
	PATH="$(CURDIR)/$(VENV)/bin:$$PATH" $(VENV)/bin/jupyter lab --ServerApp.root_dir="$(CURDIR)" \
		--LabApp.default_url=/lab/tree/assignments $(ALLOW_ROOT)

## walkthroughs: the assignments with solutions and explanations, executed, in walkthroughs/
walkthroughs: $(STAMP)
	$(PY) -m authoring walkthroughs

## hub: JupyterHub on http://127.0.0.1:8000 for the course: an instructor and two students as
## local users, nbgrader's exchange, configurable-http-proxy from npm (README: "Teach with it").
## Runs as root (it creates the users); the setup is idempotent. Ctrl-C stops the hub.
hub: $(STAMP) npm
	$(SUDO) $(PY) -m autograder.hub start

## npm: Node.js 18 or newer with npm, for configurable-http-proxy (the hub's, and its test's)
.PHONY: npm
npm:
	@command -v npm >/dev/null || { $(SUDO) apt-get update -qq && \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm; }
