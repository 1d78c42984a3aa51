# urutiq-ai: `make run` loads the demo and serves http://127.0.0.1:8000, `make test` runs the suite.
# Needs only Python 3.11+: uv (pinned) is installed into .tools/, the project into .venv/
# from the committed uv.lock.

PYTHON ?= python3
VENV := .venv
TOOLS := .tools
UV := $(TOOLS)/bin/uv
UV_VERSION := 0.13.8
BIN := $(VENV)/bin
export UV_PROJECT_ENVIRONMENT := $(abspath $(VENV))

.PHONY: install compile run test test-fast lint hooks format types clean

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet "uv==$(UV_VERSION)"

# Bytecode is written the first time a module is imported, not for every installed file at
# install time (9,000 files, most never imported: tests of pandas and scipy, dev tools): with
# PYTHONDONTWRITEBYTECODE set (as on some machines) Python would recompile every module at
# every start, so it is unset for what make runs, and `compile` imports what the CLI, the
# server and the demo load once, so that commands run later by hand start from bytecode too.
unexport PYTHONDONTWRITEBYTECODE

$(VENV)/.installed: pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen --python "$$($(PYTHON) -c 'import sys; print(sys.executable)')"
	touch $@

compile: $(VENV)/.warm
	$(BIN)/python -m compileall -q src

$(VENV)/.warm: $(VENV)/.installed
	$(BIN)/python -m urutiq_ai.warm
	touch $@

install: $(VENV)/.installed

run: install compile
	$(BIN)/urutiq-ai db upgrade
	$(BIN)/urutiq-ai demo load
	$(BIN)/urutiq-ai serve

# --durations: the slowest tests of every run in its log, to see what next to make faster.
test: install
	$(BIN)/python -m pytest -n auto --dist loadgroup -p no:cacheprovider --durations=30

# While editing: all but the tests marked slow, browser, celery or postgres (see
# tests/conftest.py), on every core; stops at the first failure.
test-fast: install
	$(BIN)/python -m pytest -n auto --dist loadgroup -x -q -p no:cacheprovider \
		-m "not slow and not browser and not celery and not postgres"

lint: install
	$(BIN)/ruff check src tests benchmarks scripts
	$(BIN)/ruff format --check src tests benchmarks scripts
	$(BIN)/mypy
	$(BIN)/python scripts/linters/tenant_scope.py

# The same checks on every commit (.pre-commit-config.yaml); pre-commit runs through uv.
hooks: install
	$(UV) tool run pre-commit install

format: install
	$(BIN)/ruff format src tests benchmarks scripts
	$(BIN)/ruff check --fix src tests benchmarks scripts

types: install
	$(BIN)/mypy

clean:
	rm -rf $(VENV) $(TOOLS) .pytest_cache .mypy_cache .ruff_cache
