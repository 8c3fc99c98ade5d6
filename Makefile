# B2B Portal — two commands on a fresh machine: `make run` and `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help

# Python 3.13 from pyenv (.python-version) or the PATH.
PYTHON ?= $(shell (command -v pyenv >/dev/null && pyenv which python3.13 2>/dev/null) || command -v python3.13 || echo python3.13)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
RUN_ENV := DEBUG=1
PYTEST_ARGS ?=

BENCH_ARGS ?=
LOADTEST_ARGS ?=

.PHONY: help venv run test bench loadtest lint format clean lock audit

help:
	@echo "make run     set up (venv, migrations, demo data) and start web + Celery worker + beat"
	@echo "make test    set up and run the whole test suite on a throwaway PostgreSQL"
	@echo "             (B2B_TEST_DB=sqlite make test: the quick loop on SQLite)"
	@echo "make bench   the Buy-flow benchmark (BENCH_ARGS=\"--orders 500 --skip-pages\")"
	@echo "make loadtest 16 users on gunicorn: p50/p95/p99 per request (LOADTEST_ARGS=\"--seconds 30\")"
	@echo "make lint    ruff check + ruff format --check + the import layering check"
	@echo "make lock    renew requirements.lock (hashes) from pyproject.toml"
	@echo "make audit   pip-audit of requirements.lock (fails where PyPI's vulnerability data is unreachable)"

venv: $(STAMP)

# Dependencies come from requirements.lock (exact versions and their hashes: pip refuses a
# file whose hash differs); `make lock` renews it after pyproject.toml changes.
$(STAMP): pyproject.toml requirements.lock
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -c 'import sys; assert sys.version_info[:2] == (3, 13), f"need Python 3.13, got {sys.version}"'
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	@touch $@

lock: venv
	$(BIN)/python -m pip install --quiet pip-tools
	$(BIN)/pip-compile --quiet --generate-hashes --allow-unsafe --extra dev --strip-extras \
		--no-emit-index-url --no-emit-find-links -o requirements.lock pyproject.toml

# Known vulnerabilities in the locked dependencies, from PyPI's vulnerability data; fails where
# that data cannot be reached (nothing checked is not "nothing found").
audit: venv
	BIN=$(BIN) scripts/audit.sh

run: venv
	$(RUN_ENV) $(BIN)/python manage.py migrate --noinput
	$(RUN_ENV) $(BIN)/python manage.py demo_setup fixtures/demo.json
	@# Ctrl-C: honcho stops the three processes and exits 130, which is how a run ends (no
	@# error from make). The worker's pool is threads: no child processes for honcho's
	@# SIGTERM to kill under the worker, which then shuts down warm, without error lines.
	$(RUN_ENV) PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/honcho start -f Procfile || test $$? -eq 130

test: venv
ifeq ($(B2B_TEST_DB),sqlite)
	$(BIN)/python -m pytest $(PYTEST_ARGS)
else
	scripts/with-test-postgres.sh $(BIN)/python -m pytest $(PYTEST_ARGS)
endif

bench: venv
	PG_EXTRA_OPTS="-c shared_preload_libraries=pg_stat_statements -c pg_stat_statements.track=all -c pg_stat_statements.max=20000" \
		scripts/with-test-postgres.sh $(BIN)/python scripts/bench.py $(BENCH_ARGS)

loadtest: venv
	scripts/with-test-postgres.sh $(BIN)/python scripts/loadtest.py $(LOADTEST_ARGS)

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	B2B_TEST_DB=sqlite $(BIN)/python -m pytest -q tests/core/test_layering.py

format: venv
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) var build *.egg-info
