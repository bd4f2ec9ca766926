# Two commands do everything on a fresh machine with Python 3.11+ and Node 20+:
#   make run    installs what is missing, starts the whole product on embedded servers
#   make test   installs what is missing, runs lint, types and the whole test suite
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
ASSETS := web/node_modules/.installed
# Compiled from the Welsh catalogue whenever it changes (a pull that brings new Welsh text included).
CATALOGUES := $(patsubst %.po,%.mo,$(wildcard web/translations/*/LC_MESSAGES/messages.po))
UV_VERSION := 0.13.9

.PHONY: run test bench lint install assets lock clean

install: $(STAMP) $(ASSETS) $(CATALOGUES)

$(BIN)/uv:
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

# The development environment: everything in requirements-dev.lock. The container image installs
# requirements.lock alone (what a production service imports).
$(STAMP): $(BIN)/uv requirements-dev.lock pyproject.toml
	$(BIN)/uv pip sync --quiet --python $(BIN)/python requirements-dev.lock
	$(BIN)/uv pip install --quiet --python $(BIN)/python --no-deps -e .
	touch $@

%.mo: %.po $(STAMP)
	$(BIN)/pybabel compile --use-fuzzy -i $< -o $@ >/dev/null

# Recompile both locks after changing pyproject.toml: pins move only where they must, and the dev
# lock is constrained to the runtime lock's versions, so tests run what the image ships.
lock: $(BIN)/uv
	$(BIN)/uv pip compile --quiet pyproject.toml --python-version 3.11 -o requirements.lock
	$(BIN)/uv pip compile --quiet pyproject.toml --python-version 3.11 --extra local --extra bench --extra dev \
		--constraints requirements.lock -o requirements-dev.lock

$(ASSETS): web/package.json web/package-lock.json
	npm ci --prefix web --no-audit --no-fund --loglevel=error
	touch $@

run: install
	$(BIN)/cdps run

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

# Two workers (pytest-xdist), each with servers of its own: most tests wait on servers, browsers
# and subprocesses, so two keep both cores busy. Tests are handed out one at a time (worksteal), so
# a module of slow ones (the OpenAPI contract runs) does not leave one worker running it alone.
TEST_WORKERS ?= 2

test: lint
	$(BIN)/pytest -n $(TEST_WORKERS) --dist worksteal

bench: install
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) web/node_modules .data
