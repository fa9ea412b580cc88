# Forecourt: two commands do the set-up — `make demo` and `make test`.
# Both build .venv from the lock file (uv.lock) first; nothing else needs installing by hand.

SHELL := /bin/bash
VENV := .venv
UV_VERSION := 0.13.9
TOOLS := .tools
UV := $(TOOLS)/bin/uv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=

.PHONY: demo test check lint typecheck layers format bench clean

$(TOOLS)/bin/uv:
	python3 -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet uv==$(UV_VERSION)

$(VENV)/.synced: uv.lock pyproject.toml | $(UV)
	$(UV) sync --frozen --python python3
	@touch $@

venv: $(VENV)/.synced

demo: $(VENV)/.synced  ## migrate, seed and serve the demo on http://$(HOST):$(PORT)/
	$(VENV)/bin/forecourt demo --host $(HOST) --port $(PORT)

test: $(VENV)/.synced  ## the whole suite (FORECOURT_TEST_DATABASE_URL picks PostgreSQL)
	$(VENV)/bin/pytest $(PYTEST_ARGS)

check: lint typecheck layers  ## ruff, ruff format --check, mypy --strict, import-linter

lint: $(VENV)/.synced
	$(VENV)/bin/ruff check src tests bench
	$(VENV)/bin/ruff format --check src tests bench

typecheck: $(VENV)/.synced
	$(VENV)/bin/mypy

layers: $(VENV)/.synced
	$(VENV)/bin/lint-imports

format: $(VENV)/.synced
	$(VENV)/bin/ruff check --fix src tests bench
	$(VENV)/bin/ruff format src tests bench

clean:
	rm -rf $(VENV) $(TOOLS) var .pytest_cache .mypy_cache .ruff_cache
