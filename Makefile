# The two commands of the README: `make run` and `make test`. Everything else is a step of theirs.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
# pytest processes (pytest-xdist); each takes whole test files, so a file's fixtures are built once
PYTEST_WORKERS ?= 2
INSTALL_STAMP := $(VENV)/.stamp-install
FRONTEND_STAMP := frontend/dist/index.html

.PHONY: run test install frontend system-deps migrate lint pytest frontend-test e2e clean

run: install frontend migrate
	$(BIN)/mcuforge run

test: install system-deps frontend lint pytest frontend-test e2e

install: $(INSTALL_STAMP)

$(INSTALL_STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

system-deps:
	./scripts/system-deps.sh

frontend: $(FRONTEND_STAMP)

$(FRONTEND_STAMP): install $(shell find frontend/src frontend/index.html frontend/package.json frontend/package-lock.json -type f 2>/dev/null) $(shell find backend -name '*.py' 2>/dev/null)
	cd frontend && npm ci --no-audit --no-fund && npm run build

migrate: install
	$(BIN)/mcuforge migrate

lint: install
	$(BIN)/ruff check .
	$(BIN)/mypy dsp_blocks deploy_targets

pytest: install
	$(BIN)/pytest -n $(PYTEST_WORKERS) --dist loadfile

frontend-test: frontend
	cd frontend && npm test

# Playwright in Debian's Chromium against `mcuforge run` in embedded mode; screenshots land in
# test-artifacts/screenshots/.
e2e: frontend
	cd frontend && npm run e2e

clean:
	rm -rf $(VENV) frontend/node_modules frontend/dist
