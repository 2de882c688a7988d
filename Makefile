# Set-up and everyday commands. Each target creates what it needs on a fresh machine.
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
DEMO_DB ?= demo/junshi-demo.duckdb

.PHONY: demo test lint typecheck unit bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

# Runtime dependencies only (enough for the demo).
$(VENV)/.runtime: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e .
	touch $@

# Test tools and the optional Spark engine.
$(VENV)/.dev: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e '.[dev,spark]'
	touch $@ $(VENV)/.runtime

demo: $(VENV)/.runtime
	$(BIN)/junshi demo --db $(DEMO_DB)

lint: $(VENV)/.dev
	$(BIN)/ruff check src tests bench
	$(BIN)/mypy

unit: $(VENV)/.dev
	$(BIN)/pytest

test: lint unit

bench: $(VENV)/.dev
	for b in bench/*.py; do $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) demo .pytest_cache .mypy_cache .ruff_cache
