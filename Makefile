# Pairpad. `make run` and `make test` work on a fresh machine: they install
# what is missing (a virtualenv in .venv, the web client's packages, Chromium).

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
WEB_SOURCES := $(shell find web/src web/index.html web/sandbox.html web/scripts web/vite.config.ts web/tsconfig.json web/package.json -type f 2>/dev/null)

.PHONY: install web chromium run demo test test-python test-web check format bench profile clean

install: $(VENV)/.installed

# Reinstalled whenever pyproject.toml changes.
$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

web/node_modules/.installed: web/package.json web/package-lock.json
	cd web && npm ci --no-audit --no-fund
	touch $@

# Rebuilt whenever a source file of the client changes.
web/dist/index.html: web/node_modules/.installed $(WEB_SOURCES)
	cd web && npm run build

web: web/dist/index.html

# Browser tests drive Debian's Chromium (Playwright's own download cannot work here).
chromium:
	@test -x /usr/bin/chromium || { \
	  echo "installing chromium from Debian's packages"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; }

run: install web
	$(BIN)/python -m service

# Two processes on two ports, one database, one room: open both links.
demo: install web
	$(BIN)/python -m service.demo

test: install web chromium test-web test-python

test-web: web/node_modules/.installed
	cd web && npm test

test-python: install
	$(BIN)/pytest

check: install web/node_modules/.installed
	$(BIN)/ruff format --check service tests bench
	$(BIN)/mypy
	$(BIN)/ruff check service tests bench
	cd web && npm run typecheck

format: install
	$(BIN)/ruff format service tests bench
	$(BIN)/ruff check --fix service tests bench

bench: install web chromium
	$(BIN)/python -m bench.run
	$(BIN)/python -m bench.runs_timing

# Server CPU per edit at 1,000 edits/s, and py-spy flame graphs of both server
# processes (bench/results/flame_process_{a,b}.svg).
profile: install
	$(BIN)/python -m bench.edit_cost --rounds 1 --flame

clean:
	rm -rf web/dist web/node_modules $(VENV)
