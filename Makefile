# Set-up and everyday commands. Each target creates what it needs on a fresh machine.
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
DEMO_DB ?= demo/junshi-demo.duckdb

.PHONY: demo test lint unit bench clean chromium echarts pdf

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

# The dashboard's charting library is vendored in src/junshi/web/static/vendor (committed, so that any install
# serves working charts). `make echarts` refreshes it from the npm registry at the version web/package-lock.json pins.
echarts:
	web/refresh-echarts.sh

# Debian's Chromium for the browser tests (Playwright drives it; never `playwright install`).
chromium:
	@if [ ! -x /usr/bin/chromium ]; then \
	  if [ "$$(id -u)" = 0 ]; then apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium fonts-wqy-microhei; \
	  else echo "Install chromium (sudo apt-get install chromium) for the browser tests." >&2; exit 1; fi; \
	fi

# Debian's pango (WeasyPrint lays out the PDF reports with it) and a CJK font (else Chinese prints as boxes).
pdf: $(VENV)/.runtime
	@if ! $(BIN)/python -c 'import weasyprint' 2>/dev/null || ! fc-list :lang=zh 2>/dev/null | grep -q .; then \
	  if [ "$$(id -u)" = 0 ]; then apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y \
	    libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fontconfig fonts-wqy-microhei; \
	  else echo "Install pango and a CJK font (sudo apt-get install libpango-1.0-0 libpangoft2-1.0-0 fonts-wqy-microhei) for PDF reports." >&2; exit 1; fi; \
	fi

demo: $(VENV)/.runtime pdf
	$(BIN)/junshi demo --db $(DEMO_DB)

lint: $(VENV)/.dev
	$(BIN)/ruff check src tests bench
	$(BIN)/mypy

unit: $(VENV)/.dev chromium pdf
	$(BIN)/pytest

test: lint unit

bench: $(VENV)/.dev
	for b in bench/*.py; do $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) demo .pytest_cache .mypy_cache .ruff_cache
