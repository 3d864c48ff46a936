# nncost — every target creates .venv (Python 3.11) and installs the pinned set when missing.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: demo test lint clean

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

## demo: print the cost report of the course's Q3 CNN (the main job until the notebooks land)
demo: $(STAMP)
	$(PY) -m nncost demo q3 --explain

## test: the whole test suite
test: $(STAMP)
	$(PY) -m ruff check nncost tests
	$(PY) -m pytest

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache

## cnn_concepts: regenerate the CNN concepts notebooks (source, then the student release)
cnn_concepts: $(STAMP)
	$(PY) autograder/build_cnn_concepts.py
	PATH=$(VENV)/bin:$$PATH $(VENV)/bin/nbgrader generate_assignment cnn_concepts --force
