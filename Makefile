# Two commands for a newcomer (see README.md):
#   make run    serve on http://127.0.0.1:8000/graphql with SQLite and the demo county
#   make test   lint, type check, and the test suite on SQLite (and PostgreSQL if reachable)
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test lint schema migrate bench clean dashboard-bundle

$(BIN)/python:
	$(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

run: $(VENV)/.installed
	$(BIN)/python server.py

test: $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/python -m pytest

lint: $(VENV)/.installed
	$(BIN)/ruff check . && $(BIN)/ruff format --check . && $(BIN)/mypy

schema: $(VENV)/.installed
	$(BIN)/python -c 'from schema import sdl; print(sdl(), end="")' > schema.graphql

# The /dashboard page's graphql-ws client, rebuilt from its pinned packages (after changing
# static/dashboard/bundle/package.json: commit the new bundle; tests/test_dashboard_page.py
# fails while the committed one differs from what the lock file builds).
dashboard-bundle:
	cd static/dashboard/bundle && npm ci --no-audit --no-fund && node build.mjs ../assets/graphql-ws.js
	cp static/dashboard/bundle/node_modules/graphql-ws/LICENSE.md static/dashboard/assets/graphql-ws.LICENSE

migrate: $(VENV)/.installed
	$(BIN)/python server.py migrate

clean:
	rm -rf $(VENV) data
