# The two commands: `make run` serves the app (and runs its scheduler), `make test` passes the tests.
# Both build the virtual environment first; nothing else needs to be installed by hand.

PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
FLASK := $(BIN)/flask --app tracker

.PHONY: run test bench screenshots clean

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.runtime: requirements.txt | $(BIN)/activate
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt | $(BIN)/activate
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@ $(VENV)/.runtime

run: $(VENV)/.runtime
	$(FLASK) init-db
	FLASK="$(FLASK)" PORT=$(PORT) scripts/run-local

AXE := tests/browser/node_modules/axe-core/axe.min.js

$(AXE): tests/browser/package.json tests/browser/package-lock.json
	npm ci --prefix tests/browser --no-audit --no-fund --silent
	touch $@

test: $(VENV)/.dev
	scripts/ensure-system-packages
	$(MAKE) $(AXE)
	$(BIN)/pytest

screenshots: $(VENV)/.dev
	scripts/ensure-system-packages
	$(BIN)/python -m tests.browser.screenshots docs/screenshots
	$(BIN)/python -m tests.reports.documents docs/screenshots

bench: $(VENV)/.dev
	$(BIN)/python -m tests.benchmarks
	$(BIN)/python -m tests.benchmarks --contributions 100000
	$(BIN)/python -m tests.benchmarks.bench_recompute
	$(BIN)/python -m tests.benchmarks.bench_tables
	$(BIN)/python -m tests.benchmarks.bench_export
	$(BIN)/python -m tests.benchmarks.bench_refusals
	$(BIN)/python -m tests.benchmarks.bench_signin
	$(BIN)/python -m tests.benchmarks.bench_imports
	$(BIN)/python -m tests.benchmarks.bench_public

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis
