# Two entry points for a fresh machine: `make run` (chat on http://127.0.0.1:8000) and `make test`.
PY ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
export HF_HUB_OFFLINE := 1

.PHONY: chromium run test test-fast wheel-test lint format ingest eval bench install install-test

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e ".[test]"
	touch $(VENV)/.installed $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

run: install
	$(BIN)/policyqa serve

# Browser tests drive Debian's chromium (a test tool's own browser download does not work offline).
chromium:
	@[ -x /usr/bin/chromium ] || { SUDO=""; [ "$$(id -u)" -eq 0 ] || SUDO="sudo"; \
	  ($$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq chromium) \
	  || echo "chromium not installed: browser tests will be skipped"; }

# A fixed hash seed: retrieval breaks near-ties by set order, and test runs must be repeatable.
test: install-test chromium
	$(BIN)/ruff check .
	PYTHONHASHSEED=0 $(BIN)/pytest -q

# The wheel, installed into a fresh venv outside the repo, ingests and answers (also part of `make test`).
wheel-test: install-test
	$(BIN)/pytest -q tests/test_wheel.py

test-fast: install-test
	PYTHONHASHSEED=0 $(BIN)/pytest -q -m "not model and not slow"

lint: install-test
	$(BIN)/ruff check . && $(BIN)/ruff format --check .

format: install-test
	$(BIN)/ruff format . && $(BIN)/ruff check --fix .

ingest: install
	$(BIN)/policyqa ingest

eval: install
	$(BIN)/policyqa eval --gold ../shared/evals/dev.jsonl --out report.json --markdown docs/eval-latest.md

bench: install
	$(BIN)/python benchmarks/bench_corpus.py
