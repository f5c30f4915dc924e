# TARSy developer entry points. `make run` and `make test` are all a fresh machine needs.
SHELL := /bin/bash
PYTHON ?= python3
UV := $(shell command -v uv 2>/dev/null)
ifeq ($(UV),)
UV := $(PYTHON) -m uv
endif
VENV := .venv
BIN := $(VENV)/bin
PYTEST_ARGS ?=

DASHBOARD := web/dashboard
NPM_FLAGS := --no-audit --no-fund

.PHONY: run test lint fmt venv uv bench clean mcp-everything dashboard dashboard-test debs

uv:
	@$(UV) --version >/dev/null 2>&1 || $(PYTHON) -m pip install --quiet uv

# Byte-code is compiled at install: a process that may not write it (PYTHONDONTWRITEBYTECODE, a
# read-only image) would otherwise compile every module on every start, doubling start-up.
venv: uv
	@$(UV) sync --frozen --quiet --compile-bytecode
	@$(BIN)/python -m compileall -q src >/dev/null

run: venv dashboard
	$(BIN)/tarsy serve

# The dashboard: npm ci when the lock file changed, then the production build into dist/.
$(DASHBOARD)/node_modules/.package-lock.json: $(DASHBOARD)/package-lock.json
	npm ci --prefix $(DASHBOARD) $(NPM_FLAGS) --silent

dashboard: $(DASHBOARD)/node_modules/.package-lock.json
	npm run --prefix $(DASHBOARD) --silent build

dashboard-test: $(DASHBOARD)/node_modules/.package-lock.json
	npm run --prefix $(DASHBOARD) --silent typecheck
	npm run --prefix $(DASHBOARD) --silent test

# Debian packages the tests use: Chromium (browser tests) and Prometheus Alertmanager (its
# webhook end-to-end test). Installed when CI=true and missing, after one apt-get update.
debs:
	@missing=""; \
	command -v chromium >/dev/null || missing="$$missing chromium"; \
	command -v prometheus-alertmanager >/dev/null || missing="$$missing prometheus-alertmanager"; \
	if [ -n "$$missing" ] && [ "$$CI" = "true" ]; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	fi

lint: venv
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports

# The reference MCP test server from npm, for the MCP integration tests.
mcp-everything:
	@npm install --prefix tests/integration/mcp/npm --no-save --no-audit --no-fund --silent \
		@modelcontextprotocol/server-everything@2026.8.31

test: lint mcp-everything dashboard dashboard-test debs
	$(BIN)/pytest $(PYTEST_ARGS)

fmt: venv
	$(BIN)/ruff format src tests bench
	$(BIN)/ruff check --fix src tests bench

bench: venv
	$(BIN)/python bench/ingest.py

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache $(DASHBOARD)/node_modules $(DASHBOARD)/dist
