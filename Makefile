# bhlink — the two commands a newcomer needs are `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
export BHLINK_DATABASE_URL ?= sqlite:///./var/bhlink.db

.PHONY: run test lint typecheck unit test-pg fuzz crash bench bench-quick clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Stamps keep repeat runs fast: reinstall only when pyproject.toml changes.
$(VENV)/.run-installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.dev-installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@ $(VENV)/.run-installed

run: $(VENV)/.run-installed
	mkdir -p var
	$(BIN)/bhlink db upgrade
	$(BIN)/bhlink demo load --if-empty
	$(BIN)/bhlink demo credentials
	$(BIN)/bhlink serve --host $(HOST) --port $(PORT)

lint: $(VENV)/.dev-installed
	$(BIN)/ruff check $(wildcard src tests bench)
	$(BIN)/ruff format --check $(wildcard src tests bench)
	$(BIN)/lint-imports

typecheck: $(VENV)/.dev-installed
	$(BIN)/mypy

unit: $(VENV)/.dev-installed
	$(BIN)/python -m pytest -n 2 -q -m "not slow"

test: lint typecheck unit

# The PostgreSQL leg: the same suite against a real server.
test-pg: $(VENV)/.dev-installed
	BHLINK_TEST_DATABASE_URL=$${BHLINK_TEST_DATABASE_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/test} \
		$(BIN)/python -m pytest -n 2 -q -m "not slow"

fuzz: $(VENV)/.dev-installed
	BHLINK_FUZZ_EXAMPLES=$${BHLINK_FUZZ_EXAMPLES:-1000} $(BIN)/python -m pytest -q tests/security/test_fuzz.py

crash: $(VENV)/.dev-installed
	BHLINK_CRASH_ROUNDS=$${BHLINK_CRASH_ROUNDS:-25} $(BIN)/python -m pytest -q -m slow tests/security

bench: $(VENV)/.dev-installed
	$(BIN)/python -m bench.run --full

bench-quick: $(VENV)/.dev-installed
	$(BIN)/python -m bench.run --quick

clean:
	rm -rf $(VENV) var .mypy_cache .pytest_cache .ruff_cache
