# The two commands a newcomer needs: `make run` and `make test`. Everything installs itself.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test chromium install install-test lint migrate demo clean messages compilemessages

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed pyproject.toml client/pyproject.toml
	$(BIN)/pip install --quiet -e ".[test]" -e ./client
	touch $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

migrate: install
	$(BIN)/microwork migrate --no-input

demo: migrate
	$(BIN)/microwork demo --observatory --url http://$(HOST):$(PORT)

## make run: install, migrate, seed the demo, serve on http://127.0.0.1:8000 (SQLite, WAL) with
## the production server (`microwork serve`, granian), with the job queue's worker beside it (the
## sweep, large batches' aggregation, webhooks), logging to worker.log. Webhook endpoints on this
## machine (http://localhost) may be registered and reached: it is a demo on your own machine.
run: demo
	data=$${MICROWORK_DATA_DIR:-var}; \
	export MICROWORK_WEBHOOKS_ALLOW_LOCAL=$${MICROWORK_WEBHOOKS_ALLOW_LOCAL:-1}; \
	$(BIN)/microwork worker --workers 1 >>"$$data/worker.log" 2>&1 & \
	worker=$$!; trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	$(BIN)/microwork serve --bind $(HOST):$(PORT)

## make test: install what tests need, then run the whole suite (DATABASE_URL picks the database)
test: install-test chromium
	$(BIN)/ruff check src tests bench client
	$(BIN)/lint-imports --no-cache
	$(BIN)/bandit -q -c pyproject.toml -r src
	$(BIN)/microwork makemigrations --check --dry-run
	$(BIN)/pytest

## The browser tests (tests/e2e) drive Debian's Chromium; installed here when it is missing and
## apt-get can (as root), else they are skipped with a message saying why.
chromium:
	@command -v chromium >/dev/null || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null \
	  && apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; } \
	  || echo "make test: no chromium (Debian's package chromium): the browser tests are skipped"

lint: install-test
	$(BIN)/ruff check src tests bench client
	$(BIN)/ruff format --check src tests bench client

## make messages: collect marked strings into the French catalogue (docs/translating.md)
# From the package folder, so tests/ and bench/ stay out and the catalogue lands in src/microwork/locale.
messages: install
	cd src/microwork && MICROWORK_DATA_DIR=../../var ../../$(BIN)/microwork makemessages -l fr --no-obsolete --add-location file

compilemessages: install
	cd src/microwork && MICROWORK_DATA_DIR=../../var ../../$(BIN)/microwork compilemessages -l fr

clean:
	rm -rf $(VENV) var build *.egg-info src/*.egg-info
