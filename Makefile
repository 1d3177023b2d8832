# Two entry points for a fresh clone with python3 (3.10-3.13, with its venv module and headers),
# make and gcc (durable-rules builds from source):
#   make demo   install, then assess one symptom set
#   make test   install, then lint (ruff, mypy) and run the whole test suite (unit, property, Gherkin, CLI)
# Another interpreter: make test PYTHON=python3.13 (the .venv is rebuilt for it).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PYTEST_ARGS ?=
LINTED := $(wildcard src tests benchmarks)

# Which interpreter the venv is for: a venv made by another one is rebuilt, never reused.
PYTHON_ID := $(shell $(PYTHON) -c 'import hashlib, sys; print(sys.implementation.cache_tag + "-" + hashlib.sha256(sys.base_prefix.encode()).hexdigest()[:10])' 2>/dev/null)
STAMP := $(VENV)/.installed-$(or $(PYTHON_ID),unknown-python)
# durable-rules 2.0.28 calls PyEval_CallObject, removed in CPython 3.13: map it to its successor
# at build time (CPPFLAGS, not CFLAGS: its setup.py overwrites CFLAGS).
DURABLE_CPPFLAGS := $(shell $(PYTHON) -c 'import sys; print("-DPyEval_CallObject=PyObject_CallObject" if sys.version_info >= (3, 13) else "")' 2>/dev/null)

.PHONY: install demo test lint bench clean

install: $(STAMP)

# One shell: any failure removes the half-made venv, so the next make starts clean.
$(STAMP): pyproject.toml
	@rm -rf $(VENV)
	@set -e; trap 'rm -rf $(VENV)' EXIT; trap 'exit 130' INT TERM; \
	$(PYTHON) -m venv $(VENV) || { echo "make: $(PYTHON) could not create $(VENV): it needs its venv module and the Python headers (Debian: apt-get install python3-venv python3-dev)" >&2; exit 1; }; \
	$(BIN)/python -m pip install --quiet --upgrade pip; \
	CPPFLAGS="$(DURABLE_CPPFLAGS) $$CPPFLAGS" $(BIN)/python -m pip install --quiet -e '.[test]'; \
	$(BIN)/python -c 'import psoas_triage'; \
	touch $(STAMP); trap - EXIT
	@echo "make: $(VENV) ready ($$($(BIN)/python --version))"

demo: install
	$(BIN)/psoas-triage assess groin_pain hip_snapping --absent fever --age 34 --duration-days 10 --pain 5

lint: install
	$(BIN)/ruff check $(LINTED)
	$(BIN)/ruff format --check $(LINTED)
	$(BIN)/mypy

test: lint
	$(BIN)/python -m pytest $(PYTEST_ARGS)

bench: install
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf $(VENV) .venv-* .ci-venvs build dist src/*.egg-info *.egg-info \
		.pytest_cache .ruff_cache .mypy_cache .hypothesis .coverage htmlcov
	find . -path ./.git -prune -o -type d -name __pycache__ -prune -exec rm -rf {} +
