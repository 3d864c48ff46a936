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

# ---- assignments (issue 3)
.PHONY: lab walkthroughs

## lab: JupyterLab on assignments/ from the repo root, so nbgrader_config.py is found
## (students: the notebooks; instructors: Nbgrader > Formgrader in the menu bar)
lab: $(STAMP)
	PATH="$(CURDIR)/$(VENV)/bin:$$PATH" $(VENV)/bin/jupyter lab --ServerApp.root_dir="$(CURDIR)" \
		--LabApp.default_url=/lab/tree/assignments

## walkthroughs: the assignments with solutions and explanations, executed, in walkthroughs/
walkthroughs: $(STAMP)
	$(PY) -m autograder walkthroughs
